/**
 * `CapacityLimiter`: a pool of tokens, at most one per borrower.
 */
import { requireFrame } from "../core/cancel-scope";
import { currentFrame, type Frame } from "../core/frame";
import { noteCancelPoint } from "../core/checkpoint-counts";
import { WouldBlock } from "../core/errors";
import { describeValue } from "../core/validate";
import { Waiter } from "../core/waiter";
import { Acquisition, shieldedYield } from "./acquisition";
import { cancelled, checkCount, outsideTask } from "./checks";
import { WaitQueue, type WaitNode } from "./wait-queue";

/** What {@link CapacityLimiter.statistics} returns. */
export interface CapacityLimiterStatistics {
  /** Number of tokens borrowed now. */
  readonly borrowedTokens: number;
  /** The limiter's total number of tokens. */
  readonly totalTokens: number;
  /** Who holds the tokens: `TaskInfo`s for tasks, and the objects passed to the `*OnBehalfOf` methods. */
  readonly borrowers: readonly object[];
  /** Number of tasks blocked in {@link CapacityLimiter.acquire} or {@link CapacityLimiter.acquireOnBehalfOf}. */
  readonly tasksWaiting: number;
}

const ALREADY_HOLDING =
  "this borrower is already holding one of this CapacityLimiter's tokens: a borrower may hold only one token at a time";
const ALREADY_WAITING =
  "this borrower is already waiting for one of this CapacityLimiter's tokens: a borrower may hold only one token at a time";
const NOT_HOLDING =
  "this borrower isn't holding any of this CapacityLimiter's tokens: only a borrower that acquired a token can release it";

function checkBorrower(borrower: unknown): asserts borrower is object {
  if (borrower === undefined || borrower === null) {
    throw new TypeError(`Expected \`borrower\` to be an object, got ${describeValue(borrower)}`);
  }
}

/**
 * A pool of `totalTokens` tokens that limits how many things run at once, like a semaphore with
 * owners: each token is borrowed by a *borrower* (the current task for `acquire()`, any object
 * for `acquireOnBehalfOf()`), a borrower holds at most one token, and only that borrower can
 * give it back. `totalTokens` can be changed at any time; raising it lets waiting tasks in.
 *
 * Fair: tokens go to waiting tasks in the order they asked. A released token is handed straight
 * to the first waiter, so neither a newcomer nor `acquireNowait()` can take it first. A waiter
 * that is cancelled leaves the queue and gets nothing; one that was handed a token keeps it even
 * if it is cancelled before it resumes (the cancellation is delivered at its next checkpoint), so
 * a token is never lost.
 *
 * Can be created anywhere, even outside {@link run}.
 *
 * @example
 * ```ts
 * const limiter = new CapacityLimiter(10);
 * async function handle(request: Request) {
 *   using _ = await limiter.acquire(); // at most 10 requests in flight
 *   return await process(request);
 * }
 * ```
 */
export class CapacityLimiter {
  private total: number;
  private readonly holders = new Set<object>();
  private readonly waiters = new WaitQueue<Disposable>();
  /** The waiting borrowers, to refuse a second request from one of them. */
  private readonly waiting = new Map<object, WaitNode<Disposable>>();

  /**
   * @param totalTokens - the number of tokens: an integer >= 0, or Infinity for no limit.
   * @throws TypeError if `totalTokens` is not an integer or Infinity.
   * @throws RangeError if `totalTokens` is negative.
   */
  constructor(totalTokens: number) {
    checkCount("totalTokens", totalTokens, true);
    this.total = totalTokens;
  }

  /**
   * The total number of tokens: an integer >= 0, or Infinity. Settable at any time: raising it
   * hands the new tokens to waiting tasks at once; lowering it below the number borrowed takes
   * nothing back, but no token is handed out until enough have been released.
   *
   * @throws TypeError if set to something other than an integer or Infinity.
   * @throws RangeError if set to a negative number.
   */
  get totalTokens(): number {
    return this.total;
  }

  /**
   * Changes the number of tokens; raising it hands the new tokens to waiting tasks at once.
   * @throws TypeError if `value` is not an integer or Infinity.
   * @throws RangeError if `value` is negative.
   */
  set totalTokens(value: number) {
    checkCount("totalTokens", value, true);
    this.total = value;
    this.grant();
  }

  /** The number of tokens borrowed now. */
  get borrowedTokens(): number {
    return this.holders.size;
  }

  /** The number of tokens free to borrow now (negative after `totalTokens` was lowered below {@link borrowedTokens}). */
  get availableTokens(): number {
    return this.total - this.holders.size;
  }

  /**
   * Borrows a token for the current task if one is free and nobody waits; never waits. Never a
   * checkpoint.
   *
   * @throws WouldBlock if no token is free or tasks are waiting for one.
   * @throws Error if the current task already holds a token of this limiter.
   * @throws NoCurrentTaskError outside {@link run}.
   */
  acquireNowait(): Disposable {
    this.take(requireFrame("CapacityLimiter.acquireNowait()").task.info);
    return new Acquisition(this);
  }

  /**
   * Borrows a token for `borrower` if one is free and nobody waits; never waits. Never a
   * checkpoint. Works outside {@link run}.
   *
   * @param borrower - who borrows: any object (it is compared by identity).
   * @throws WouldBlock if no token is free or tasks are waiting for one.
   * @throws Error if `borrower` already holds a token of this limiter.
   */
  acquireOnBehalfOfNowait(borrower: object): Disposable {
    checkBorrower(borrower);
    this.take(borrower);
    return new Acquisition(this, borrower);
  }

  /**
   * Waits for a free token and borrows it for the current task; resolves to a `Disposable` that
   * releases it. This is a checkpoint, even when a token is free: in a cancelled scope it raises
   * and borrows nothing; otherwise it borrows and then lets other tasks run once (cancellation
   * cannot interrupt that yield).
   *
   * @example
   * ```ts
   * using _ = await limiter.acquire();
   * ```
   * @throws Cancelled if the task is cancelled before it gets a token.
   * @throws Error if the current task already holds a token of this limiter.
   * @throws NoCurrentTaskError outside {@link run}.
   */
  acquire(): Promise<Disposable> {
    const frame = currentFrame();
    if (frame === undefined) return outsideTask("CapacityLimiter.acquire()");
    return this.acquireIn(frame, frame.task.info, undefined);
  }

  /**
   * Waits for a free token and borrows it for `borrower`; resolves to a `Disposable` that
   * releases it on behalf of `borrower`. This is a checkpoint, like {@link acquire}.
   *
   * @param borrower - who borrows: any object (it is compared by identity).
   * @throws Cancelled if the task is cancelled before it gets a token.
   * @throws Error if `borrower` already holds a token of this limiter, or is already waiting for one.
   * @throws NoCurrentTaskError outside {@link run}.
   */
  acquireOnBehalfOf(borrower: object): Promise<Disposable> {
    const frame = currentFrame();
    if (frame === undefined) return outsideTask("CapacityLimiter.acquireOnBehalfOf()");
    try {
      checkBorrower(borrower);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.acquireIn(frame, borrower, borrower);
  }

  /**
   * Gives back the current task's token, handing it to the first waiting task if there is one.
   * Never a checkpoint.
   *
   * @throws Error if the current task holds no token of this limiter.
   * @throws NoCurrentTaskError outside {@link run}.
   */
  release(): void {
    this.releaseOnBehalfOf(requireFrame("CapacityLimiter.release()").task.info);
  }

  /**
   * Gives back `borrower`'s token, handing it to the first waiting task if there is one. Never a
   * checkpoint. Works outside {@link run}.
   *
   * @throws Error if `borrower` holds no token of this limiter.
   */
  releaseOnBehalfOf(borrower: object): void {
    if (!this.holders.delete(borrower)) throw new Error(NOT_HOLDING);
    this.grant();
  }

  /** Tokens, borrowers and waiting tasks. Never a checkpoint. */
  statistics(): CapacityLimiterStatistics {
    return Object.freeze({
      borrowedTokens: this.holders.size,
      totalTokens: this.total,
      borrowers: Object.freeze(Array.from(this.holders)),
      tasksWaiting: this.waiters.length,
    });
  }

  /** A one-line description of this CapacityLimiter for logs, the debugger and the playground's task view. */
  toString(): string {
    return `<CapacityLimiter ${this.holders.size}/${this.total} borrowed waiting=${this.waiters.length}>`;
  }

  /**
   * Borrows a token for `borrower` if one is free and nobody waits, and says whether it did: the
   * nowait path for the runtime's own hot paths, which would otherwise make (and catch) a
   * `WouldBlock`, stack trace and all, each time the limiter is busy.
   *
   * @internal
   * @throws Error if `borrower` already holds a token of this limiter.
   */
  _tryAcquireOnBehalfOf(borrower: object): boolean {
    if (this.holders.has(borrower)) throw new Error(ALREADY_HOLDING);
    if (this.waiters.length > 0 || this.holders.size >= this.total) return false;
    this.holders.add(borrower);
    return true;
  }

  /**
   * {@link acquireOnBehalfOf} for a task parked in `frame`, which need not be the current one:
   * for the runtime's own operations that wait for a token in their caller's scope (a thread
   * call, a file operation). `borrower` is the runtime's own object, so it is not checked.
   *
   * @internal
   */
  _acquireOnBehalfOfIn(frame: Frame, borrower: object): Promise<Disposable> {
    return this.acquireIn(frame, borrower, borrower);
  }

  /**
   * {@link _tryAcquireOnBehalfOf} for the current task.
   *
   * @internal
   * @throws NoCurrentTaskError outside {@link run}.
   */
  _tryAcquire(): boolean {
    return this._tryAcquireOnBehalfOf(requireFrame("CapacityLimiter.acquireNowait()").task.info);
  }

  /** Borrows a token at once or throws: the nowait path. */
  private take(borrower: object): void {
    if (!this._tryAcquireOnBehalfOf(borrower)) {
      throw new WouldBlock("No token of the capacity limiter is free; use acquire() to wait for one");
    }
  }

  /** `explicit` is the borrower the acquisition releases on behalf of; undefined for the current task. */
  private acquireIn(frame: Frame, borrower: object, explicit: object | undefined): Promise<Disposable> {
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    if (this.holders.has(borrower)) return Promise.reject(new Error(ALREADY_HOLDING));
    if (this.waiting.has(borrower)) return Promise.reject(new Error(ALREADY_WAITING));
    if (this.waiters.length === 0 && this.holders.size < this.total) {
      this.holders.add(borrower);
      noteCancelPoint(frame);
      return shieldedYield(new Acquisition(this, explicit));
    }
    const waiter = new Waiter<Disposable>(frame).waitsFor("capacity-limiter", this);
    const node = this.waiters.push(waiter, explicit, () => this.waiting.delete(borrower));
    this.waiting.set(borrower, node);
    return waiter.promise;
  }

  /**
   * Hands free tokens to the waiters, oldest first.
   * Invariant afterwards: nobody waits, or every token is borrowed.
   */
  private grant(): void {
    while (this.waiters.length > 0 && this.holders.size < this.total) {
      const node = this.waiters.shift()!;
      const borrower = node.borrower ?? node.waiter.task.info;
      this.waiting.delete(borrower);
      if (node.waiter.wake(new Acquisition(this, node.borrower))) this.holders.add(borrower);
    }
  }
}
