/**
 * A task parked in a runtime operation (a sleep, an event wait, a lock acquire...).
 *
 * A waiter is registered with the innermost cancel scope of the frame that parks, so that
 * cancellation can reach it without polling. It ends exactly once: woken with a value, failed
 * with an error, or cancelled by its scope. Once woken, a later cancellation cannot undo the
 * delivery; it lands at the task's next checkpoint instead (no lost results).
 */
import type { CancelScope } from "./cancel-scope";
import { countPark, watched } from "./checkpoint-counts";
import type { Frame } from "./frame";
import { tagPrimitive } from "./primitive";
import type { Cancelled } from "./errors";
import type { TaskHandle } from "./task";

/**
 * What a scope keeps in its list of parked operations: cancellation calls `_cancel`, which
 * must take the entry out of the list.
 */
export interface Parked {
  /** @internal The task that parked (undefined once the operation ended, for some). */
  readonly task: TaskHandle<unknown> | undefined;
  /** @internal */ _prev: Parked | null;
  /** @internal */ _next: Parked | null;
  /** @internal */ _scope: CancelScope | null;
  /** @internal */ _cancel(error: Cancelled): void;
  /** @internal Told when a task's own scope was put between it and the scope it parked in. */
  _movedTo?(scope: CancelScope): void;
}

/**
 * What a parked task waits for, as the task tree reports it (runtime/core/introspection.ts):
 * the kind of wait, set where the park happens, together with the object it waits on.
 * `"operation"` is any other runtime operation; its `waitsOn` is then a short label (a string
 * such as `"socket receive"`) or an object whose `String()` describes it.
 */
export type WaitKind =
  | "sleep"
  | "checkpoint"
  | "event"
  | "lock"
  | "semaphore"
  | "capacity-limiter"
  | "condition"
  | "stream-send"
  | "stream-receive"
  | "task"
  | "foreign-promise"
  | "operation";

/**
 * What every park needs: the promise the task awaits, and a place in its scope's list of parked
 * operations. {@link Waiter} adds what most operations need (a withdraw hook and what the task
 * tree shows); a sleep, its own timer entry, needs neither and parks as a bare waiter
 * (runtime/core/checkpoint.ts): three fields less on every sleeping task.
 */
export abstract class BareWaiter<T = void> implements Parked {
  /** Settles when the waiter is woken, failed or cancelled. */
  readonly promise: Promise<T>;
  /** The task that parked. */
  readonly task: TaskHandle<unknown>;
  /** @internal */ _prev: Parked | null = null;
  /** @internal */ _next: Parked | null = null;
  /** @internal */ _scope: CancelScope | null = null;
  // The promise's resolving functions until the waiter ends (then undefined: that is `settled`).
  private resolveFn: ((value: T) => void) | undefined;
  private rejectFn: ((error: unknown) => void) | undefined;

  constructor(frame: Frame) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    tagPrimitive(this.promise);
    this.task = frame.task;
    frame.scope._addWaiter(this);
    this.task._blocked++;
    if (watched !== undefined) countPark(this.task);
  }

  /** Whether the waiter has ended (woken, failed or cancelled). */
  get settled(): boolean {
    return this.resolveFn === undefined;
  }

  /** Delivers `value`; returns false (and does nothing) if the waiter already ended. */
  wake(value: T): boolean {
    const resolve = this.resolveFn;
    if (resolve === undefined) return false;
    this.end();
    resolve(value);
    return true;
  }

  /** Rejects with `error`; returns false (and does nothing) if the waiter already ended. */
  fail(error: unknown): boolean {
    const reject = this.rejectFn;
    if (reject === undefined) return false;
    this.end();
    reject(error);
    return true;
  }

  /** @internal Called by the scope when it becomes effectively cancelled. */
  _cancel(error: Cancelled): void {
    const reject = this.rejectFn;
    if (reject === undefined) return;
    this.end();
    this._withdraw();
    reject(error);
  }

  /** @internal Withdraws the request when cancellation ends the waiter. */
  protected abstract _withdraw(): void;

  /** @internal What the task waits for, as the task tree shows it (runtime/core/introspection.ts). */
  abstract _waitKind(): WaitKind;

  /** @internal The object (or label) the task waits on, as the task tree shows it. */
  abstract _waitsOn(): unknown;

  private end(): void {
    this.resolveFn = this.rejectFn = undefined;
    this._scope?._removeWaiter(this);
    this.task._blocked--;
    this.task._runner.activity++;
  }
}

/** A task parked in a runtime operation (a sleep, an event wait, a lock acquire...); see the file's header. */
export class Waiter<T = void> extends BareWaiter<T> {
  /**
   * Called when cancellation ends the waiter, before its promise rejects: the owning primitive
   * withdraws the request here (removes it from a queue, clears a timer, passes a grant on).
   */
  onCancel: (() => void) | undefined;
  /**
   * What the task waits for, for introspection only: two field writes where the park happens,
   * described when a task tree is asked for (never on the hot path). See {@link waitsFor}.
   */
  waitKind: WaitKind = "operation";
  /** The object (or label) the task waits on: the Event, the Lock, the stream... */
  waitsOn: unknown = undefined;

  constructor(frame: Frame, onCancel?: () => void) {
    super(frame);
    this.onCancel = onCancel;
  }

  /**
   * Records what this waiter waits for (shown by `getTaskTree()`), and returns it. Rooms label
   * their waits here: `new Waiter(frame).waitsFor("operation", "socket receive")`.
   */
  waitsFor(kind: WaitKind, on: unknown): this {
    this.waitKind = kind;
    this.waitsOn = on;
    return this;
  }

  /** @internal Withdraws the request when cancellation ends the waiter; subclasses may override. */
  protected _withdraw(): void {
    this.onCancel?.();
  }

  /** @internal */
  _waitKind(): WaitKind {
    return this.waitKind;
  }

  /** @internal */
  _waitsOn(): unknown {
    return this.waitsOn;
  }
}
