/**
 * One worker process of `toProcess.runSync()`: a forked Node process running
 * runtime/platform/node/workers/process-worker.cjs, which imports worker functions and calls
 * them one at a time. Internal.
 *
 * Protocol (over the IPC channel, Node's "advanced" serialization): the worker sends
 * `{ ready: true }` once; then for each `{ id, payload }` (payload: the structured clone of
 * `[module, exportName, args]`) it answers `{ id, ok: true, value }` or
 * `{ id, ok: false, error }` (an error record). Anything else is a protocol error.
 *
 * Invariants:
 * - At most one operation (the start, or a call) waits on a worker at a time, parked in the
 *   caller's scope; the worker's exit or a protocol error fails it with `BrokenWorkerProcess`.
 * - `exited` settles when Node emits `'exit'`: the worker is reaped, and no signal is sent after.
 */
import { currentFrame, Waiter } from "../rt";
import { BrokenWorkerProcess } from "../core/errors";
import { cancelled, outsideTask } from "../sync/checks";
import type { EncodedThrown } from "../threads/remote-error";
import type { ChildProcess, ProcessHost } from "./host";

/** How long a new worker may take to report ready (AnyIO's figure). */
export const WORKER_START_TIMEOUT = 20_000;

/** A worker's answer to one call. */
export type WorkerReply =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: EncodedThrown };

let nextCallId = 1;

export class WorkerProcess {
  /** Settles once the worker has exited and was reaped. */
  readonly exited: Promise<void>;
  /** Whether the worker has exited. */
  dead = false;
  /** When it last finished a call (the run's clock), while idle in the pool. */
  idleSince = 0;
  private ready = false;
  /** The operation waiting on the worker: its start, or a call (with the call's id). */
  private pending: { waiter: Waiter<any>; id: number } | undefined = undefined;
  private readonly forget: () => void;
  private exitWaiters = new Set<Waiter<void>>();
  private exitDescription = "";

  constructor(
    private readonly child: ChildProcess,
    host: ProcessHost,
  ) {
    this.forget = host.killAtExit(child);
    let reaped!: () => void;
    this.exited = new Promise<void>((resolve) => (reaped = resolve));
    child.on("message", (message: unknown) => this.onMessage(message));
    child.on("exit", (code: number | null, signal: string | null) => {
      this.dead = true;
      this.forget();
      this.exitDescription = signal !== null ? `it was killed by ${signal}` : `it exited with code ${code}`;
      this.failPending(
        new BrokenWorkerProcess(`The worker process ${child.pid} died before answering: ${this.exitDescription}`, {
          cause: { exitCode: code, signalCode: signal },
        }),
      );
      for (const waiter of this.exitWaiters) waiter.wake();
      this.exitWaiters.clear();
      reaped();
    });
  }

  /** The worker's pid. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Waits for the worker to report ready (at most {@link WORKER_START_TIMEOUT} ms), parked in
   * the current scope. @throws BrokenWorkerProcess if it dies or stays silent.
   */
  started(): Promise<void> {
    return this.park<void>(0, (waiter) => {
      if (this.ready) return void waiter.wake();
      const timer = setTimeout(() => {
        if (this.pending?.waiter !== waiter) return;
        this.breakWith(
          new BrokenWorkerProcess(`The worker process did not report ready within ${WORKER_START_TIMEOUT} ms`),
        );
      }, WORKER_START_TIMEOUT);
      // The timer goes as soon as the start has settled, whichever way.
      waiter.promise.then(
        () => clearTimeout(timer),
        () => clearTimeout(timer),
      );
    });
  }

  /** Sends one call and waits for its reply, parked in the current scope. */
  call(payload: Uint8Array): Promise<WorkerReply> {
    const id = nextCallId++;
    return this.park<WorkerReply>(id, (waiter) => {
      this.child.send({ id, payload }, (error: Error | null) => {
        if (error != null && this.pending?.waiter === waiter) {
          this.breakWith(new BrokenWorkerProcess("Could not send the call to the worker process", { cause: error }));
        }
      });
    });
  }

  /** Waits until the worker has exited and was reaped, parked in the current scope. */
  reaped(): Promise<void> {
    const frame = currentFrame();
    if (frame === undefined) return outsideTask("toProcess.runSync()");
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const waiter: Waiter<void> = new Waiter<void>(frame, () => this.exitWaiters.delete(waiter)).waitsFor(
      "operation",
      "a worker process's exit",
    );
    if (this.dead) waiter.wake();
    else this.exitWaiters.add(waiter);
    return waiter.promise;
  }

  /** SIGKILL, unless it has already exited. */
  kill(): void {
    if (!this.dead) this.child.kill("SIGKILL");
  }

  private park<T>(id: number, begin: (waiter: Waiter<T>) => void): Promise<T> {
    const frame = currentFrame();
    if (frame === undefined) return outsideTask("toProcess.runSync()");
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const waiter: Waiter<T> = new Waiter<T>(frame, () => {
      if (this.pending?.waiter === waiter) this.pending = undefined;
    }).waitsFor("operation", "a call in a worker process");
    if (this.dead) {
      waiter.fail(new BrokenWorkerProcess(`The worker process ${this.child.pid} has exited: ${this.exitDescription}`));
      return waiter.promise;
    }
    this.pending = { waiter, id };
    begin(waiter);
    return waiter.promise;
  }

  private onMessage(message: unknown): void {
    const pending = this.pending;
    if (typeof message === "object" && message !== null) {
      const record = message as { ready?: unknown; id?: unknown; ok?: unknown };
      if (record.ready === true && !this.ready) {
        this.ready = true;
        if (pending !== undefined && pending.id === 0) {
          this.pending = undefined;
          pending.waiter.wake(undefined);
        }
        return;
      }
      if (pending !== undefined && pending.id !== 0 && record.id === pending.id && typeof record.ok === "boolean") {
        this.pending = undefined;
        pending.waiter.wake(message as WorkerReply);
        return;
      }
    }
    this.breakWith(
      new BrokenWorkerProcess("The worker process broke the protocol", {
        cause: new Error(`unexpected message from the worker process: ${String(JSON.stringify(message))}`),
      }),
    );
  }

  /** The worker is no longer usable: the operation waiting on it fails with `error`, and it is killed. */
  private breakWith(error: BrokenWorkerProcess): void {
    this.failPending(error);
    this.kill();
  }

  private failPending(error: BrokenWorkerProcess): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.waiter.fail(error);
  }
}
