/**
 * Task introspection: what every live task is doing now, and why it waits, as plain data
 * ({@link getTaskTree}) or as text like a thread dump ({@link formatTaskTree}).
 *
 * Nothing here runs on the hot path. The hooks of compiled code store one small integer per
 * await (the await's index in its module's site table, runtime/core/compiled.ts), and a
 * primitive that parks a task writes two fields on its `Waiter` (the kind of wait and the object
 * it waits on). Everything else is read when a tree is asked for:
 *
 *   runs ──► live tasks (Runner's list) ──► parent/child by TaskInfo.parentId
 *   task ──► its compiled invocations (Runner.calls, children by caller) ──► the await chain
 *   task ──► its scopes (its own scope, if any, downwards) ──► the waiters parked in them
 *
 *   Invariant: a tree is plain data (numbers, strings, booleans, null, arrays and plain
 *   objects), so it survives `JSON.stringify` and `structuredClone` (a worker can post it).
 */
import type { CancelScope } from "./cancel-scope";
import { runningChain, awaitsForeign, type Invocation } from "./compiled";
import { currentFrame } from "./frame";
import type { Runner } from "./runner";
import type { TaskHandle } from "./task";
import { BareWaiter, type WaitKind } from "./waiter";

/** What a task or an await waits for, as {@link getTaskTree} reports it. */
export interface TaskTreeWait {
  /**
   * The kind of wait: one of the runtime's own (`"sleep"`, `"event"`, `"lock"`, `"semaphore"`,
   * `"capacity-limiter"`, `"condition"`, `"stream-send"`, `"stream-receive"`, `"task"`,
   * `"checkpoint"`), `"task-group"` (a group's exit waiting for its children), `"call"` (a
   * compiled function awaiting the compiled function below it in the chain),
   * `"foreign-promise"` (a promise from outside the runtime) or `"operation"` (any other runtime
   * operation: a socket, a subprocess, a file, a thread...).
   */
  readonly kind: WaitKind | "task-group" | "call";
  /** One line that says what is awaited, for people (`"Lock held by task #3 'writer'"`). */
  readonly description: string;
  /** For `"sleep"`: the instant it ends on the run's clock (ms; `Infinity` for `sleepForever()`). */
  readonly until?: number;
  /** For `"lock"`: the task holding the lock; for `"task"`: the task awaited. */
  readonly taskId?: number | null;
  /** For `"task-group"`: the children still running. */
  readonly taskIds?: readonly number[];
}

/** One cancel scope around a task's current await. */
export interface TaskTreeScope {
  /** The scope's number, unique in the process. */
  readonly id: number;
  /** What made it: `"task"` (a task's own scope), `"TaskGroup"`, `"moveOnAfter"`, `"failAfter"`, `"CancelScope"`... */
  readonly kind: string;
  /** Absolute deadline on the run's clock (ms), or null for none. */
  readonly deadline: number | null;
  /** Milliseconds left until the deadline (negative once passed), or null for none. */
  readonly remaining: number | null;
  /** Whether it shields the code inside from cancellation outside it. */
  readonly shield: boolean;
  /** Whether `cancel()` was called on it or its deadline passed. */
  readonly cancelled: boolean;
  /** The reason of that cancellation (`"cancelled (by task 'main')"`), or null. */
  readonly reason: string | null;
}

/** One frame of a task's await chain: a compiled function and the await it is suspended at. */
export interface TaskTreeFrame {
  /** The function's name (`"<anonymous>"` for one without; `"<unknown>"` when compiled without sites). */
  readonly function: string;
  /** The module's path relative to the project root, as the transformer saw it; null when unknown. */
  readonly file: string | null;
  /** 1-based line of the await (`await`, `for await`, or the `using` that opened the block); null when unknown. */
  readonly line: number | null;
  /** 1-based column of the same; null when unknown. */
  readonly column: number | null;
  /** `"running"` for the frames of the code that asked for the tree; `"waiting"` otherwise. */
  readonly state: "waiting" | "running";
  /** What this await waits for; null when it is not waiting (running, or about to resume). */
  readonly waitingOn: TaskTreeWait | null;
}

/** One live task and the tasks it started. */
export interface TaskTreeNode {
  /** The task's id (`TaskHandle.id`), unique in the process. */
  readonly id: number;
  /** The task's name (`TaskHandle.name`). */
  readonly name: string;
  /** The id of the task that started it, or null for a run's root task. */
  readonly parentId: number | null;
  /** `"pending"`, or `"cancelling"` once its own scope was cancelled (`TaskHandle.status`). */
  readonly status: "pending" | "cancelling";
  /**
   * `"running"`: it asked for the tree; `"waiting"`: parked in a runtime operation, a foreign
   * promise or its task group's exit; `"ready"`: neither (about to run or resume).
   */
  readonly state: "running" | "waiting" | "ready";
  /**
   * Whether its await chain is known: false when its code was not compiled by the transformer
   * (what it waits on is then reported at task level only).
   */
  readonly compiled: boolean;
  /**
   * The cancel scopes the task entered around its current await, outermost first: its own scope
   * if it has one (a run's root task, a task started with `start()` or cancelled alone through its
   * handle; any other task runs directly in its group's scope, which is its host's), the innermost
   * last. Empty for a task awaiting outside every scope of its own.
   */
  readonly scopes: readonly TaskTreeScope[];
  /** Its pending awaits, from the task's root function to the innermost one. */
  readonly chain: readonly TaskTreeFrame[];
  /** Everything it is parked in (usually one thing), for compiled and uncompiled code alike. */
  readonly waitingOn: readonly TaskTreeWait[];
  /** The live tasks it started, in the order it started them. */
  readonly children: readonly TaskTreeNode[];
}

/** A snapshot of every live task of a run: see {@link getTaskTree}. */
export interface TaskTree {
  /** The run's clock when the snapshot was taken (ms, the clock of `currentTime()`). */
  readonly time: number;
  /** The root task of each run (one, unless several runs are live in this thread). */
  readonly tasks: readonly TaskTreeNode[];
}

// --- Live runs ----------------------------------------------------------------------------------

/** The runs of this thread that have not ended, oldest first (run.ts adds and removes them). */
const liveRuns = new Set<Runner>();

/** @internal */
export function runStarted(runner: Runner): void {
  liveRuns.add(runner);
}

/** @internal */
export function runEnded(runner: Runner): void {
  liveRuns.delete(runner);
}

// --- The tree -----------------------------------------------------------------------------------

/**
 * A snapshot of every live task: its id, name and state, the cancel scopes around its current
 * await (deadline, shield, cancellation and its reason), its chain of pending awaits from its
 * root function to the innermost one, each with its source position (file, line, column,
 * function), and what it waits on (a sleep until some instant, an Event, a Lock and the task
 * holding it, a semaphore or limiter, a memory stream, its task group's children, a foreign
 * promise, another runtime operation). Code the transformer did not compile appears at task
 * level only (`compiled: false`).
 *
 * Called from a task, it describes that task's run; from outside every task (a signal handler,
 * a test runner's timeout), every run still running in this thread. The result is plain data:
 * `JSON.stringify` it, post it to another thread, or render it with {@link formatTaskTree}.
 * Source positions need code compiled with the transformer's `sites` option on (the default).
 *
 * Never a checkpoint.
 *
 * @example
 * ```ts
 * const tree = getTaskTree();
 * for (const task of tree.tasks[0]!.children) console.log(task.name, task.waitingOn[0]?.description);
 * console.log(formatTaskTree(tree));
 * ```
 */
export function getTaskTree(): TaskTree {
  const frame = currentFrame();
  return treeOf(frame !== undefined ? [frame.task._runner] : [...liveRuns], frame?.task);
}

/**
 * @internal The tree of one run (`run` is what `currentRun()` of runtime/rt.ts returns), taken
 * from outside its tasks: a timer or signal callback may still see, through the context carrier,
 * the task that armed it, which is not running.
 */
export function taskTreeOf(run: object): TaskTree {
  return treeOf([run as Runner], undefined);
}

/** The tree of `runs`; `asking` is the task that asked (running now), if any. */
function treeOf(runs: Runner[], asking: TaskHandle<unknown> | undefined): TaskTree {
  const clock = runs[0]?.timers.clock;
  const time = clock === undefined ? 0 : clock.now();
  const running = new Set<Invocation>(runningChain());
  const tasks: TaskTreeNode[] = [];
  for (const runner of runs) {
    const current = asking?._runner === runner ? asking : undefined;
    tasks.push(...describeRun(runner, time, current, running));
  }
  return { time, tasks };
}

function describeRun(
  runner: Runner,
  time: number,
  current: TaskHandle<unknown> | undefined,
  running: Set<Invocation>,
): TaskTreeNode[] {
  const live = runner.liveTasks();
  // The outermost compiled invocations of each task: the task's root function (or functions).
  const roots = new Map<TaskHandle<unknown>, Invocation[]>();
  for (let c = runner.calls?.firstChild; c !== undefined; c = c.nextSibling) {
    const task = c.base?.task;
    if (task === undefined) continue;
    let list = roots.get(task);
    if (list === undefined) roots.set(task, (list = []));
    list.push(c);
  }
  const parked = parkedByTask(live);
  const nodes = new Map<number, { node: TaskTreeNode; children: TaskTreeNode[] }>();
  for (const task of live) {
    const children: TaskTreeNode[] = [];
    const node = describeTask(task, time, current, running, roots.get(task), parked.get(task) ?? [], children);
    nodes.set(task.id, { node, children });
  }
  const top: TaskTreeNode[] = [];
  for (const task of live) {
    const entry = nodes.get(task.id)!;
    const parent = task._parent === null ? undefined : nodes.get(task._parent.id);
    (parent === undefined ? top : parent.children).push(entry.node);
  }
  return top;
}

function describeTask(
  task: TaskHandle<unknown>,
  time: number,
  current: TaskHandle<unknown> | undefined,
  running: Set<Invocation>,
  roots: Invocation[] | undefined,
  parked: BareWaiter<unknown>[],
  children: TaskTreeNode[],
): TaskTreeNode {
  const waits = parked.map((waiter) => describeWaiter(waiter, time));
  // The invocations from the task's root function to the innermost pending await: each one
  // awaits the callee it started last (callees are linked in front of their siblings).
  const invocations: Invocation[] = [];
  if (roots !== undefined) {
    // Several roots: the task's plain function called compiled ones; the latest one is awaited.
    for (let c: Invocation | undefined = roots[0]; c !== undefined && c.base?.task === task; c = c.firstChild) {
      invocations.push(c);
    }
  }
  const innermost = invocations[invocations.length - 1];
  let innermostWait: TaskTreeWait | null = null;
  if (innermost !== undefined && !running.has(innermost)) {
    if (awaitsForeign(innermost)) {
      innermostWait = { kind: "foreign-promise", description: "a promise from outside the runtime" };
      waits.push(innermostWait);
    } else if (waits.length > 0) {
      innermostWait = waits[0]!;
    }
  }
  const scopeOfAwait = innermost?.frame?.scope ?? task._innermostScope();
  const group = groupWaitingIn(task, scopeOfAwait);
  if (group !== undefined) {
    waits.push(group);
    if (innermost !== undefined && innermostWait === null && !running.has(innermost)) innermostWait = group;
  }
  const chain = invocations.map((c, i): TaskTreeFrame => {
    const isRunning = running.has(c);
    const next = invocations[i + 1];
    let waitingOn: TaskTreeWait | null = null;
    if (!isRunning) {
      if (next !== undefined) waitingOn = { kind: "call", description: `${functionName(next)}()` };
      else waitingOn = innermostWait;
    }
    return { ...siteOf(c), state: isRunning ? "running" : "waiting", waitingOn };
  });
  const state = task === current ? "running" : task._blocked > 0 || waits.length > 0 ? "waiting" : "ready";
  return {
    id: task.id,
    name: task.name,
    parentId: task._parent?.id ?? null,
    status: task.status === "cancelling" ? "cancelling" : "pending",
    state,
    compiled: invocations.length > 0,
    scopes: scopesAround(task, scopeOfAwait, time),
    chain,
    waitingOn: waits,
    children,
  };
}

/**
 * The scopes `task` entered, from its own scope (if it has one) down to `innermost`, outermost
 * first. A task without a scope of its own runs in its group's, which is its host's.
 */
function scopesAround(task: TaskHandle<unknown>, innermost: CancelScope, time: number): TaskTreeScope[] {
  const out: TaskTreeScope[] = [];
  for (let scope: CancelScope | null = innermost; scope !== null && scope._task === task; scope = scope._parent) {
    out.push(describeScope(scope, time));
  }
  return out.reverse();
}

function describeScope(scope: CancelScope, time: number): TaskTreeScope {
  const deadline = scope._deadline === Infinity ? null : scope._deadline;
  return {
    id: scope._id,
    kind: scope._label ?? "CancelScope",
    deadline,
    remaining: deadline === null ? null : deadline - time,
    shield: scope._shield,
    cancelled: scope._cancelCalled,
    reason: scope._reason ?? null,
  };
}

/**
 * The waiters each of `live` is parked in, outer scopes first: one walk down the scope tree from
 * the run's root task (a task without a scope of its own parks in its group's scope, among its
 * siblings, so the parked operations of a scope may belong to several tasks).
 */
function parkedByTask(live: readonly TaskHandle<unknown>[]): Map<TaskHandle<unknown>, BareWaiter<unknown>[]> {
  const out = new Map<TaskHandle<unknown>, BareWaiter<unknown>[]>();
  const visit = (scope: CancelScope): void => {
    for (const parked of scope._parked()) {
      if (!(parked instanceof BareWaiter)) continue;
      let list = out.get(parked.task);
      if (list === undefined) out.set(parked.task, (list = []));
      list.push(parked as BareWaiter<unknown>);
    }
    for (const child of scope._children()) visit(child);
  };
  for (const task of live) if (task._outerScope() === null) visit(task._frame.scope);
  return out;
}

/** The live tasks that run directly in `scope` (in it, or in a scope of their own just under it), but `host`. */
function tasksIn(scope: CancelScope, host: TaskHandle<unknown>): number[] {
  const ids: number[] = [];
  for (const task of host._runner.liveTasks()) {
    if (task !== host && task._outerScope() === scope) ids.push(task.id);
  }
  return ids.sort((a, b) => a - b);
}

/** The exit of a task group of `task` waiting for its children, if any, around `innermost`. */
function groupWaitingIn(task: TaskHandle<unknown>, innermost: CancelScope): TaskTreeWait | undefined {
  for (let scope: CancelScope | null = innermost; scope !== null && scope._task === task; scope = scope._parent) {
    const group = scope._group;
    if (group !== undefined && group._waitingForChildren()) {
      const taskIds = tasksIn(scope, task);
      const n = group._liveChildren();
      return {
        kind: "task-group",
        description: `the end of ${n} child task${n === 1 ? "" : "s"} of TaskGroup#${scope._id}`,
        taskIds,
      };
    }
  }
  return undefined;
}

function describeWaiter(waiter: BareWaiter<unknown>, time: number): TaskTreeWait {
  const on = waiter._waitsOn();
  const kind = waiter._waitKind();
  switch (kind) {
    case "sleep": {
      const until = (waiter as unknown as { deadline: number }).deadline;
      const description =
        until === Infinity ? "sleepForever()" : `sleep until ${until.toFixed(1)} ms (${formatMs(until - time)} left)`;
      return { kind: "sleep", description, until };
    }
    case "checkpoint":
      return { kind: "checkpoint", description: "a checkpoint (one turn of the event loop)" };
    case "lock": {
      const lock = on as { _owner?: TaskHandle<unknown> | null; statistics?(): { tasksWaiting: number } };
      const owner = lock._owner ?? null;
      const waiting = lock.statistics?.().tasksWaiting ?? 0;
      return {
        kind: "lock",
        description: `a Lock held by ${owner === null ? "nobody" : taskLabel(owner)} (${waiting} waiting)`,
        taskId: owner?.id ?? null,
      };
    }
    case "task": {
      const awaited = on as TaskHandle<unknown>;
      return { kind: "task", description: `the end of ${taskLabel(awaited)}`, taskId: awaited.id };
    }
    case "foreign-promise":
      return {
        kind: "foreign-promise",
        description: "a promise from outside the runtime (returned by a compiled function)",
      };
    case "operation":
      return {
        kind: "operation",
        description: typeof on === "string" ? on : on === undefined ? "a runtime operation" : describeObject(on),
      };
    default:
      return { kind, description: describeObject(on) };
  }
}

function describeObject(on: unknown): string {
  try {
    return String(on);
  } catch {
    return "a runtime object";
  }
}

function taskLabel(task: TaskHandle<unknown>): string {
  return `task #${task.id} '${task.name}'`;
}

function siteOf(c: Invocation): Pick<TaskTreeFrame, "function" | "file" | "line" | "column"> {
  const sites = c.sites;
  const site = c.site;
  if (sites === undefined) return { function: "<unknown>", file: null, line: null, column: null };
  const at = 1 + 3 * (site ?? 0);
  if (site === undefined || site < 0 || at + 2 >= sites.length) {
    return { function: "<unknown>", file: String(sites[0]), line: null, column: null };
  }
  return {
    function: String(sites[at]),
    file: String(sites[0]),
    line: sites[at + 1] as number,
    column: sites[at + 2] as number,
  };
}

function functionName(c: Invocation): string {
  return siteOf(c).function;
}

// --- Text ---------------------------------------------------------------------------------------

/**
 * Renders a task tree as indented text, like a thread dump: each task with its state, the cancel
 * scopes around its current await, and its await chain innermost first (as a stack trace reads),
 * each await with `function (file:line:column)` and what it waits on; the tasks it started below
 * it. Without an argument, renders {@link getTaskTree}().
 *
 * Never a checkpoint.
 *
 * @example
 * ```ts
 * console.error(formatTaskTree());
 * // task #1 'main' waiting
 * //     scopes: task#1 > TaskGroup#2
 * //     at main (src/main.ts:9:3) waiting for the end of 1 child task of TaskGroup#2
 * //   task #2 'worker' waiting
 * //       at worker (src/main.ts:4:3) waiting for <Event unset waiting=1>
 * ```
 */
export function formatTaskTree(tree: TaskTree = getTaskTree()): string {
  const lines: string[] = [];
  const count = (nodes: readonly TaskTreeNode[]): number => nodes.reduce((n, node) => n + 1 + count(node.children), 0);
  const total = count(tree.tasks);
  lines.push(`Task tree at ${tree.time.toFixed(1)} ms: ${total} live task${total === 1 ? "" : "s"}`);
  const visit = (node: TaskTreeNode, depth: number): void => {
    const pad = "  ".repeat(depth);
    const status = node.status === "cancelling" ? ", cancelling" : "";
    lines.push(`${pad}task #${node.id} '${node.name}' ${node.state}${status}`);
    const inner = `${pad}    `;
    if (node.scopes.length > 0) lines.push(`${inner}scopes: ${node.scopes.map(formatScope).join(" > ")}`);
    if (!node.compiled) {
      lines.push(`${inner}(uncompiled code: no await chain)`);
      for (const wait of node.waitingOn) lines.push(`${inner}waiting for ${wait.description}`);
    } else {
      for (let i = node.chain.length - 1; i >= 0; i--) {
        const frame = node.chain[i]!;
        const where =
          frame.file === null ? "unknown site" : `${frame.file}:${frame.line ?? "?"}:${frame.column ?? "?"}`;
        let line = `${inner}at ${frame.function} (${where})`;
        if (frame.state === "running") line += " running";
        else if (frame.waitingOn !== null && frame.waitingOn.kind !== "call")
          line += ` waiting for ${frame.waitingOn.description}`;
        lines.push(line);
      }
      // Parks the chain does not show (a second wait of the same task); the tree may have been
      // through JSON, so the innermost frame's wait is recognised by its text.
      let shown = node.chain[node.chain.length - 1]?.waitingOn?.description;
      for (const wait of node.waitingOn) {
        if (wait.description === shown) shown = undefined;
        else lines.push(`${inner}also waiting for ${wait.description}`);
      }
    }
    for (const child of node.children) visit(child, depth + 1);
  };
  for (const node of tree.tasks) visit(node, 0);
  return lines.join("\n");
}

function formatScope(scope: TaskTreeScope): string {
  const parts: string[] = [];
  if (scope.deadline !== null) parts.push(`deadline in ${formatMs(scope.remaining!)}`);
  if (scope.shield) parts.push("shielded");
  if (scope.cancelled) parts.push(`cancelled: ${scope.reason ?? "cancelled"}`);
  return `${scope.kind}#${scope.id}${parts.length > 0 ? ` [${parts.join(", ")}]` : ""}`;
}

function formatMs(ms: number): string {
  return `${ms.toFixed(1)} ms`;
}
