/**
 * Task groups (Trio's nurseries): a host body plus child tasks that all end before the group
 * does. A child's failure cancels the group; the group then raises every failure together in
 * an ExceptionGroup.
 */
import { callInFrame, type Frame } from "./frame";
import { tagPrimitive } from "./primitive";
import { CancelScope, requireFrame } from "./cancel-scope";
import { yieldMacrotask } from "./clock";
import { Cancelled } from "./errors";
import { ExceptionGroup } from "./exception-group";
import { installed, taskGroupError } from "./instruments";
import { spawnTask, type TaskHandle } from "./task";
import { checkFunction, checkOptions, describeValue } from "./validate";

const NEW = 0;
const ACTIVE = 1;
/** The host is in exit and no child is left: closed to new tasks, about to exit (Trio's rule). */
const CLOSING = 2;
const CLOSED = 3;

/** Options for `startSoon` and `start`. */
export interface SpawnOptions {
  /** The task's name, shown by `TaskInfo`, `TaskHandle` and the playground's task view. Defaults to the function's name. */
  name?: string;
}

/** Passed to a task started with {@link TaskGroup.start}: the task calls `started()` once it is ready. */
export interface TaskStatus<T = void> {
  /** Tells the starter that this task is ready; `start()` then returns `value`. Call it once. */
  started(value?: T): void;
}

/**
 * A `TaskStatus` whose `started()` does nothing: the default for a trailing `taskStatus`
 * parameter, so that one function runs under both `start()` and `startSoon()`.
 *
 * @example
 * ```ts
 * async function serve(port: number, taskStatus: TaskStatus<number> = TASK_STATUS_IGNORED) { ... }
 * ```
 */
export const TASK_STATUS_IGNORED: TaskStatus<any> = Object.freeze({ started(): void {} });

/**
 * A group of concurrent tasks with a common lifetime, like Trio's nursery and AnyIO's
 * `TaskGroup`: `run(body)` runs the body, lets it start children, and returns only when every
 * child has ended.
 *
 * If a child (or the body) raises, the group cancels everything else and then raises all the
 * errors together in an {@link ExceptionGroup} (always a group, even for one error; see
 * `unwrapExceptionGroup`).
 *
 * @example
 * ```ts
 * await createTaskGroup().run(async (tg) => {
 *   tg.startSoon(worker, "a");
 *   tg.startSoon({ name: "second" }, worker, "b");
 * }); // both workers have finished here
 * ```
 */
export class TaskGroup {
  /** The scope that cancels the host body and every child; cancelling it cancels the group. */
  readonly cancelScope: CancelScope = new CancelScope();
  private state = NEW;
  private host: TaskHandle<unknown> | undefined;
  /** Children that are running, plus start() calls whose task has not reported yet. */
  private live = 0;
  private errors: unknown[] = [];
  private drained: (() => void) | undefined;
  /** A spawn on the group before it was entered already explained the misuse (see [Symbol.asyncDispose]). */
  private misuseReported = false;

  /** @internal Use {@link createTaskGroup}. */
  constructor() {
    this.cancelScope._label = "TaskGroup";
    this.cancelScope._group = this;
  }

  /**
   * Starts `fn(...args)` as a child task and returns its handle at once. Never a checkpoint:
   * the caller keeps running, and new tasks start in spawn order once it awaits.
   *
   * @throws TypeError if the options object has a key other than `name`, or `fn` is not a function.
   * @throws Error if the group is not active: never entered (the message says how to enter it),
   *   or closed (its host is in exit and its last child has ended, or it has exited).
   */
  startSoon<A extends unknown[], R>(fn: (...args: A) => Promise<R> | R, ...args: A): TaskHandle<R>;
  startSoon<A extends unknown[], R>(
    options: SpawnOptions,
    fn: (...args: A) => Promise<R> | R,
    ...args: A
  ): TaskHandle<R>;
  startSoon(first: unknown, ...rest: unknown[]): TaskHandle<unknown> {
    let name: string | Function;
    let fn: (...args: any[]) => unknown;
    let args: unknown[];
    if (typeof first === "function") {
      name = fn = first as (...args: any[]) => unknown;
      args = rest;
    } else {
      const options = checkSpawnOptions("startSoon", first);
      fn = rest[0] as (...args: any[]) => unknown;
      checkFunction("fn", fn);
      name = options.name !== undefined ? String(options.name) : fn;
      args = rest.slice(1);
    }
    this.checkActive();
    const host = this.host!;
    const task = spawnTask(host._runner, name, this.cancelScope, fn, args);
    this.live++; // the task tells the group when it ends (TaskHandle._finish)
    return task;
  }

  /**
   * Starts `fn(...args, taskStatus)` and waits until it calls `taskStatus.started(value)`;
   * returns that value. Until then the new task runs under the caller (the caller's
   * cancellation reaches it, and its error is raised here, not in the group); from then on it
   * belongs to this group. This is a checkpoint.
   *
   * @throws Error if the task ends without calling `started()`, or the group is not active.
   */
  start<A extends unknown[], T>(fn: (...args: [...A, TaskStatus<T>]) => Promise<unknown>, ...args: A): Promise<T>;
  start<A extends unknown[], T>(
    options: SpawnOptions,
    fn: (...args: [...A, TaskStatus<T>]) => Promise<unknown>,
    ...args: A
  ): Promise<T>;
  start(...call: unknown[]): Promise<unknown> {
    let parsed: ReturnType<typeof parseSpawn>;
    let caller: Frame;
    try {
      parsed = parseSpawn("start", call);
      this.checkActive();
      caller = requireFrame("TaskGroup.start()");
      // The child runs under the caller until started, in a scope the caller entered: a caller
      // running directly in its group's scope gets one of its own (whose task is the child's parent).
      if (caller === caller.task._frame) caller.task._ownScope();
    } catch (error) {
      return Promise.reject(error);
    }
    const [name, fn, args] = parsed;
    // Tagged so that compiled code awaits it without a racing wrapper: start() is structured.
    return tagPrimitive(
      new Promise((resolve, reject) => {
        let reported = false;
        const status: TaskStatus<unknown> = {
          started: (value?: unknown) => {
            if (reported) throw new Error("called 'started' twice on the same task status");
            reported = true;
            if (caller.scope._effectivelyCancelled) return; // the caller is being cancelled: the task stays put and ends on its own
            task._rootScope!._moveUnder(this.cancelScope);
            task._onDone = undefined; // from now on it tells the group, as any child does
            caller.task._blocked--;
            resolve(value);
          },
        };
        this.live++; // a pending start keeps the group open
        caller.task._blocked++;
        const task = spawnTask(
          caller.task._runner,
          name,
          caller.scope,
          fn,
          [...args, status],
          caller.task,
          true, // a scope of its own, to move under the group once started
        );
        task._onDone = (ended) => {
          caller.task._blocked--;
          if (ended._failure !== undefined) reject(ended._failure);
          else if (!ended._succeeded) reject(ended._error ?? caller.scope._cancelledError());
          else if (reported)
            reject(caller.scope._cancelledError()); // started() came while the caller was cancelled
          else reject(new Error("child exited without calling taskStatus.started()"));
          this.childEnded();
        };
      }),
    );
  }

  /** Cancels the group: the host body and every child. Same as `cancelScope.cancel(reason)`. */
  cancel(reason?: string): void {
    this.cancelScope.cancel(reason);
  }

  /**
   * Enters the group, runs `fn(tg)` as the host body, waits for every child, and exits.
   *
   * Resolves to the body's value once every child has ended (`undefined` if the body raised
   * `Cancelled` and the group swallowed it). If an enclosing scope is cancelled while the group
   * waits for its children, the children are cancelled, the group keeps waiting for them, and
   * then `Cancelled` propagates out of it into that scope. This is a checkpoint.
   *
   * @throws ExceptionGroup of every error raised by the body or a child.
   * @throws Error if the group was entered before.
   */
  run<T>(fn: (tg: this) => Promise<T> | T): Promise<T> {
    // Tagged so that compiled code awaits it without a racing wrapper: the group is structured.
    return tagPrimitive(this.runBody(fn));
  }

  private async runBody<T>(fn: (tg: this) => Promise<T> | T): Promise<T> {
    checkFunction("fn", fn);
    const hostFrame = this._enter(requireFrame("TaskGroup.run()"));
    let value: T | undefined;
    let hasError = false;
    let error: unknown;
    try {
      value = await callInFrame(hostFrame, fn, [this]);
    } catch (caught) {
      hasError = true;
      error = caught;
    }
    await this._exit(hasError, error);
    return value as T;
  }

  /**
   * Only meaningful in `"use structured"` code, where the transformer turns
   * `await using tg = createTaskGroup()` into an entry and an exit that sees the block's exception.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    // `await using tg = ...; tg.startSoon(...)` in plain code: startSoon's error says it all, and
    // a second one would only bury it in a SuppressedError.
    if (this.state === NEW && this.misuseReported) return;
    throw new Error(
      "TaskGroup[Symbol.asyncDispose]() cannot close a group: `await using tg = createTaskGroup()` works only inside " +
        '"use structured" code compiled by the anyio-ts transformer; in plain code write `await createTaskGroup().run(async (tg) => { ... })`',
    );
  }

  /** A one-line description of this TaskGroup for logs, the debugger and the playground's task view. */
  toString(): string {
    const state =
      this.state === NEW ? "new" : this.state === ACTIVE ? "active" : this.state === CLOSING ? "closing" : "closed";
    return `<TaskGroup ${state} children=${this.live}>`;
  }

  /** @internal Enters the group in `frame`; returns the host body's frame. */
  _enter(frame: Frame): Frame {
    if (this.state !== NEW)
      throw new Error("A TaskGroup can be entered only once; create a new one with createTaskGroup()");
    this.state = ACTIVE;
    this.host = frame.task;
    return this.cancelScope._enter(frame.task, frame.scope);
  }

  /**
   * @internal Waits for all the children, then raises what the group must raise: every recorded
   * failure in one `ExceptionGroup` (even a single one), or else a cancellation that its scope
   * does not swallow.
   *
   * The wait for children is a checkpoint that never stops waiting: a cancellation that reaches
   * the host there (an enclosing scope's, through the group's scope, or the group's own) cancels
   * the children through the scope tree, the host waits for them all the same, and then counts as
   * cancelled, as if the body had raised `Cancelled`. The group's scope judges that at exit: it
   * swallows its own cancellation and lets an enclosing one propagate (so `failAfter` around the
   * group raises TimeoutError and code after the group inside a cancelled scope does not run).
   * With no children to wait for, exit is one shielded yield that never raises.
   */
  async _exit(hasError: boolean, error: unknown): Promise<void> {
    if (hasError && !isOnlyCancellation(error)) this.record(error);
    const host = this.host!;
    host._blocked++;
    if (this.live > 0) {
      await new Promise<void>((resolve) => (this.drained = resolve));
      // Level-triggered, like any checkpoint: still cancelled now means cancelled during the wait.
      if (!hasError && this.cancelScope._effectivelyCancelled) {
        hasError = true;
        error = this.cancelScope._cancelledError();
      }
    } else {
      this.state = CLOSING;
      await new Promise<void>((resolve) => yieldMacrotask(resolve));
    }
    host._blocked--;
    host._runner.activity++; // the host runs again: not a quiet turn (an autojump clock must not jump)
    this.state = CLOSED;
    if (this.errors.length > 0) {
      this.cancelScope._exit(true, new ExceptionGroup("unhandled errors in a TaskGroup", this.errors));
    } else {
      this.cancelScope._exit(hasError, error);
    }
  }

  /** @internal How many children have not ended yet (for the task tree). */
  _liveChildren(): number {
    return this.live;
  }

  /** @internal Whether the host waits in exit for its children (for the task tree). */
  _waitingForChildren(): boolean {
    return this.drained !== undefined;
  }

  private checkActive(): void {
    if (this.state === ACTIVE) return;
    if (this.state === NEW) {
      this.misuseReported = true;
      throw new Error(
        "This task group was never entered, so it cannot start tasks: in plain code use " +
          "`await createTaskGroup().run(async (tg) => { ... })`, or compile this code with the anyio-ts transformer " +
          '("use structured") to write `await using tg = createTaskGroup()`',
      );
    }
    throw new Error("This task group is not active; no new tasks can be started.");
  }

  private record(error: unknown): void {
    this.errors.push(error);
    if (installed.list.length !== 0) taskGroupError(this, error, this.host!);
    this.cancelScope.cancel("a task in the group failed");
  }

  /** @internal A child ended (the task calls this; see TaskHandle._finish). */
  _childDone(task: TaskHandle<unknown>): void {
    const failure = task._failure;
    if (failure !== undefined) this.record(failure);
    this.childEnded();
  }

  private childEnded(): void {
    if (--this.live === 0 && this.drained !== undefined) {
      // The host waits in exit and the last child is gone: from now on the group takes no new
      // task (one accepted before the host resumes would never be waited for).
      this.state = CLOSING;
      const drained = this.drained;
      this.drained = undefined;
      drained();
    }
  }
}

/**
 * Creates a task group; enter it with `run()` (or `await using` in structured code).
 * @example
 * ```ts
 * await createTaskGroup().run(async (tg) => { tg.startSoon(job); });
 * ```
 */
export function createTaskGroup(): TaskGroup {
  return new TaskGroup();
}

const SPAWN_OPTIONS = ["name"] as const;

function checkSpawnOptions(method: string, options: unknown): SpawnOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Expected the first argument of ${method}() to be a function or an options object, got ${describeValue(options)}`,
    );
  }
  checkOptions(options, SPAWN_OPTIONS);
  return options as SpawnOptions;
}

function parseSpawn(method: string, call: unknown[]): [string | Function, (...args: any[]) => unknown, unknown[]] {
  if (typeof call[0] === "function") return [call[0], call[0] as (...args: any[]) => unknown, call.slice(1)];
  const options = checkSpawnOptions(method, call[0]);
  checkFunction("fn", call[1]);
  return [options.name !== undefined ? String(options.name) : call[1], call[1], call.slice(2)];
}

function isOnlyCancellation(error: unknown): boolean {
  if (error instanceof Cancelled) return true;
  return error instanceof ExceptionGroup && error.split(Cancelled)[1] === undefined;
}
