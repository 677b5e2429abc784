"use structured";
// getTaskTree(): every live task with its scopes, its await chain (each frame's site as written
// in this file) and what it waits on, for each kind of wait the runtime parks a task in. The
// tree is taken by an observer task once every other task is blocked, on a manual mock clock
// (time stays at 0), so every field is known.
import * as fs from "node:fs";
import {
  CancelScope,
  CapacityLimiter,
  Condition,
  Event,
  Lock,
  Semaphore,
  createMemoryObjectStream,
  createTaskGroup,
  formatTaskTree,
  getTaskTree,
  moveOnAfter,
  run,
  runWith,
  sleep,
  sleepForever,
  waitAllTasksBlocked,
  type TaskHandle,
  type TaskTree,
  type TaskTreeNode,
} from "anyio-ts";
import { MockClock } from "anyio-ts/jest";
import { Waiter, requireFrame } from "anyio-ts/rt";

const FILE = "tests/runtime/introspection/task-tree.test.ts";
const SOURCE = fs.readFileSync(__filename, "utf8").split("\n");

/** The 1-based line and column of `token` on the line that ends with the comment `// site: name`. */
function site(name: string, token = "await"): { line: number; column: number } {
  const index = SOURCE.findIndex((text) => text.endsWith(`// site: ${name}`));
  if (index < 0) throw new Error(`no line marked ${name}`);
  return { line: index + 1, column: SOURCE[index]!.indexOf(token) + 1 };
}

function find(nodes: readonly TaskTreeNode[], name: string): TaskTreeNode {
  for (const node of nodes) {
    if (node.name === name) return node;
    const found = findOrUndefined(node.children, name);
    if (found !== undefined) return found;
  }
  throw new Error(`no task named ${name}`);
}

function findOrUndefined(nodes: readonly TaskTreeNode[], name: string): TaskTreeNode | undefined {
  try {
    return find(nodes, name);
  } catch {
    return undefined;
  }
}

const event = new Event();
const lock = new Lock();
const semaphore = new Semaphore(0);
const limiter = new CapacityLimiter(1);
const [, idleReceive] = createMemoryObjectStream<number>(0);
const [fullSend, fullReceive] = createMemoryObjectStream<number>(0);
const holderReady = new Event();

async function waitForEvent(): Promise<void> {
  await event.wait(); // site: event
}

async function holdLock(): Promise<void> {
  await limiter.acquire();
  await lock.acquire();
  holderReady.set();
  try {
    await sleep(1000); // site: holder
  } finally {
    lock.release();
    limiter.release();
  }
}

async function waitForLock(): Promise<void> {
  await holderReady.wait();
  await lock.acquire(); // site: lock
  lock.release();
}

async function waitForLimiter(): Promise<void> {
  await holderReady.wait();
  await limiter.acquire(); // site: limiter
  limiter.release();
}

async function waitForSemaphore(): Promise<void> {
  await semaphore.acquire(); // site: semaphore
}

async function receiveOne(): Promise<number> {
  return await idleReceive.receive(); // site: receive
}

async function sendOne(): Promise<void> {
  await fullSend.send(1); // site: send
}

async function foreign(): Promise<void> {
  await new Promise(() => {}); // site: foreign
}

async function outer(): Promise<void> {
  await middle(); // site: outer
}

async function middle(): Promise<void> {
  const scope = new CancelScope();
  await scope.run(() => inner()); // site: middle
}

/** The shielded scope of inner(): the observer cancels it, or nothing could end that task. */
let shielded: CancelScope | undefined;

async function inner(): Promise<void> {
  using _deadline = moveOnAfter(5000);
  using cancelled = new CancelScope();
  cancelled.cancel("enough");
  using shield = new CancelScope({ shield: true });
  shielded = shield;
  await sleepForever(); // site: inner
}

async function waitForTask(other: TaskHandle<unknown>): Promise<void> {
  await other.wait(); // site: task
}

async function plain(): Promise<void> {
  "use unstructured";
  await event.wait();
}

let tree: TaskTree | undefined;
let text = "";

async function observe(group: { cancel(reason?: string): void }): Promise<void> {
  await waitAllTasksBlocked();
  tree = getTaskTree(); // site: observer
  text = formatTaskTree(tree);
  shielded!.cancel("done looking");
  group.cancel("done looking");
}

async function main(): Promise<void> {
  await using tg = createTaskGroup(); // site: main
  tg.startSoon(waitForEvent);
  tg.startSoon(holdLock);
  tg.startSoon(waitForLock);
  tg.startSoon(waitForLimiter);
  tg.startSoon(waitForSemaphore);
  tg.startSoon(receiveOne);
  tg.startSoon(sendOne);
  tg.startSoon(foreign);
  tg.startSoon(outer);
  const sleeper = tg.startSoon({ name: "sleeper" }, sleep, 2500);
  tg.startSoon(waitForTask, sleeper);
  tg.startSoon(plain);
  tg.startSoon(observe, tg);
}

let taken: TaskTree;
beforeAll(async () => {
  await runWith({ clock: new MockClock() }, main);
  taken = tree!;
  void fullReceive;
});

describe("getTaskTree()", () => {
  test("has the run's root task at the top, with every task it started below it", () => {
    expect(taken.time).toBe(0);
    expect(taken.tasks.map((task) => task.name)).toEqual(["main"]);
    const root = taken.tasks[0]!;
    expect(root.parentId).toBeNull();
    expect(root.children.map((task) => task.name)).toEqual([
      "waitForEvent",
      "holdLock",
      "waitForLock",
      "waitForLimiter",
      "waitForSemaphore",
      "receiveOne",
      "sendOne",
      "foreign",
      "outer",
      "sleeper",
      "waitForTask",
      "plain",
      "observe",
    ]);
    for (const child of root.children) expect(child.parentId).toBe(root.id);
  });

  test("the host of a task group waits at the end of its `await using` block for the children", () => {
    const root = taken.tasks[0]!;
    expect(root.state).toBe("waiting");
    expect(root.compiled).toBe(true);
    expect(root.scopes.map((scope) => scope.kind)).toEqual(["task", "TaskGroup"]);
    expect(root.chain).toEqual([
      {
        function: "main",
        file: FILE,
        ...site("main"),
        state: "waiting",
        waitingOn: {
          kind: "task-group",
          description: `the end of 13 child tasks of TaskGroup#${root.scopes[1]!.id}`,
          taskIds: root.children.map((task) => task.id),
        },
      },
    ]);
  });

  test("a task parked on an Event: its frame, its site and the Event", () => {
    const task = find(taken.tasks, "waitForEvent");
    expect(task).toMatchObject({ state: "waiting", status: "pending", compiled: true });
    expect(task.chain).toEqual([
      {
        function: "waitForEvent",
        file: FILE,
        ...site("event"),
        state: "waiting",
        waitingOn: { kind: "event", description: "<Event unset waiting=2>" },
      },
    ]);
    expect(task.waitingOn).toEqual([task.chain[0]!.waitingOn]);
    // It runs in its group's scope: it entered none of its own.
    expect(task.scopes).toEqual([]);
  });

  test("a sleeping task: the instant its sleep ends", () => {
    const holder = find(taken.tasks, "holdLock");
    expect(holder.chain).toEqual([
      {
        function: "holdLock",
        file: FILE,
        ...site("holder"),
        state: "waiting",
        waitingOn: { kind: "sleep", description: "sleep until 1000.0 ms (1000.0 ms left)", until: 1000 },
      },
    ]);
  });

  test("a task waiting for a Lock names the task that holds it", () => {
    const holder = find(taken.tasks, "holdLock");
    const task = find(taken.tasks, "waitForLock");
    expect(task.chain.map(({ line, column }) => ({ line, column }))).toEqual([site("lock")]);
    expect(task.chain[0]!.waitingOn).toEqual({
      kind: "lock",
      description: `a Lock held by task #${holder.id} 'holdLock' (1 waiting)`,
      taskId: holder.id,
    });
  });

  test("a task waiting for a CapacityLimiter or a Semaphore", () => {
    const limited = find(taken.tasks, "waitForLimiter");
    expect(limited.chain[0]).toMatchObject({ ...site("limiter"), waitingOn: { kind: "capacity-limiter" } });
    expect(limited.chain[0]!.waitingOn!.description).toContain("CapacityLimiter");
    const semaphoreTask = find(taken.tasks, "waitForSemaphore");
    expect(semaphoreTask.chain[0]).toMatchObject({ ...site("semaphore"), waitingOn: { kind: "semaphore" } });
    expect(semaphoreTask.chain[0]!.waitingOn!.description).toContain("Semaphore");
  });

  test("tasks waiting to receive from or to send to a memory stream", () => {
    const receiving = find(taken.tasks, "receiveOne");
    expect(receiving.chain).toEqual([
      expect.objectContaining({
        function: "receiveOne",
        ...site("receive"),
        waitingOn: { kind: "stream-receive", description: expect.stringContaining("MemoryObjectReceiveStream") },
      }),
    ]);
    const sending = find(taken.tasks, "sendOne");
    expect(sending.chain).toEqual([
      expect.objectContaining({
        function: "sendOne",
        ...site("send"),
        waitingOn: { kind: "stream-send", description: expect.stringContaining("MemoryObjectSendStream") },
      }),
    ]);
  });

  test("a task awaiting a promise from outside the runtime", () => {
    const task = find(taken.tasks, "foreign");
    expect(task.chain).toEqual([
      expect.objectContaining({
        ...site("foreign"),
        waitingOn: { kind: "foreign-promise", description: "a promise from outside the runtime" },
      }),
    ]);
    expect(task.state).toBe("waiting");
  });

  test("nested calls give a chain from the task's function to the innermost await, with the scopes around it", () => {
    const task = find(taken.tasks, "outer");
    expect(task.chain).toEqual([
      {
        function: "outer",
        file: FILE,
        ...site("outer"),
        state: "waiting",
        waitingOn: { kind: "call", description: "middle()" },
      },
      {
        function: "middle",
        file: FILE,
        ...site("middle"),
        state: "waiting",
        waitingOn: { kind: "call", description: "inner()" },
      },
      {
        function: "inner",
        file: FILE,
        ...site("inner"),
        state: "waiting",
        waitingOn: { kind: "sleep", description: "sleepForever()", until: Infinity },
      },
    ]);
    expect(
      task.scopes.map(({ kind, deadline, remaining, shield, cancelled, reason }) => ({
        kind,
        deadline,
        remaining,
        shield,
        cancelled,
        reason,
      })),
    ).toEqual([
      { kind: "CancelScope", deadline: null, remaining: null, shield: false, cancelled: false, reason: null },
      { kind: "moveOnAfter", deadline: 5000, remaining: 5000, shield: false, cancelled: false, reason: null },
      {
        kind: "CancelScope",
        deadline: null,
        remaining: null,
        shield: false,
        cancelled: true,
        reason: "enough (by task 'outer')",
      },
      { kind: "CancelScope", deadline: null, remaining: null, shield: true, cancelled: false, reason: null },
    ]);
  });

  test("a task waiting for another task's end names it", () => {
    const sleeper = find(taken.tasks, "sleeper");
    const task = find(taken.tasks, "waitForTask");
    expect(task.chain[0]).toMatchObject({
      ...site("task"),
      waitingOn: { kind: "task", description: `the end of task #${sleeper.id} 'sleeper'`, taskId: sleeper.id },
    });
  });

  test("uncompiled code appears at task level, marked as such", () => {
    const uncompiled = find(taken.tasks, "plain");
    expect(uncompiled).toMatchObject({ compiled: false, chain: [], state: "waiting" });
    expect(uncompiled.waitingOn).toEqual([{ kind: "event", description: "<Event unset waiting=2>" }]);
    const sleeper = find(taken.tasks, "sleeper");
    expect(sleeper).toMatchObject({ compiled: false, chain: [] });
    expect(sleeper.waitingOn).toEqual([
      { kind: "sleep", description: "sleep until 2500.0 ms (2500.0 ms left)", until: 2500 },
    ]);
  });

  test("the task that asks is running, at the line that asked", () => {
    const observer = find(taken.tasks, "observe");
    expect(observer.state).toBe("running");
    expect(observer.chain).toEqual([
      {
        function: "observe",
        file: FILE,
        // A running frame shows the last await it passed.
        line: site("observer").line - 1,
        column: 3,
        state: "running",
        waitingOn: null,
      },
    ]);
  });

  test("is plain data: it survives JSON and structuredClone unchanged", () => {
    const json = JSON.parse(JSON.stringify(taken, (_key, value) => (value === Infinity ? "Infinity" : value)));
    expect(json.tasks[0].children.length).toBe(13);
    expect(structuredClone(taken)).toEqual(taken);
  });

  test("outside every task it describes every run still running; after the run, nothing", async () => {
    expect(getTaskTree().tasks).toEqual([]);
    const ready = new Event();
    const release = new Event();
    const done = run(async () => {
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        ready.set();
        await release.wait();
      });
    });
    // The run is live while its child waits: look from outside it (no current task).
    while (!ready.isSet()) await new Promise((resolve) => setTimeout(resolve, 1));
    const outside = getTaskTree();
    release.set();
    await done;
    expect(outside.tasks.length).toBe(1);
    expect(outside.tasks[0]!.state).not.toBe("running");
    expect(getTaskTree().tasks).toEqual([]);
  });
});

describe("formatTaskTree()", () => {
  test("renders each task with its scopes and its chain innermost first, like a stack trace", () => {
    const lines = text.split("\n");
    expect(lines[0]).toBe("Task tree at 0.0 ms: 14 live tasks");
    const outerTask = find(taken.tasks, "outer");
    const start = lines.indexOf(`  task #${outerTask.id} 'outer' waiting`);
    expect(start).toBeGreaterThan(0);
    const at = (name: string, fn: string) => `at ${fn} (${FILE}:${site(name).line}:${site(name).column})`;
    expect(lines.slice(start + 1, start + 5).map((line) => line.trim())).toEqual([
      expect.stringMatching(
        /^scopes: CancelScope#\d+ > moveOnAfter#\d+ \[deadline in 5000\.0 ms\] > CancelScope#\d+ \[cancelled: enough \(by task 'outer'\)\] > CancelScope#\d+ \[shielded\]$/,
      ),
      `${at("inner", "inner")} waiting for sleepForever()`,
      at("middle", "middle"),
      at("outer", "outer"),
    ]);
    const plainTask = find(taken.tasks, "plain");
    const plainAt = lines.indexOf(`  task #${plainTask.id} 'plain' waiting`);
    expect(lines.slice(plainAt + 1, plainAt + 3).map((line) => line.trim())).toEqual([
      "(uncompiled code: no await chain)",
      "waiting for <Event unset waiting=2>",
    ]);
  });

  test("renders a tree that went through JSON", () => {
    expect(formatTaskTree(structuredClone(taken))).toBe(text);
  });
});

describe("nested task groups", () => {
  async function leafTask(gate: Event): Promise<void> {
    await gate.wait(); // site: leaf
  }

  async function middleHost(gate: Event): Promise<void> {
    using _ = moveOnAfter(700);
    await using inner = createTaskGroup(); // site: middle-group
    inner.startSoon({ name: "leaf-1" }, leafTask, gate);
    inner.startSoon({ name: "leaf-2" }, leafTask, gate);
  }

  test("each host waits at its own group's exit, with its children below it", async () => {
    const gate = new Event();
    let nested: TaskTree | undefined;
    await runWith({ clock: new MockClock() }, async function top() {
      await using tg = createTaskGroup();
      tg.startSoon({ name: "middle" }, middleHost, gate);
      tg.startSoon({ name: "observer" }, async () => {
        await waitAllTasksBlocked();
        nested = getTaskTree();
        gate.set();
      });
    });
    const root = nested!.tasks[0]!;
    expect(root.name).toBe("top");
    const middle = find(nested!.tasks, "middle");
    expect(middle.parentId).toBe(root.id);
    expect(middle.children.map((task) => [task.name, task.parentId])).toEqual([
      ["leaf-1", middle.id],
      ["leaf-2", middle.id],
    ]);
    expect(middle.scopes.map(({ kind, remaining }) => [kind, remaining])).toEqual([
      ["moveOnAfter", 700],
      ["TaskGroup", null],
    ]);
    expect(middle.chain).toEqual([
      {
        function: "middleHost",
        file: FILE,
        ...site("middle-group"),
        state: "waiting",
        waitingOn: {
          kind: "task-group",
          description: `the end of 2 child tasks of TaskGroup#${middle.scopes[1]!.id}`,
          taskIds: middle.children.map((task) => task.id),
        },
      },
    ]);
    for (const leaf of middle.children) {
      expect(leaf.chain).toEqual([
        {
          function: "leafTask",
          file: FILE,
          ...site("leaf"),
          state: "waiting",
          waitingOn: { kind: "event", description: "<Event unset waiting=2>" },
        },
      ]);
    }
  });
});

describe("loops and blocks", () => {
  async function consume(items: AsyncIterable<number>): Promise<number> {
    let total = 0;
    for await (const item of items) total += item; // site: for-await
    return total;
  }

  async function openScopes(gate: Event): Promise<void> {
    using _ = moveOnAfter(300);
    await gate.wait(); // site: in-block
  }

  test("a `for await` step waits at the loop's site; an await in a `using` block at its own", async () => {
    const gate = new Event();
    const [send, receive] = createMemoryObjectStream<number>(0);
    let looked: TaskTree | undefined;
    await runWith({ clock: new MockClock() }, async () => {
      await using tg = createTaskGroup();
      tg.startSoon(consume, receive);
      tg.startSoon(openScopes, gate);
      tg.startSoon(async () => {
        await waitAllTasksBlocked();
        looked = getTaskTree();
        gate.set();
        send.close();
      });
    });
    expect(find(looked!.tasks, "consume").chain).toEqual([
      {
        function: "consume",
        file: FILE,
        ...site("for-await", "for await"),
        state: "waiting",
        waitingOn: { kind: "stream-receive", description: expect.stringContaining("MemoryObjectReceiveStream") },
      },
    ]);
    const scoped = find(looked!.tasks, "openScopes");
    expect(scoped.chain.map(({ line, column }) => ({ line, column }))).toEqual([site("in-block")]);
    expect(scoped.scopes.map((scope) => scope.kind)).toEqual(["moveOnAfter"]);
  });
});

describe("labels of other waits", () => {
  /** What a room's operation does: park a waiter in the caller's scope, labelled where it parks. */
  function roomOperation(label: string | undefined): Promise<void> {
    const waiter = new Waiter<void>(requireFrame("roomOperation()"));
    if (label !== undefined) waiter.waitsFor("operation", label);
    return waiter.promise;
  }

  async function labelled(): Promise<void> {
    await roomOperation("socket receive"); // site: labelled
  }

  async function unlabelled(): Promise<void> {
    await roomOperation(undefined);
  }

  async function waitForCondition(condition: Condition): Promise<void> {
    await condition.acquire();
    try {
      await condition.wait(); // site: condition
    } finally {
      condition.release();
    }
  }

  test("a room labels its park with a string; without one it is a runtime operation; a Condition is named", async () => {
    let looked: TaskTree | undefined;
    const condition = new Condition();
    await runWith({ clock: new MockClock() }, async () => {
      await using tg = createTaskGroup();
      tg.startSoon(labelled);
      tg.startSoon(unlabelled);
      tg.startSoon(waitForCondition, condition);
      tg.startSoon(async () => {
        await waitAllTasksBlocked();
        looked = getTaskTree();
        tg.cancel();
      });
    });
    expect(find(looked!.tasks, "labelled").chain[0]).toMatchObject({
      ...site("labelled"),
      waitingOn: { kind: "operation", description: "socket receive" },
    });
    expect(find(looked!.tasks, "unlabelled").waitingOn).toEqual([
      { kind: "operation", description: "a runtime operation" },
    ]);
    expect(find(looked!.tasks, "waitForCondition").chain[0]).toMatchObject({
      ...site("condition"),
      waitingOn: { kind: "condition", description: expect.stringContaining("<Condition waiting=1") },
    });
  });
});
