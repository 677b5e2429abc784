/**
 * `PortalFuture`: the outcome of a task started through a blocking portal, as
 * `concurrent.futures.Future` is in AnyIO, plus `then` so code on the event loop thread can
 * await it. Two kinds of futures share the class: those of tasks started on the portal's own
 * thread (settled here, {@link LoopFuture}) and those a `BlockingPortalClient` holds in another
 * thread (whose `result()` blocks that thread until the portal's answer arrives).
 */
import { Cancelled } from "../core/errors";
import type { CancelScope } from "../core/cancel-scope";

/** What a future does; the class below only forwards (see the file comment). */
export interface FutureState<T> {
  done(): boolean;
  cancelled(): boolean;
  cancel(): boolean;
  result(timeout: number): T;
  exception(): unknown;
  promise(): Promise<T>;
}

const stateOf = new WeakMap<PortalFuture<unknown>, FutureState<unknown>>();

/**
 * The outcome of a task started through a portal. Never a checkpoint: `result()` blocks the
 * calling thread (another thread only), `then()` awaits it without blocking.
 *
 * @example
 * ```ts
 * const future = portal.startTaskSoon(handle, request); // from a plain callback on the loop thread
 * future.then((value) => console.log(value));
 * ```
 */
export class PortalFuture<T> implements PromiseLike<T> {
  /** @internal Futures are made by portals and their clients. */
  constructor(state: FutureState<T>) {
    stateOf.set(this, state as FutureState<unknown>);
  }

  private get state(): FutureState<T> {
    return stateOf.get(this) as FutureState<T>;
  }

  /** Whether the task has ended (with a value, an error, or cancelled). Never a checkpoint. */
  done(): boolean {
    return this.state.done();
  }

  /** Whether the task ended because {@link cancel} (or the portal's end) cancelled it. */
  cancelled(): boolean {
    return this.state.cancelled();
  }

  /**
   * Cancels the task's own cancel scope (also after the portal was stopped). Returns false when
   * the task had already ended. Never a checkpoint.
   */
  cancel(): boolean {
    return this.state.cancel();
  }

  /**
   * The task's value, blocking this thread until it ends (at most `timeout` ms). On the
   * portal's own thread an unfinished future cannot be waited for (it would block the loop that
   * runs the task): use `then` or `await` there.
   *
   * @param timeout - milliseconds; default `Infinity`.
   * @throws the task's error; `Cancelled` when it was cancelled; `TimeoutError` when `timeout`
   *   passed first; `Error("This method cannot be called from the event loop thread")` for an
   *   unfinished future on the portal's thread.
   */
  result(timeout = Infinity): T {
    if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0) {
      throw new TypeError(`Expected \`timeout\` to be a number >= 0, got \`${String(timeout)}\` (${typeof timeout})`);
    }
    return this.state.result(timeout);
  }

  /**
   * The task's error, or `undefined` when it succeeded. Throws like {@link result} while the task
   * runs; `Cancelled` when it was cancelled.
   */
  exception(): unknown {
    return this.state.exception();
  }

  /** Awaits the outcome without blocking (the future is a thenable). */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.state.promise().then(onFulfilled, onRejected);
  }
}

const LOOP_THREAD = "This method cannot be called from the event loop thread";

/**
 * A future settled on the portal's own thread (the task runs here): `result()` of an unfinished
 * one would deadlock, so it throws instead.
 */
export class LoopFuture<T> implements FutureState<T> {
  private outcome: { ok: true; value: T } | { ok: false; error: unknown; cancelled: boolean } | undefined;
  private scope: CancelScope | undefined;
  private cancelRequested = false;
  private settledPromise: Promise<T> | undefined;
  private resolve: ((value: T) => void) | undefined;
  private reject: ((error: unknown) => void) | undefined;
  /** Called once the outcome is known (the portal tells a remote client). */
  onSettled: ((future: LoopFuture<T>) => void) | undefined;

  /** The task's scope, once it started: a cancel requested before that applies now. */
  attach(scope: CancelScope): void {
    this.scope = scope;
    if (this.cancelRequested) scope.cancel("the future was cancelled");
  }

  fulfil(value: T): void {
    this.settle({ ok: true, value });
  }

  fail(error: unknown): void {
    this.settle({ ok: false, error, cancelled: false });
  }

  markCancelled(): void {
    this.settle({ ok: false, error: new Cancelled("The portal task was cancelled"), cancelled: true });
  }

  /** The outcome, for the portal's answer to a remote client. */
  get settled(): LoopFuture<T>["outcome"] {
    return this.outcome;
  }

  done(): boolean {
    return this.outcome !== undefined;
  }

  cancelled(): boolean {
    return this.outcome !== undefined && !this.outcome.ok && this.outcome.cancelled;
  }

  /** As `concurrent.futures.Future` in AnyIO's portal: the future is cancelled at once, the task's scope with it. */
  cancel(): boolean {
    if (this.outcome !== undefined) return false;
    this.cancelRequested = true;
    this.markCancelled();
    this.scope?.cancel("the future was cancelled");
    return true;
  }

  result(): T {
    const outcome = this.outcome;
    if (outcome === undefined) throw new Error(LOOP_THREAD);
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }

  exception(): unknown {
    const outcome = this.outcome;
    if (outcome === undefined) throw new Error(LOOP_THREAD);
    if (outcome.ok) return undefined;
    if (outcome.cancelled) throw outcome.error;
    return outcome.error;
  }

  promise(): Promise<T> {
    if (this.settledPromise === undefined) {
      const outcome = this.outcome;
      this.settledPromise =
        outcome === undefined
          ? new Promise<T>((resolve, reject) => {
              this.resolve = resolve;
              this.reject = reject;
            })
          : outcome.ok
            ? Promise.resolve(outcome.value)
            : Promise.reject(outcome.error);
    }
    return this.settledPromise;
  }

  private settle(outcome: NonNullable<LoopFuture<T>["outcome"]>): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    if (outcome.ok) this.resolve?.(outcome.value);
    else this.reject?.(outcome.error);
    this.onSettled?.(this);
  }
}
