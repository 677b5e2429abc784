/**
 * Tasks: a native async function run under its own frame, with an identity, a name and a parent.
 *
 * A task started with `startSoon()` runs directly in its group's cancel scope (as a Trio or AnyIO
 * task runs in its nursery's): its root frame is `(task, group scope)`. It gets a scope of its
 * own only when something needs one (`TaskHandle.cancel()`, `currentCancelScope()` in its body,
 * a `start()` it calls), which saves a scope per task for the many that never do; a task started
 * with `start()` and a run's root task have one from the start (start() moves it under the group
 * once the task reports started).
 *
 *   Invariant: the task has a scope of its own exactly when `_frame.scope._task === task`.
 */
import { contextInUse, currentContext, inheritContext, type ContextHolder } from "./context";
import { callInFrame, captureHostContext, currentFrame, Frame, isStructured, type HostSnapshot } from "./frame";
import { CancelScope, requireFrame } from "./cancel-scope";
import { Cancelled, TaskCancelled, TaskFailed } from "./errors";
import { ExceptionGroup } from "./exception-group";
import { installed, taskFinished, taskSpawned, taskStarted } from "./instruments";
import { tagPrimitive, takePrimitivePromise } from "./primitive";
import { describeError, isThenable } from "./validate";
import { Waiter } from "./waiter";
import type { Runner } from "./runner";

const PENDING = 0;
const FINISHED = 1;
const FAILED = 2;
const CANCELLED = 3;

let nextTaskId = 1;

/** How a task stands: running or waiting to run, being cancelled, or ended one of three ways. */
export type TaskHandleStatus = "pending" | "cancelling" | "finished" | "cancelled" | "failed";

/**
 * A handle on a task started with `tg.startSoon()`: its identity, its state, a way to cancel it
 * alone, and a way to wait for its result.
 *
 * The task group still owns the task: a failure is recorded by the group whether or not
 * anybody awaits the handle.
 *
 * @example
 * ```ts
 * const handle = tg.startSoon(fetchUser, 42);
 * const user = await handle.result(); // throws TaskFailed or TaskCancelled if it did not finish
 * ```
 */
export class TaskHandle<T> implements ContextHolder {
  /** Unique among all tasks of the process. */
  readonly id: number;
  /** @internal A name, or the function to take it from when first asked (reading `fn.name` is slow). */
  _name: string | Function;

  /** @internal */ _runner: Runner;
  /** @internal The task's root frame: its own scope, or its group's (see the file's header). */
  _frame!: Frame;
  /** @internal Number of runtime operations the task is parked in. */
  _blocked = 0;
  /** @internal Neighbours in the runner's list of live tasks. */
  _prevTask: TaskHandle<unknown> | null = null;
  /** @internal */ _nextTask: TaskHandle<unknown> | null = null;
  /** @internal The task's context variables (runtime/core/context.ts). */
  _vars: Map<object, unknown> | undefined = undefined;
  private outcome = PENDING;
  // The value once FINISHED; the error once FAILED or CANCELLED. While PENDING: the body's promise
  // while it waits for its completion hook (see runTaskBody), else undefined.
  private settledWith: unknown = undefined;
  // Who waits for the end, the TaskInfo and a hook of its own, made on first use (most tasks have none).
  private extras: TaskExtras | undefined = undefined;

  /** @internal */
  constructor(runner: Runner, name: string | Function) {
    this.id = nextTaskId++;
    this._name = name;
    this._runner = runner;
  }

  /**
   * @internal The task that `TaskInfo.parentId` reports: the one that entered the scope the task
   * runs in (its group's host; start()'s caller until the task reports started; null for a run's
   * root task). Read from the scope tree, so a started task moving under its group moves it too.
   */
  get _parent(): TaskHandle<unknown> | null {
    return this._outerScope()?._task ?? null;
  }

  /**
   * @internal The scope the task runs in, outside its own: its group's (or, until a task started
   * with `start()` reports started, its caller's); null for a run's root task.
   */
  _outerScope(): CancelScope | null {
    const scope = this._frame.scope;
    return scope._task === this ? scope._parent : scope;
  }

  /** The task's name: the one given to `startSoon`/`start`, else the function's name. */
  get name(): string {
    if (typeof this._name === "function") this._name = this._name.name || "<anonymous>";
    return this._name;
  }

  /** Where the task stands now. */
  get status(): TaskHandleStatus {
    switch (this.outcome) {
      case FINISHED:
        return "finished";
      case FAILED:
        return "failed";
      case CANCELLED:
        return "cancelled";
      default: {
        const scope = this._frame.scope;
        return scope._effectivelyCancelled || scope._cancelCalled ? "cancelling" : "pending";
      }
    }
  }

  /** Cancels this task alone (its siblings and its group go on). No effect once it ended. */
  cancel(reason?: string): void {
    if (this.outcome === PENDING) this._ownScope().cancel(reason);
  }

  /** @internal The task's own scope, if it has one (see the file's header). */
  get _rootScope(): CancelScope | undefined {
    const scope = this._frame.scope;
    return scope._task === this ? scope : undefined;
  }

  /**
   * @internal The task's own scope, made now if the task ran in its group's scope until now: it
   * goes between the group's scope and everything of the task's in there (its scopes, the tasks it
   * is starting, what it is parked in), and the task's root frame moves into it.
   */
  _ownScope(): CancelScope {
    const outer = this._frame.scope;
    if (outer._task === this) return outer;
    const own = taskScope();
    own._interpose(this, outer);
    this._frame.scope = own;
    return own;
  }

  /**
   * @internal The innermost scope the task is in, for hasPendingCancellation() and the task tree:
   * from where it runs, down through the scopes it entered, the latest entered first (a scope's
   * newest child is its first). Walks the tree: nothing keeps this up to date on every scope entry.
   */
  _innermostScope(): CancelScope {
    let scope = this._frame.scope;
    for (;;) {
      let next: CancelScope | undefined;
      for (const child of scope._children()) {
        if (child._task === this) {
          next = child;
          break;
        }
      }
      if (next === undefined) return scope;
      scope = next;
    }
  }

  /**
   * Waits for the task to end and returns its value.
   * This is a checkpoint.
   * @throws TaskFailed (with the task's error as `cause`) if it failed.
   * @throws TaskCancelled if it was cancelled.
   */
  result(): Promise<T> {
    // A runtime primitive: compiled callers await it without a race (the wait inside is the
    // cancellation point), as they await wait().
    return tagPrimitive(this.wait().then(() => this.outcomeValue()));
  }

  /** The value of a task that ended, or the error that says how it did not finish. */
  private outcomeValue(): T {
    const settledWith = this.settledWith;
    if (this.outcome === FINISHED) return settledWith as T;
    if (this.outcome === FAILED) {
      throw new TaskFailed(`Task '${this.name}' failed: ${describeError(settledWith)}`, { cause: settledWith });
    }
    throw new TaskCancelled(`Task '${this.name}' was cancelled`, { cause: settledWith });
  }

  /** Waits for the task to end, however it ends. This is a checkpoint. */
  wait(): Promise<void> {
    const frame = currentFrame();
    if (frame === undefined) {
      return this.outcome !== PENDING ? Promise.resolve() : new Promise((resolve) => this.watch(resolve));
    }
    if (frame.scope._effectivelyCancelled) return Promise.reject(frame.scope._cancelledError());
    const waiter = new Waiter<void>(frame).waitsFor("task", this);
    if (this.outcome !== PENDING) {
      waiter.wake();
      return waiter.promise;
    }
    const wake = () => void waiter.wake();
    this.watch(wake);
    waiter.onCancel = () => this.unwatch(wake);
    return waiter.promise;
  }

  /** The task's {@link TaskInfo}. */
  get info(): TaskInfo {
    return (this.more().info ??= new TaskInfo(this));
  }

  /** A one-line description of this TaskHandle for logs, the debugger and the playground's task view. */
  toString(): string {
    return `<TaskHandle ${this.status} id=${this.id} name='${this.name}'>`;
  }

  /**
   * @internal Called once when the task ends, instead of telling its group (a task being started
   * with `start()`, or one that is in no group). A child of a group has none: the group is found
   * from where the task runs.
   */
  get _onDone(): ((task: TaskHandle<any>) => void) | undefined {
    return this.extras?.onDone;
  }

  /** @internal */
  set _onDone(hook: ((task: TaskHandle<any>) => void) | undefined) {
    this.more().onDone = hook;
  }

  private more(): TaskExtras {
    return (this.extras ??= { watchers: undefined, info: undefined, onDone: undefined });
  }

  /** @internal Records how the task ended and tells whoever waits. */
  _finish(ok: boolean, result: unknown): void {
    // The group the task is a child of: the one whose scope it runs in, directly or in its own.
    const group = this._outerScope()?._group;
    this._rootScope?._leave();
    this._runner.removeTask(this);
    this._runner.activity++;
    if (ok) {
      this.outcome = FINISHED;
      this.settledWith = result;
    } else {
      const failure = withoutCancellations(result);
      this.outcome = failure === undefined ? CANCELLED : FAILED;
      this.settledWith = failure ?? result;
    }
    if (installed.list.length !== 0) taskFinished(this);
    const watchers = this.extras?.watchers;
    if (watchers !== undefined) {
      this.extras!.watchers = undefined;
      for (const wake of watchers) wake();
    }
    const onDone = this.extras?.onDone;
    if (onDone !== undefined) onDone(this);
    else group?._childDone(this);
  }

  /** @internal Keeps the body's promise until its own invocation exits (see {@link runTaskBody}). */
  _holdBody(body: Promise<unknown>): void {
    this.settledWith = body;
  }

  /** @internal The body's promise if it still waits for its completion hook; forgets it. */
  _takeBody(): Promise<unknown> | undefined {
    if (this.outcome !== PENDING) return undefined;
    const body = this.settledWith as Promise<unknown> | undefined;
    this.settledWith = undefined;
    return body;
  }

  /** @internal The error that failed the task, if it failed. */
  get _failure(): unknown {
    return this.outcome === FAILED ? this.settledWith : undefined;
  }

  /** @internal */
  get _succeeded(): boolean {
    return this.outcome === FINISHED;
  }

  /** @internal The error the task ended with (a failure or a cancellation). */
  get _error(): unknown {
    return this.outcome === FINISHED ? undefined : this.settledWith;
  }

  /** @internal The value the task returned, once it finished. */
  get _value(): T | undefined {
    return this.outcome === FINISHED ? (this.settledWith as T) : undefined;
  }

  private watch(wake: () => void): void {
    (this.more().watchers ??= []).push(wake);
  }

  private unwatch(wake: () => void): void {
    const watchers = this.extras?.watchers;
    const i = watchers?.indexOf(wake) ?? -1;
    if (i >= 0) watchers!.splice(i, 1);
  }
}

/** The state of a task that most tasks never need (see `TaskHandle.extras`). */
interface TaskExtras {
  watchers: Array<() => void> | undefined;
  info: TaskInfo | undefined;
  onDone: ((task: TaskHandle<any>) => void) | undefined;
}

/**
 * A read-only description of a task, for introspection: what `getCurrentTask()` and
 * `getRunningTasks()` return. One object per task, so `===` compares tasks.
 */
export class TaskInfo {
  /** @internal */
  constructor(private readonly task: TaskHandle<unknown>) {}

  /** The task's id (the same as its handle's). */
  get id(): number {
    return this.task.id;
  }

  /** The id of the task that started this one (a task group's host), or null for the root task. */
  get parentId(): number | null {
    return this.task._parent?.id ?? null;
  }

  /** The task's name. */
  get name(): string {
    return this.task.name;
  }

  /** Whether the task's next checkpoint would raise `Cancelled`. */
  hasPendingCancellation(): boolean {
    return this.task._innermostScope()._effectivelyCancelled;
  }

  /** A one-line description of this TaskInfo for logs, the debugger and the playground's task view. */
  toString(): string {
    return `TaskInfo(id=${this.id}, name='${this.name}')`;
  }
}

/** The task running the current code. @throws NoCurrentTaskError outside `run()`. */
export function getCurrentTask(): TaskInfo {
  return requireFrame("getCurrentTask()").task.info;
}

/** Every task of the current run that has not finished yet, the root task included. */
export function getRunningTasks(): TaskInfo[] {
  return requireFrame("getRunningTasks()")
    .task._runner.liveTasks()
    .map((task) => task.info);
}

// --- Starting tasks ---------------------------------------------------------------------------

// Flat quadruples (task, fn, args, host context): spawning must not yield, and tasks start in
// spawn order in one microtask, after the spawner's current synchronous segment.
const startQueue: unknown[] = [];

/**
 * @internal Creates a task that runs in `parentScope` (in a scope of its own under it when
 * `ownScope`) and queues its start. Its parent is the task that entered `parentScope`. The task
 * is visible (getRunningTasks, cancellation) from this moment on.
 *
 * The task starts with a copy of the context of the code calling this (the spawner, which for
 * `start()` and `startSoon()` is the calling task, not the group's host), or of `context` when
 * given (a portal's task copies the task that entered the portal), and in the host's async
 * context captured now, so the program's own AsyncLocalStorage stores follow the spawner too.
 */
export function spawnTask<T>(
  runner: Runner,
  name: string | Function,
  parentScope: CancelScope,
  fn: (...args: any[]) => T | Promise<T>,
  args: readonly unknown[],
  context?: ContextHolder,
  ownScope = false,
): TaskHandle<T> {
  const task = new TaskHandle<T>(runner, name);
  if (ownScope) {
    task._frame = taskScope()._enter(task, parentScope);
  } else {
    task._frame = new Frame(task, parentScope);
  }
  if (installed.list.length !== 0) taskSpawned(task);
  if (contextInUse) inheritContext(task, context ?? currentContext());
  runner.addTask(task);
  runner.pendingStarts++;
  // The first task of a batch needs no snapshot: the flush's microtask was queued here, in the
  // spawner's async context, and carries it (each later one may see different stores).
  if (startQueue.length === 0) {
    queueMicrotask(flushStarts);
    startQueue.push(task, fn, args, undefined);
  } else {
    startQueue.push(task, fn, args, captureHostContext());
  }
  return task;
}

function flushStarts(): void {
  // Tasks spawned while flushing are appended and started in this same pass.
  for (let i = 0; i < startQueue.length; i += 4) {
    const task = startQueue[i] as TaskHandle<unknown>;
    const fn = startQueue[i + 1] as (...args: any[]) => unknown;
    const args = startQueue[i + 2] as unknown[];
    const host = startQueue[i + 3] as HostSnapshot | undefined;
    startQueue[i] = startQueue[i + 1] = startQueue[i + 2] = startQueue[i + 3] = undefined;
    task._runner.pendingStarts--;
    task._runner.activity++;
    if (host === undefined) {
      runTaskBody(task, fn, args);
    } else {
      // The body, and every continuation it schedules, runs in the spawner's async context.
      host.runInAsyncScope(runTaskBody, undefined, task, fn, args);
      host.emitDestroy();
    }
  }
  startQueue.length = 0;
}

/**
 * While {@link runTaskBody} calls a compiled async function, the compiled-code hooks report here
 * which invocation is the body's own: `enter()` of an invocation entered outside every segment
 * records it (the body's is the last such one: `enter()` is the first statement of its body, and
 * everything the body calls synchronously is entered inside its segment), and `enterLeaf()` outside
 * every segment gives up (a body compiled as a leaf has no invocation of its own, so the
 * invocations entered after it are its callees').
 */
export const bodyWatch: { state: number; invocation: { parent: unknown } | undefined } = {
  state: 0,
  invocation: undefined,
};
/** {@link bodyWatch}'s states: not watching, watching, gave up. */
export const BODY_IDLE = 0;
export const BODY_WATCHING = 1;
export const BODY_UNKNOWN = 2;

const AsyncFunction = (async () => {}).constructor;

/**
 * @internal Runs the body of `task` in its frame and finishes the task when it settles.
 *
 * A suspended task holds no completion hook (two closures, their context, a reaction and the
 * promise `then()` makes: about 250 bytes): when the body is a compiled async function whose
 * invocation is still live after its first segment, the hook is attached when that invocation
 * exits, which is before its promise settles (`exit()` runs in the body's outermost `finally`),
 * so the task finishes in the same microtask as with a hook attached at the start.
 */
export function runTaskBody(
  task: TaskHandle<unknown>,
  fn: (...args: any[]) => unknown,
  args: readonly unknown[],
): void {
  let result: unknown;
  if (installed.list.length !== 0) taskStarted(task);
  const watch = fn.constructor === AsyncFunction && isStructured(fn);
  if (watch) bodyWatch.state = BODY_WATCHING;
  try {
    result = callInFrame(task._frame, fn, args);
  } catch (error) {
    if (watch) endBodyWatch();
    task._finish(false, error);
    return;
  }
  const body = watch ? endBodyWatch() : undefined;
  if (isThenable(result)) {
    takePrimitivePromise(result); // the task awaits it (`startSoon(() => sleep(1000))`): no brand needed
    if (body !== undefined && body.parent !== undefined) task._holdBody(result as Promise<unknown>);
    else finishWhenSettled(task, result);
  } else {
    task._finish(true, result);
  }
}

function endBodyWatch(): { parent: unknown } | undefined {
  const body = bodyWatch.state === BODY_WATCHING ? bodyWatch.invocation : undefined;
  bodyWatch.state = BODY_IDLE;
  bodyWatch.invocation = undefined;
  return body;
}

/** Finishes `task` when `result` settles. */
function finishWhenSettled(task: TaskHandle<unknown>, result: PromiseLike<unknown>): void {
  result.then(
    (value) => task._finish(true, value),
    (error) => task._finish(false, error),
  );
}

/**
 * @internal An invocation of `task`'s root frame that was entered outside every segment has exited:
 * if the body's promise waits for its hook, attach it now. The body's own invocation is such an
 * invocation; any other one that exits first only attaches the hook earlier.
 */
export function bodyInvocationExited(task: TaskHandle<unknown>): void {
  const body = task._takeBody();
  if (body !== undefined) finishWhenSettled(task, body);
}

/** @internal A new scope for a task of its own (shown as `task#<id>`). */
export function taskScope(): CancelScope {
  const scope = new CancelScope();
  scope._label = "task";
  return scope;
}

/** The error without its cancellations: undefined when it was only cancellation. */
function withoutCancellations(error: unknown): unknown {
  if (error instanceof Cancelled) return undefined;
  if (error instanceof ExceptionGroup) return error.split(Cancelled)[1];
  return error;
}
