/**
 * `anyio-ts/rt`: the hooks that code rewritten by the transformer calls, and the seam through
 * which the runtime's own rooms (sync, streams, net, ...) reach the core. Internal, but stable:
 * compiled code depends on these names.
 *
 * The contract with compiled code:
 * - `markStructured(fn)` tags a compiled function; the runtime then calls it without entering
 *   the context carrier.
 * - A compiled function captures `currentFrame()` when it is called, and runs each synchronous
 *   segment between `enterFrame(frame)` and `leaveFrame(previous)`.
 * - Scopes and task groups opened with `using` / `await using` are entered with `enterScope` /
 *   `enterTaskGroup` and exited with `exitScope` / `exitTaskGroup`, which see the block's
 *   exception and decide what propagates.
 * - Runtime operations park with a `Waiter` registered in the current frame's scope.
 */
import "./platform/node/context-carrier";
import type { CancelScope } from "./core/cancel-scope";
import type { Frame } from "./core/context";
import type { TaskGroup } from "./core/task-group";

export {
  Frame,
  currentFrame,
  enterFrame,
  leaveFrame,
  callInFrame,
  markStructured,
  isStructured,
  installContextCarrier,
} from "./core/context";
export type { ContextCarrier } from "./core/context";
export { Waiter } from "./core/waiter";
export { requireFrame, currentClock } from "./core/cancel-scope";
export { yieldMacrotask, Timers, realClock } from "./core/clock";
export type { Clock, TimerEntry } from "./core/clock";
export { checkDelay, checkInstant, checkFunction } from "./core/validate";

/** Enters `scope` in `frame`'s task; returns the frame of the scope's block. */
export function enterScope(frame: Frame, scope: CancelScope): Frame {
  return scope._enter(frame.task, frame.scope);
}

/**
 * Exits `scope`: returns normally when the block completed or the scope swallowed its own
 * cancellation; otherwise throws what must propagate (the block's error, or TimeoutError).
 */
export function exitScope(scope: CancelScope, hasError: boolean, error?: unknown): void {
  scope._exit(hasError, error);
}

/** Enters `tg` in `frame`; returns the frame of the group's block. */
export function enterTaskGroup(frame: Frame, tg: TaskGroup): Frame {
  return tg._enter(frame);
}

/** Waits for `tg`'s children, then throws what the group must raise (if anything). */
export function exitTaskGroup(tg: TaskGroup, hasError: boolean, error?: unknown): Promise<void> {
  return tg._exit(hasError, error);
}
