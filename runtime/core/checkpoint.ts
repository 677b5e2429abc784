/**
 * Checkpoints and sleeping: the places where a task may be cancelled and others may run.
 *
 * Outside `run()` these behave like plain timers and yields (nothing can cancel them), so that
 * structured helpers called from plain code keep working.
 */
import { currentFrame, markStructured, type Frame } from "./frame";
import { tagPrimitive } from "./primitive";
import { noteCancelPoint, noteSchedulePoint, watched } from "./checkpoint-counts";
import { currentClock, requireFrame } from "./cancel-scope";
import { realClock, setLongTimeout, yieldMacrotask, type TimerEntry, type Timers } from "./clock";
import { checkInstant } from "./validate";
import { BareWaiter, Waiter, type WaitKind } from "./waiter";

/**
 * Lets other tasks, I/O and timers run (one macrotask), raising `Cancelled` first if the
 * current code is cancelled. This is a checkpoint.
 */
export function checkpoint(): Promise<void> {
  const frame = currentFrame();
  if (frame === undefined) return new Promise((resolve) => yieldMacrotask(resolve));
  return checkpointIn(frame);
}

/** A checkpoint of `frame`: for runtime code that kept its frame across its own awaits. */
function checkpointIn(frame: Frame): Promise<void> {
  if (frame.scope._effectivelyCancelled) return Promise.reject(frame.scope._cancelledError());
  const waiter = new Waiter<void>(frame).waitsFor("checkpoint", undefined);
  yieldMacrotask(() => void waiter.wake());
  return waiter.promise;
}

/**
 * What `checkpointIfCancelled()` returns when there is nothing to raise: one resolved promise for
 * every call (awaiting it takes the one microtask turn any resolved promise takes), so the
 * commonest checkpoint allocates nothing. Tagged on each call like any operation's promise.
 */
const NOT_CANCELLED: Promise<void> = Promise.resolve();

/** Raises `Cancelled` if the current code is cancelled; otherwise returns without yielding. */
export function checkpointIfCancelled(): Promise<void> {
  const frame = currentFrame();
  if (frame !== undefined) {
    if (frame.scope._effectivelyCancelled) return Promise.reject(frame.scope._cancelledError());
    if (watched !== undefined) noteCancelPoint(frame);
  }
  return tagPrimitive(NOT_CANCELLED);
}

/** Lets other tasks run (one macrotask) and never raises, even when cancelled. */
export function cancelShieldedCheckpoint(): Promise<void> {
  if (watched !== undefined) noteSchedulePoint(currentFrame());
  // Tagged: compiled code must not race it against cancellation, it never raises.
  return tagPrimitive(new Promise((resolve) => yieldMacrotask(resolve)));
}

/**
 * Pauses for `ms` milliseconds. This is a checkpoint: it raises `Cancelled` if the current code
 * is or becomes cancelled, and `sleep(0)` still lets other tasks run.
 *
 * @param ms - milliseconds; zero or negative just yields.
 * @example
 * ```ts
 * await sleep(250);
 * ```
 */
export function sleep(ms: number): Promise<void> {
  checkInstant("ms", ms);
  return sleepUntilTime(currentClock().now() + ms);
}

/** Pauses until `currentTime()` reaches `deadline` (milliseconds). This is a checkpoint. */
export function sleepUntil(deadline: number): Promise<void> {
  checkInstant("deadline", deadline);
  return sleepUntilTime(deadline);
}

/** Pauses until cancelled. This is a checkpoint; it never returns normally. */
export function sleepForever(): Promise<never> {
  return sleepUntilTime(Infinity) as Promise<never>;
}

/**
 * The current time of the run's clock in milliseconds: monotonic, unrelated to wall-clock
 * time, and what deadlines are measured against. Never a checkpoint.
 */
export function currentTime(): number {
  return currentClock().now();
}

/**
 * Returns once every other task of the run is parked in a runtime operation (sleeping,
 * waiting for an event, a lock, a child...) and nothing has woken up for a full event-loop
 * turn. Meant for tests. This is a checkpoint.
 *
 * Tasks awaiting promises from outside the runtime in code the transformer did not compile
 * count as busy, not blocked.
 */
export async function waitAllTasksBlocked(): Promise<void> {
  const frame = requireFrame("waitAllTasksBlocked()");
  const runner = frame.task._runner;
  const self = frame.task;
  // The activity count right after our previous wake-up; our own wake-up adds exactly one.
  let seen = -1;
  for (;;) {
    await checkpointIn(frame);
    const activity = runner.activity;
    if (!runner.othersBlocked(self)) seen = -1;
    else if (seen !== -1 && activity === seen + 1) return;
    else seen = activity;
  }
}

function sleepUntilTime(deadline: number): Promise<void> {
  const frame = currentFrame();
  if (frame === undefined) {
    if (deadline === Infinity) return new Promise(() => {});
    const delay = deadline - realClock.now();
    return new Promise((resolve) => (delay > 0 ? setLongTimeout(resolve, Math.ceil(delay)) : yieldMacrotask(resolve)));
  }
  if (frame.scope._effectivelyCancelled) return Promise.reject(frame.scope._cancelledError());
  const timers = frame.task._runner.timers;
  const sleeper = new Sleeper(frame);
  // sleepForever() sits in the heap too (at Infinity, which never arms a timer), so that the end
  // of the run finds it.
  if (deadline <= timers.clock.now()) yieldMacrotask(() => void sleeper.wake());
  else timers.schedule(sleeper, deadline);
  return sleeper.promise;
}

/** A sleeping task: its own timer entry, so a sleep costs no extra closures. */
class Sleeper extends BareWaiter<void> implements TimerEntry {
  index = -1;

  /** When the sleep ends (for the task tree); the current time while it waits for its macrotask. */
  get deadline(): number {
    const timers = this.task._runner.timers;
    return timers.deadlineOf(this) ?? timers.clock.now();
  }

  /** @internal */
  _waitKind(): WaitKind {
    return "sleep";
  }

  /** @internal */
  _waitsOn(): unknown {
    return undefined;
  }

  fire(): void {
    this.wake();
  }

  /**
   * The run ended first (a sleep started in a run and never awaited there): fail it, so that
   * awaiting it later raises instead of hanging. Marked handled: nobody may ever await it.
   */
  abandon(): void {
    if (
      this.fail(
        new Error(
          "This sleep belongs to a run() that has ended, so nothing can wake it: " +
            "await sleep(), sleepUntil() and sleepForever() inside the run that started them, or call them outside any run",
        ),
      )
    ) {
      this.promise.then(undefined, () => {});
    }
  }

  protected override _withdraw(): void {
    this.task._runner.timers.remove(this); // the run's timers, where sleep() scheduled it
  }
}

// These never read the current frame after an await of their own, so they need no context
// carrier: `tg.startSoon(sleep, 1000)` must not switch AsyncLocalStorage on for the process.
for (const fn of [
  checkpoint,
  checkpointIfCancelled,
  cancelShieldedCheckpoint,
  sleep,
  sleepUntil,
  sleepForever,
  waitAllTasksBlocked,
]) {
  markStructured(fn);
}
