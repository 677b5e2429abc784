/**
 * `Semaphore`: a counter of free slots that tasks take and give back.
 */
import { currentFrame } from "../core/frame";
import { noteCancelPoint } from "../core/checkpoint-counts";
import { WouldBlock } from "../core/errors";
import { Waiter } from "../core/waiter";
import { Acquisition, immediate, shieldedYield } from "./acquisition";
import { checkBoolean, checkOptions } from "../core/validate";
import { cancelled, checkCount, outsideTask } from "./checks";
import { WaitQueue } from "./wait-queue";

/** The option keys the constructor accepts; any other is a misspelt option. */
const SEMAPHORE_OPTIONS = ["maxValue", "fastAcquire"] as const;

/** Options of {@link Semaphore}. */
export interface SemaphoreOptions {
  /**
   * The highest value the semaphore may reach: releasing beyond it throws, which catches a
   * release without a matching acquire. An integer >= `initialValue`, or null for no limit.
   * @default null
   */
  maxValue?: number | null;
  /**
   * Skip the scheduling yield when a slot is free: `acquire()` then only raises if the task is
   * cancelled, and returns without letting other tasks run.
   * @default false
   */
  fastAcquire?: boolean;
}

/** What {@link Semaphore.statistics} returns. */
export interface SemaphoreStatistics {
  /** Number of tasks blocked in {@link Semaphore.acquire}. */
  readonly tasksWaiting: number;
}

/**
 * A counter of free slots: `acquire()` takes one (waiting while there is none) and `release()`
 * gives one back. Use it to let at most N tasks into a section at once. Unlike a {@link Lock},
 * a slot is not owned: any task (or code outside a run) may release it.
 *
 * Fair: tasks get slots in the order they asked. A release hands its slot straight to the first
 * waiter (the value stays 0), so neither a newcomer nor `acquireNowait()` can take it first. A
 * waiter that is cancelled leaves the queue and gets nothing; one that was handed a slot keeps it
 * even if it is cancelled before it resumes (the cancellation is delivered at its next
 * checkpoint), so a slot is never lost.
 *
 * Can be created anywhere, even outside {@link run}.
 *
 * @example
 * ```ts
 * const slots = new Semaphore(3);
 * async function download(url: string) {
 *   using _ = await slots.acquire(); // at most 3 downloads at once
 *   return await fetch(url, { signal: currentCancelScope().signal });
 * }
 * ```
 */
export class Semaphore {
  private count: number;
  private readonly max: number | null;
  private readonly fastAcquire: boolean;
  private readonly waiters = new WaitQueue<Disposable>();

  /**
   * @param initialValue - the number of free slots to start with: an integer >= 0.
   * @throws TypeError if `initialValue` or `maxValue` is not an integer, `options` is not an object or has
   *   a key other than `maxValue` and `fastAcquire`, or `fastAcquire` is not a boolean.
   * @throws RangeError if `initialValue` is negative or `maxValue` is below it.
   */
  constructor(initialValue: number, options: SemaphoreOptions = {}) {
    checkCount("initialValue", initialValue, false);
    checkOptions(options, SEMAPHORE_OPTIONS);
    const { maxValue = null, fastAcquire = false } = options;
    if (maxValue !== null) {
      checkCount("maxValue", maxValue, false);
      if (maxValue < initialValue) {
        throw new RangeError(
          `Expected \`maxValue\` to be equal to or higher than \`initialValue\` (${initialValue}), got \`${maxValue}\` (number)`,
        );
      }
    }
    checkBoolean("fastAcquire", fastAcquire);
    this.count = initialValue;
    this.max = maxValue;
    this.fastAcquire = fastAcquire;
  }

  /**
   * Waits for a free slot and takes it; resolves to a `Disposable` that gives it back. This is a
   * checkpoint, even when a slot is free: in a cancelled scope it raises and takes nothing;
   * otherwise it takes the slot and then lets other tasks run once (cancellation cannot
   * interrupt that yield), unless the semaphore was made with `fastAcquire`.
   *
   * @example
   * ```ts
   * using _ = await semaphore.acquire();
   * ```
   * @throws Cancelled if the task is cancelled before it gets a slot.
   * @throws NoCurrentTaskError outside {@link run}.
   */
  acquire(): Promise<Disposable> {
    const frame = currentFrame();
    if (frame === undefined) return outsideTask("Semaphore.acquire()");
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    // Invariant: count > 0 only when nobody waits (release hands slots to waiters directly).
    if (this.count > 0) {
      this.count--;
      const acquisition = new Acquisition(this);
      noteCancelPoint(frame);
      return this.fastAcquire ? immediate(acquisition) : shieldedYield(acquisition);
    }
    const waiter = new Waiter<Disposable>(frame).waitsFor("semaphore", this);
    this.waiters.push(waiter);
    return waiter.promise;
  }

  /**
   * Takes a slot if one is free; never waits. Never a checkpoint. Works outside {@link run}.
   *
   * @throws WouldBlock if no slot is free.
   */
  acquireNowait(): Disposable {
    if (this.count === 0) throw new WouldBlock("No slot of the semaphore is free; use acquire() to wait for one");
    this.count--;
    return new Acquisition(this);
  }

  /**
   * Gives a slot back, handing it to the first waiting task if there is one. Never a
   * checkpoint. Any task may call it, and so may code outside {@link run}.
   *
   * @throws RangeError if the value is already `maxValue` (more releases than acquires).
   */
  release(): void {
    if (this.max !== null && this.count === this.max) {
      throw new RangeError(`Semaphore released too many times: its value would exceed maxValue (${this.max})`);
    }
    if (this.waiters.length > 0 && this.waiters.wakeFirst(new Acquisition(this)) !== null) return;
    this.count++;
  }

  /** The number of free slots. */
  get value(): number {
    return this.count;
  }

  /** The highest value allowed, or null for no limit. */
  get maxValue(): number | null {
    return this.max;
  }

  /** How many tasks wait for a slot. Never a checkpoint. */
  statistics(): SemaphoreStatistics {
    return Object.freeze({ tasksWaiting: this.waiters.length });
  }

  /** A one-line description of this Semaphore for logs, the debugger and the playground's task view. */
  toString(): string {
    const max = this.max === null ? "" : `/${this.max}`;
    return `<Semaphore value=${this.count}${max} waiting=${this.waiters.length}>`;
  }
}
