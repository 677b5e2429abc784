/**
 * What the run worker adds to the instruments' events for the timeline: the cancel scopes each
 * task enters (with their deadline and shield) and what each blocked task waits on. The runtime's
 * instruments report tasks, cancellations and group errors; scopes and waits are observed here,
 * in the playground's run worker only, by wrapping what the program is given:
 *
 * - scopes: `CancelScope.prototype._enter` / `_exit`, through which every scope is entered and
 *   exited (the transformer's `using`, `run()` callbacks, task groups);
 * - waits: the blocking calls of the API (`sleep*`, `Event.wait`, `acquire()` of the locks,
 *   stream `send`/`receive`, a task group's exit waiting for its children, `start()`), each
 *   promise followed until it settles; and any other promise a structured function awaits
 *   (through the transformer's `suspend` hooks) during which the task made no such call: a
 *   foreign promise (`fetch`, a plain `setTimeout` promise, ...).
 *
 * Each wait also says where the task waits: its await chain, read from `getTaskTree()` in a
 * microtask after the blocking call (once the transformer's hook has recorded the await's site),
 * for the first {@link MAX_CHAINS} waits of a run (a tree describes every live task).
 *
 * Nothing here changes what the program sees: every wrapper calls the original and returns its
 * result unchanged.
 */
import type * as Anyio from "../../runtime/index.browser";
import type * as Rt from "../../runtime/rt";
import type { RunEvent, WaitKind } from "./protocol";
import { scopeId } from "./timeline-model";

type Post = (event: RunEvent) => void;

/** The most waits of a run whose await chain is read (each read describes every live task). */
const MAX_CHAINS = 2000;

/** `task`'s pending awaits in `tree`, innermost first, as `function (file:line:column)`. */
function chainOf(tree: Anyio.TaskTree, task: number): string[] {
  const find = (nodes: readonly Anyio.TaskTreeNode[]): Anyio.TaskTreeNode | undefined => {
    for (const node of nodes) {
      if (node.id === task) return node;
      const found = find(node.children);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const frames = find(tree.tasks)?.chain ?? [];
  return frames
    .filter((frame) => frame.line !== null)
    .map((frame) => `${frame.function} (${frame.file ?? "?"}:${frame.line}:${frame.column})`)
    .reverse();
}

interface OpenWait {
  readonly id: number;
  readonly task: number;
  readonly start: number;
  readonly kind: WaitKind;
  readonly what: string;
  /** For a candidate foreign promise: set when the task made a tracked call meanwhile. */
  composite: boolean;
  /** Where the task waits (see {@link chainOf}), once read. */
  chain: readonly string[];
}

/**
 * Wraps the program's view of the runtime. Returns the module objects to give the program in
 * place of `anyio` and `rt`.
 */
export function trackRun(
  anyio: typeof Anyio,
  rt: typeof Rt,
  post: Post,
  now: () => number,
): { anyio: Record<string, unknown>; rt: Record<string, unknown> } {
  let nextWait = 1;
  let chains = 0;
  const ours = new WeakSet<object>();
  const open = new Map<number, OpenWait[]>();

  const currentTask = (): number | null => {
    try {
      return anyio.getCurrentTask().id;
    } catch {
      return null; // outside a task: nothing to draw it on
    }
  };

  const follow = (promise: unknown, kind: WaitKind, what: string): void => {
    if (typeof (promise as PromiseLike<unknown> | null)?.then !== "function") return;
    const task = currentTask();
    if (task === null) return;
    ours.add(promise as object);
    const list = open.get(task) ?? [];
    open.set(task, list);
    for (const wait of list) if (wait.kind === "promise") wait.composite = true;
    const wait: OpenWait = { id: nextWait++, task, start: now(), kind, what, composite: false, chain: [] };
    list.push(wait);
    const started = (): void => {
      const { id, start, chain } = wait;
      post({ type: "wait-started", time: start, task, wait: id, kind, what, chain });
    };
    // Queued before the promise's own reactions, so it runs before the wait can end.
    queueMicrotask(() => {
      if (chains < MAX_CHAINS) {
        chains++;
        wait.chain = chainOf(anyio.getTaskTree(), task);
      }
      if (kind !== "promise") started();
    });
    const end = (): void => {
      const i = list.indexOf(wait);
      if (i >= 0) list.splice(i, 1);
      if (kind === "promise") {
        // Only now is it known that the task waited on nothing of the runtime's meanwhile.
        if (wait.composite) return;
        started();
      }
      post({ type: "wait-ended", time: now(), wait: wait.id });
    };
    (promise as PromiseLike<unknown>).then(end, end);
  };

  const wrapFunction = <F extends (...args: never[]) => unknown>(fn: F, kind: WaitKind, what: string): F =>
    function (this: unknown, ...args: Parameters<F>) {
      const result = fn.apply(this, args);
      follow(result, kind, what);
      return result;
    } as F;

  const wrapMethod = (proto: object, name: PropertyKey, kind: WaitKind, what: string): void => {
    const original = (proto as Record<PropertyKey, unknown>)[name];
    if (typeof original !== "function") return;
    (proto as Record<PropertyKey, unknown>)[name] = wrapFunction(original as (...args: never[]) => unknown, kind, what);
  };

  wrapMethod(anyio.Event.prototype, "wait", "event", "Event.wait()");
  wrapMethod(anyio.Lock.prototype, "acquire", "lock", "Lock.acquire()");
  wrapMethod(anyio.Semaphore.prototype, "acquire", "lock", "Semaphore.acquire()");
  wrapMethod(anyio.CapacityLimiter.prototype, "acquire", "lock", "CapacityLimiter.acquire()");
  wrapMethod(anyio.CapacityLimiter.prototype, "acquireOnBehalfOf", "lock", "CapacityLimiter.acquireOnBehalfOf()");
  wrapMethod(anyio.Condition.prototype, "wait", "lock", "Condition.wait()");
  wrapMethod(anyio.Condition.prototype, "waitFor", "lock", "Condition.waitFor()");
  wrapMethod(anyio.MemoryObjectSendStream.prototype, "send", "send", "send()");
  wrapMethod(anyio.MemoryObjectReceiveStream.prototype, "receive", "receive", "receive()");
  // Every way out of a task group (`await using`, `tg.run()`, `[Symbol.asyncDispose]`) ends in its
  // exit, which waits for the children.
  wrapMethod(anyio.TaskGroup.prototype, "_exit", "group", "waiting for the group's tasks");
  wrapMethod(anyio.TaskGroup.prototype, "start", "group", "TaskGroup.start()");

  // Scopes: every entry and exit goes through these two methods of the scope.
  type ScopeInternals = {
    _enter(task: { id: number }, parent: unknown): unknown;
    _exit(hasError: boolean, error: unknown): void;
    readonly deadline: number;
    readonly shield: boolean;
  };
  const scopeProto = anyio.CancelScope.prototype as unknown as ScopeInternals;
  const enter = scopeProto._enter;
  const exit = scopeProto._exit;
  const depth = new Map<number, number>();
  const scopeTask = new WeakMap<object, number>();
  scopeProto._enter = function (this: ScopeInternals, task, parent) {
    const frame = enter.call(this, task, parent);
    const label = String(this);
    // A task's own scope spans the whole task: its bar already shows it.
    if (!/^<task#/.test(label)) {
      const level = depth.get(task.id) ?? 0;
      depth.set(task.id, level + 1);
      scopeTask.set(this, task.id);
      const deadline = this.deadline;
      post({
        type: "scope-entered",
        time: now(),
        task: task.id,
        scope: scopeId(label),
        label,
        shielded: this.shield,
        deadline: Number.isFinite(deadline) ? now() + (deadline - anyio.currentTime()) : null,
        depth: level,
      });
    }
    return frame;
  };
  scopeProto._exit = function (this: ScopeInternals, hasError, error) {
    const task = scopeTask.get(this);
    if (task !== undefined) {
      depth.set(task, Math.max(0, (depth.get(task) ?? 1) - 1));
      post({ type: "scope-exited", time: now(), scope: scopeId(String(this)) });
    }
    return exit.call(this, hasError, error);
  };

  const sleeps = {
    sleep: wrapFunction(anyio.sleep, "sleep", "sleep()"),
    sleepUntil: wrapFunction(anyio.sleepUntil, "sleep", "sleepUntil()"),
    sleepForever: wrapFunction(anyio.sleepForever, "sleep", "sleepForever()"),
  };

  // The transformer's suspend hooks see every promise a structured function awaits.
  const suspendHooks: Record<string, unknown> = {};
  for (const name of ["suspend", "suspendCall"] as const) {
    const original = rt[name] as (...args: unknown[]) => unknown;
    suspendHooks[name] = function (this: unknown, ...args: unknown[]) {
      const value = args[1];
      // A call of a structured function entered it: its own waits are tracked inside it.
      const structuredCall = name === "suspendCall" && (args[0] as { calleeEntered?: boolean }).calleeEntered === true;
      if (
        !structuredCall &&
        typeof (value as PromiseLike<unknown> | null)?.then === "function" &&
        !ours.has(value as object)
      ) {
        follow(value, "promise", "a promise");
      }
      return original.apply(this, args);
    };
  }

  return { anyio: { ...anyio, ...sleeps }, rt: { ...rt, ...suspendHooks } };
}
