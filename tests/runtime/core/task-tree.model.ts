/**
 * Random trees of structured work, and the structured-concurrency rules every run of one must
 * obey. Shared by two interpreters of the same trees: tests/runtime/core/task-tree.property.test.ts
 * (callback form: `tg.run`, `scope.run`) and tests/compiled/task-tree.property.test.ts (structured
 * code: `using` / `await using` blocks). This module is plain code on purpose: it never awaits,
 * it only generates trees, records what the interpreters report and judges the record.
 *
 * ## Trees
 *
 *   seq          its items, one after the other, each called in one of four ways (see Via)
 *   sleep(t)     `await sleep(t)`
 *   checkpoint   `await checkpoint()`
 *   fail(t)      sleeps t, then throws a fresh `Error("fail#<id>")`
 *   group        a task group: 0-3 children, each started with `startSoon` or with `start`
 *                (the child sleeps `ready` ms, calls `taskStatus.started()`, then runs its
 *                node), then the host body runs its own node
 *   scope        a cancel scope around a node: plain (`new CancelScope()`, created before the
 *                run so that a `cancel` may reach it before it is entered), shielded
 *                (`{ shield: true }`), `moveOnAfter(t)` or `failAfter(t)`
 *   cancel(t)    sleeps t, then cancels the scope or task group node it names (`tg.cancel()`
 *                for a group); no effect on a node not entered yet (a plain scope excepted)
 *   spawn(t)     sleeps t, then starts its node with `startSoon` in the task group node it
 *                names, whichever task that group belongs to; "refused" if the group is not
 *                active ("...not active..."), "absent" if it was not entered yet
 *   swallow      runs its node and catches a cancellation (`isCancelled(e)`), returning
 *                normally; anything else is re-thrown
 *   cleanup(t)   runs its node; its `finally` sleeps t inside `new CancelScope({ shield: true })`
 *                and lets whatever was in flight go on
 *
 * Times are small integers on a fresh autojump MockClock per case, so a case is deterministic.
 *
 * ## What is recorded
 *
 * Every event gets a sequence number and the virtual time. Every node logs `enter` and, in a
 * `finally`, `finally` with its outcome (returned, or what it threw). Scopes and groups also log
 * the end of their body (`bodyEnd`, in a `finally` just inside the scope or group, with the
 * body's outcome and, for scopes, `cancelCalled` at that moment) and their `exit`, right after
 * `run()` settled or the `using` block was left, with the outcome and the time. Children log
 * their end in a `finally` around the whole task function. An instrument logs every
 * `scopeCancelled` event (by scope object) and every task spawned and finished.
 *
 * The *visible chain* of a point in the tree is the list of enclosing scopes, innermost first
 * (scope nodes, and the cancel scope of each enclosing task group; a child task's chain goes on
 * through its group's scope to the group's own chain), up to and including the first shielded
 * one. The point is effectively cancelled iff a scope of its chain is cancelled.
 * "O was cancelled before #n" means O's `scopeCancelled` event has a smaller sequence number.
 *
 * ## The rules (the semantics docs/core.md describes)
 *
 * R1 finally: every node entered runs its `finally` exactly once; no node is entered twice; no
 *    `finally` without an entry; a node runs within the lifetime of its parent in the same task
 *    (entered after it, its `finally` before the parent's).
 * R2 error accounting: flatten the error that comes out of the tree's root (ExceptionGroup
 *    trees, by identity). Its leaves are exactly the labelled errors thrown plus the
 *    TimeoutErrors raised by failAfter scopes (R5d), each exactly once; no leaf is a
 *    `Cancelled` (the root is not cancelled), no other error appears.
 * R3 no leaked task: every task spawned while the tree ran has finished when the root returns.
 * R4 group exit: a group exits after its body ended and after every child it accepted
 *    (startSoon, start, and accepted spawns) ended: each child's end precedes the exit.
 * R5 scope exit, for a scope S whose body ended at #e with outcome X and which exited at #x
 *    ("outer" = a scope of the visible chain of S's parent position, empty if S is shielded):
 *    a. S.cancelledCaught implies S.cancelCalled, X contains a Cancelled, and no outer scope was
 *       cancelled before #e;
 *    b. S.cancelCalled at #e, X contains a Cancelled, and no outer scope cancelled before #x
 *       imply S.cancelledCaught;
 *    c. if !S.cancelledCaught, S's exit outcome is X itself (same error, or normal);
 *    d. if S.cancelledCaught: X minus its Cancelled leaves, if not empty, is what S raises
 *       (same leaves); otherwise a failAfter scope whose time at exit is >= its deadline raises
 *       a fresh TimeoutError, and every other scope exits normally.
 * R6 cancellation propagates out of a waiting group (docs/core.md, "Cancellation from
 *    outside"): if group G's host waited at exit for a child (the last child to end did so at a
 *    later virtual time than the body's end, so the clock moved while the host was parked in
 *    the exit) and a scope of the visible chain of G's position was cancelled before that last
 *    child ended, G's exit raises (Cancelled, or an ExceptionGroup), so no code after G in
 *    that scope runs. For a moveOnAfter/failAfter scope whose deadline cancelled G this way,
 *    R5b then makes it report `cancelledCaught`, and R5d makes failAfter raise TimeoutError.
 * R7 level-triggered cancellation: a sleep/checkpoint/fail/cancel/spawn node (its first action
 *    is a checkpoint) ends with a Cancelled if it was entered while a scope of its visible
 *    chain was already cancelled, or if such a scope was cancelled while the node waited (the
 *    cancellation precedes the node's end and happened at an earlier virtual time: the wait
 *    had not completed then, so no result was delivered before the cancellation; a delivered
 *    result would stand, the cancellation waiting for the next checkpoint).
 * R8 no spurious cancellation: a node whose outcome contains a Cancelled has, in the visible
 *    chain of its position, a scope cancelled before its `finally`.
 * R9 spawning: a spawn refused by an entered group happens only when that group's body has
 *    ended and every child it accepted has ended (the group is closing); an accepted spawn
 *    never comes after the group's exit. The refusal is the "not active" error.
 * R10 shields: the shielded sleep of a cleanup node never raises.
 * R11 time: the sleep(t) that starts a sleep/fail/cancel/spawn node takes exactly t ms of
 *    virtual time when it returns, and at most t when it is cancelled.
 *
 * What is not predicted: timing details (which of two events at the same virtual time comes
 * first), hence the relational form of R5-R9.
 *
 * The structured-concurrency guarantees, in plain words: "every finally runs exactly once" is R1; "a group exits
 * only after all its children ended" is R4; "the errors out of run() are exactly those thrown
 * and not caught, no Cancelled escapes, each appears once" is R2 (with R8 for Cancelled inside
 * the tree); "no task is left" is R3 (and `structuredProperty`'s own leak check); "a moveOnAfter
 * whose deadline passed while its body ran has cancelledCaught and no code after the block
 * inside it runs" is R7 (the body's waiting checkpoint is cancelled), R5b (the scope catches
 * it) and R6 (a group waiting at exit raises it instead of returning).
 *
 * ## Guarding the test itself
 *
 * Each rule's premise is counted ({@link coverage}); the property tests require every premise
 * in {@link PREMISES} to be reached, so a generator change that stops exercising a rule fails.
 * {@link regressionTrees} are the hand-trimmed counterexamples the search found; both test
 * files run them first, whatever the seed. `TREE_RUNS`, `TREE_SEED` and `TREE_IGNORE` tune a
 * run (see {@link treeRunSettings}).
 */
import fc from "fast-check";
import {
  addInstrument,
  Cancelled,
  CancelScope,
  currentTime,
  ExceptionGroup,
  failAfter,
  moveOnAfter,
  removeInstrument,
  TimeoutError,
  type Instrument,
  type TaskGroup,
  type TaskInfo,
} from "anyio-ts";

// ---------------------------------------------------------------------------------------------
// Trees

export type ScopeType = "plain" | "shield" | "moveOn" | "failAfter";

/**
 * How a seq node calls each item's interpreter: `await interpret(item)` (direct), `const p =
 * interpret(item); await p` (deferred), `await relay(item)` where relay does `return
 * interpret(item)`, or `await returnAwait(item)` where that does `return await interpret(item)`.
 * Identical in plain JavaScript; in structured code they are different rewrites that must keep
 * the same structure (rule R1's nesting).
 */
export type Via = "direct" | "deferred" | "relay" | "returnAwait";

export interface ChildSpec {
  /** `soon`: `tg.startSoon`; `start`: `tg.start`, the child calls `started()` after `ready` ms. */
  readonly how: "soon" | "start";
  readonly ready: number;
  readonly node: TreeNode;
}

export type TreeNode =
  | { readonly kind: "seq"; readonly id: number; readonly via: Via; readonly items: readonly TreeNode[] }
  | { readonly kind: "sleep"; readonly id: number; readonly ms: number }
  | { readonly kind: "checkpoint"; readonly id: number }
  | { readonly kind: "fail"; readonly id: number; readonly ms: number }
  | { readonly kind: "group"; readonly id: number; readonly children: readonly ChildSpec[]; readonly body: TreeNode }
  | {
      readonly kind: "scope";
      readonly id: number;
      readonly type: ScopeType;
      readonly ms: number;
      readonly body: TreeNode;
    }
  | { readonly kind: "cancel"; readonly id: number; readonly ms: number; readonly target: number | null }
  | {
      readonly kind: "spawn";
      readonly id: number;
      readonly ms: number;
      readonly target: number | null;
      readonly node: TreeNode;
    }
  | { readonly kind: "swallow"; readonly id: number; readonly body: TreeNode }
  | { readonly kind: "cleanup"; readonly id: number; readonly ms: number; readonly body: TreeNode };

export type NodeOf<K extends TreeNode["kind"]> = Extract<TreeNode, { kind: K }>;

/** A generated tree: its root, and its nodes by id (preorder numbering from 1). */
export interface TaskTree {
  readonly root: TreeNode;
  readonly nodes: ReadonlyMap<number, TreeNode>;
  /**
   * Each node's parent when both run in the same task; missing for the root, for a group's
   * children and for a spawn's node (each runs in a task of its own).
   */
  readonly parentOf: ReadonlyMap<number, number>;
}

// Raw shapes as fast-check generates them: no ids yet, targets as free indexes.
type Raw =
  | { kind: "seq"; via: Via; items: Raw[] }
  | { kind: "sleep"; ms: number }
  | { kind: "checkpoint" }
  | { kind: "fail"; ms: number }
  | { kind: "group"; children: { how: "soon" | "start"; ready: number; node: Raw }[]; body: Raw }
  | { kind: "scope"; type: ScopeType; ms: number; body: Raw }
  | { kind: "cancel"; ms: number; target: number }
  | { kind: "spawn"; ms: number; target: number; node: Raw }
  | { kind: "swallow"; body: Raw }
  | { kind: "cleanup"; ms: number; body: Raw };

const time = fc.nat({ max: 5 });

const rawArbitraries = fc.letrec<{ node: Raw; leaf: Raw; seq: Raw; group: Raw; scope: Raw; root: Raw }>((tie) => ({
  // The first alternative is what deep levels fall back to and what cross-shrinking aims at.
  node: fc.oneof(
    { depthSize: "medium", maxDepth: 5, withCrossShrink: true, depthIdentifier: "task-tree" },
    { arbitrary: tie("leaf"), weight: 5 },
    { arbitrary: tie("seq"), weight: 2 },
    { arbitrary: tie("group"), weight: 3 },
    { arbitrary: tie("scope"), weight: 3 },
    { arbitrary: fc.record({ kind: fc.constant("swallow" as const), body: tie("node") }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant("cleanup" as const), ms: time, body: tie("node") }), weight: 1 },
    {
      arbitrary: fc.record({ kind: fc.constant("spawn" as const), ms: time, target: fc.nat(7), node: tie("node") }),
      weight: 1,
    },
  ),
  leaf: fc.oneof(
    fc.record({ kind: fc.constant("sleep" as const), ms: time }),
    fc.record({ kind: fc.constant("checkpoint" as const) }),
    fc.record({ kind: fc.constant("fail" as const), ms: time }),
    fc.record({ kind: fc.constant("cancel" as const), ms: time, target: fc.nat(7) }),
  ),
  // One item is allowed so that shrinking can drop all but the item that matters.
  seq: fc.record({
    kind: fc.constant("seq" as const),
    via: fc.oneof(
      { arbitrary: fc.constant<Via>("direct"), weight: 3 },
      { arbitrary: fc.constantFrom<Via>("deferred", "relay", "returnAwait"), weight: 2 },
    ),
    items: fc.array(tie("node"), { minLength: 1, maxLength: 3 }),
  }),
  group: fc.record({
    kind: fc.constant("group" as const),
    children: fc.array(
      fc.record({
        how: fc.oneof(
          { arbitrary: fc.constant("soon" as const), weight: 3 },
          { arbitrary: fc.constant("start" as const), weight: 1 },
        ),
        ready: fc.nat({ max: 3 }),
        node: tie("node"),
      }),
      { maxLength: 3 },
    ),
    body: tie("node"),
  }),
  scope: fc.record({
    kind: fc.constant("scope" as const),
    type: fc.constantFrom<ScopeType>("moveOn", "failAfter", "plain", "shield"),
    ms: time,
    body: tie("node"),
  }),
  // A root worth running: never a lone leaf.
  root: fc.oneof({ depthIdentifier: "task-tree" }, tie("seq"), tie("group"), tie("scope")),
}));

const rawTree: fc.Arbitrary<Raw> = rawArbitraries.root;

/** Numbers the nodes in preorder and resolves `cancel`/`spawn` targets to node ids. */
function finalize(raw: Raw): TaskTree {
  const nodes = new Map<number, TreeNode>();
  let next = 1;
  // First pass: ids in preorder, and the candidates for targets.
  const ids = new Map<Raw, number>();
  const cancellable: Raw[] = [];
  const groups: Raw[] = [];
  const visit = (r: Raw): void => {
    if (ids.has(r)) throw new Error("a raw tree must not share a node object between two places");
    ids.set(r, next++);
    switch (r.kind) {
      case "seq":
        r.items.forEach(visit);
        break;
      case "group":
        cancellable.push(r);
        groups.push(r);
        r.children.forEach((c) => visit(c.node));
        visit(r.body);
        break;
      case "scope":
        cancellable.push(r);
        visit(r.body);
        break;
      case "spawn":
        visit(r.node);
        break;
      case "swallow":
      case "cleanup":
        visit(r.body);
        break;
      default:
        break;
    }
  };
  visit(raw);
  const pick = (list: Raw[], index: number): number | null =>
    list.length === 0 ? null : ids.get(list[index % list.length])!;
  const build = (r: Raw): TreeNode => {
    const id = ids.get(r)!;
    let node: TreeNode;
    switch (r.kind) {
      case "seq":
        node = { kind: "seq", id, via: r.via ?? "direct", items: r.items.map(build) };
        break;
      case "sleep":
      case "fail":
        node = { kind: r.kind, id, ms: r.ms };
        break;
      case "checkpoint":
        node = { kind: "checkpoint", id };
        break;
      case "group":
        node = {
          kind: "group",
          id,
          children: r.children.map((c) => ({ how: c.how, ready: c.ready, node: build(c.node) })),
          body: build(r.body),
        };
        break;
      case "scope":
        node = { kind: "scope", id, type: r.type, ms: r.ms, body: build(r.body) };
        break;
      case "cancel":
        node = { kind: "cancel", id, ms: r.ms, target: pick(cancellable, r.target) };
        break;
      case "spawn":
        node = { kind: "spawn", id, ms: r.ms, target: pick(groups, r.target), node: build(r.node) };
        break;
      case "swallow":
        node = { kind: "swallow", id, body: build(r.body) };
        break;
      case "cleanup":
        node = { kind: "cleanup", id, ms: r.ms, body: build(r.body) };
        break;
    }
    nodes.set(id, node);
    return node;
  };
  const root = build(raw);
  const parentOf = new Map<number, number>();
  for (const node of nodes.values()) {
    const inTask: TreeNode[] =
      node.kind === "seq"
        ? [...node.items]
        : node.kind === "group" || node.kind === "scope" || node.kind === "swallow" || node.kind === "cleanup"
          ? [node.body]
          : [];
    for (const item of inTask) parentOf.set(item.id, node.id);
  }
  const tree: TaskTree = { root, nodes, parentOf };
  // fast-check prints counterexamples with this: the readable form, not the raw object.
  Object.defineProperty(tree, fc.toStringMethod, { value: () => "\n" + printTree(tree), enumerable: false });
  return tree;
}

/** Random task trees. */
export const taskTree: fc.Arbitrary<TaskTree> = rawTree.map(finalize);

/** Builds a tree from the raw shape (ids and targets assigned as for generated trees): for regression cases. */
export function treeOf(raw: unknown): TaskTree {
  return finalize(raw as Raw);
}

function label(node: TreeNode): string {
  switch (node.kind) {
    case "seq":
      return node.via === "direct" ? `seq#${node.id}` : `seq#${node.id} (${node.via})`;
    case "sleep":
      return `sleep#${node.id}(${node.ms})`;
    case "checkpoint":
      return `checkpoint#${node.id}`;
    case "fail":
      return `fail#${node.id} after ${node.ms}`;
    case "group":
      return `group#${node.id}`;
    case "scope":
      return (
        {
          plain: `scope#${node.id}`,
          shield: `shield#${node.id}`,
          moveOn: `moveOnAfter#${node.id}(${node.ms})`,
          failAfter: `failAfter#${node.id}(${node.ms})`,
        } as const
      )[node.type];
    case "cancel":
      return `cancel#${node.id} of ${node.target === null ? "nothing" : `#${node.target}`} after ${node.ms}`;
    case "spawn":
      return `spawn#${node.id} into ${node.target === null ? "nothing" : `group#${node.target}`} after ${node.ms}`;
    case "swallow":
      return `swallow#${node.id}`;
    case "cleanup":
      return `cleanup#${node.id} (shielded ${node.ms} in finally)`;
  }
}

/** The tree as indented text, one node per line. */
export function printTree(tree: TaskTree | TreeNode, indent = ""): string {
  const node = "root" in tree ? tree.root : tree;
  const lines: string[] = [];
  const walk = (n: TreeNode, pad: string, prefix: string): void => {
    lines.push(`${pad}${prefix}${label(n)}`);
    const deeper = pad + "  ";
    switch (n.kind) {
      case "seq":
        n.items.forEach((item) => walk(item, deeper, ""));
        break;
      case "group":
        n.children.forEach((c) =>
          walk(c.node, deeper, c.how === "soon" ? "startSoon: " : `start (ready after ${c.ready}): `),
        );
        walk(n.body, deeper, "body: ");
        break;
      case "scope":
      case "swallow":
      case "cleanup":
        walk(n.body, deeper, "");
        break;
      case "spawn":
        walk(n.node, deeper, "");
        break;
      default:
        break;
    }
  };
  walk(node, indent, "");
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Recording

/** The enclosing scopes of a point in the tree, innermost first (see "visible chain" above). */
export interface Invocation {
  readonly scope: CancelScope;
  readonly shield: boolean;
  readonly name: string;
  readonly parent: Invocation | null;
}

interface Outcome {
  readonly threw: boolean;
  readonly error: unknown;
}

interface Event {
  readonly seq: number;
  readonly time: number;
  readonly text: string;
}

interface NodeRecord {
  readonly node: TreeNode;
  ctx: Invocation | null;
  enter?: Event;
  enters: number;
  final?: Event & { outcome: Outcome };
  finals: number;
}

interface ChildRecord {
  readonly name: string;
  readonly spawned: Event;
  end?: Event;
}

interface ScopeRecord {
  readonly node: NodeOf<"scope">;
  readonly parentCtx: Invocation | null;
  scope?: CancelScope;
  bodyEnd?: Event & { outcome: Outcome; cancelCalled: boolean };
  exit?: Event & { outcome: Outcome };
}

interface GroupRecord {
  readonly node: NodeOf<"group">;
  readonly parentCtx: Invocation | null;
  tg?: TaskGroup;
  innerCtx?: Invocation;
  bodyEnd?: Event & { outcome: Outcome };
  exit?: Event & { outcome: Outcome };
  readonly children: ChildRecord[];
}

const name = (error: unknown): string =>
  error instanceof ExceptionGroup
    ? `ExceptionGroup[${error.exceptions.map(name).join(", ")}]`
    : error instanceof Error
      ? error.name === "Error"
        ? `Error(${error.message})`
        : error.name
      : String(error);

const describeOutcome = (o: Outcome): string => (o.threw ? `threw ${name(o.error)}` : "returned");

/** The leaves of an error: the members of nested ExceptionGroups, or the error itself. */
export function leavesOf(error: unknown): unknown[] {
  return error instanceof ExceptionGroup ? error.exceptions.flatMap(leavesOf) : [error];
}

const hasCancelled = (o: Outcome): boolean => o.threw && leavesOf(o.error).some((e) => e instanceof Cancelled);

/** The scopes a point can see, innermost first, up to and including the first shielded one. */
function visibleChain(ctx: Invocation | null): Invocation[] {
  const chain: Invocation[] = [];
  for (let c = ctx; c !== null; c = c.shield ? null : c.parent) chain.push(c);
  return chain;
}

/**
 * One run of one tree: the interpreters report to it, and {@link TreeRun.check} judges the
 * record against the rules in this file's header. Create one per case, inside the run.
 */
export class TreeRun {
  private seq = 0;
  private readonly log: Event[] = [];
  private readonly records = new Map<number, NodeRecord>();
  private readonly scopes = new Map<number, ScopeRecord>();
  private readonly groups = new Map<number, GroupRecord>();
  /** Plain scopes, created up front so that a `cancel` can reach them before they are entered. */
  private readonly plainScopes = new Map<number, CancelScope>();
  private readonly cancelled = new Map<CancelScope, Event>();
  private readonly scopeNames = new Map<CancelScope, string>();
  private readonly thrown: Error[] = [];
  private readonly timeouts: TimeoutError[] = [];
  private readonly spawnedTasks = new Map<number, string>();
  private readonly finishedTasks = new Set<number>();
  private readonly violations: string[] = [];
  private readonly instrument: Instrument;
  private installed = false;

  constructor(readonly tree: TaskTree) {
    for (const node of tree.nodes.values()) {
      this.records.set(node.id, { node, ctx: null, enters: 0, finals: 0 });
      if (node.kind === "scope" && node.type === "plain") {
        const scope = new CancelScope();
        this.plainScopes.set(node.id, scope);
        this.scopeNames.set(scope, label(node));
      }
    }
    this.instrument = {
      taskSpawned: (task: TaskInfo) => void this.spawnedTasks.set(task.id, task.name),
      taskFinished: (task: TaskInfo) => void this.finishedTasks.add(task.id),
      scopeCancelled: (scope: CancelScope, cause: string) => {
        if (this.cancelled.has(scope)) return;
        this.cancelled.set(scope, this.event(`${this.scopeNames.get(scope) ?? String(scope)} cancelled (${cause})`));
      },
    };
  }

  /** Installs the instrument; call once, at the start of the case. */
  start(): void {
    addInstrument(this.instrument);
    this.installed = true;
  }

  private event(text: string): Event {
    const event = { seq: ++this.seq, time: currentTime(), text };
    this.log.push(event);
    return event;
  }

  private violation(text: string): void {
    this.violations.push(text);
  }

  /** The premise of a rule held in this case (see {@link PREMISES}). */
  private covered(premise: Premise): void {
    coverage.set(premise, (coverage.get(premise) ?? 0) + 1);
  }

  // --- What the interpreters report ---

  /** A node starts; `ctx` is its position's enclosing scopes. */
  enter(node: TreeNode, ctx: Invocation | null): void {
    const record = this.records.get(node.id)!;
    record.enters++;
    record.ctx = ctx;
    record.enter = this.event(`enter ${label(node)}`);
  }

  /** A node's `finally`: `threw`/`error` is how the node ended. */
  leave(node: TreeNode, threw: boolean, error: unknown): void {
    const record = this.records.get(node.id)!;
    record.finals++;
    const outcome = { threw, error };
    record.final = { ...this.event(`finally ${label(node)}: ${describeOutcome(outcome)}`), outcome };
  }

  /** A fail node's fresh labelled error, recorded as thrown; throw what this returns. */
  fail(node: NodeOf<"fail">): Error {
    const error = new Error(`fail#${node.id}`);
    this.thrown.push(error);
    this.event(`throw fail#${node.id}`);
    return error;
  }

  /** The scope a scope node enters: the pre-made plain one, or a new one. Call at entry. */
  makeScope(node: NodeOf<"scope">, ctx: Invocation | null): CancelScope {
    this.scopes.set(node.id, { node, parentCtx: ctx });
    let scope: CancelScope;
    switch (node.type) {
      case "plain":
        scope = this.plainScopes.get(node.id)!;
        break;
      case "shield":
        scope = new CancelScope({ shield: true });
        break;
      case "moveOn":
        scope = moveOnAfter(node.ms);
        break;
      case "failAfter":
        scope = failAfter(node.ms);
        break;
    }
    this.scopeNames.set(scope, label(node));
    return scope;
  }

  /** The scope node's body starts (inside the scope): returns the body's context. */
  scopeEntered(node: NodeOf<"scope">, scope: CancelScope): Invocation {
    const record = this.scopes.get(node.id)!;
    record.scope = scope;
    this.event(`entered ${label(node)}${Number.isFinite(scope.deadline) ? ` deadline=${scope.deadline}` : ""}`);
    return { scope, shield: node.type === "shield", name: label(node), parent: record.parentCtx };
  }

  /** The scope node's body ended (reported from a `finally` inside the scope). */
  scopeBodyEnded(node: NodeOf<"scope">, threw: boolean, error: unknown): void {
    const record = this.scopes.get(node.id)!;
    const outcome = { threw, error };
    record.bodyEnd = {
      ...this.event(`body of ${label(node)} ended: ${describeOutcome(outcome)}`),
      outcome,
      cancelCalled: record.scope?.cancelCalled ?? false,
    };
  }

  /** The scope node exited: right after `run()` settled or the block was left. */
  scopeExited(node: NodeOf<"scope">, threw: boolean, error: unknown): void {
    const record = this.scopes.get(node.id)!;
    const outcome = { threw, error };
    const scope = record.scope;
    record.exit = {
      ...this.event(
        `exit ${label(node)}: ${describeOutcome(outcome)}` +
          (scope ? ` (cancelCalled=${scope.cancelCalled}, cancelledCaught=${scope.cancelledCaught})` : ""),
      ),
      outcome,
    };
  }

  /** A group node is entering: call before `createTaskGroup()` is entered. */
  groupEntering(node: NodeOf<"group">, ctx: Invocation | null): void {
    this.groups.set(node.id, { node, parentCtx: ctx, children: [] });
  }

  /** The group is active (its body runs): returns the body's context. */
  groupEntered(node: NodeOf<"group">, tg: TaskGroup): Invocation {
    const record = this.groups.get(node.id)!;
    record.tg = tg;
    this.scopeNames.set(tg.cancelScope, label(node));
    record.innerCtx = { scope: tg.cancelScope, shield: false, name: label(node), parent: record.parentCtx };
    this.event(`entered ${label(node)}`);
    return record.innerCtx;
  }

  /** A child was handed to the group (startSoon returned, or start() was called): its name for {@link childEnded}. */
  childSpawned(groupId: number, how: string, node: TreeNode): string {
    const record = this.groups.get(groupId)!;
    const childName = `${how} ${label(node)} in group#${groupId}`;
    record.children.push({ name: childName, spawned: this.event(`spawned ${childName}`) });
    return childName;
  }

  /** A child task's function ends (reported from a `finally` around all of it). */
  childEnded(groupId: number, childName: string): void {
    const child = this.groups.get(groupId)!.children.find((c) => c.name === childName)!;
    child.end = this.event(`ended ${childName}`);
  }

  groupBodyEnded(node: NodeOf<"group">, threw: boolean, error: unknown): void {
    const record = this.groups.get(node.id)!;
    const outcome = { threw, error };
    record.bodyEnd = { ...this.event(`body of ${label(node)} ended: ${describeOutcome(outcome)}`), outcome };
  }

  groupExited(node: NodeOf<"group">, threw: boolean, error: unknown): void {
    const record = this.groups.get(node.id)!;
    const outcome = { threw, error };
    record.exit = { ...this.event(`exit ${label(node)}: ${describeOutcome(outcome)}`), outcome };
  }

  /** A cancel node's action: cancels its target if that exists yet. */
  cancel(node: NodeOf<"cancel">): void {
    if (node.target === null) return;
    const plain = this.plainScopes.get(node.target);
    const scope = plain ?? this.scopes.get(node.target)?.scope;
    const tg = this.groups.get(node.target)?.tg;
    if (scope === undefined && tg === undefined) {
      this.event(`cancel#${node.id}: #${node.target} not entered yet, nothing to cancel`);
      return;
    }
    this.event(`cancel#${node.id} calls cancel() on #${node.target}`);
    if (scope !== undefined) scope.cancel(`cancel#${node.id}`);
    else tg!.cancel(`cancel#${node.id}`);
  }

  /**
   * A spawn node's action: `start(tg, ctx, childName)` must call `tg.startSoon` for the node
   * (in context `ctx`, reporting `childName` at the end). Refusals are recorded and swallowed.
   */
  spawn(
    node: NodeOf<"spawn">,
    start: (tg: TaskGroup, ctx: Invocation, groupId: number, childName: string) => void,
  ): void {
    if (node.target === null) return;
    const group = this.groups.get(node.target);
    if (group?.tg === undefined) {
      this.event(`spawn#${node.id}: group#${node.target} absent`);
      return;
    }
    const childName = `spawned ${label(node.node)} in group#${node.target}`;
    const child: ChildRecord = { name: childName, spawned: { seq: 0, time: 0, text: "" } };
    try {
      group.children.push(child);
      start(group.tg, group.innerCtx!, node.target, childName);
      (child as { spawned: Event }).spawned = this.event(`spawn#${node.id}: accepted by group#${node.target}`);
      if (group.bodyEnd !== undefined) this.covered("R9: a spawn was accepted by a group in exit");
    } catch (error) {
      group.children.splice(group.children.indexOf(child), 1);
      const refusal = this.event(`spawn#${node.id}: refused by group#${node.target}: ${name(error)}`);
      this.covered("R9: a spawn was refused");
      if (!(error instanceof Error && /not active/.test(error.message))) {
        this.violation(`R9: spawn#${node.id} failed with ${name(error)}, not the "not active" error`);
      }
      // R9: refused only once the group is closing (body ended, children all ended).
      const open: string[] = [];
      if (group.bodyEnd === undefined) open.push("its body was still running");
      for (const c of group.children) if (c.end === undefined) open.push(`${c.name} was still running`);
      if (open.length > 0) {
        this.violation(
          `R9: group#${node.target} refused spawn#${node.id} at #${refusal.seq} while ${open.join(" and ")}`,
        );
      }
    }
  }

  /** The shielded sleep in a cleanup node's `finally` raised (it must not). */
  shieldBreached(node: NodeOf<"cleanup">, error: unknown): void {
    this.event(`shielded sleep of ${label(node)} raised ${name(error)}`);
    this.violation(`R10: the shielded sleep in the finally of ${label(node)} raised ${name(error)}`);
  }

  /** Removes the instrument; safe to call twice. */
  stop(): void {
    if (!this.installed) return;
    this.installed = false;
    removeInstrument(this.instrument);
  }

  // --- Judging ---

  /**
   * Checks every rule against the record; `outcome` is how the root ended. Throws an Error
   * listing each broken rule, the tree and the event log; returns normally when all hold.
   */
  check(threw: boolean, error: unknown, ignore: readonly string[] = treeRunSettings().ignore): void {
    this.stop();
    const rootOutcome = { threw, error };
    this.event(`root ${describeOutcome(rootOutcome)}`);
    this.checkFinally();
    this.checkTasks();
    for (const group of this.groups.values()) this.checkGroup(group);
    // Before the error accounting: R5d collects the TimeoutErrors that failAfter scopes raised.
    for (const scope of this.scopes.values()) this.checkScope(scope);
    this.checkErrors(rootOutcome);
    this.checkCancellations();
    // "R5b: ..." is ignored by "R5b" and by "R5".
    const ignored = (v: string) =>
      ignore.some((rule) => v.startsWith(rule + ":") || (v.startsWith(rule) && /^[a-z]:/.test(v.slice(rule.length))));
    const broken = this.violations.filter((v) => !ignored(v));
    if (broken.length === 0) return;
    throw new Error(
      [
        `${broken.length} rule(s) broken:`,
        ...broken.map((v) => `  - ${v}`),
        "tree:",
        printTree(this.tree, "  "),
        "log (#seq t=time):",
        ...this.log.map((e) => `  #${e.seq} t=${e.time} ${e.text}`),
      ].join("\n"),
    );
  }

  /** The first cancellation, before `limit`, of a scope in the visible chain of `ctx`. */
  private cancelledBefore(ctx: Invocation | null, limit: number): { ctx: Invocation; event: Event } | undefined {
    for (const c of visibleChain(ctx)) {
      const event = this.cancelled.get(c.scope);
      if (event !== undefined && event.seq < limit) return { ctx: c, event };
    }
    return undefined;
  }

  /** A cancellation of a visible scope that came while `r`'s first checkpoint waited. */
  private cancelledWhileWaiting(r: NodeRecord): { ctx: Invocation; event: Event } | undefined {
    for (const c of visibleChain(r.ctx)) {
      const event = this.cancelled.get(c.scope);
      if (event !== undefined && event.seq > r.enter!.seq && event.seq < r.final!.seq) {
        return { ctx: c, event };
      }
    }
    return undefined;
  }

  private checkFinally(): void {
    for (const r of this.records.values()) {
      if (r.enters > 1) this.violation(`R1: ${label(r.node)} was entered ${r.enters} times`);
      if (r.finals !== r.enters) {
        this.violation(`R1: ${label(r.node)} was entered ${r.enters} time(s) but its finally ran ${r.finals} time(s)`);
      }
      // Nesting: a node runs within its same-task parent's lifetime.
      const parentId = this.tree.parentOf.get(r.node.id);
      const parent = parentId === undefined ? undefined : this.records.get(parentId);
      if (parent?.enter === undefined || r.enter === undefined) continue;
      if (r.enter.seq < parent.enter.seq)
        this.violation(`R1: ${label(r.node)} was entered before its parent ${label(parent.node)}`);
      if (r.final !== undefined && parent.final !== undefined && r.final.seq > parent.final.seq) {
        this.violation(
          `R1: ${label(r.node)} ended at #${r.final.seq}, after its parent ${label(parent.node)} had ended at #${parent.final.seq}`,
        );
      }
    }
  }

  private checkErrors(root: Outcome): void {
    const leaves = root.threw ? leavesOf(root.error) : [];
    const expected = new Set<unknown>([...this.thrown, ...this.timeouts]);
    const seen = new Set<unknown>();
    if (leaves.length > 1) this.covered("R2: several errors came out of the root");
    for (const leaf of leaves) {
      if (leaf instanceof Cancelled) this.violation("R2: a Cancelled escaped the root");
      else if (!expected.has(leaf))
        this.violation(`R2: ${name(leaf)} escaped the root but was never thrown by the tree`);
      else if (seen.has(leaf)) this.violation(`R2: ${name(leaf)} appears more than once in the root's error`);
      seen.add(leaf);
    }
    for (const error of expected) {
      if (!seen.has(error)) this.violation(`R2: ${name(error)} was raised but is missing from the root's error (lost)`);
    }
  }

  private checkTasks(): void {
    for (const [id, taskName] of this.spawnedTasks) {
      if (!this.finishedTasks.has(id))
        this.violation(`R3: task '${taskName}' (id ${id}) was still running after the root returned`);
    }
  }

  private checkGroup(g: GroupRecord): void {
    const who = label(g.node);
    if (g.exit === undefined || g.bodyEnd === undefined) {
      if (g.tg !== undefined)
        this.violation(`R4: ${who} was entered but never ${g.bodyEnd ? "exited" : "finished its body"}`);
      return;
    }
    if (g.bodyEnd.seq > g.exit.seq) this.violation(`R4: ${who} exited at #${g.exit.seq} before its body ended`);
    for (const child of g.children) {
      if (child.spawned.seq > g.exit.seq) {
        this.violation(`R9: ${who} accepted ${child.name} at #${child.spawned.seq}, after it exited at #${g.exit.seq}`);
      }
      if (child.end === undefined) this.violation(`R4: ${who} exited at #${g.exit.seq}, but ${child.name} never ended`);
      else if (child.end.seq > g.exit.seq) {
        this.violation(`R4: ${who} exited at #${g.exit.seq}, before ${child.name} ended at #${child.end.seq}`);
      }
    }
    // R6: the host waited at exit for a child, and an enclosing visible scope was cancelled meanwhile.
    const ends = g.children.map((c) => c.end).filter((e): e is Event => e !== undefined);
    if (ends.length === 0) return;
    const last = ends.reduce((a, b) => (b.seq > a.seq ? b : a));
    if (last.time <= g.bodyEnd.time) return;
    this.covered("a host waited at exit");
    const cause = this.cancelledBefore(g.parentCtx, last.seq);
    if (cause !== undefined) this.covered("R6: an enclosing scope was cancelled while a host waited");
    if (cause !== undefined && !g.exit.outcome.threw) {
      this.violation(
        `R6: ${cause.ctx.name} was cancelled at #${cause.event.seq} (t=${cause.event.time}) while ${who}'s host waited for its ` +
          `children (body ended t=${g.bodyEnd.time}, last child ended #${last.seq} t=${last.time}), ` +
          `but the group exited normally at #${g.exit.seq} instead of raising the cancellation`,
      );
    }
  }

  private checkScope(s: ScopeRecord): void {
    const who = label(s.node);
    const scope = s.scope;
    if (scope === undefined) return; // never entered (its entry was cancelled or never reached)
    if (s.bodyEnd === undefined || s.exit === undefined) {
      this.violation(`R5: ${who} was entered but its body or exit was never reported`);
      return;
    }
    const outerCtx = s.node.type === "shield" ? null : s.parentCtx;
    const body = s.bodyEnd.outcome;
    const exit = s.exit.outcome;
    const caught = scope.cancelledCaught;
    const bodyCancelled = hasCancelled(body);
    if (caught) this.covered("R5a: a scope caught its cancellation");
    if (!caught && bodyCancelled) this.covered("R5c: a cancellation passed through a scope");
    // a.
    if (caught) {
      if (!scope.cancelCalled) this.violation(`R5a: ${who}.cancelledCaught but not cancelCalled`);
      if (!bodyCancelled) this.violation(`R5a: ${who}.cancelledCaught but its body ${describeOutcome(body)}`);
      const outer = this.cancelledBefore(outerCtx, s.bodyEnd.seq);
      if (outer !== undefined) {
        this.violation(
          `R5a: ${who}.cancelledCaught although the visible enclosing ${outer.ctx.name} was cancelled at #${outer.event.seq}`,
        );
      }
    }
    // b.
    if (
      !caught &&
      s.bodyEnd.cancelCalled &&
      bodyCancelled &&
      this.cancelledBefore(outerCtx, s.exit.seq) === undefined
    ) {
      this.violation(
        `R5b: ${who} was cancelled and its body ${describeOutcome(body)}, yet it did not catch it (cancelledCaught false)`,
      );
    }
    // c.
    if (!caught) {
      if (exit.threw !== body.threw || (exit.threw && exit.error !== body.error)) {
        this.violation(
          `R5c: ${who} caught nothing but its body ${describeOutcome(body)} and the scope ${describeOutcome(exit)}`,
        );
      }
      return;
    }
    // d.
    const rest = body.threw ? leavesOf(body.error).filter((e) => !(e instanceof Cancelled)) : [];
    if (rest.length > 0) {
      const out = exit.threw ? leavesOf(exit.error) : [];
      const same = exit.threw && out.length === rest.length && rest.every((e) => out.includes(e));
      if (!same) {
        this.violation(
          `R5d: ${who} should raise the non-cancellation rest of ${name(body.error)}, but it ${describeOutcome(exit)}`,
        );
      }
    } else if (s.node.type === "failAfter" && s.exit.time >= scope.deadline) {
      if (!(exit.threw && exit.error instanceof TimeoutError)) {
        this.violation(
          `R5d: ${who} caught its cancellation at t=${s.exit.time} >= its deadline ${scope.deadline}, ` +
            `but ${describeOutcome(exit)} instead of raising TimeoutError`,
        );
      } else {
        this.covered("R5d: failAfter raised TimeoutError");
        this.timeouts.push(exit.error);
      }
    } else if (exit.threw) {
      this.violation(
        `R5d: ${who} caught its cancellation and nothing else was in flight, but it ${describeOutcome(exit)}`,
      );
    }
  }

  private checkCancellations(): void {
    for (const r of this.records.values()) {
      if (r.enter === undefined || r.final === undefined) continue;
      const who = label(r.node);
      const firstIsCheckpoint = ["sleep", "checkpoint", "fail", "cancel", "spawn"].includes(r.node.kind);
      // The position whose chain matters: a scope node's own scope is not an enclosing one.
      const before = this.cancelledBefore(r.ctx, r.enter.seq);
      if (firstIsCheckpoint && before !== undefined) this.covered("R7: a checkpoint was entered while cancelled");
      if (firstIsCheckpoint && before !== undefined && !hasCancelled(r.final.outcome)) {
        this.violation(
          `R7: ${who} entered at #${r.enter.seq} inside ${before.ctx.name}, cancelled at #${before.event.seq}, ` +
            `but ${describeOutcome(r.final.outcome)}`,
        );
      }
      // R7, second half: its checkpoint was still waiting when the cancellation came (it ended
      // at a later virtual time), so it cannot have completed.
      const during = this.cancelledWhileWaiting(r);
      if (firstIsCheckpoint && before === undefined && during !== undefined) {
        if (hasCancelled(r.final.outcome)) this.covered("R7: a waiting checkpoint was cancelled");
        // At the same virtual time, the wait may have completed first, and a cancellation never
        // undoes a result already delivered.
        else if (during.event.time < r.final.time) {
          this.violation(
            `R7: ${who} was still waiting (entered t=${r.enter.time}, ended t=${r.final.time}) when ${during.ctx.name} was cancelled ` +
              `at #${during.event.seq} t=${during.event.time}, but ${describeOutcome(r.final.outcome)}`,
          );
        }
      }
      // R11: sleeps take exactly their time, or less when cancelled.
      if (r.node.kind === "sleep" || r.node.kind === "fail" || r.node.kind === "cancel" || r.node.kind === "spawn") {
        const took = r.final.time - r.enter.time;
        const sleepReturned = !hasCancelled(r.final.outcome);
        if (sleepReturned ? took !== r.node.ms : took > r.node.ms) {
          this.violation(
            `R11: the sleep(${r.node.ms}) of ${who} took ${took} ms of virtual time and ${sleepReturned ? "returned" : "was cancelled"}`,
          );
        }
      }
      if (hasCancelled(r.final.outcome)) this.covered("R8: a node ended with a Cancelled");
      if (hasCancelled(r.final.outcome) && this.cancelledBefore(r.ctx, r.final.seq) === undefined) {
        this.violation(
          `R8: ${who} ended with a Cancelled at #${r.final.seq} but no scope it can see had been cancelled`,
        );
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Coverage: how often each rule's premise held, so that a generator that stopped reaching a
// rule fails loudly instead of passing quietly.

/**
 * Situations the random trees must reach for the rules to be exercised at all. (A body raising
 * an ExceptionGroup that mixes Cancelled with other errors, R5d's other branch, cannot happen
 * here: task groups never record a Cancelled.)
 */
export const PREMISES = [
  "a host waited at exit",
  "R2: several errors came out of the root",
  "R5a: a scope caught its cancellation",
  "R5c: a cancellation passed through a scope",
  "R5d: failAfter raised TimeoutError",
  "R6: an enclosing scope was cancelled while a host waited",
  "R7: a checkpoint was entered while cancelled",
  "R7: a waiting checkpoint was cancelled",
  "R8: a node ended with a Cancelled",
  "R9: a spawn was accepted by a group in exit",
  "R9: a spawn was refused",
] as const;

export type Premise = (typeof PREMISES)[number];

/** Counts of the premises reached since the last {@link coverage}.clear(). */
export const coverage = new Map<Premise, number>();

/** The premises not reached since the last `coverage.clear()`. */
export function unreachedPremises(): Premise[] {
  return PREMISES.filter((premise) => !coverage.has(premise));
}

// ---------------------------------------------------------------------------------------------
// Settings and regression cases

/**
 * fast-check parameters from the environment: `TREE_RUNS` (default 2000) cases from `TREE_SEED`
 * (default 20240917; `random` for a fresh one, which fast-check prints on failure), plus the
 * Jest timeout that many cases need, and `TREE_IGNORE` (rule ids such as `R6,R5b`): rules
 * whose violations do not fail a case, to search past a known failure.
 */
export function treeRunSettings(): {
  seed: number | undefined;
  numRuns: number;
  jestTimeout: number;
  ignore: string[];
} {
  const runs = Number(process.env.TREE_RUNS ?? 2000);
  const seedText = process.env.TREE_SEED ?? "20240917";
  const seed = seedText === "random" ? undefined : Number(seedText);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new RangeError(`Expected \`TREE_RUNS\` to be a positive integer, got \`${process.env.TREE_RUNS}\``);
  }
  if (seed !== undefined && !Number.isInteger(seed)) {
    throw new RangeError(`Expected \`TREE_SEED\` to be an integer or "random", got \`${seedText}\``);
  }
  const ignore = (process.env.TREE_IGNORE ?? "")
    .split(",")
    .map((rule) => rule.trim())
    .filter((rule) => rule !== "");
  return { seed, numRuns: runs, jestTimeout: 30_000 + runs * 100, ignore };
}

/**
 * Small trees that broke a rule when the random search found them (shrunk, then trimmed by
 * hand), run before the random trees so that they are checked on every run whatever the seed.
 */
export function regressionTrees(): [string, TaskTree][] {
  const sleep = (ms: number) => ({ kind: "sleep", ms });
  const checkpoint = () => ({ kind: "checkpoint" });
  const soon = (node: unknown) => ({ how: "soon", ready: 0, node });
  const group = (body: unknown, ...children: unknown[]) => ({ kind: "group", children, body });
  const cases: [string, unknown][] = [
    // R6 (docs/core.md, "Cancellation from outside"): the deadline passes while the host waits
    // for the child; the group must raise Cancelled into the moveOnAfter scope, not return.
    [
      "R6: moveOnAfter(1) around a group waiting for a child",
      { kind: "scope", type: "moveOn", ms: 1, body: group(checkpoint(), soon(sleep(3))) },
    ],
    [
      "R6/R5d: failAfter(1) around a group waiting for a child raises TimeoutError",
      { kind: "scope", type: "failAfter", ms: 1, body: group(checkpoint(), soon(sleep(3))) },
    ],
    [
      "R6: code after the group inside the cancelled scope does not run",
      {
        kind: "scope",
        type: "moveOn",
        ms: 1,
        body: { kind: "seq", items: [group(checkpoint(), soon(sleep(3))), sleep(0)] },
      },
    ],
    [
      "R6: an explicit cancel() of the enclosing group while the inner host waits",
      group(sleep(0), soon(group(checkpoint(), soon({ kind: "cancel", ms: 1, target: 0 })))),
    ],
    // R4/R9: a task spawned into a group whose host is in its exit (here: its shielded yield
    // with no children) must be waited for, or refused.
    [
      "R4: a spawn into a group closing with no children",
      group(group(checkpoint()), soon({ kind: "spawn", ms: 0, target: 1, node: sleep(0) })),
    ],
    // R1 (structured code): `const p = interpret(item); await p` in an already cancelled scope
    // must let the callee unwind (its finally blocks, its task group's exit) before the caller
    // resumes with Cancelled. Plain JavaScript does this by itself.
    [
      "R1: a deferred await in a cancelled scope waits for the callee to unwind",
      {
        kind: "scope",
        type: "moveOn",
        ms: 0,
        body: { kind: "seq", via: "deferred", items: [{ kind: "seq", items: [sleep(0)] }] },
      },
    ],
    [
      "R1/R4: a deferred await in a cancelled scope waits for the callee's task group to exit",
      { kind: "scope", type: "moveOn", ms: 0, body: { kind: "seq", via: "deferred", items: [group(sleep(0))] } },
    ],
    // R11: after a task group exits with no children, sleep(0) must not let the autojump clock move.
    [
      "R11: sleep(0) right after an empty group's exit takes no virtual time",
      group(sleep(1), soon({ kind: "seq", items: [group(checkpoint()), sleep(0)] })),
    ],
  ];
  return cases.map(([title, raw]) => [title, treeOf(raw)]);
}
