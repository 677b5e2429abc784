/**
 * `Event`: a one-shot flag that tasks can wait for.
 */
import { checkpoint } from "../core/checkpoint";
import { currentFrame } from "../core/frame";
import { Waiter } from "../core/waiter";
import { cancelled, outsideTask } from "./checks";
import { WaitQueue } from "./wait-queue";

/** What {@link Event.statistics} returns. */
export interface EventStatistics {
  /** Number of tasks blocked in {@link Event.wait}. */
  readonly tasksWaiting: number;
}

/**
 * A one-shot flag: tasks wait until some task sets it, like a promise that many tasks can await
 * and that anyone can resolve. Unlike Python's `asyncio.Event` it cannot be cleared: create a
 * new `Event` for the next round.
 *
 * Waiting is cancellable, and a wake-up is never lost: a task whose wait was ended by `set()`
 * returns normally even if it is cancelled before it resumes (the cancellation is delivered at
 * its next checkpoint instead).
 *
 * Can be created anywhere, even outside {@link run}; `wait()` needs a running task.
 *
 * @example
 * ```ts
 * const ready = new Event();
 * await createTaskGroup().run(async (tg) => {
 *   tg.startSoon(async () => {
 *     await ready.wait();
 *     console.log("go!");
 *   });
 *   await sleep(100);
 *   ready.set();
 * });
 * ```
 */
export class Event {
  private flag = false;
  private readonly waiters = new WaitQueue<void>();

  /**
   * Sets the flag and wakes every waiting task, in the order they started waiting. Setting an
   * event that is already set does nothing. Never a checkpoint; works outside {@link run} too.
   */
  set(): void {
    if (this.flag) return;
    this.flag = true;
    this.waiters.wakeAll(undefined);
  }

  /** Whether {@link set} has been called. */
  isSet(): boolean {
    return this.flag;
  }

  /**
   * Waits until the flag is set. This is a checkpoint, even when the flag is already set: it
   * raises `Cancelled` in a cancelled scope, and lets other tasks run before returning.
   *
   * @example
   * ```ts
   * await moveOnAfter(1000).run(() => done.wait()); // wait at most a second
   * ```
   * @throws Cancelled if the task is cancelled before the flag is set.
   * @throws NoCurrentTaskError outside {@link run}.
   */
  wait(): Promise<void> {
    const frame = currentFrame();
    if (frame === undefined) return outsideTask("Event.wait()");
    if (this.flag) return checkpoint();
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const waiter = new Waiter<void>(frame).waitsFor("event", this);
    this.waiters.push(waiter);
    return waiter.promise;
  }

  /** How many tasks are waiting. Never a checkpoint. */
  statistics(): EventStatistics {
    return Object.freeze({ tasksWaiting: this.waiters.length });
  }

  /** A one-line description of this Event for logs, the debugger and the playground's task view. */
  toString(): string {
    return `<Event ${this.flag ? "set" : "unset"} waiting=${this.waiters.length}>`;
  }
}
