/**
 * What the thread room needs from the host: worker threads that run jobs and can call back
 * into this thread, and the loop-thread side of the modules workers name. The Node entry point
 * installs the implementation (runtime/platform/node/threads.ts, on `node:worker_threads`); in
 * a browser every call throws `NotSupportedError` naming it ("toThread.runSync() needs Node.js,
 * Bun or Deno; browsers have no worker threads here").
 */
import type { NodeMessagePort } from "../platform/node/threads";
import { Seam } from "../platform/seam";
import type { EncodedThrown } from "./remote-error";

/**
 * A worker function as jobs name it: a number, with the module and export that the host sends a
 * worker only with the first job for it.
 */
export interface FunctionRef {
  readonly id: number;
  readonly module: string;
  readonly exportName: string;
}

/** A worker's outcome of a job: its value, or what it threw as an error record. */
export type JobOutcome = readonly [ok: true, value: unknown] | readonly [ok: false, error: EncodedThrown];

/** The loop thread's answer to a worker's request. */
export type ThreadAnswer =
  | { readonly id?: number; readonly ok: true; readonly value: unknown }
  | { readonly id?: number; readonly ok: false; readonly error: EncodedThrown; readonly cancelled?: undefined }
  | { readonly ok: false; readonly cancelled: true; readonly message: string };

/** What a worker asks of the loop thread (fromThread.run/runSync, a lent callback). */
export interface ThreadRequest {
  readonly kind: "run" | "runSync";
  readonly target: { readonly module: string; readonly exportName: string } | { readonly callback: number };
  readonly args: unknown[];
}

/** What a worker reports to its owner. */
export interface WorkerEvents {
  /** The outcome of the job in progress. */
  answer(outcome: JobOutcome): void;
  /** A request from the job in progress; `reply` answers it and wakes the blocked worker. */
  request(request: ThreadRequest, reply: (answer: ThreadAnswer) => void): void;
  /** The worker ended (not by {@link HostWorker.terminate}); `cause` is its exit code or error. */
  exited(cause: unknown): void;
}

/** One worker thread, as the pool drives it. */
export interface HostWorker {
  /**
   * Shared flags: `[0]` wakes the worker blocked on a request, `[1]` is the cancel flag that
   * `fromThread.checkCancelled()` reads (Atomics only).
   */
  readonly flags: Int32Array;
  /**
   * Posts job `id`: call `fn` with `args` (lent callbacks as placeholders, which only a job that
   * `lends` carries), moving `transferList` (structured clone).
   */
  post(id: number, fn: FunctionRef, args: readonly unknown[], lends: boolean, transferList: readonly unknown[]): void;
  /** Whether an idle worker keeps the host process alive. */
  ref(keep: boolean): void;
  /** Stops the thread (also one that is running or blocked); resolves once it has stopped. */
  terminate(): Promise<void>;
}

/** The thread-side half of `fromThread` (worker-api.cjs), as loaded in this thread. */
export interface FromThreadImplementation {
  run(fn: unknown, ...args: unknown[]): unknown;
  runSync(fn: unknown, ...args: unknown[]): unknown;
  checkCancelled(): void;
}

/** A portal client's thread-side implementation (portal-client.cjs); futures are {@link FutureStateLike}. */
export interface PortalClientImplementation {
  call(fn: unknown, args: unknown[]): unknown;
  startTaskSoon(name: string | undefined, fn: unknown, args: unknown[]): FutureStateLike;
  startAndWait(name: string | undefined, fn: unknown, args: unknown[]): [FutureStateLike, unknown];
  stop(cancelRemaining: boolean): void;
  /** Blocks until the portal has exited. */
  waitUntilExited(): void;
  close(): void;
}

/** A client-side future (see portal-future.ts FutureState). */
export interface FutureStateLike {
  done(): boolean;
  cancelled(): boolean;
  cancel(): boolean;
  result(timeout: number): unknown;
  exception(): unknown;
  promise(): Promise<unknown>;
}

/** The worker thread of a portal started by startBlockingPortal(), once its portal runs. */
export interface PortalWorker {
  readonly port: NodeMessagePort;
  readonly threadId: number;
  /** Lets the thread end once its portal stopped (terminating it if it has not ended). */
  end(): void;
  /** Terminates the thread (if it still runs) and resolves once it has ended. */
  terminate(): Promise<void>;
}

/** The host's threads. */
export interface ThreadsHost {
  /** Starts a worker thread for toThread jobs. */
  startWorker(events: WorkerEvents): HostWorker;
  /** Loads `exportName` of `module` in this thread, for a worker's `fromThread` request. */
  loadFunction(module: string, exportName: string): Promise<(...args: unknown[]) => unknown>;
  /** What a thrown value becomes to cross to a worker (error-record.cjs). */
  encodeError(thrown: unknown): EncodedThrown;
  /** The placeholder key lent callbacks travel under. */
  readonly callbackKey: string;
  /** fromThread as this thread has it: working only in a worker started by toThread.runSync(). */
  readonly fromThread: FromThreadImplementation;
  /** Whether this thread is a worker started by toThread.runSync(). */
  inToThreadWorker(): boolean;
  /** This thread's id (`worker_threads.threadId`). */
  readonly threadId: number;
  /** A client of the portal whose token port is `port`. */
  portalClient(port: NodeMessagePort, portalThreadId: number | undefined): PortalClientImplementation;
  /** Starts a worker thread running a portal; blocks until the portal runs. */
  startPortalWorker(name: string): PortalWorker;
}

export const threadsHost = new Seam<ThreadsHost>("browsers have no worker threads here");
