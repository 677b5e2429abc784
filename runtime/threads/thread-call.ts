/**
 * One `toThread.runSync()` call once its checkpoint is behind it: a limiter token, a worker of
 * the run's pool, the job, the worker's calls back into this thread, and the outcome. Internal.
 *
 * Invariants:
 * - Cancellation before the job is posted (while waiting for a token, or found when the token
 *   arrives) rejects with `Cancelled`; no worker was reserved and nothing ran.
 * - The token is released only when the worker has finished the job (or died), also when an
 *   abandoning caller left long before (Trio's rule): the limiter bounds running threads.
 * - Not abandoning (the default), the caller's promise settles with the job's own outcome,
 *   never `Cancelled` from the scope: the scope's cancellation only raises the worker's cancel
 *   flag, and lands at the caller's next checkpoint. Abandoning, the scope's cancellation
 *   rejects at once; the worker runs on and returns to the pool when done.
 * - The promise is a runtime operation's (runtime/core/primitive.ts): compiled callers await it
 *   without a race, so a finished job's result is never lost to a cancellation.
 *
 * No "use structured" here on purpose: these awaits are the host side of an operation, and a
 * compiled await would race them against the very cancellation they must outlive.
 */
import { enterScope, exitScope, noteCancelPoint, noteSchedulePoint, tagPrimitive, Waiter, type Frame } from "../rt";
import { CancelScope } from "../core/cancel-scope";
import { spawnTask } from "../core/task";
import { BrokenWorkerThread, Cancelled } from "../core/errors";
import type { CapacityLimiter } from "../sync/capacity-limiter";
import { cancelled } from "../sync/checks";
import {
  threadsHost,
  type FunctionRef,
  type JobOutcome,
  type ThreadAnswer,
  type ThreadRequest,
  type ThreadsHost,
} from "./host";
import { lentFunction } from "./lent-callback";
import { decodeError } from "./remote-error";
import type { PooledWorker, ThreadPool, WorkerClient } from "./thread-pool";
import type { WorkerFunction } from "./worker-function";

let nextJobId = 1;

/** Worker functions → how jobs name them (a worker is sent a function's module and export once). */
const functionRefs = new WeakMap<object, FunctionRef>();
let nextFunctionId = 0;

/** The number jobs name `fn` by (a new one if `fn`, a plain object, was changed since). */
function refOf(fn: WorkerFunction<(...args: any[]) => unknown>): FunctionRef {
  const ref = functionRefs.get(fn);
  if (ref !== undefined && ref.module === fn.module && ref.exportName === fn.exportName) return ref;
  const made: FunctionRef = { id: nextFunctionId++, module: fn.module, exportName: fn.exportName };
  functionRefs.set(fn, made);
  return made;
}

/**
 * The wait of a call that does not abandon its worker: parked (the task counts as blocked) but
 * never ended by cancellation, which only tells the worker through `onCancel`.
 */
class ShieldedWait<T> extends Waiter<T> {
  /** @internal The scope became effectively cancelled: tell the worker, keep waiting. */
  override _cancel(): void {
    if (this.settled) return;
    this._scope?._removeWaiter(this);
    this.onCancel?.();
  }
}

/** What `runSync()` checked and prepared before its checkpoint. */
export interface PreparedCall {
  readonly fn: WorkerFunction<(...args: any[]) => unknown>;
  readonly abandonOnCancel: boolean;
  readonly limiter: CapacityLimiter;
  readonly pool: ThreadPool;
}

/**
 * Runs the prepared call for the task of `frame`, which was checked not cancelled: sends the
 * arguments through structured clone now (a `DataCloneError` rejects and nothing runs), then
 * waits for a token and a worker.
 */
export function startThreadCall(
  frame: Frame,
  prepared: PreparedCall,
  args: readonly unknown[],
  transferList: readonly unknown[],
): Promise<unknown> {
  const host = threadsHost.get("toThread.runSync()");
  noteCancelPoint(frame);
  let callbacks: Array<(...args: any[]) => unknown> | undefined;
  // Primitive arguments (the common case) are sent as they are: no lent callback, no trial clone.
  const primitive = args.every(isPrimitive);
  const sent = primitive
    ? args
    : args.map((arg) => {
        const fn = lentFunction(arg);
        if (fn === undefined) return arg;
        (callbacks ??= []).push(fn);
        return { [host.callbackKey]: callbacks.length - 1 };
      });
  // Cloned once here, before any worker is reserved; the clone's own transferables are moved on.
  let payload: { args: readonly unknown[]; transfer: readonly unknown[] };
  try {
    payload =
      transferList.length === 0
        ? { args: primitive ? sent : structuredClone(sent), transfer: NO_TRANSFER }
        : structuredClone({ args: sent, transfer: [...transferList] }, { transfer: transferList as Transferable[] });
  } catch (error) {
    return Promise.reject(error);
  }
  const call = new ThreadCall(frame, prepared, host, payload, callbacks ?? []);
  const { limiter } = prepared;
  try {
    // The non-throwing nowait path: a busy limiter costs no WouldBlock (and its stack) per call.
    if (limiter._tryAcquireOnBehalfOf(call)) return call.dispatch();
  } catch (error) {
    return Promise.reject(error);
  }
  // No free token: wait for one in the caller's scope (cancellable; the limiter never loses one).
  return tagPrimitive(limiter._acquireOnBehalfOfIn(frame, call).then(() => call.dispatch()));
}

const NO_TRANSFER: readonly unknown[] = Object.freeze([]);

/** A value that always survives structured clone as itself (so it needs no trial clone). */
function isPrimitive(value: unknown): boolean {
  return value === null || (typeof value !== "object" && typeof value !== "function" && typeof value !== "symbol");
}

class ThreadCall implements WorkerClient {
  private worker: PooledWorker | undefined = undefined;
  private wait: Waiter<unknown> | undefined = undefined;
  private finished = false;

  constructor(
    private readonly frame: Frame,
    private readonly prepared: PreparedCall,
    private readonly host: ThreadsHost,
    private readonly payload: { args: readonly unknown[]; transfer: readonly unknown[] },
    private readonly callbacks: ReadonlyArray<(...args: any[]) => unknown>,
  ) {}

  /** With the token held: the checkpoint's last look, then a worker and the job. */
  dispatch(): Promise<unknown> {
    const frame = this.frame;
    if (frame.scope._effectivelyCancelled) {
      this.prepared.limiter.releaseOnBehalfOf(this);
      return cancelled(frame);
    }
    let worker: PooledWorker;
    try {
      worker = this.prepared.pool.take(this);
    } catch (error) {
      this.prepared.limiter.releaseOnBehalfOf(this);
      return Promise.reject(error);
    }
    this.worker = worker;
    Atomics.store(worker.host.flags, 1, 0);
    this.wait = (
      this.prepared.abandonOnCancel
        ? new Waiter<unknown>(frame, worker.raiseCancelFlag)
        : new ShieldedWait<unknown>(frame, worker.raiseCancelFlag)
    ).waitsFor("operation", "a call in a worker thread");
    const { fn } = this.prepared;
    try {
      worker.host.post(nextJobId++, refOf(fn), this.payload.args, this.callbacks.length > 0, this.payload.transfer);
    } catch (error) {
      this.end(false, error);
      return this.wait.promise;
    }
    // The task suspends until the worker answers: a schedule point.
    noteSchedulePoint(frame);
    return this.wait.promise;
  }

  answer(outcome: JobOutcome): void {
    if (outcome[0]) this.end(true, outcome[1]);
    else this.end(false, decodeError(outcome[1]));
  }

  died(cause: unknown, closing: boolean): void {
    this.worker = undefined;
    this.end(
      false,
      closing
        ? new BrokenWorkerThread("The worker thread was terminated because its run() ended")
        : new BrokenWorkerThread(undefined, { cause }),
    );
  }

  /** A request from the worker: a lent callback or fromThread.run/runSync. */
  request(request: ThreadRequest, reply: (answer: ThreadAnswer) => void): void {
    const target = request.target;
    let loading: Promise<(...args: any[]) => unknown>;
    if ("callback" in target) {
      const fn = this.callbacks[target.callback];
      loading =
        fn !== undefined && !this.finished
          ? Promise.resolve(fn)
          : Promise.reject(new Error("this callback's toThread.runSync() call has ended"));
    } else {
      loading = this.host.loadFunction(target.module, target.exportName);
    }
    const fail = (error: unknown): void => reply(this.failure(error));
    loading.then((fn) => {
      if (request.kind === "runSync") this.serveSync(fn, request.args, reply);
      else this.serveTask(fn, request.args, reply).catch(fail);
    }, fail);
  }

  /** fromThread.runSync: `fn` called on this thread outside any task; a promise is refused. */
  private serveSync(fn: (...args: any[]) => unknown, args: unknown[], reply: (answer: ThreadAnswer) => void): void {
    let value: unknown;
    try {
      value = fn(...args);
    } catch (error) {
      reply(this.failure(error));
      return;
    }
    if (typeof (value as PromiseLike<unknown> | null)?.then === "function") {
      // Its outcome has nobody to go to: a rejection must not become an unhandled one.
      Promise.resolve(value).catch(() => {});
      reply(this.failure(new TypeError("use fromThread.run for async functions")));
      return;
    }
    reply({ ok: true, value });
  }

  /**
   * fromThread.run and lent callbacks: `fn` runs as a new task, a child of the task that called
   * runSync() with a copy of that task's context, in a cancel scope of its own inside the scope
   * of the runSync() call, so the caller's cancellation reaches it (for an abandoning call the
   * scope is shielded: see below).
   */
  private async serveTask(
    fn: (...args: any[]) => unknown,
    args: unknown[],
    reply: (answer: ThreadAnswer) => void,
  ): Promise<void> {
    // Abandoning: the host's cancellation is the abandonment, after which the host no longer
    // cancels the task; so the host's scope never cancels it (AnyIO's behaviour).
    const scope = new CancelScope(this.prepared.abandonOnCancel ? { shield: true } : undefined);
    enterScope(this.frame, scope);
    const caller = this.frame.task;
    const task = spawnTask(caller._runner, fn.name || "fromThread.run", scope, fn, args, caller);
    // Not task.wait(): that parks a task (whichever one the host's context carrier says is
    // current here), and this wait belongs to no task. The task is in no group, so its one
    // end-of-task hook is free.
    await new Promise<void>((resolve) => {
      task._onDone = () => resolve();
    });
    if (task._succeeded) {
      exitScope(scope, false);
      reply({ ok: true, value: task._value });
      return;
    }
    try {
      exitScope(scope, true, task._error);
    } catch (raised) {
      reply(this.failure(raised));
      return;
    }
    reply({ ok: true, value: undefined });
  }

  private failure(error: unknown): ThreadAnswer {
    if (error instanceof Cancelled) return { ok: false, cancelled: true, message: error.message };
    return { ok: false, error: this.host.encodeError(error) };
  }

  /** The job ended (or the worker died): token back, worker back, caller told (unless it left). */
  private end(ok: boolean, outcome: unknown): void {
    if (this.finished) return;
    this.finished = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) this.prepared.pool.give(worker);
    this.prepared.limiter.releaseOnBehalfOf(this);
    if (ok) this.wait?.wake(outcome);
    else this.wait?.fail(outcome);
  }
}
