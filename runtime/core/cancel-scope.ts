/**
 * Cancel scopes: Trio's level-triggered cancellation.
 *
 * Active scopes form a tree: a scope's parent is the innermost scope of the frame that entered
 * it, and a task's root scope hangs under its task group's scope. Each active scope caches
 * whether it is *effectively cancelled*:
 *
 *   Invariant: `_effectivelyCancelled === _cancelCalled || (!_shield && parent._effectivelyCancelled)` for every active scope.
 *
 * so a checkpoint is a single field read. When the invariant changes for a scope (cancel(), a
 * deadline, a shield change, a task moving under another scope), the change is pushed down the
 * subtree, stopping at shields, and every waiter parked in a newly cancelled scope is rejected
 * with a fresh `Cancelled`. Nothing polls.
 */
import { currentFrame, callInFrame, Frame } from "./frame";
import { tagPrimitive } from "./primitive";
import { realClock, type TimerEntry } from "./clock";
import { Cancelled, NoCurrentTaskError, TimeoutError } from "./errors";
import { ExceptionGroup } from "./exception-group";
import { checkBoolean, checkDelay, checkFunction, checkInstant, checkOptions, describeValue } from "./validate";
import { installed, scopeCancelled } from "./instruments";
import type { TaskHandle } from "./task";
import type { Parked } from "./waiter";

const NEW = 0;
const ACTIVE = 1;
const EXITED = 2;

let nextScopeId = 1;

// The option keys each function accepts: checkOptions rejects any other (a misspelt option).
const SCOPE_OPTIONS = ["deadline", "shield"] as const;
const MOVE_ON_OPTIONS = ["shield"] as const;
const FAIL_OPTIONS = ["shield", "reason"] as const;

/** Options of {@link CancelScope}. */
export interface CancelScopeOptions {
  /**
   * Absolute deadline on the {@link currentTime} clock, in milliseconds.
   * @default Infinity
   */
  deadline?: number;
  /**
   * Whether cancellation of enclosing scopes is kept out of this one.
   * @default false
   */
  shield?: boolean;
}

/**
 * A region of code that can be cancelled as a whole, like Trio's `CancelScope`.
 *
 * Once a scope is cancelled (by {@link CancelScope.cancel}, or because its deadline passed),
 * every checkpoint inside it raises {@link Cancelled}, again and again, until the code leaves
 * the scope; the scope then swallows its own cancellation and execution continues after it.
 * Scopes nest: cancelling one cancels everything inside it, except inside shielded scopes.
 *
 * @example
 * ```ts
 * const scope = new CancelScope({ deadline: currentTime() + 1000 });
 * const value = await scope.run(async () => fetchSlowly());
 * if (scope.cancelledCaught) console.log("gave up after a second");
 * ```
 * @throws TypeError from the constructor if `options` is not an object, has an unknown key, or
 *   an option has the wrong type.
 */
export class CancelScope {
  /** @internal */ _state = NEW;
  /** @internal */ _parent: CancelScope | null = null;
  /** @internal */ _task: TaskHandle<unknown> | null = null;
  /** @internal */ _cancelCalled = false;
  /** @internal */ _effectivelyCancelled = false;
  /** @internal */ _shield: boolean;
  /** @internal */ _deadline: number;
  /**
   * @internal Set for failAfter/failAt scopes: exit raises TimeoutError when the deadline caused
   * the cancel; `relative` is failAfter's delay until the scope is entered (its deadline is
   * computed then).
   */
  _timeout: { reason: string | undefined; relative: number | undefined } | undefined;
  /** @internal */ _label: string | undefined;
  private timer: TimerEntry | undefined;
  // What most scopes (a task's, a group's, a block's) never need, made on first use: every
  // active scope is one object, and each field here would cost every task 8 bytes.
  private extras: ScopeExtras | undefined = undefined;
  private readonly id = nextScopeId++;
  // Intrusive lists: children of this scope, and waiters parked directly in it.
  private firstChild: CancelScope | null = null;
  private prevSibling: CancelScope | null = null;
  private nextSibling: CancelScope | null = null;
  private firstWaiter: Parked | null = null;

  constructor(options?: CancelScopeOptions) {
    this._deadline = Infinity;
    this._shield = false;
    if (options === undefined) return;
    checkOptions(options, SCOPE_OPTIONS);
    const { deadline = Infinity, shield = false } = options;
    checkInstant("deadline", deadline);
    checkBoolean("shield", shield);
    this._deadline = deadline;
    this._shield = shield;
  }

  /**
   * Cancels this scope: every checkpoint inside it raises {@link Cancelled} until it exits.
   * Allowed before the scope is entered (it is then cancelled on entry), from any task, and
   * after it exited (no effect). Only the first call's reason is kept.
   *
   * @param reason - appears in the message of the `Cancelled` errors it causes.
   */
  cancel(reason?: string): void {
    if (this._cancelCalled) return;
    const by = currentFrame()?.task.name;
    this.cancelWith(
      (reason !== undefined ? String(reason) : "cancelled") + (by !== undefined ? ` (by task '${by}')` : ""),
    );
  }

  /** Absolute deadline in milliseconds on the {@link currentTime} clock; `Infinity` for none. Settable while active. */
  get deadline(): number {
    const relative = this._timeout?.relative;
    if (this._state === NEW && relative !== undefined) {
      return clockOf(this).now() + relative;
    }
    return this._deadline;
  }

  /**
   * Moves the deadline; on an active scope the new deadline takes effect at once (one in the past
   * cancels the scope).
   * @throws TypeError if `value` is not a number.
   */
  set deadline(value: number) {
    checkInstant("deadline", value);
    if (this._timeout !== undefined) this._timeout.relative = undefined;
    this._deadline = value;
    if (this._state === ACTIVE) this.armDeadline();
  }

  /** Whether cancellation of enclosing scopes is kept out. Settable while active. */
  get shield(): boolean {
    return this._shield;
  }

  /**
   * Shields the scope or lifts its shield; lifting it while an enclosing scope is cancelled makes
   * the next checkpoint inside throw `Cancelled`.
   * @throws TypeError if `value` is not a boolean.
   */
  set shield(value: boolean) {
    checkBoolean("shield", value);
    if (value === this._shield) return;
    this._shield = value;
    if (this._state === ACTIVE) this.refresh();
  }

  /** Whether {@link cancel} was called or the deadline passed. */
  get cancelCalled(): boolean {
    return this._cancelCalled;
  }

  /** Whether this scope swallowed a cancellation when it exited. */
  get cancelledCaught(): boolean {
    return this.extras?.caught ?? false;
  }

  /**
   * An `AbortSignal` that aborts, synchronously, when this scope becomes effectively cancelled:
   * by its own {@link cancel} or deadline, or by a visible enclosing scope. Hand it to APIs
   * such as `fetch` so they stop with the scope.
   */
  get signal(): AbortSignal {
    const more = this.more();
    if (more.controller === undefined) {
      more.controller = new AbortController();
      if (this._effectivelyCancelled || (this._state !== ACTIVE && this._cancelCalled)) this.abortSignal();
    }
    return more.controller.signal;
  }

  /**
   * Enters the scope, runs `fn(scope)` inside it, and exits.
   *
   * Resolves to `fn`'s value, or to `undefined` when the scope swallowed its own cancellation.
   * A failAfter/failAt scope rejects with {@link TimeoutError} instead when its deadline
   * caused the cancellation.
   *
   * @throws Error if the scope was entered before (each scope is used for one block only).
   * @throws NoCurrentTaskError outside {@link run}.
   */
  run<T>(fn: (scope: this) => T | Promise<T>): Promise<T | undefined> {
    // Tagged so that compiled code awaits it without a racing wrapper: the scope is structured.
    return tagPrimitive(this.runBody(fn));
  }

  private async runBody<T>(fn: (scope: this) => T | Promise<T>): Promise<T | undefined> {
    checkFunction("fn", fn);
    const outer = requireFrame("CancelScope.run()");
    const inner = this._enter(outer.task, outer.scope);
    let value: T;
    try {
      value = await callInFrame(inner, fn, [this]);
    } catch (error) {
      this._exit(true, error);
      return undefined;
    }
    this._exit(false, undefined);
    return value;
  }

  /**
   * Only meaningful in `"use structured"` code, where the transformer turns `using scope = ...`
   * into an entry and an exit that sees the block's exception.
   */
  [Symbol.dispose](): void {
    throw new Error(
      this._state === NEW
        ? 'This CancelScope was never entered: `using scope = ...` opens a scope only inside "use structured" code ' +
            "compiled by the anyio-ts transformer; in plain code write `await scope.run(async () => { ... })`"
        : "CancelScope[Symbol.dispose]() cannot exit a scope: scopes entered with run() exit when run() returns",
    );
  }

  /** A one-line description of this CancelScope for logs, the debugger and the playground's task view. */
  toString(): string {
    const state = this._state === NEW ? "new" : this._state === ACTIVE ? "active" : "exited";
    const parts = [`${this._label ?? "CancelScope"}#${this.id}`, state];
    if (this._cancelCalled) parts.push("cancelled");
    if (this._shield) parts.push("shielded");
    if (this._deadline !== Infinity) parts.push(`deadline=${this._deadline.toFixed(1)}`);
    return `<${parts.join(" ")}>`;
  }

  // --- Entry and exit (used by run(), task groups and the transformer's hooks) ---

  /** @internal Enters in `task` under `parent` and returns the frame of the scope's body. */
  _enter(task: TaskHandle<unknown>, parent: CancelScope | null): Frame {
    if (this._state !== NEW) {
      throw new Error(
        "Each CancelScope may only be used for a single block; create a new CancelScope (or moveOnAfter/failAfter) for each one",
      );
    }
    this._state = ACTIVE;
    this._task = task;
    this.linkUnder(parent);
    const timeout = this._timeout;
    if (timeout !== undefined && timeout.relative !== undefined) {
      this._deadline = clockOf(this).now() + timeout.relative;
      timeout.relative = undefined;
    }
    this.armDeadline();
    if (this._effectivelyCancelled && this.extras?.controller !== undefined) this.abortSignal();
    return new Frame(task, this);
  }

  /**
   * @internal Exits the scope. Returns normally when the body completed or the scope swallowed
   * its own cancellation (it was cancelled and no enclosing scope it can see is cancelled too);
   * otherwise throws what must propagate.
   */
  _exit(hasError: boolean, error: unknown): void {
    if (this._state !== ACTIVE) {
      throw new Error("This cancel scope is not active: a scope is exited once, after it was entered");
    }
    const parentVisiblyCancelled = !this._shield && this._parent !== null && this._parent._effectivelyCancelled;
    this._leave();
    if (!hasError) return;
    if (!this._cancelCalled || parentVisiblyCancelled) throw error;
    let rest: unknown;
    if (error instanceof Cancelled) {
      rest = undefined;
    } else if (error instanceof ExceptionGroup) {
      const [cancellations, others] = error.split(Cancelled);
      if (cancellations === undefined) throw error;
      rest = others;
    } else {
      throw error;
    }
    this.more().caught = true;
    if (rest !== undefined) throw rest;
    if (this._timeout !== undefined && clockOf(this).now() >= this._deadline) {
      throw new TimeoutError(this._timeout.reason);
    }
  }

  /** @internal Leaves the tree without judging an exception (task ends, group close). */
  _leave(): void {
    if (this._state !== ACTIVE) return;
    this._state = EXITED;
    this.disarmDeadline();
    this.unlink();
  }

  /**
   * @internal Enters this new scope as the own scope of `task`, which ran directly in `outer`
   * until now, between `outer` and what of the task's is in there: the scopes the task entered
   * and what it is parked in. (A task starting a child with `start()` has its own scope already:
   * start() makes it, so the child, which runs under its caller until started, hangs in it.) Takes one pass over `outer`'s direct children and parked operations.
   * The caller moves the task's root frame in.
   */
  _interpose(task: TaskHandle<unknown>, outer: CancelScope): void {
    this._state = ACTIVE;
    this._task = task;
    this.linkUnder(outer);
    // Invariant kept: this scope is effectively cancelled exactly when `outer` is, so what moves
    // under it keeps its own state.
    for (let child = outer.firstChild; child !== null;) {
      const next: CancelScope | null = child.nextSibling;
      if (child !== this && child._task === task) {
        child.unlink();
        child.linkUnder(this);
      }
      child = next;
    }
    for (let parked = outer.firstWaiter; parked !== null;) {
      const next: Parked | null = parked._next;
      if (parked.task === task) {
        outer._removeWaiter(parked);
        this._addWaiter(parked);
        parked._movedTo?.(this);
      }
      parked = next;
    }
  }

  /** @internal Moves an active scope under another parent (a started task joining its group). */
  _moveUnder(parent: CancelScope): void {
    this.unlink();
    this.linkUnder(parent);
    this.refresh();
  }

  /** @internal A fresh Cancelled explaining why a checkpoint in this scope raises. */
  _cancelledError(): Cancelled {
    return Cancelled._create(this.cancelMessage());
  }

  private cancelMessage(): string {
    for (let scope: CancelScope | null = this; scope !== null; scope = scope._shield ? null : scope._parent) {
      if (scope._cancelCalled) return `Cancelled by cancel scope ${scope.id}: ${scope.extras?.reason}`;
    }
    return "Cancelled";
  }

  // --- Introspection (runtime/core/introspection.ts reads these when a task tree is asked for) ---

  /** @internal */
  get _id(): number {
    return this.id;
  }

  /** @internal The task group whose scope this is (for the task tree). */
  get _group(): ScopeGroup | undefined {
    return this.extras?.group;
  }

  /** @internal */
  set _group(group: ScopeGroup | undefined) {
    this.more().group = group;
  }

  /** @internal The reason given to the cancel() (or the deadline) that cancelled this scope. */
  get _reason(): string | undefined {
    return this.extras?.reason;
  }

  /** @internal Whether this scope is active (entered and not exited). */
  get _active(): boolean {
    return this._state === ACTIVE;
  }

  /** @internal The active scopes directly inside this one. */
  _children(): CancelScope[] {
    const out: CancelScope[] = [];
    for (let child = this.firstChild; child !== null; child = child.nextSibling) out.push(child);
    return out;
  }

  /** @internal What is parked directly in this scope. */
  _parked(): Parked[] {
    const out: Parked[] = [];
    for (let waiter = this.firstWaiter; waiter !== null; waiter = waiter._next) out.push(waiter);
    return out;
  }

  /** @internal */
  _addWaiter(waiter: Parked): void {
    waiter._scope = this;
    waiter._next = this.firstWaiter;
    if (this.firstWaiter !== null) this.firstWaiter._prev = waiter;
    this.firstWaiter = waiter;
  }

  /** @internal */
  _removeWaiter(waiter: Parked): void {
    if (waiter._prev !== null) waiter._prev._next = waiter._next;
    else this.firstWaiter = waiter._next;
    if (waiter._next !== null) waiter._next._prev = waiter._prev;
    waiter._prev = waiter._next = waiter._scope = null;
  }

  // --- Cancellation propagation ---

  private cancelWith(reason: string, byDeadline = false): void {
    if (this._cancelCalled) return;
    this._cancelCalled = true;
    this.more().reason = reason;
    this.disarmDeadline();
    if (this._state === ACTIVE) this.propagate();
    else if (this.extras?.controller !== undefined && this._state === NEW) this.abortSignal();
    if (installed.list.length !== 0) scopeCancelled(this, byDeadline ? "deadline" : "cancel");
  }

  /** Recomputes `_effectivelyCancelled` from the invariant and pushes a change down the subtree. */
  private refresh(): void {
    const eff = this._cancelCalled || (!this._shield && this._parent !== null && this._parent._effectivelyCancelled);
    if (eff && !this._effectivelyCancelled) this.propagate();
    else if (!eff && this._effectivelyCancelled) this.clearEffective();
  }

  private propagate(): void {
    const signals: CancelScope[] = [];
    this.markCancelled(this.cancelMessage(), signals);
    // Abort listeners run user code synchronously: only once the tree is consistent.
    for (const scope of signals) scope.abortSignal();
  }

  private clearEffective(): void {
    this._effectivelyCancelled = false;
    for (let child = this.firstChild; child !== null; child = child.nextSibling) {
      if (child._effectivelyCancelled && !child._cancelCalled) child.clearEffective();
    }
  }

  private abortSignal(): void {
    const controller = this.extras!.controller!;
    if (!controller.signal.aborted) controller.abort(this._cancelledError());
  }

  private armDeadline(): void {
    this.disarmDeadline();
    if (this._cancelCalled || this._deadline === Infinity) return;
    const timers = this._task!._runner.timers;
    if (this._deadline <= timers.clock.now()) this.cancelWith("deadline exceeded", true);
    else this.timer = timers.add(this._deadline, () => this.cancelWith("deadline exceeded", true));
  }

  private disarmDeadline(): void {
    if (this.timer === undefined) return;
    this._task!._runner.timers.remove(this.timer);
    this.timer = undefined;
  }

  private linkUnder(parent: CancelScope | null): void {
    this._parent = parent;
    this._effectivelyCancelled =
      this._cancelCalled || (!this._shield && parent !== null && parent._effectivelyCancelled);
    if (parent === null) return;
    this.nextSibling = parent.firstChild;
    if (parent.firstChild !== null) parent.firstChild.prevSibling = this;
    parent.firstChild = this;
  }

  private unlink(): void {
    const parent = this._parent;
    if (parent === null) return;
    if (this.prevSibling !== null) this.prevSibling.nextSibling = this.nextSibling;
    else parent.firstChild = this.nextSibling;
    if (this.nextSibling !== null) this.nextSibling.prevSibling = this.prevSibling;
    this.prevSibling = this.nextSibling = null;
  }

  private more(): ScopeExtras {
    return (this.extras ??= { reason: undefined, caught: false, controller: undefined, group: undefined });
  }

  private markCancelled(message: string, signals: CancelScope[]): void {
    this._effectivelyCancelled = true;
    if (this.extras?.controller !== undefined) signals.push(this);
    for (let waiter = this.firstWaiter; waiter !== null;) {
      const next: Parked | null = waiter._next;
      waiter._cancel(Cancelled._create(message));
      waiter = next;
    }
    for (let child = this.firstChild; child !== null; child = child.nextSibling) {
      if (!child._effectivelyCancelled && !child._shield) child.markCancelled(message, signals);
    }
  }
}

/** What the task tree and the group's children ask of the task group whose scope a scope is. */
interface ScopeGroup {
  _liveChildren(): number;
  _waitingForChildren(): boolean;
  /** A child of the group ended. */
  _childDone(task: TaskHandle<unknown>): void;
}

/** The state of a scope that most scopes never need (see `CancelScope.extras`). */
interface ScopeExtras {
  /** The reason given to the cancel() (or the deadline) that cancelled the scope. */
  reason: string | undefined;
  /** Whether the scope swallowed a cancellation when it exited. */
  caught: boolean;
  /** The controller behind `signal`, once asked for. */
  controller: AbortController | undefined;
  group: ScopeGroup | undefined;
}

function clockOf(scope: CancelScope) {
  return scope._task?._runner.timers.clock ?? currentFrame()?.task._runner.timers.clock ?? realClock;
}

/** @internal The current frame, or a NoCurrentTaskError naming the API that needs one. */
export function requireFrame(what: string): Frame {
  const frame = currentFrame();
  if (frame === undefined) {
    throw new NoCurrentTaskError(`${what} must be called from a task: run your program with \`await run(main)\``);
  }
  return frame;
}

/**
 * A scope that gives up, without an error, once `ms` milliseconds have passed.
 *
 * The deadline is computed now, when `moveOnAfter` is called (AnyIO's rule), not when the scope
 * is entered. After it exits, `scope.cancelledCaught` tells whether the time ran out.
 *
 * @param ms - delay in milliseconds; `null` or `Infinity` for no deadline; zero or less cancels at the first checkpoint.
 * @example
 * ```ts
 * const scope = moveOnAfter(500);
 * await scope.run(async () => { await sleep(1000); });
 * scope.cancelledCaught; // true
 * ```
 * @throws TypeError if `ms` is not a number or null, or `options` is not an object, has a key
 *   other than `shield`, or `shield` is not a boolean.
 */
export function moveOnAfter(ms: number | null, options?: { shield?: boolean }): CancelScope {
  checkDelay("ms", ms);
  // moveOnAt checks `options`.
  const scope = moveOnAt(ms === null ? null : currentClock().now() + ms, options);
  scope._label = "moveOnAfter"; // shown by toString() and the playground's task view
  return scope;
}

/**
 * A scope that gives up, without an error, at the absolute time `deadline`.
 * @param deadline - on the {@link currentTime} clock; `null` or `Infinity` for none.
 * @throws TypeError if `deadline` is not a number or null, or `options` is not an object, has a
 *   key other than `shield`, or `shield` is not a boolean.
 */
export function moveOnAt(deadline: number | null, options?: { shield?: boolean }): CancelScope {
  checkOptions(options, MOVE_ON_OPTIONS);
  const scope = new CancelScope({ deadline: deadline ?? Infinity, shield: options?.shield ?? false });
  scope._label = "moveOnAt";
  return scope;
}

/**
 * A scope that raises {@link TimeoutError} if `ms` milliseconds pass before it exits.
 *
 * The deadline is computed when the scope is entered. Only a cancellation caused by the
 * deadline becomes a `TimeoutError`: an explicit `cancel()` just ends the block, and a
 * cancellation of an enclosing scope propagates as `Cancelled`.
 *
 * @param options.reason - the `TimeoutError`'s message.
 * @example
 * ```ts
 * await failAfter(1000).run(async () => { await connect(); }); // TimeoutError after 1 s
 * ```
 * @throws TypeError if `ms` is not a number or null, or `options` is not an object, has a key
 *   other than `shield` and `reason`, `shield` is not a boolean or `reason` not a string.
 */
export function failAfter(ms: number | null, options?: { shield?: boolean; reason?: string }): CancelScope {
  checkDelay("ms", ms);
  const reason = checkFailOptions(options);
  const scope = new CancelScope({ shield: options?.shield ?? false });
  scope._timeout = { reason, relative: ms !== null && ms !== Infinity ? ms : undefined };
  scope._label = "failAfter";
  return scope;
}

/**
 * Like {@link failAfter}, with an absolute deadline on the {@link currentTime} clock.
 * @throws TypeError if `deadline` is not a number or null, or `options` is not an object, has a
 *   key other than `shield` and `reason`, `shield` is not a boolean or `reason` not a string.
 */
export function failAt(deadline: number | null, options?: { shield?: boolean; reason?: string }): CancelScope {
  const reason = checkFailOptions(options);
  const scope = new CancelScope({ deadline: deadline ?? Infinity, shield: options?.shield ?? false });
  scope._timeout = { reason, relative: undefined };
  scope._label = "failAt";
  return scope;
}

/** Checks the options of failAfter/failAt and returns the `reason` option. */
function checkFailOptions(options: { shield?: boolean; reason?: string } | undefined): string | undefined {
  checkOptions(options, FAIL_OPTIONS);
  const reason = options?.reason;
  if (reason !== undefined && typeof reason !== "string") {
    throw new TypeError(`Expected \`reason\` to be a string or undefined, got ${describeValue(reason)}`);
  }
  return reason;
}

/**
 * The nearest deadline that applies to the current code: the smallest deadline among the
 * enclosing scopes up to and including the first shielded one. `-Infinity` if one of them is
 * already cancelled; `Infinity` if none has a deadline. Never a checkpoint.
 */
export function currentEffectiveDeadline(): number {
  let deadline = Infinity;
  for (let scope: CancelScope | null = requireFrame("currentEffectiveDeadline()").scope; scope !== null;) {
    if (scope._cancelCalled) return -Infinity;
    if (scope._deadline < deadline) deadline = scope._deadline;
    scope = scope._shield ? null : scope._parent;
  }
  return deadline;
}

/**
 * The innermost cancel scope of the running code. In a task's body outside every scope it
 * entered, that is the task's own scope (cancelling it cancels the task alone; its `signal`
 * aborts with the task). Never a checkpoint.
 */
export function currentCancelScope(): CancelScope {
  const frame = requireFrame("currentCancelScope()");
  // A task that runs directly in its group's scope gets its own now (TaskHandle._ownScope):
  // the group's scope is not the task's to cancel, and its signal outlives the task.
  if (frame === frame.task._frame) return frame.task._ownScope();
  return frame.scope;
}

/** @internal The clock of the current run, or the real clock outside one. */
export function currentClock() {
  return currentFrame()?.task._runner.timers.clock ?? realClock;
}
