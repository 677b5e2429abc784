"use structured";
/**
 * Random trees of structured work, run as structured code (`using scope = ...`,
 * `await using tg = createTaskGroup()`), checked against the structured-concurrency rules
 * R1-R11 written down in tests/runtime/core/task-tree.model.ts. The same generator and checks
 * as tests/runtime/core/task-tree.property.test.ts, which runs the trees in callback form; this
 * file runs in both jest projects, so the trees go through both transformer front ends.
 *
 * Each case runs in its own `run()` on a fresh autojump MockClock (`structuredProperty`), so it
 * takes no real time and replays exactly; a failure shrinks to a small tree, printed indented.
 *
 * Runs: a fixed seed and a modest count in CI. For a longer search:
 *
 *   TREE_RUNS=5000 npx jest tests/compiled/task-tree                 # more cases, same seed
 *   TREE_SEED=7 TREE_RUNS=5000 npx jest tests/compiled/task-tree
 *   TREE_SEED=random npx jest ...                               # a new seed, printed on failure
 *   TREE_IGNORE=R6 npx jest ...                                 # look past a known failure of rule R6
 */
import fc from "fast-check";
import { CancelScope, checkpoint, createTaskGroup, isCancelled, sleep, type TaskStatus } from "anyio-ts";
import { structuredProperty } from "anyio-ts/fast-check";
import {
  TreeRun,
  coverage,
  regressionTrees,
  taskTree,
  treeRunSettings,
  unreachedPremises,
  type Invocation,
  type NodeOf,
  type TaskTree,
  type TreeNode,
} from "../runtime/core/task-tree.model";
import "./no-frame-leaks";

/** Runs `node` at a point whose enclosing scopes are `ctx`, reporting to `r`. */
async function interpret(node: TreeNode, ctx: Invocation | null, r: TreeRun): Promise<void> {
  r.enter(node, ctx);
  let threw = false;
  let error: unknown;
  try {
    switch (node.kind) {
      case "seq":
        for (const item of node.items) {
          if (node.via === "direct") {
            await interpret(item, ctx, r);
          } else if (node.via === "deferred") {
            const pending = interpret(item, ctx, r);
            await pending;
          } else if (node.via === "relay") {
            await relay(item, ctx, r);
          } else {
            await returnAwait(item, ctx, r);
          }
        }
        break;
      case "sleep":
        await sleep(node.ms);
        break;
      case "checkpoint":
        await checkpoint();
        break;
      case "fail":
        await sleep(node.ms);
        throw r.fail(node);
      case "cancel":
        await sleep(node.ms);
        r.cancel(node);
        break;
      case "spawn":
        await sleep(node.ms);
        r.spawn(node, (tg, childCtx, groupId, name) => {
          tg.startSoon(child, node.node, childCtx, r, groupId, name);
        });
        break;
      case "swallow":
        try {
          await interpret(node.body, ctx, r);
        } catch (e) {
          if (!isCancelled(e)) throw e;
        }
        break;
      case "cleanup":
        try {
          await interpret(node.body, ctx, r);
        } finally {
          await shieldedSleep(node, r);
        }
        break;
      case "scope":
        await scopeNode(node, ctx, r);
        break;
      case "group":
        await groupNode(node, ctx, r);
        break;
    }
  } catch (e) {
    threw = true;
    error = e;
    throw e;
  } finally {
    r.leave(node, threw, error);
  }
}

/** The `finally` of a cleanup node: a sleep no cancellation from outside may interrupt. */
async function shieldedSleep(node: NodeOf<"cleanup">, r: TreeRun): Promise<void> {
  try {
    using _ = new CancelScope({ shield: true });
    await sleep(node.ms);
  } catch (e) {
    r.shieldBreached(node, e);
  }
}

/** Hands the interpreter's promise back as its own (`return` of a call). */
async function relay(node: TreeNode, ctx: Invocation | null, r: TreeRun): Promise<void> {
  return interpret(node, ctx, r);
}

/** Awaits the interpreter and returns its value (`return await` of a call). */
async function returnAwait(node: TreeNode, ctx: Invocation | null, r: TreeRun): Promise<void> {
  return await interpret(node, ctx, r);
}

/** A child task started with startSoon: its node, then the report of its end. */
async function child(node: TreeNode, ctx: Invocation, r: TreeRun, groupId: number, name: string): Promise<void> {
  try {
    await interpret(node, ctx, r);
  } finally {
    r.childEnded(groupId, name);
  }
}

/** A child task started with start(): ready after `ready` ms, then its node. */
async function startedChild(
  node: TreeNode,
  ready: number,
  ctx: Invocation,
  r: TreeRun,
  groupId: number,
  name: string,
  status: TaskStatus,
): Promise<void> {
  try {
    await sleep(ready);
    status.started();
    await interpret(node, ctx, r);
  } finally {
    r.childEnded(groupId, name);
  }
}

async function scopeNode(node: NodeOf<"scope">, ctx: Invocation | null, r: TreeRun): Promise<void> {
  let threw = false;
  let error: unknown;
  try {
    using scope = r.makeScope(node, ctx);
    const inner = r.scopeEntered(node, scope);
    let bodyThrew = false;
    let bodyError: unknown;
    try {
      await interpret(node.body, inner, r);
    } catch (e) {
      bodyThrew = true;
      bodyError = e;
      throw e;
    } finally {
      r.scopeBodyEnded(node, bodyThrew, bodyError);
    }
  } catch (e) {
    threw = true;
    error = e;
    throw e;
  } finally {
    r.scopeExited(node, threw, error);
  }
}

async function groupNode(node: NodeOf<"group">, ctx: Invocation | null, r: TreeRun): Promise<void> {
  r.groupEntering(node, ctx);
  let threw = false;
  let error: unknown;
  try {
    await using tg = createTaskGroup();
    const inner = r.groupEntered(node, tg);
    let bodyThrew = false;
    let bodyError: unknown;
    try {
      for (const spec of node.children) {
        if (spec.how === "soon") {
          const name = r.childSpawned(node.id, "startSoon", spec.node);
          tg.startSoon(child, spec.node, inner, r, node.id, name);
        } else {
          const name = r.childSpawned(node.id, "start", spec.node);
          await tg.start(startedChild, spec.node, spec.ready, inner, r, node.id, name);
        }
      }
      await interpret(node.body, inner, r);
    } catch (e) {
      bodyThrew = true;
      bodyError = e;
      throw e;
    } finally {
      r.groupBodyEnded(node, bodyThrew, bodyError);
    }
  } catch (e) {
    threw = true;
    error = e;
    throw e;
  } finally {
    r.groupExited(node, threw, error);
  }
}

/** One case: the tree runs as the root task's work; then every rule is checked. */
async function runTree(tree: TaskTree): Promise<void> {
  const r = new TreeRun(tree);
  r.start();
  let threw = false;
  let error: unknown;
  try {
    await interpret(tree.root, null, r);
  } catch (e) {
    threw = true;
    error = e;
  } finally {
    r.stop();
  }
  r.check(threw, error);
}

const settings = treeRunSettings();

describe("random task trees, structured code", () => {
  test.each(regressionTrees())("regression: %s", async (_name, tree) => {
    await fc.assert(structuredProperty({ timeout: 2000 }, fc.constant(tree), runTree), { numRuns: 1 });
  });

  test(
    `every tree obeys R1-R11 (${settings.numRuns} runs, seed ${settings.seed})`,
    async () => {
      coverage.clear();
      await fc.assert(structuredProperty({ timeout: 2000 }, taskTree, runTree), {
        seed: settings.seed,
        numRuns: settings.numRuns,
      });
      if (process.env.TREE_COVERAGE) console.log(Object.fromEntries(coverage));
      // The trees reached every situation the rules speak about (a few hundred runs suffice).
      if (settings.numRuns >= 300) expect(unreachedPremises()).toEqual([]);
    },
    settings.jestTimeout,
  );
});
