"use structured";
// The I/O rooms label their parks: a task blocked in a socket, listener, child process or
// worker thread shows in getTaskTree() as an operation that says which.
import * as path from "node:path";
import {
  createTaskGroup,
  createTcpListener,
  connectTcp,
  getTaskTree,
  openProcess,
  SocketAttribute,
  toThread,
  waitAllTasksBlocked,
  workerFunction,
  type SocketListener,
  type TaskTree,
  type TaskTreeNode,
} from "anyio-ts";
import { structuredTest } from "anyio-ts/jest";

function find(nodes: readonly TaskTreeNode[], name: string): TaskTreeNode | undefined {
  for (const node of nodes) {
    if (node.name === name) return node;
    const found = find(node.children, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The description of what the task `name` waits on, at its innermost await. */
function waitOf(tree: TaskTree, name: string): string | undefined {
  const task = find(tree.tasks, name);
  const chain = task?.chain ?? [];
  return chain[chain.length - 1]?.waitingOn?.description ?? task?.waitingOn[0]?.description;
}

const BASIC = path.join(__dirname, "..", "..", "fixtures", "threads", "basic.cjs");

describe("what the I/O rooms' parks say in a task tree", () => {
  structuredTest("socket receive, listener accept and a child's exit", async () => {
    let tree: TaskTree | undefined;
    await using listener = await createTcpListener({ localHost: "127.0.0.1" });
    await using client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
    // Its connection taken, the listener has nothing to accept until another one comes.
    await using server = await (listener.listeners[0] as SocketListener).accept();
    await using child = await openProcess([process.execPath, "-e", "setTimeout(() => {}, 60000)"]);
    {
      await using tg = createTaskGroup();
      tg.startSoon({ name: "receiver" }, async () => {
        await server.receive();
      });
      tg.startSoon({ name: "accepter" }, async () => {
        await (listener.listeners[0] as SocketListener).accept();
      });
      tg.startSoon({ name: "reaper" }, async () => {
        await child.wait();
      });
      tg.startSoon(async () => {
        await waitAllTasksBlocked();
        tree = getTaskTree();
        tg.cancel();
      });
    }
    child.kill();
    expect(waitOf(tree!, "receiver")).toBe("a socket receive");
    expect(waitOf(tree!, "accepter")).toBe("a listener accept");
    expect(waitOf(tree!, "reaper")).toBe("a child process's exit");
  });

  structuredTest("a call in a worker thread", async () => {
    let tree: TaskTree | undefined;
    {
      await using tg = createTaskGroup();
      tg.startSoon({ name: "caller" }, async () => {
        // Blocks its thread for a while; abandoned when the group is cancelled.
        await toThread.runSync({ abandonOnCancel: true }, workerFunction(BASIC, "block"), 300, "done");
      });
      tg.startSoon(async () => {
        await waitAllTasksBlocked();
        tree = getTaskTree();
        tg.cancel();
      });
    }
    expect(waitOf(tree!, "caller")).toBe("a call in a worker thread");
  });
});
