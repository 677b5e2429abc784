/**
 * `BlockingPortal`: a handle through which code that is not a task of this event loop starts
 * tasks in it, as AnyIO's `from_thread.BlockingPortal`. Plain callbacks on the loop thread
 * (event emitters, timers, hooks) call {@link BlockingPortal.startTaskSoon} and get a
 * {@link PortalFuture} without blocking; other threads get a {@link PortalToken} from
 * {@link BlockingPortal.connect} and call in through a `BlockingPortalClient`, blocking until
 * the loop answers (runtime/platform/node/workers/portal-client.cjs has the protocol).
 *
 * No "use structured" here: the awaits are the portal's own bookkeeping, and the tasks it
 * starts are ordinary tasks of its task group.
 */
import { currentContext, inheritContext, type ContextHolder } from "../core/context";
import type { NodeMessagePort } from "../platform/node/threads";
import { currentFrame, enterTaskGroup, exitTaskGroup, tagPrimitive, type Frame } from "../rt";
import { CancelScope } from "../core/cancel-scope";
import { createTaskGroup, type TaskGroup, type TaskStatus } from "../core/task-group";
import { checkFunction, describeValue } from "../core/validate";
import { Cancelled } from "../core/errors";
import { Event } from "../sync/event";
import { threadsHost, type ThreadsHost } from "./host";
import { LoopFuture, PortalFuture } from "./portal-future";

/** A portal's address for one other thread: post it there with `transferList: [token.port]`. */
export interface PortalToken {
  /** The other thread's end of the channel to the portal. */
  readonly port: NodeMessagePort;
  /** @internal The portal's thread (a client there must not block). */
  readonly threadId?: number;
}

const NOT_RUNNING = "This portal is not running";
/** A client's flags[1]: 0 running, then stopped (no new tasks), then exited (nothing answers). */
const STOPPED_FLAG = 1;
const EXITED_FLAG = 2;
const NEW = 0;
const RUNNING = 1;
const STOPPED = 2;
const EXITED = 3;

interface Connection {
  /** The portal's end, from the global MessageChannel (web-style `onmessage`). */
  readonly port: MessagePort;
  flags: Int32Array | undefined;
}

interface TaskRequest {
  readonly kind: "task";
  readonly id: number;
  readonly mode: "call" | "soon" | "start";
  readonly target: { readonly module: string; readonly exportName: string };
  readonly args: unknown[];
  readonly name?: string;
}

type ClientMessage =
  | { readonly kind: "hello"; readonly flags: Int32Array }
  | TaskRequest
  | { readonly kind: "cancel"; readonly id: number }
  | { readonly kind: "stop"; readonly id: number; readonly cancelRemaining: boolean }
  | { readonly kind: "close" };

/**
 * A portal into the event loop thread's structured world, inside `run()`. Enter it with
 * {@link run} (or `await using portal = new BlockingPortal()` in structured code); while it runs,
 * {@link startTaskSoon} starts tasks in its task group from plain callbacks, and
 * {@link connect} gives other threads a token to call in with.
 *
 * @example
 * ```ts
 * await new BlockingPortal().run(async (portal) => {
 *   emitter.on("request", (req) => portal.startTaskSoon(handle, req)); // a plain callback
 *   worker.postMessage({ token: portal.connect() }, [/* token.port *\/]);
 *   await portal.sleepUntilStopped();
 * });
 * ```
 */
export class BlockingPortal {
  private state = NEW;
  private tg: TaskGroup | undefined;
  private readonly stopped = new Event();
  private readonly connections = new Set<Connection>();
  /** Futures of remote tasks by connection and id, for `cancel` requests. */
  private readonly remote = new Map<Connection, Map<number, LoopFuture<unknown>>>();
  private readonly host: ThreadsHost;
  /** The frame it was made in: `await using` enters the portal there on first use. */
  private readonly madeIn: Frame | undefined;
  private lazyGroup: TaskGroup | undefined;
  /** A copy of the context of the task that entered the portal, as it was then: its tasks start with it. */
  private entryContext: ContextHolder | undefined;
  /** Set by {@link run} at once, so a second entry is refused even before the first one began. */
  private entered = false;

  /**
   * Makes a portal; it starts running when entered (see the class). Never a checkpoint.
   *
   * @throws NotSupportedError in a browser.
   */
  constructor() {
    this.host = threadsHost.get("new BlockingPortal()");
    this.madeIn = currentFrame();
  }

  /**
   * Enters the portal, runs `fn(portal)`, stops the portal (cancelling the remaining tasks only
   * if `fn` threw) and waits for its tasks. This is a checkpoint.
   *
   * @throws ExceptionGroup when `fn` threw (as a task group's body error).
   * @throws Error when the portal was entered before.
   * @example
   * ```ts
   * const value = await new BlockingPortal().run(async (portal) => { ...; return 1; });
   * ```
   */
  run<T>(fn: (portal: this) => Promise<T> | T): Promise<T> {
    try {
      checkFunction("fn", fn);
      this.checkNew();
    } catch (error) {
      return Promise.reject(error);
    }
    this.entered = true;
    const group = createTaskGroup();
    // A runtime operation's promise (as the group's own): compiled callers await it without a
    // race, so they never leave while the portal's tasks still run.
    return tagPrimitive(
      group
        .run(async (tg) => {
          this.begin(tg, currentContext());
          let value: T;
          try {
            value = await fn(this);
          } catch (error) {
            this.halt(true);
            throw error;
          }
          this.halt(false);
          return value;
        })
        .finally(() => this.exit()) as Promise<T>,
    );
  }

  /**
   * Stops the portal and waits for its tasks: the end of `await using portal = new
   * BlockingPortal()` in structured code. (A disposer cannot see the block's error, so the tasks
   * are waited for, not cancelled; use {@link run} to cancel them when the body fails.) This is
   * a checkpoint.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    const group = this.lazyGroup;
    if (group === undefined) {
      this.state = EXITED;
      return;
    }
    this.halt(false);
    try {
      await exitTaskGroup(group, false);
    } finally {
      this.exit();
    }
  }

  /**
   * Starts `fn(...args)` as a task in the portal's task group, in a cancel scope of its own,
   * and returns its future at once: for plain callbacks on the portal's own thread. Never
   * blocks and never a checkpoint. The task's error goes to its future, not to the portal.
   *
   * @throws Error("This portal is not running") before the portal was entered or after it stopped.
   */
  startTaskSoon<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>, ...args: A): PortalFuture<Awaited<R>>;
  startTaskSoon<A extends unknown[], R>(
    options: { name?: string },
    fn: (...args: A) => R | Promise<R>,
    ...args: A
  ): PortalFuture<Awaited<R>>;
  startTaskSoon(first: unknown, ...rest: unknown[]): PortalFuture<unknown> {
    let name: string | undefined;
    let fn: unknown = first;
    let args = rest;
    if (typeof first !== "function") {
      if (typeof first !== "object" || first === null) {
        throw new TypeError(`Expected \`fn\` to be a function, got ${describeValue(first)}`);
      }
      name = (first as { name?: string }).name;
      fn = rest[0];
      args = rest.slice(1);
    }
    checkFunction("fn", fn);
    const future = new LoopFuture<unknown>();
    this.spawn(name, fn, args, future, undefined);
    return new PortalFuture(future);
  }

  /**
   * A token for one other thread to call into this portal: post it there (with
   * `transferList: [token.port]`) and build a `BlockingPortalClient` from it. Never a checkpoint.
   *
   * @throws Error("This portal is not running") before the portal was entered or after it stopped.
   */
  connect(): PortalToken {
    this.checkRunning();
    const { port1, port2 } = new MessageChannel();
    const connection: Connection = { port: port1, flags: undefined };
    this.connections.add(connection);
    port1.onmessage = (event: MessageEvent<ClientMessage>) => this.receive(connection, event.data);
    // The global MessageChannel's ports are Node's MessagePort at run time; the token's type says so.
    return { port: port2 as unknown as NodeMessagePort, threadId: this.host.threadId };
  }

  /** Waits until the portal is stopped (by {@link stop}, a client, or the end of {@link run}). This is a checkpoint. */
  sleepUntilStopped(): Promise<void> {
    return this.stopped.wait();
  }

  /**
   * Stops the portal: no new tasks; with `cancelRemaining` the running ones are cancelled.
   * Leaving {@link run} then waits for what still runs. This is a checkpoint.
   *
   * @param cancelRemaining - whether to cancel the tasks still running; default false.
   */
  stop(cancelRemaining = false): Promise<void> {
    try {
      this.checkRunning();
    } catch (error) {
      return Promise.reject(error);
    }
    this.halt(cancelRemaining);
    return Promise.resolve();
  }

  // --- Inside ---------------------------------------------------------------------------------

  private checkNew(): void {
    if (this.state !== NEW || this.entered) {
      throw new Error("This BlockingPortal was entered before; make a new BlockingPortal for each run");
    }
  }

  /** The portal's task group, entering it in the frame it was made in on first use (`await using`). */
  private group(): TaskGroup {
    if (this.state === NEW && !this.entered && this.madeIn !== undefined) {
      const group = createTaskGroup();
      this.entered = true;
      enterTaskGroup(this.madeIn, group);
      this.lazyGroup = group;
      this.begin(group, this.madeIn.task);
    }
    this.checkRunning();
    return this.tg!;
  }

  private checkRunning(): void {
    if (this.state === NEW && !this.entered && this.madeIn !== undefined) {
      this.group();
      return;
    }
    if (this.state !== RUNNING) throw new Error(NOT_RUNNING);
  }

  private begin(tg: TaskGroup, entering: ContextHolder): void {
    this.tg = tg;
    this.state = RUNNING;
    const snapshot: ContextHolder = { _vars: undefined };
    inheritContext(snapshot, entering);
    this.entryContext = snapshot;
  }

  private halt(cancelRemaining: boolean): void {
    if (this.state === RUNNING) {
      this.state = STOPPED;
      // Clients refuse new work from now on without a round trip (their futures still settle).
      for (const connection of this.connections) {
        if (connection.flags !== undefined) Atomics.compareExchange(connection.flags, 1, 0, STOPPED_FLAG);
      }
    }
    this.stopped.set();
    if (cancelRemaining) this.tg?.cancelScope.cancel("the blocking portal is shutting down");
  }

  /** The portal's tasks are all done: clients are told nothing will answer any more. */
  private exit(): void {
    this.state = EXITED;
    for (const connection of this.connections) this.disconnect(connection);
  }

  private disconnect(connection: Connection): void {
    this.connections.delete(connection);
    this.remote.delete(connection);
    if (connection.flags !== undefined) {
      Atomics.store(connection.flags, 1, EXITED_FLAG);
      Atomics.notify(connection.flags, 0);
    }
    connection.port.onmessage = null;
    connection.port.close();
  }

  /**
   * Starts a task for `future`: `fn(...args)` (plus a TaskStatus when `status` is given) in a
   * cancel scope of its own; its outcome settles the future and never reaches the group.
   */
  private spawn(
    name: string | undefined,
    fn: (...args: any[]) => unknown,
    args: unknown[],
    future: LoopFuture<unknown>,
    status: TaskStatus<unknown> | undefined,
  ): void {
    const tg = this.group();
    const entryContext = this.entryContext!;
    const body = async (): Promise<void> => {
      // Whoever called startTaskSoon (a plain callback, another thread), the task starts with a
      // copy of the context of the task that entered the portal.
      inheritContext(currentContext(), entryContext);
      const scope = new CancelScope();
      future.attach(scope);
      let value: unknown;
      try {
        value = await scope.run(() => (status === undefined ? fn(...args) : fn(...args, status)));
      } catch (error) {
        if (error instanceof Cancelled) future.markCancelled();
        else future.fail(error);
        return;
      }
      if (scope.cancelledCaught) future.markCancelled();
      else future.fulfil(value);
    };
    tg.startSoon(name !== undefined ? { name } : { name: fn.name || "portal task" }, body);
  }

  private receive(connection: Connection, message: ClientMessage): void {
    switch (message.kind) {
      case "hello":
        connection.flags = message.flags;
        if (this.state !== RUNNING) Atomics.store(message.flags, 1, STOPPED_FLAG);
        return;
      case "close":
        this.disconnect(connection);
        return;
      case "cancel":
        this.remote.get(connection)?.get(message.id)?.cancel();
        return;
      case "stop":
        if (this.state !== RUNNING) {
          this.answer(connection, { id: message.id, kind: "refused", message: NOT_RUNNING });
          return;
        }
        this.halt(message.cancelRemaining);
        this.answer(connection, { id: message.id, kind: "stopped" });
        return;
      case "task":
        this.startRemote(connection, message);
        return;
    }
  }

  /** A client's task: loaded from its module here, then started like a local one. */
  private startRemote(connection: Connection, request: TaskRequest): void {
    const { id } = request;
    if (this.state !== RUNNING) {
      this.answer(connection, { id, kind: "refused", message: NOT_RUNNING });
      return;
    }
    const future = new LoopFuture<unknown>();
    let futures = this.remote.get(connection);
    if (futures === undefined) this.remote.set(connection, (futures = new Map()));
    futures.set(id, future);
    let started = false;
    future.onSettled = (settled) => {
      futures.delete(id);
      const outcome = settled.settled!;
      if (request.mode === "start" && !started && outcome.ok) {
        this.answer(connection, {
          id,
          kind: "done",
          ok: false,
          error: this.host.encodeError(new Error("Task exited without calling task_status.started()")),
        });
        return;
      }
      if (outcome.ok) this.answer(connection, { id, kind: "done", ok: true, value: outcome.value });
      else if (outcome.cancelled) this.answer(connection, { id, kind: "done", ok: false, cancelled: true });
      else this.answer(connection, { id, kind: "done", ok: false, error: this.host.encodeError(outcome.error) });
    };
    const status: TaskStatus<unknown> | undefined =
      request.mode === "start"
        ? {
            started: (value?: unknown) => {
              if (started) throw new Error("started() was already called for this task");
              started = true;
              this.answer(connection, { id, kind: "started", value });
            },
          }
        : undefined;
    this.host.loadFunction(request.target.module, request.target.exportName).then(
      (fn) => {
        if (this.state !== RUNNING && this.state !== STOPPED) {
          future.fail(new Error(NOT_RUNNING));
          return;
        }
        try {
          this.spawn(request.name, fn, request.args, future, status);
        } catch (error) {
          future.fail(error);
        }
      },
      (error: unknown) => future.fail(error),
    );
  }

  /** Posts an answer to a client, then wakes it if it is blocked. */
  private answer(connection: Connection, message: Record<string, unknown>): void {
    if (!this.connections.has(connection)) return;
    try {
      connection.port.postMessage(message);
    } catch (error) {
      connection.port.postMessage({ id: message.id, kind: "done", ok: false, error: this.host.encodeError(error) });
    }
    if (connection.flags !== undefined) {
      Atomics.store(connection.flags, 0, 1);
      Atomics.notify(connection.flags, 0);
    }
  }
}
