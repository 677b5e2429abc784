/**
 * Counting a task's checkpoints, for `assertCheckpoints()` / `assertNoCheckpoints()` in
 * `anyio-ts/jest` (Trio's `testing.assert_checkpoints`).
 *
 * A checkpoint is two things, counted apart, as Trio's scheduler counts them per task:
 *
 *   cancel point    the task's cancellation was checked and could have raised `Cancelled`
 *   schedule point  the task gave the event loop a turn, so other tasks could run
 *
 * Where they are counted (every runtime operation reaches one of these):
 *
 *   a park (a `Waiter`, or the race of a foreign promise awaited by compiled code)   both
 *   `checkpointIfCancelled()`, the check of an operation that then completes at once  cancel
 *   `cancelShieldedCheckpoint()`, the yield after an uncontended acquire               schedule
 *
 * An await of a compiled callee, of a plain value or of an operation's promise counts nothing
 * itself: what the callee or the operation did is what counts. A watch leaves out the races of
 * the compiled invocations that were running when it started (the code that called the
 * assertion, and its callers): they await the code under watch, they are not part of it.
 *
 * Counting costs nothing while no assertion watches: {@link watched} is `undefined` then, and
 * every counting site is one load and compare. Only watched tasks are counted.
 *
 * Invariant: `watched` is `undefined` exactly when no watch is open; a task is in it exactly
 * while it has an open watch.
 */
import type { Frame } from "./frame";
import type { TaskHandle } from "./task";

/** One open watch of a task (assertions may nest: each counts for itself). */
class Watch {
  cancelPoints = 0;
  schedulePoints = 0;
  constructor(
    /** The invocations running when the watch started: their races are not counted. */
    readonly outside: readonly object[],
  ) {}
}

/** The tasks watched now, each with its open watches; `undefined` when none is. */
export let watched: Map<TaskHandle<unknown>, Watch[]> | undefined = undefined;

/** A park of `task` in a runtime operation: a cancel point and a schedule point. Call only when {@link watched} is set. */
export function countPark(task: TaskHandle<unknown>): void {
  const watches = watched!.get(task);
  if (watches === undefined) return;
  for (const watch of watches) {
    watch.cancelPoints++;
    watch.schedulePoints++;
  }
}

/** A race of a foreign promise by the compiled invocation `by`: a park, unless `by` was running when the watch started. */
export function countRace(task: TaskHandle<unknown>, by: object): void {
  const watches = watched!.get(task);
  if (watches === undefined) return;
  for (const watch of watches) {
    if (watch.outside.includes(by)) continue;
    watch.cancelPoints++;
    watch.schedulePoints++;
  }
}

function countCancelPoint(task: TaskHandle<unknown>): void {
  const watches = watched!.get(task);
  if (watches !== undefined) for (const watch of watches) watch.cancelPoints++;
}

function countSchedulePoint(task: TaskHandle<unknown>): void {
  const watches = watched!.get(task);
  if (watches !== undefined) for (const watch of watches) watch.schedulePoints++;
}

/**
 * Counts a cancellation check of the frame's task that did not park (an uncontended acquire,
 * `checkpointIfCancelled()`), if anything watches.
 */
export function noteCancelPoint(frame: Frame | undefined): void {
  if (watched !== undefined && frame !== undefined) countCancelPoint(frame.task);
}

/** Counts an uncancellable yield of the frame's task, if anything watches. */
export function noteSchedulePoint(frame: Frame | undefined): void {
  if (watched !== undefined && frame !== undefined) countSchedulePoint(frame.task);
}

/** How many cancel and schedule points a watched task passed through. */
export interface CheckpointTally {
  readonly cancelPoints: number;
  readonly schedulePoints: number;
}

/**
 * Starts counting `task`'s checkpoints, leaving out the races of the invocations in `outside`;
 * the returned function ends this watch (once) and returns what it counted.
 */
export function watchCheckpoints(task: TaskHandle<unknown>, outside: readonly object[]): () => CheckpointTally {
  const map = (watched ??= new Map());
  let watches = map.get(task);
  if (watches === undefined) map.set(task, (watches = []));
  const watch = new Watch(outside);
  watches.push(watch);
  return () => {
    const index = watches.indexOf(watch);
    if (index !== -1) {
      watches.splice(index, 1);
      if (watches.length === 0) {
        map.delete(task);
        if (map.size === 0 && watched === map) watched = undefined;
      }
    }
    return { cancelPoints: watch.cancelPoints, schedulePoints: watch.schedulePoints };
  };
}
