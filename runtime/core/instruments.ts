/**
 * Instruments: a seam for watching what the core does, modelled on Trio's
 * `trio.lowlevel.add_instrument`. An instrument is an object with some of the optional hooks of
 * {@link Instrument}; the core calls them, synchronously, as tasks are spawned, start, finish,
 * as scopes are cancelled and as task groups record errors. The playground's task view, tracers
 * and metrics are clients of this file; nothing in the core depends on what they do.
 *
 *   Invariant: `installed.list` is never mutated in place. add/remove swap in a new frozen
 *   array, so a hook that adds or removes instruments cannot disturb the dispatch in progress,
 *   and a hook site costs one length check when nothing is installed:
 *
 *     if (installed.list.length !== 0) taskSpawned(task);
 *
 * Hooks see the runtime mid-operation: they must not await, start tasks or cancel scopes. A hook
 * that throws is removed (Trio's rule) and the error is reported as a warning; the runtime
 * carries on as if the instrument had never been there.
 */
import type { CancelScope } from "./cancel-scope";
import type { TaskHandle, TaskInfo } from "./task";
import type { TaskGroup } from "./task-group";
import { describeError, describeValue } from "./validate";
import { emitWarning } from "./warnings";

/** How a task ended: its function returned, raised an error, or ended by cancellation only. */
export type TaskOutcome = "returned" | "failed" | "cancelled";

/** Why a scope was cancelled: a call to `cancel()` (of the scope, its group or a task handle), or its deadline. */
export type CancelCause = "cancel" | "deadline";

/**
 * Receives events from the runtime's core, like Trio's `trio.abc.Instrument`. Every hook is
 * optional; implement the ones you need. Hooks run synchronously inside the runtime: keep them
 * short, never await in them, and never start tasks or cancel scopes from them.
 *
 * @example
 * ```ts
 * const tracer: Instrument = {
 *   taskSpawned: (task) => console.log(`spawned ${task.name} (parent ${task.parentId})`),
 *   taskFinished: (task, outcome) => console.log(`${task.name} ${outcome}`),
 * };
 * addInstrument(tracer);
 * try { await run(main); } finally { removeInstrument(tracer); }
 * ```
 */
export interface Instrument {
  /**
   * A task was created: `run()`'s root task (its `parentId` is null), or a child started with
   * `startSoon()` / `start()`. Its body has not run yet.
   */
  taskSpawned?(task: TaskInfo): void;
  /** The task's body is about to run for the first time (a root task starts as it is spawned). */
  taskStarted?(task: TaskInfo): void;
  /**
   * The task ended. `error` is what it raised: the failure for `"failed"`, the `Cancelled` (or
   * group of them) for `"cancelled"`, `undefined` for `"returned"`.
   */
  taskFinished?(task: TaskInfo, outcome: TaskOutcome, error: unknown): void;
  /**
   * A scope was cancelled, by `cancel()` or because its deadline passed. Fired once per scope,
   * after the cancellation reached every task inside it. `task` is the task that entered the
   * scope (a task group's scope belongs to the group's host task; a task's own root scope, which
   * `TaskHandle.cancel()` cancels, to the task itself), or null for a scope cancelled before it
   * was entered. `String(scope)` describes it (`<moveOnAfter#4 active cancelled deadline=...>`).
   * `reason` is the message of the `Cancelled` errors the cancellation raises inside the scope:
   * the reason given to `cancel()` (or "deadline exceeded") and the task that cancelled it, as in
   * `Cancelled by cancel scope 4: too slow (by task 'main')`.
   */
  scopeCancelled?(scope: CancelScope, cause: CancelCause, task: TaskInfo | null, reason: string): void;
  /**
   * A task group recorded an error (raised by a child or by its host body); the group is about
   * to cancel everything else in it and will raise the errors together in an `ExceptionGroup`.
   * `host` is the task that runs the group's body.
   */
  taskGroupError?(group: TaskGroup, error: unknown, host: TaskInfo): void;
}

const NONE: readonly Instrument[] = Object.freeze([]);

/**
 * @internal The installed instruments; hook sites check `installed.list.length !== 0` first.
 * A constant holder rather than an exported `let`: some CommonJS emitters (esbuild) turn an
 * exported `let` into a getter, which would cost a call at every hook site.
 */
export const installed: { list: readonly Instrument[] } = { list: NONE };

/**
 * Installs `instrument`: from now on it receives the events of every run. Installing the same
 * object twice has no further effect. Never a checkpoint.
 *
 * @throws TypeError if `instrument` is not an object.
 */
export function addInstrument(instrument: Instrument): void {
  if (typeof instrument !== "object" || instrument === null) {
    throw new TypeError(`Expected \`instrument\` to be an object, got ${describeValue(instrument)}`);
  }
  if (installed.list.includes(instrument)) return;
  installed.list = Object.freeze([...installed.list, instrument]);
}

/**
 * Uninstalls `instrument`; it receives no further events, even from a dispatch in progress
 * that has not reached it yet. Never a checkpoint.
 *
 * @throws Error if `instrument` is not installed (Trio's rule: removing twice is a bug).
 */
export function removeInstrument(instrument: Instrument): void {
  const index = installed.list.indexOf(instrument);
  if (index < 0) throw new Error("This instrument is not installed: add it with addInstrument() before removing it");
  const next = installed.list.filter((_, i) => i !== index);
  installed.list = next.length === 0 ? NONE : Object.freeze(next);
}

// --- Dispatch (called by task.ts, cancel-scope.ts and task-group.ts behind the length check) ---

type HookName = keyof Instrument;

function dispatch<K extends HookName>(hook: K, args: Parameters<NonNullable<Instrument[K]>>): void {
  for (const instrument of installed.list) {
    const fn = instrument[hook] as ((...a: unknown[]) => void) | undefined;
    // Removed by an earlier hook of this same dispatch: skip it.
    if (typeof fn !== "function" || !installed.list.includes(instrument)) continue;
    try {
      fn.apply(instrument, args);
    } catch (error) {
      // The hook may have removed its own instrument before raising.
      if (installed.list.includes(instrument)) removeInstrument(instrument);
      emitWarning(
        "RuntimeWarning",
        `an instrument's ${hook} hook raised and the instrument was removed: ${describeError(error)}`,
      );
    }
  }
}

/** @internal */
export function taskSpawned(task: TaskHandle<unknown>): void {
  dispatch("taskSpawned", [task.info]);
}

/** @internal */
export function taskStarted(task: TaskHandle<unknown>): void {
  dispatch("taskStarted", [task.info]);
}

/** @internal */
export function taskFinished(task: TaskHandle<unknown>): void {
  const status = task.status;
  const outcome: TaskOutcome = status === "finished" ? "returned" : status === "failed" ? "failed" : "cancelled";
  dispatch("taskFinished", [task.info, outcome, outcome === "returned" ? undefined : task._error]);
}

/** @internal */
export function scopeCancelled(scope: CancelScope, cause: CancelCause): void {
  // The scope is cancelled itself, so its Cancelled message is its own reason (not an outer one's).
  dispatch("scopeCancelled", [scope, cause, scope._task?.info ?? null, scope._cancelledError().message]);
}

/** @internal */
export function taskGroupError(group: TaskGroup, error: unknown, host: TaskHandle<unknown>): void {
  dispatch("taskGroupError", [group, error, host.info]);
}
