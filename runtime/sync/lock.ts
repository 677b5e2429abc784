/**
 * `Lock`: a mutual-exclusion lock owned by a task.
 */
import { CancelScope, requireFrame } from "../core/cancel-scope";
import { currentFrame, type Frame } from "../core/frame";
import { noteCancelPoint } from "../core/checkpoint-counts";
import { WouldBlock } from "../core/errors";
import type { TaskHandle, TaskInfo } from "../core/task";
import { Waiter } from "../core/waiter";
import { Acquisition, immediate, shieldedYield } from "./acquisition";
import { checkBoolean, checkOptions } from "../core/validate";
import { cancelled, outsideTask } from "./checks";
import { WaitQueue } from "./wait-queue";

/** The option keys the constructor accepts; any other is a misspelt option. */
const LOCK_OPTIONS = ["fastAcquire"] as const;

/** Options of {@link Lock}. */
export interface LockOptions {
  /**
   * Skip the scheduling yield when the lock is free: `acquire()` then only raises if the task
   * is cancelled, and returns without letting other tasks run. Faster, but a loop that keeps
   * re-acquiring a free lock no longer gives other tasks (and I/O) a turn.
   * @default false
   */
  fastAcquire?: boolean;
}

/** What {@link Lock.statistics} returns. */
export interface LockStatistics {
  /** Whether some task holds the lock. */
  readonly locked: boolean;
  /** The task holding the lock, or null. */
  readonly owner: TaskInfo | null;
  /** Number of tasks blocked in {@link Lock.acquire}. */
  readonly tasksWaiting: number;
}

const REACQUIRE =
  "Attempted to acquire an already held Lock: the current task holds it already, and a Lock cannot be acquired twice by the same task";
const NOT_OWNER = "The current task is not holding this lock: a Lock can only be released by the task that acquired it";

/**
 * A mutual-exclusion lock, like a mutex: at most one task holds it at a time, and only that task
 * may release it. `acquire()` resolves to a `Disposable`, so a `using` declaration releases the
 * lock at the end of the block.
 *
 * Fair: tasks get the lock in the order they asked for it. `release()` hands it straight to the
 * first waiter (which is the owner from that moment on), so neither a newcomer nor
 * `acquireNowait()` can jump the queue. A waiter that is cancelled leaves the queue and never
 * gets the lock; one that was handed the lock keeps it even if it is cancelled before it resumes
 * (the cancellation is delivered at its next checkpoint), so a lock is never lost.
 *
 * Can be created anywhere, even outside {@link run}; acquiring and releasing need a task.
 *
 * @example
 * ```ts
 * const lock = new Lock();
 * async function append(line: string) {
 *   using _ = await lock.acquire();
 *   await file.write(line); // no other task writes meanwhile
 * } // released here, also on error or cancellation
 * ```
 */
export class Lock {
  /** @internal The task holding the lock. Invariant: null only when no task is waiting. */
  _owner: TaskHandle<unknown> | null = null;
  private readonly waiters = new WaitQueue<Disposable>();
  private readonly fastAcquire: boolean;

  /**
   * @throws TypeError if `options` is not an object, has a key other than `fastAcquire`, or
   *   `fastAcquire` is not a boolean.
   */
  constructor(options: LockOptions = {}) {
    checkOptions(options, LOCK_OPTIONS);
    const { fastAcquire = false } = options;
    checkBoolean("fastAcquire", fastAcquire);
    this.fastAcquire = fastAcquire;
  }

  /**
   * Waits until the lock is free and takes it for the current task; resolves to a `Disposable`
   * that releases it. This is a checkpoint, even when the lock is free: in a cancelled scope it
   * raises and takes nothing; otherwise it takes the lock and then lets other tasks run once
   * (cancellation cannot interrupt that yield), unless the lock was made with `fastAcquire`.
   *
   * @example
   * ```ts
   * using _ = await lock.acquire();
   * ```
   * @throws Cancelled if the task is cancelled before it gets the lock.
   * @throws Error if the current task already holds the lock.
   * @throws NoCurrentTaskError outside {@link run}.
   */
  acquire(): Promise<Disposable> {
    const frame = currentFrame();
    if (frame === undefined) return outsideTask("Lock.acquire()");
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    if (this._owner === null) {
      this._owner = frame.task;
      const acquisition = new Acquisition(this);
      noteCancelPoint(frame);
      return this.fastAcquire ? immediate(acquisition) : shieldedYield(acquisition);
    }
    if (this._owner === frame.task) return Promise.reject(new Error(REACQUIRE));
    const waiter = new Waiter<Disposable>(frame).waitsFor("lock", this);
    this.waiters.push(waiter);
    return waiter.promise;
  }

  /**
   * Takes the lock if it is free and nobody is waiting for it; never waits. Never a checkpoint.
   *
   * @throws WouldBlock if another task holds the lock or tasks are waiting for it.
   * @throws Error if the current task already holds the lock.
   * @throws NoCurrentTaskError outside {@link run}.
   */
  acquireNowait(): Disposable {
    const task = requireFrame("Lock.acquireNowait()").task;
    if (this._owner === null) {
      this._owner = task;
      return new Acquisition(this);
    }
    if (this._owner === task) throw new Error(REACQUIRE);
    throw new WouldBlock("The lock is held by another task; use acquire() to wait for it");
  }

  /**
   * Releases the lock, handing it to the first waiting task if there is one. Never a checkpoint.
   *
   * @throws Error if the current task does not hold the lock.
   */
  release(): void {
    const frame = currentFrame();
    if (frame === undefined || this._owner !== frame.task) throw new Error(NOT_OWNER);
    this._handOff();
  }

  /** Whether some task holds the lock. */
  locked(): boolean {
    return this._owner !== null;
  }

  /** Who holds the lock and how many tasks wait for it. Never a checkpoint. */
  statistics(): LockStatistics {
    return Object.freeze({
      locked: this._owner !== null,
      owner: this._owner === null ? null : this._owner.info,
      tasksWaiting: this.waiters.length,
    });
  }

  /** A one-line description of this Lock for logs, the debugger and the playground's task view. */
  toString(): string {
    const owner = this._owner === null ? "unlocked" : `owner='${this._owner.name}'`;
    return `<Lock ${owner} waiting=${this.waiters.length}>`;
  }

  /** @internal Gives the lock to the first waiter, or frees it. The caller checked ownership. */
  _handOff(): void {
    const node = this.waiters.length === 0 ? null : this.waiters.wakeFirst(new Acquisition(this));
    this._owner = node === null ? null : node.waiter.task;
  }

  /**
   * @internal Takes the lock for `frame`'s task without possible cancellation, waiting in line
   * if needed (Condition.wait() re-acquiring). Resolves once the task owns the lock.
   */
  _acquireShielded(frame: Frame): Promise<void> {
    if (this._owner === null) {
      this._owner = frame.task;
      return Promise.resolve();
    }
    const shield = new CancelScope({ shield: true });
    const waiter = new Waiter<Disposable>(shield._enter(frame.task, frame.scope)).waitsFor("lock", this);
    this.waiters.push(waiter);
    return waiter.promise.then(() => shield._leave());
  }
}
