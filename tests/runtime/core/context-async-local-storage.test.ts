/**
 * The program's own AsyncLocalStorage stores follow the spawner, as AnyIO's tasks get their
 * spawner's `contextvars`: a task started inside `als.run(store, ...)` sees that store, from its
 * first line and after every await, whichever store was current where the group was entered.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createTaskGroup, run, sleep, type TaskStatus } from "anyio-ts";

const foreign = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("AsyncLocalStorage stores in tasks (plain code)", () => {
  test("a task started inside als.run() sees the inner store, not the group's", async () => {
    const als = new AsyncLocalStorage<string>();
    const seen: string[] = [];
    await run(async () => {
      await als.run("outer", () =>
        createTaskGroup().run(async (tg) => {
          als.run("inner", () =>
            tg.startSoon(async () => {
              seen.push(`start ${als.getStore()}`);
              await foreign(1);
              seen.push(`after await ${als.getStore()}`);
            }),
          );
        }),
      );
    });
    expect(seen).toEqual(["start inner", "after await inner"]);
  });

  test("tasks spawned in one go under different stores each see their own", async () => {
    const als = new AsyncLocalStorage<number>();
    const seen: Array<number | undefined> = [];
    await run(() =>
      createTaskGroup().run(async (tg) => {
        for (let i = 0; i < 5; i++) als.run(i, () => tg.startSoon(async () => void seen.push(als.getStore())));
        tg.startSoon(async () => void seen.push(als.getStore()));
      }),
    );
    expect(seen).toEqual([0, 1, 2, 3, 4, undefined]);
  });

  test("the first task of a batch does not lend its store to the others", async () => {
    const als = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    await run(() =>
      createTaskGroup().run(async (tg) => {
        als.run("first", () => tg.startSoon(async () => void seen.push(als.getStore())));
        tg.startSoon(async () => void seen.push(als.getStore()));
      }),
    );
    expect(seen).toEqual(["first", undefined]);
  });

  test("a store a task enters with enterWith() does not leak into the tasks started after it", async () => {
    const als = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    await run(() =>
      createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          als.enterWith("entered by the first task");
        });
        tg.startSoon(async () => void seen.push(als.getStore()));
      }),
    );
    expect(seen).toEqual([undefined]);
  });

  test("start() runs the new task in the caller's store", async () => {
    const als = new AsyncLocalStorage<string>();
    const value = await run(() =>
      createTaskGroup().run(async (tg) =>
        als.run("caller", () =>
          tg.start(async (status: TaskStatus<string | undefined>) => {
            await sleep(1);
            status.started(als.getStore());
          }),
        ),
      ),
    );
    expect(value).toBe("caller");
  });

  test("enterWith() in the spawner before the spawn is seen by the task", async () => {
    const als = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    await run(() =>
      createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          als.enterWith("entered");
          tg.startSoon(async () => void seen.push(als.getStore()));
        });
      }),
    );
    expect(seen).toEqual(["entered"]);
  });
});
