/**
 * `anyio-ts/rt`: the hooks that code rewritten by the transformer calls, and the seam through
 * which the runtime's own rooms (sync, streams, net, ...) reach the core. Internal, but stable:
 * compiled code depends on these names.
 *
 * The contract with compiled code (runtime/core/compiled.ts, docs/transformer.md):
 * - `enter()` / `enterGenerator()` start an invocation and its first synchronous segment;
 *   `exit($c)` ends it. `enterLeaf()` starts a compiled function that never suspends (no
 *   `await`, `for await` or `using` in its body): it needs no invocation state.
 * - `ret` / `retCall` (`retLeaf` in a leaf) wrap `return value` where the value may be a
 *   promise, so a returned foreign promise stays cancellable; `yielded` / `yieldedCall` do the
 *   same for `yield value` and an async generator's `return value`. `suspend` / `suspendCall` / `pre` / `resume` wrap every await, `reenter`
 *   starts every `catch` and `finally` block, `leave` precedes every `yield`.
 * - `block($c)` holds the resources of a block with `using` / `await using`: cancel scopes and
 *   task groups are entered, and exited with the block's exception.
 * - `forAwait($c, iterable)` wraps the iterable of a `for await` loop.
 * - `markStructured(fn)` / `markMethods(target, ...names)` tag compiled functions; the runtime
 *   then calls them without entering the context carrier.
 * - Runtime operations park with a `Waiter` registered in the current frame's scope, and return
 *   its promise (or one branded by `tagPrimitive`) so compiled code awaits it without a race;
 *   runtime/core/primitive.ts has the rules such an operation must keep. A room says what its
 *   park waits for with `waiter.waitsFor(kind, on)` (`"operation"` and a short label such as
 *   `"socket receive"` for its own kinds of wait), which task trees show (`getTaskTree()`).
 * - `enter($sites)`, and the last argument of `suspend`, `suspendCall`, `forAwait` and `block`, are
 *   the module's site table and the await's index in it (absent when compiled with `sites: false`).
 * - The rooms above the core use `enterScope` / `exitScope` / `enterTaskGroup` / `exitTaskGroup`
 *   for scopes and groups they open themselves.
 */
// No context carrier here: `anyio-ts/rt` must load in browsers. The Node entry point
// (`anyio-ts`) installs AsyncLocalStorage, and plain callbacks only exist where it is imported.
import type { CancelScope } from "./core/cancel-scope";
import * as cancelScope from "./core/cancel-scope";
import * as checkpointCounts from "./core/checkpoint-counts";
import * as clock from "./core/clock";
import * as compiled from "./core/compiled";
import * as frame from "./core/frame";
import * as introspection from "./core/introspection";
import * as primitive from "./core/primitive";
import type { Runner } from "./core/runner";
import type { TaskGroup } from "./core/task-group";
import * as validate from "./core/validate";
import * as waiter from "./core/waiter";

// Every name is exported as a constant, never re-exported: CommonJS output turns
// `export { x } from` into an accessor per name, which (after the `exports.x = void 0` that
// precedes it) turns this module's exports object into a slow dictionary. Compiled code reads
// `__rt.<hook>` several times per await; measured, the dictionary and the accessors cost more
// than half of the overhead of a nested structured call.
export const Frame = frame.Frame;
export type Frame = frame.Frame;
export type { ContextCarrier } from "./core/frame";
export const currentFrame = frame.currentFrame;
export const enterFrame = frame.enterFrame;
export const leaveFrame = frame.leaveFrame;
export const callInFrame = frame.callInFrame;
export const isStructured = frame.isStructured;
export const tagPrimitive = primitive.tagPrimitive;
export const watchCheckpoints = checkpointCounts.watchCheckpoints;
export const noteCancelPoint = checkpointCounts.noteCancelPoint;
export const noteSchedulePoint = checkpointCounts.noteSchedulePoint;
export type { CheckpointTally } from "./core/checkpoint-counts";
export const installContextCarrier = frame.installContextCarrier;
export const Waiter = waiter.Waiter;
export type Waiter<T = void> = waiter.Waiter<T>;
// The hooks compiled code calls (see runtime/core/compiled.ts for the contract).
export const enter = compiled.enter;
export const enterLeaf = compiled.enterLeaf;
export const enterGenerator = compiled.enterGenerator;
export const exit = compiled.exit;
export const suspend = compiled.suspend;
export const suspendCall = compiled.suspendCall;
export const pre = compiled.pre;
export const resume = compiled.resume;
export const reenter = compiled.reenter;
export const leave = compiled.leave;
export const ret = compiled.ret;
export const retCall = compiled.retCall;
export const retLeaf = compiled.retLeaf;
export const yielded = compiled.yielded;
export const yieldedCall = compiled.yieldedCall;
export const forAwait = compiled.forAwait;
export const block = compiled.block;
export const markStructured = compiled.markStructured;
export const markMethods = compiled.markMethods;
export const key = compiled.key;
export const runningCalls = compiled.runningCalls;
export const runningChain = compiled.runningChain;
export const taskTreeOf = introspection.taskTreeOf;
export type { Invocation, Block } from "./core/compiled";
export const requireFrame = cancelScope.requireFrame;
export const currentClock = cancelScope.currentClock;
export const yieldMacrotask = clock.yieldMacrotask;
export const Timers = clock.Timers;
export type Timers = clock.Timers;
export const realClock = clock.realClock;
export type { Clock, TimerEntry } from "./core/clock";
// Assertion functions keep their narrowing only through an explicitly typed binding.
export const checkDelay: typeof validate.checkDelay = validate.checkDelay;
export const checkInstant: typeof validate.checkInstant = validate.checkInstant;
export const checkFunction: typeof validate.checkFunction = validate.checkFunction;
export const checkBoolean: typeof validate.checkBoolean = validate.checkBoolean;
export const checkOptions = validate.checkOptions;
export const describeValue = validate.describeValue;

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

/**
 * An object that stands for the current `run()` (the same one for every task of the run), for
 * state that lives as long as the run, in a `WeakMap` (AnyIO's `RunVar`): the default thread
 * limiter, for one. @throws NoCurrentTaskError outside `run()`.
 */
export function currentRun(what: string): object {
  return cancelScope.requireFrame(what).task._runner;
}

/**
 * Calls `fn` (outside every task) when the current run's clock reaches `deadline`, before any
 * deadline of a scope entered later with the same instant (timers fire in deadline order, then
 * in the order they were set). Returns what cancels it. For a test helper that must look at the
 * tasks just before its own deadline cancels them. @throws NoCurrentTaskError outside `run()`.
 */
export function atDeadline(deadline: number, fn: () => void): () => void {
  const timers = cancelScope.requireFrame("atDeadline()").task._runner.timers;
  const entry = timers.add(deadline, fn);
  return () => timers.remove(entry);
}

/**
 * Registers `closer` to run when the run `run` (from {@link currentRun}) ends; `run()` settles
 * only after the promise it returns. For resources a room keeps for the whole run.
 */
export function onRunClose(run: object, closer: () => void | Promise<void>): void {
  (run as Runner).onClose(closer);
}
