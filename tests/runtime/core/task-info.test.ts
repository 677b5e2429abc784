/**
 * TaskInfo, getCurrentTask() and getRunningTasks(): task identity, parentage, names and
 * pending cancellation.
 */
import {
  CancelScope,
  TaskInfo,
  checkpoint,
  createTaskGroup,
  getCurrentTask,
  getRunningTasks,
  run,
  sleep,
  sleepForever,
  waitAllTasksBlocked,
} from "anyio-ts";
import { inTaskGroup } from "../helpers";

describe("getCurrentTask()", () => {
  test("the root task is named after the function given to run() and has no parent", async () => {
    const info = await run(async function mainEntryPoint() {
      return getCurrentTask();
    });
    expect(info).toBeInstanceOf(TaskInfo);
    expect(typeof info.id).toBe("number");
    expect(info.name).toMatch(/mainEntryPoint/);
    expect(info.parentId).toBeNull();
  });

  test("the current task stays the same across awaits in the host body", async () => {
    await run(async () => {
      const before = getCurrentTask().id;
      await sleep(5);
      await checkpoint();
      expect(getCurrentTask().id).toBe(before);
      await createTaskGroup().run(async () => {
        expect(getCurrentTask().id).toBe(before);
        await sleep(5);
        expect(getCurrentTask().id).toBe(before);
      });
      await new CancelScope().run(async () => {
        await sleep(5);
        expect(getCurrentTask().id).toBe(before);
      });
    });
  });

  test("a child is a new task whose parent is the task hosting the group", async () => {
    const ids: Record<string, number | null> = {};
    await inTaskGroup(async (tg) => {
      ids.host = getCurrentTask().id;
      tg.startSoon(async () => {
        ids.child = getCurrentTask().id;
        await sleep(5);
        ids.childAfterAwait = getCurrentTask().id;
        ids.parent = getCurrentTask().parentId;
      });
    });
    expect(ids.child).not.toBe(ids.host);
    expect(ids.childAfterAwait).toBe(ids.child);
    expect(ids.parent).toBe(ids.host);
  });

  test("a task spawned by a child into the host's group has the host as parent", async () => {
    let rootId = -1;
    let starterId = -1;
    let parentId: number | null = -1;
    await inTaskGroup(async (tg) => {
      rootId = getCurrentTask().id;
      tg.startSoon(async () => {
        starterId = getCurrentTask().id;
        tg.startSoon(async () => {
          parentId = getCurrentTask().parentId;
        });
      });
    });
    expect(parentId).toBe(rootId);
    expect(parentId).not.toBe(starterId);
  });

  test("a task of a group opened inside a child has that child as parent", async () => {
    let childId = -1;
    let grandchildParent: number | null = -1;
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        childId = getCurrentTask().id;
        await createTaskGroup().run(async (inner) => {
          inner.startSoon(async () => {
            grandchildParent = getCurrentTask().parentId;
          });
        });
      });
    });
    expect(grandchildParent).toBe(childId);
  });

  test("every task gets its own id", async () => {
    const ids: number[] = [];
    await inTaskGroup(async (tg) => {
      ids.push(getCurrentTask().id);
      for (let i = 0; i < 5; i++) tg.startSoon(async () => void ids.push(getCurrentTask().id));
    });
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
  });

  test("a task's name is the explicit name or else the function's name", async () => {
    const names: string[] = [];
    async function reportName(): Promise<void> {
      names.push(getCurrentTask().name);
    }
    await inTaskGroup(async (tg) => {
      tg.startSoon({ name: "custom name" }, reportName);
      tg.startSoon(reportName);
    });
    expect(names[0]).toBe("custom name");
    expect(names[1]).toMatch(/reportName/);
  });

  test("getCurrentTask() outside run() throws", () => {
    expect(() => getCurrentTask()).toThrow(Error);
  });
});

describe("getRunningTasks()", () => {
  test("lists the root, the host and the children that are still running", async () => {
    await inTaskGroup(async (tg) => {
      const me = getCurrentTask();
      const sleeper = tg.startSoon({ name: "sleeper" }, () => sleepForever());
      const quick = tg.startSoon({ name: "quick" }, async () => {});
      await waitAllTasksBlocked();
      const running = getRunningTasks();
      expect(running.every((t) => t instanceof TaskInfo)).toBe(true);
      const ids = running.map((t) => t.id);
      expect(ids).toContain(me.id);
      expect(ids).toContain(sleeper.id);
      expect(ids).not.toContain(quick.id);
      expect(running.find((t) => t.id === sleeper.id)!.name).toBe("sleeper");
      expect(running.find((t) => t.id === sleeper.id)!.parentId).toBe(me.id);
      tg.cancel();
    });
  });

  test("tasks disappear from the list once they finish", async () => {
    await run(async () => {
      let childId = -1;
      await createTaskGroup().run(async (tg) => {
        childId = tg.startSoon(() => sleep(10)).id;
        await checkpoint();
        expect(getRunningTasks().map((t) => t.id)).toContain(childId);
      });
      expect(getRunningTasks().map((t) => t.id)).not.toContain(childId);
    });
  });
});

describe("hasPendingCancellation()", () => {
  test("is false normally and true once a visible scope is cancelled", async () => {
    await run(() =>
      new CancelScope().run(async (scope) => {
        expect(getCurrentTask().hasPendingCancellation()).toBe(false);
        scope.cancel();
        expect(getCurrentTask().hasPendingCancellation()).toBe(true);
      }),
    );
  });

  test("describes the task it was taken from, not the caller", async () => {
    await inTaskGroup(async (tg) => {
      let childInfo: TaskInfo | undefined;
      let childScope: CancelScope | undefined;
      tg.startSoon(async () => {
        await new CancelScope().run(async (scope) => {
          childScope = scope;
          childInfo = getCurrentTask();
          await sleepForever();
        });
      });
      await waitAllTasksBlocked();
      expect(childInfo!.hasPendingCancellation()).toBe(false);
      childScope!.cancel();
      expect(childInfo!.hasPendingCancellation()).toBe(true);
      expect(getCurrentTask().hasPendingCancellation()).toBe(false);
    });
  });

  test("is true for a child whose group was cancelled", async () => {
    const seen: boolean[] = [];
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        seen.push(getCurrentTask().hasPendingCancellation());
        await sleepForever();
      });
      tg.cancel();
    });
    expect(seen).toEqual([true]);
  });
});
