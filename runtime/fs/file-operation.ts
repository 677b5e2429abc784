/**
 * How the file room runs host I/O: a checkpoint first, then one token of a capacity limiter held
 * while the host call runs, and once started the call runs to completion (AnyIO's
 * `to_thread.run_sync` with `abandon_on_cancel=False`). Internal.
 *
 * Invariants:
 * - Cancellation before the host call starts (during the checkpoint's yield, in the file's queue,
 *   while waiting for a token) rejects with `Cancelled` and nothing was done.
 * - Once the host call started, the operation's promise settles with the call's own outcome
 *   (never `Cancelled`), and the limiter token is released only when the call has finished: the
 *   cancellation lands at the caller's next checkpoint.
 * - The promise is tagged as a runtime operation's (runtime/core/primitive.ts), so compiled code
 *   awaits it without racing it against cancellation: a write that started is never reported
 *   as cancelled before it finished.
 * - Operations of one {@link OperationQueue} run one at a time, in call order.
 */
import { callInFrame, currentFrame, tagPrimitive, Waiter, yieldMacrotask, type Frame } from "../rt";
import { WouldBlock } from "../core/errors";
import type { CapacityLimiter } from "../sync/capacity-limiter";
import { cancelled, outsideTask } from "../sync/checks";
import { currentDefaultThreadLimiter } from "../threads/default-thread-limiter";

/** Host work, started only after the checkpoint and with a token held. */
export type HostCall<R> = () => Promise<R>;

interface Entry {
  readonly turn: Waiter<void>;
}

/**
 * Runs `call` holding one token of `limiter` (the run's default limiter when null), once the
 * token is held; the token is released when the call has finished.
 */
function withToken<R>(frame: Frame, limiter: CapacityLimiter, borrower: object, call: HostCall<R>): Promise<R> {
  if (frame.scope._effectivelyCancelled) return cancelled(frame);
  const execute = (): Promise<R> => {
    let promise: Promise<R>;
    try {
      promise = call();
    } catch (error) {
      promise = Promise.reject(error);
    }
    const release = (): void => limiter.releaseOnBehalfOf(borrower);
    return promise.then(
      (value) => {
        release();
        return value;
      },
      (error: unknown) => {
        release();
        throw error;
      },
    );
  };
  try {
    limiter.acquireOnBehalfOfNowait(borrower);
    return execute();
  } catch (error) {
    if (!(error instanceof WouldBlock)) return Promise.reject(error);
  }
  // No free token: wait for one in the caller's scope (cancellable; the limiter never loses a token).
  const waiting = callInFrame(frame, () => limiter.acquireOnBehalfOf(borrower), []) as Promise<Disposable>;
  return waiting.then(execute);
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
  const turn = new Waiter<void>(frame);
  yieldMacrotask(() => void turn.wake());
  const borrower = {};
  return tagPrimitive(turn.promise.then(() => withToken(frame, chosen, borrower, call)));
}

/**
 * The operations of one file, run one at a time in call order: each is a checkpoint (the first
 * in an idle queue yields one macrotask; later ones have waited for their predecessors), then
 * holds a limiter token while its host call runs to completion.
 */
export class OperationQueue {
  private readonly entries: Entry[] = [];
  /** Invariant: `busy || entries.length === 0`: an operation is running or about to be started. */
  private busy = false;
  private idleWaiters: Array<() => void> = [];

  /**
   * Queues `call`. When `limiter` is undefined the call needs no token (a position query).
   * The promise is a runtime operation's (compiled code awaits it without a race). With
   * `yieldFirst` false (in-memory work), an operation in an idle queue starts without yielding.
   */
  run<R>(frame: Frame, limiter: CapacityLimiter | undefined, call: HostCall<R>, yieldFirst = true): Promise<R> {
    const entry: Entry = { turn: new Waiter<void>(frame, () => this.withdraw(entry)) };
    this.entries.push(entry);
    if (!this.busy) {
      this.busy = true;
      if (yieldFirst) yieldMacrotask(() => this.next());
      else this.next();
    }
    const started = entry.turn.promise.then(() => {
      const result = limiter === undefined ? runNow(frame, call) : withToken(frame, limiter, entry, call);
      return result.then(
        (value) => {
          this.next();
          return value;
        },
        (error: unknown) => {
          this.next();
          throw error;
        },
      );
    });
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

function runNow<R>(frame: Frame, call: HostCall<R>): Promise<R> {
  if (frame.scope._effectivelyCancelled) return cancelled(frame);
  try {
    return call();
  } catch (error) {
    return Promise.reject(error);
  }
}
