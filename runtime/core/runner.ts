/**
 * The state of one `run()`: its tasks, its clock and timers.
 *
 * There is no scheduler loop of our own: tasks are native async functions driven by the host's
 * event loop. The pieces that make them behave like Trio tasks are:
 *
 *   spawn ──► start queue ──(one microtask, spawn order)──► task body runs to its first await
 *   park  ──► Waiter in the innermost scope ──► woken by a timer / primitive, or cancelled
 *   checkpoint() ──► a macrotask (setImmediate), so I/O and timers get a turn
 *
 * `activity` counts every wake-up, start and finish, so `waitAllTasksBlocked()` can tell a
 * quiet run from a busy one.
 */
import { Timers, type Clock } from "./clock";
import type { TaskHandle } from "./task";

export class Runner {
  /** Tasks that have been spawned and not yet finished, the root task included. */
  readonly tasks = new Set<TaskHandle<unknown>>();
  readonly timers: Timers;
  /** Bumped on every task start, finish and wake-up. */
  activity = 0;
  /** Tasks spawned but not yet started. */
  pendingStarts = 0;

  constructor(clock?: Clock) {
    this.timers = new Timers(clock);
  }

  close(): void {
    this.timers.dispose();
  }
}
