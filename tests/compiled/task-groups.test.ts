"use structured";
// Task groups opened with `await using`: the exit waits for the children, cancels them when
// the body or a child fails, and raises every failure in an ExceptionGroup.
import {
  Cancelled,
  ExceptionGroup,
  createTaskGroup,
  getCurrentTask,
  moveOnAfter,
  run,
  sleep,
  sleepForever,
} from "anyio-ts";
import "./no-frame-leaks";

function foreign<T>(value: T, ms: number): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

describe("await using tg = createTaskGroup()", () => {
  test("the block ends only after every child finished", async () => {
    const log: string[] = [];
    await run(async () => {
      {
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          await foreign(null, 20);
          log.push("slow child");
        });
        tg.startSoon(async () => {
          log.push("fast child");
        });
        log.push("body done");
      }
      log.push("after block");
    });
    expect(log).toEqual(["body done", "fast child", "slow child", "after block"]);
  });

  test("a failing child cancels its siblings and the group raises an ExceptionGroup", async () => {
    const log: string[] = [];
    const error = await run(async () => {
      try {
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          try {
            await foreign(null, 5_000);
          } catch (error) {
            log.push(error instanceof Cancelled ? "sibling cancelled" : "other");
            throw error;
          }
        });
        tg.startSoon(async () => {
          await sleep(5);
          throw new Error("child failed");
        });
        await foreign(null, 5_000);
        log.push("host not cancelled?");
      } catch (error) {
        return error;
      }
      return undefined;
    });
    expect(error).toBeInstanceOf(ExceptionGroup);
    expect((error as ExceptionGroup).exceptions.map((e) => (e as Error).message)).toEqual(["child failed"]);
    expect(log).toEqual(["sibling cancelled"]);
  });

  test("children run in their own tasks, named after the options", async () => {
    const names: string[] = [];
    await run(async () => {
      await using tg = createTaskGroup();
      tg.startSoon({ name: "worker" }, async () => {
        await foreign(null, 1);
        names.push(getCurrentTask().name);
      });
    });
    expect(names).toEqual(["worker"]);
  });

  test("cancelling the group's scope from the body ends the block quietly", async () => {
    const log: string[] = [];
    await run(async () => {
      {
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          try {
            await sleepForever();
          } finally {
            log.push("child cleanup");
          }
        });
        await sleep(1);
        tg.cancel();
        await foreign(null, 5_000);
      }
      log.push("after block");
    });
    expect(log).toEqual(["child cleanup", "after block"]);
  });

  test("a group inside a scope that times out: children are cancelled and the scope swallows it", async () => {
    const log: string[] = [];
    let scope: ReturnType<typeof moveOnAfter> | undefined;
    await run(async () => {
      using s = moveOnAfter(10);
      scope = s;
      {
        await using tg = createTaskGroup();
        tg.startSoon(sleepForever);
        tg.startSoon(async () => {
          try {
            await foreign(null, 5_000);
          } catch (error) {
            log.push(error instanceof Cancelled ? "child cancelled" : "other");
            throw error;
          }
        });
      }
      log.push("not reached: the cancellation propagates out of the group into the scope");
    });
    expect(log).toEqual(["child cancelled"]);
    expect(scope!.cancelledCaught).toBe(true);
  });

  test("using a task group without await is a TypeError", async () => {
    await expect(
      run(async () => {
        using tg = createTaskGroup() as never;
        await sleep(0);
      }),
    ).rejects.toThrow(TypeError);
  });
});
