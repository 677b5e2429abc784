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
import { Timers, type Clock, type ClockRun } from "./clock";
import type { Invocation } from "./compiled";
import type { TaskHandle } from "./task";

export class Runner implements ClockRun {
  // Tasks spawned and not yet finished, the root task included, oldest first: an intrusive list,
  // since a Set would give every task an identity hash and a table entry.
  private head: TaskHandle<unknown> | null = null;
  private tail: TaskHandle<unknown> | null = null;
  readonly timers: Timers;
  /** Bumped on every task start, finish and wake-up. */
  activity = 0;
  /** Tasks spawned but not yet started. */
  pendingStarts = 0;
  /**
   * The root of the run's live compiled invocations: those started outside compiled code hang
   * under it, and those whose caller ended hang under it through the caller's hand-over. Made
   * by the first compiled invocation of the run.
   */
  calls: Invocation | undefined = undefined;
  /** The values of `RunVar`s in this run, by variable (runtime/core/run-var.ts). */
  _runVars: Map<object, unknown> | undefined = undefined;

  constructor(clock?: Clock) {
    this.timers = new Timers(clock);
    // After the timers exist: the clock may ask for the next deadline as soon as it attaches.
    if (clock?.attach !== undefined) this.timers.drive(clock.attach(this));
  }

  addTask(task: TaskHandle<unknown>): void {
    task._prevTask = this.tail;
    if (this.tail !== null) this.tail._nextTask = task;
    else this.head = task;
    this.tail = task;
  }

  removeTask(task: TaskHandle<unknown>): void {
    const { _prevTask: prev, _nextTask: next } = task;
    if (prev !== null) prev._nextTask = next;
    else if (this.head === task) this.head = next;
    else return; // not in the list
    if (next !== null) next._prevTask = prev;
    else this.tail = prev;
    task._prevTask = task._nextTask = null;
  }

  /** Every task that has not finished yet, oldest first. */
  liveTasks(): TaskHandle<unknown>[] {
    const tasks: TaskHandle<unknown>[] = [];
    for (let task = this.head; task !== null; task = task._nextTask) tasks.push(task);
    return tasks;
  }

  /** True when every live task except `self` is parked in a runtime operation. */
  othersBlocked(self: TaskHandle<unknown> | null): boolean {
    if (this.pendingStarts > 0) return false;
    for (let task = this.head; task !== null; task = task._nextTask) {
      if (task !== self && task._blocked === 0) return false;
    }
    return true;
  }

  /** True when every live task is parked in a runtime operation and none is waiting to start. */
  allBlocked(): boolean {
    return this.othersBlocked(null);
  }

  nextDeadline(): number {
    return this.timers.nextDeadline();
  }

  fireDue(): void {
    this.timers.fireDue();
  }

  /** What must be released when the run ends (worker threads), in registration order. */
  private closers: Array<() => void | Promise<void>> | undefined = undefined;

  /**
   * Registers `closer` to run when the run ends, after its last task: a room's resources that
   * live as long as the run (a thread pool) are released there, so nothing outlives `run()`.
   * `run()` settles only once every promise a closer returned has settled (errors are ignored:
   * releasing is best effort and must not replace the run's outcome).
   */
  onClose(closer: () => void | Promise<void>): void {
    (this.closers ??= []).push(closer);
  }

  /**
   * The run has ended: its timers stop, and sleeps still pending in them fail (see Timers.close);
   * then the closers run. Returns a promise only when a closer has something to wait for.
   */
  close(): Promise<void> | undefined {
    this.timers.close();
    const closers = this.closers;
    if (closers === undefined) return undefined;
    this.closers = undefined;
    const pending: Promise<void>[] = [];
    for (const closer of closers) {
      try {
        const result = closer();
        if (result !== undefined) pending.push(result.catch(() => {}));
      } catch {
        // Best effort: see onClose.
      }
    }
    return pending.length > 0 ? Promise.all(pending).then(() => {}) : undefined;
  }
}
