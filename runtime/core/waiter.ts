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

export class Waiter<T = void> implements Parked {
  /** Settles when the waiter is woken, failed or cancelled. */
  readonly promise: Promise<T>;
  /** The task that parked. */
  readonly task: TaskHandle<unknown>;
  /** Whether the waiter has ended (woken, failed or cancelled). */
  settled = false;
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

  /** @internal */ _prev: Parked | null = null;
  /** @internal */ _next: Parked | null = null;
  /** @internal */ _scope: CancelScope | null = null;
  private resolveFn!: (value: T) => void;
  private rejectFn!: (error: unknown) => void;

  constructor(frame: Frame, onCancel?: () => void) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    tagPrimitive(this.promise);
    this.task = frame.task;
    this.onCancel = onCancel;
    frame.scope._addWaiter(this);
    this.task._blocked++;
    if (watched !== undefined) countPark(this.task);
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

  /** Delivers `value`; returns false (and does nothing) if the waiter already ended. */
  wake(value: T): boolean {
    if (this.settled) return false;
    this.end();
    this.resolveFn(value);
    return true;
  }

  /** Rejects with `error`; returns false (and does nothing) if the waiter already ended. */
  fail(error: unknown): boolean {
    if (this.settled) return false;
    this.end();
    this.rejectFn(error);
    return true;
  }

  /** @internal Called by the scope when it becomes effectively cancelled. */
  _cancel(error: Cancelled): void {
    if (this.settled) return;
    this.end();
    this._withdraw();
    this.rejectFn(error);
  }

  /** @internal Withdraws the request when cancellation ends the waiter; subclasses may override. */
  protected _withdraw(): void {
    this.onCancel?.();
  }

  private end(): void {
    this.settled = true;
    this._scope?._removeWaiter(this);
    this.task._blocked--;
    this.task._runner.activity++;
  }
}
