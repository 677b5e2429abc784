/**
 * How the file room runs host I/O: a checkpoint first, then one token of a capacity limiter held
 * while the host call runs, and once started the call runs to completion (AnyIO's
 * `to_thread.run_sync` with `abandon_on_cancel=False`). Internal.
 *
 * The checkpoint is Trio's for work in a worker thread: check for cancellation when called,
 * then park until the work is done; the task suspends while the host works, so other tasks run.
 * No extra macrotask is spent before a call that can start at once: measured, that turn of the
 * event loop cost more than a tenth of the throughput of 64 KiB reads from the page cache.
 *
 * Invariants:
 * - Cancellation before the host call starts (when called, in the file's queue, while waiting
 *   for a token) rejects with `Cancelled` and nothing was done.
 * - Once the host call started, the operation's promise settles with the call's own outcome
 *   (never `Cancelled`), and the limiter token is released only when the call has finished: the
 *   cancellation lands at the caller's next checkpoint.
 * - The promise is tagged as a runtime operation's (runtime/core/primitive.ts), so compiled code
 *   awaits it without racing it against cancellation: a write that started is never reported
 *   as cancelled before it finished.
 * - Operations of one {@link OperationQueue} run one at a time, in call order.
 */
import { currentFrame, noteCancelPoint, noteSchedulePoint, tagPrimitive, Waiter, type Frame } from "../rt";
import type { CapacityLimiter } from "../sync/capacity-limiter";
import { cancelled, outsideTask } from "../sync/checks";
import { currentDefaultThreadLimiter } from "../threads/default-thread-limiter";

/** Host work, started only after the checkpoint and with a token held. */
export type HostCall<R> = () => Promise<R>;

interface Entry {
  readonly turn: Waiter<void>;
}

/**
 * Runs `call` holding one token of `limiter` once the token is held, and calls `done` when the
 * operation has ended (before its promise settles): after the call finished and the token was
 * released, or when it never started (cancelled while waiting for a token).
 */
function withToken<R>(
  frame: Frame,
  limiter: CapacityLimiter,
  borrower: object,
  call: HostCall<R>,
  done?: () => void,
): Promise<R> {
  if (frame.scope._effectivelyCancelled) {
    done?.();
    return cancelled(frame);
  }
  noteCancelPoint(frame);
  const execute = (): Promise<R> => {
    let promise: Promise<R>;
    try {
      promise = call();
    } catch (error) {
      promise = Promise.reject(error);
    }
    return promise.then(
      (value) => {
        limiter.releaseOnBehalfOf(borrower);
        done?.();
        return value;
      },
      (error: unknown) => {
        limiter.releaseOnBehalfOf(borrower);
        done?.();
        throw error;
      },
    );
  };
  try {
    if (limiter._tryAcquireOnBehalfOf(borrower)) return execute();
  } catch (error) {
    done?.();
    return Promise.reject(error);
  }
  // No free token: wait for one in the caller's scope (cancellable; the limiter never loses a token).
  return limiter._acquireOnBehalfOfIn(frame, borrower).then(execute, (error: unknown) => {
    done?.();
    throw error;
  });
}

/** The limiter an operation uses: the one given, or the current run's default one. */
export function limiterOf(limiter: CapacityLimiter | null): CapacityLimiter {
  return limiter ?? currentDefaultThreadLimiter();
}

/**
 * Runs one host call as a file operation with no queue (opening, creating a temporary name):
 * a checkpoint, a token of `limiter`, then `call` to completion. `what` names the call for the
 * error outside `run()`.
 */
export function runHostCall<R>(what: string, limiter: CapacityLimiter | null, call: HostCall<R>): Promise<R> {
  const frame = currentFrame();
  if (frame === undefined) return outsideTask(what);
  if (frame.scope._effectivelyCancelled) return cancelled(frame);
  let chosen: CapacityLimiter;
  try {
    chosen = limiterOf(limiter);
  } catch (error) {
    return Promise.reject(error);
  }
  // The task suspends on the host call until it is done: a schedule point.
  const suspending = (): Promise<R> => {
    noteSchedulePoint(frame);
    return call();
  };
  return tagPrimitive(withToken(frame, chosen, {}, suspending));
}

/**
 * The operations of one file, run one at a time in call order: each is a checkpoint (cancelled
 * when called or while it waits for its turn or a token: nothing happens), then holds a limiter
 * token while its host call runs to completion.
 */
export class OperationQueue {
  private readonly entries: Entry[] = [];
  /** Invariant: `busy || entries.length === 0`: an operation is running or about to be started. */
  private busy = false;
  /** Ends the operation in progress: the next one's turn. */
  private readonly done = (): void => this.next();
  private idleWaiters: Array<() => void> = [];

  /**
   * Queues `call`. When `limiter` is undefined the call needs no token (a position query).
   * The promise is a runtime operation's (compiled code awaits it without a race).
   */
  run<R>(frame: Frame, limiter: CapacityLimiter | undefined, call: HostCall<R>): Promise<R> {
    if (!this.busy) {
      // Idle: start at once. The host call is where the task suspends (Trio's rule for a
      // call run in a worker thread: check for cancellation, then park until it is done).
      this.busy = true;
      return tagPrimitive(
        limiter === undefined ? runNow(frame, call, this.done) : withToken(frame, limiter, {}, call, this.done),
      );
    }
    const entry: Entry = {
      turn: new Waiter<void>(frame, () => this.withdraw(entry)).waitsFor("operation", "a file operation's turn"),
    };
    this.entries.push(entry);
    const started = entry.turn.promise.then(() =>
      limiter === undefined ? runNow(frame, call, this.done) : withToken(frame, limiter, entry, call, this.done),
    );
    return tagPrimitive(started);
  }

  /** Fails every operation still waiting for its turn with `error` (the file was closed). */
  failWaiting(error: () => Error): void {
    for (const entry of this.entries.splice(0)) entry.turn.fail(error());
  }

  /**
   * Resolves once no operation runs or waits (at once if none does); never rejects and is not
   * cancellable: closing waits here for the operation in progress to finish.
   */
  whenIdle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Gives the turn to the first operation still waiting, or marks the queue idle. */
  private next(): void {
    while (this.entries.length > 0) {
      if (this.entries.shift()!.turn.wake()) return;
    }
    this.busy = false;
    if (this.idleWaiters.length > 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** A cancelled operation leaves the queue before its turn. */
  private withdraw(entry: Entry): void {
    const index = this.entries.indexOf(entry);
    if (index >= 0) this.entries.splice(index, 1);
  }
}

function runNow<R>(frame: Frame, call: HostCall<R>, done: () => void): Promise<R> {
  if (frame.scope._effectivelyCancelled) {
    done();
    return cancelled(frame);
  }
  noteCancelPoint(frame);
  let promise: Promise<R>;
  try {
    promise = call();
  } catch (error) {
    promise = Promise.reject(error);
  }
  return promise.then(
    (value) => {
      done();
      return value;
    },
    (error: unknown) => {
      done();
      throw error;
    },
  );
}
