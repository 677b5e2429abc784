/**
 * `Condition`: a lock plus a queue of tasks waiting to be told that something changed.
 */
import { noteCancelPoint } from "../core/checkpoint-counts";
import { currentFrame, type Frame } from "../core/frame";
import { tagPrimitive } from "../core/primitive";
import { checkFunction, describeValue } from "../core/validate";
import { Waiter } from "../core/waiter";
import { cancelled, checkCount, outsideTask } from "./checks";
import { Lock, type LockStatistics } from "./lock";
import { WaitQueue } from "./wait-queue";

/** What {@link Condition.statistics} returns. */
export interface ConditionStatistics {
  /** Number of tasks blocked in {@link Condition.wait} that have not been notified yet. */
  readonly tasksWaiting: number;
  /** The statistics of the underlying lock. */
  readonly lockStatistics: LockStatistics;
}

function notHolding(method: string): Error {
  return new Error(
    `The current task is not holding the underlying lock: acquire the Condition before calling ${method}`,
  );
}

/**
 * A lock plus a wait queue, for "wait until the state I care about changes": a task holding
 * the lock calls `wait()`, which releases the lock while it sleeps; another task changes the
 * state under the lock and calls `notify()`. Like Python's `asyncio.Condition`.
 *
 * Fair: `notify(n)` wakes the n tasks that have waited longest. A notification is never lost:
 * a waiter that was cancelled before the notification reached it has left the queue, so the
 * notification goes to the next waiter; a waiter that was notified returns from `wait()`
 * normally, even if it is cancelled before it resumes (the cancellation is delivered at its next
 * checkpoint), so it always gets to look at the state it was woken for.
 *
 * Can be created anywhere, even outside {@link run}.
 *
 * @example
 * ```ts
 * const changed = new Condition();
 * const queue: string[] = [];
 *
 * async function consume() {
 *   using _ = await changed.acquire();
 *   await changed.waitFor(() => queue.length > 0);
 *   return queue.shift()!;
 * }
 *
 * async function produce(item: string) {
 *   using _ = await changed.acquire();
 *   queue.push(item);
 *   changed.notify();
 * }
 * ```
 */
export class Condition {
  private readonly lock: Lock;
  private readonly waiters = new WaitQueue<void>();

  /**
   * @param lock - the lock to use; a new {@link Lock} by default. Several conditions may share one.
   * @throws TypeError if `lock` is not a {@link Lock}.
   */
  constructor(lock?: Lock) {
    if (lock !== undefined && !(lock instanceof Lock)) {
      throw new TypeError(`Expected \`lock\` to be a Lock, got ${describeValue(lock)}`);
    }
    this.lock = lock ?? new Lock();
  }

  /**
   * Acquires the underlying lock; resolves to a `Disposable` that releases it. This is a
   * checkpoint; see {@link Lock.acquire}.
   *
   * @example
   * ```ts
   * using _ = await condition.acquire();
   * ```
   * @throws Cancelled if the task is cancelled before it gets the lock.
   * @throws Error if the current task already holds the lock.
   * @throws NoCurrentTaskError outside {@link run}.
   */
  acquire(): Promise<Disposable> {
    return this.lock.acquire();
  }

  /**
   * Acquires the underlying lock if it is free and nobody waits for it. Never a checkpoint.
   *
   * @throws WouldBlock if the lock is held or tasks wait for it.
   * @throws Error if the current task already holds the lock.
   */
  acquireNowait(): Disposable {
    return this.lock.acquireNowait();
  }

  /**
   * Releases the underlying lock. Never a checkpoint.
   *
   * @throws Error if the current task does not hold the lock.
   */
  release(): void {
    this.lock.release();
  }

  /** Whether some task holds the underlying lock. */
  locked(): boolean {
    return this.lock.locked();
  }

  /**
   * Releases the lock, waits for a notification, and re-acquires the lock before returning.
   * The caller must hold the lock. This is a checkpoint: it raises `Cancelled` at once in a
   * cancelled scope (still holding the lock); cancelled while waiting, it re-acquires the lock
   * (cancellation cannot interrupt that) and then raises, so the lock is held whenever `wait()`
   * ends.
   *
   * Waking up does not mean the state is what you want: check it again, or use {@link waitFor}.
   *
   * @throws Cancelled if the task is cancelled before it is notified.
   * @throws Error if the current task does not hold the lock.
   * @throws NoCurrentTaskError outside {@link run}.
   */
  wait(): Promise<void> {
    const frame = currentFrame();
    if (frame === undefined) return outsideTask("Condition.wait()");
    return tagPrimitive(this.waitIn(frame, "wait()"));
  }

  /**
   * Waits until `predicate()` returns a truthy value and returns that value, calling
   * {@link wait} as often as needed; `predicate` runs with the lock held. The caller must hold
   * the lock. This is a checkpoint when it has to wait; when the predicate already holds it
   * only raises `Cancelled` if the task is cancelled, and never yields.
   *
   * @example
   * ```ts
   * using _ = await condition.acquire();
   * await condition.waitFor(() => jobs.length > 0);
   * ```
   * @throws Cancelled if the task is cancelled before the predicate holds.
   * @throws Error if the current task does not hold the lock.
   * @throws whatever `predicate` throws (the lock is still held then).
   * @throws NoCurrentTaskError outside {@link run}.
   */
  waitFor(predicate: () => boolean): Promise<void>;
  waitFor<T>(predicate: () => T): Promise<T>;
  waitFor<T>(predicate: () => T): Promise<T> {
    const frame = currentFrame();
    if (frame === undefined) return outsideTask("Condition.waitFor()");
    try {
      checkFunction("predicate", predicate);
    } catch (error) {
      return Promise.reject(error);
    }
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    if (this.lock._owner !== frame.task) return Promise.reject(notHolding("waitFor()"));
    noteCancelPoint(frame);
    // A promise loop rather than an async function: plain code keeps its frame across awaits
    // only where a context carrier exists, so the frame is passed along explicitly.
    const attempt = (): Promise<T> => {
      let result: T;
      try {
        result = predicate();
      } catch (error) {
        return Promise.reject(error);
      }
      return result ? Promise.resolve(result) : this.waitIn(frame, "waitFor()").then(attempt);
    };
    return tagPrimitive(attempt());
  }

  /**
   * Wakes up to `n` waiting tasks, those that have waited longest. The caller must hold the
   * lock; the woken tasks run once it is released. Never a checkpoint.
   *
   * @param n - how many tasks to wake: an integer >= 0, or Infinity for all.
   * @default 1
   * @throws Error if the current task does not hold the lock.
   * @throws TypeError or RangeError if `n` is not an integer >= 0 or Infinity.
   */
  notify(n = 1): void {
    checkCount("n", n, true);
    this.checkHolding("notify()");
    let woken = 0;
    while (woken < n && this.waiters.wakeFirst(undefined) !== null) woken++;
  }

  /**
   * Wakes every waiting task. The caller must hold the lock. Never a checkpoint.
   *
   * @throws Error if the current task does not hold the lock.
   */
  notifyAll(): void {
    this.checkHolding("notifyAll()");
    this.waiters.wakeAll(undefined);
  }

  /** How many tasks wait, and the lock's statistics. Never a checkpoint. */
  statistics(): ConditionStatistics {
    return Object.freeze({ tasksWaiting: this.waiters.length, lockStatistics: this.lock.statistics() });
  }

  /** A one-line description of this Condition for logs, the debugger and the playground's task view. */
  toString(): string {
    return `<Condition waiting=${this.waiters.length} lock=${String(this.lock)}>`;
  }

  /** wait() for the task of `frame`; see {@link wait}. */
  private waitIn(frame: Frame, method: string): Promise<void> {
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    if (this.lock._owner !== frame.task) return Promise.reject(notHolding(method));
    const waiter = new Waiter<void>(frame).waitsFor("condition", this);
    this.waiters.push(waiter);
    this.lock._handOff();
    // Invariant: the lock is held again whenever the returned promise settles.
    return waiter.promise.then(
      () => this.lock._acquireShielded(frame),
      (error: unknown) =>
        this.lock._acquireShielded(frame).then(() => {
          throw error;
        }),
    );
  }

  private checkHolding(method: string): void {
    const frame = currentFrame();
    if (frame === undefined || this.lock._owner !== frame.task) throw notHolding(method);
  }
}
