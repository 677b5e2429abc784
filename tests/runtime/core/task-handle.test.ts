/**
 * TaskHandle: what startSoon() returns; its status, per-task cancel() and results.
 */
import {
  Cancelled,
  ExceptionGroup,
  TaskCancelled,
  TaskFailed,
  TaskHandle,
  checkpoint,
  createTaskGroup,
  getCurrentTask,
  isCancelled,
  run,
  sleep,
  sleepForever,
  waitAllTasksBlocked,
} from "anyio-ts";
import { LONG, caught, messagesOf } from "../../helpers";
import { inTaskGroup } from "../helpers";

describe("status and results", () => {
  test("startSoon returns a pending TaskHandle that finishes with the return value", async () => {
    await inTaskGroup(async (tg) => {
      const handle = tg.startSoon(
        async (x: number, y: number) => {
          await checkpoint();
          return x + y;
        },
        2,
        4,
      );
      expect(handle).toBeInstanceOf(TaskHandle);
      expect(handle.status).toBe("pending");
      expect(await handle.result()).toBe(6);
      expect(handle.status).toBe("finished");
    });
  });

  test("result() still works after the group exited", async () => {
    let handle!: TaskHandle<string>;
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        handle = tg.startSoon(async () => "kept");
      });
      expect(await handle.result()).toBe("kept");
    });
    expect(handle.status).toBe("finished");
  });

  test("a sibling task can wait for another task's result", async () => {
    const log: string[] = [];
    await inTaskGroup(async (tg) => {
      const producer = tg.startSoon(async () => {
        await sleep(20);
        return "produced";
      });
      tg.startSoon(async () => {
        log.push(`consumer got ${await producer.result()}`);
      });
    });
    expect(log).toEqual(["consumer got produced"]);
  });

  test("a failed task: result() throws TaskFailed whose cause is the original error", async () => {
    const boom = new RangeError("dummy error");
    let failure: unknown;
    let handle!: TaskHandle<never>;
    const err = await caught(
      inTaskGroup(async (tg) => {
        handle = tg.startSoon(async (): Promise<never> => {
          throw boom;
        });
        failure = await caught(handle.result());
        expect(handle.status).toBe("failed");
      }),
    );
    expect(failure).toBeInstanceOf(TaskFailed);
    expect((failure as TaskFailed).cause).toBe(boom);
    expect((failure as Error).name).toBe("TaskFailed");
    // the group still records the original error
    expect(err).toBeInstanceOf(ExceptionGroup);
    expect((err as ExceptionGroup).exceptions).toEqual([boom]);
    expect(handle.status).toBe("failed");
  });

  test("result() of a failed task also throws TaskFailed after the group exited", async () => {
    let handle!: TaskHandle<void>;
    await caught(
      inTaskGroup(async (tg) => {
        handle = tg.startSoon(async () => {
          throw new Error("late reader");
        });
      }),
    );
    const failure = await caught(handle.result());
    expect(failure).toBeInstanceOf(TaskFailed);
    expect(((failure as TaskFailed).cause as Error).message).toBe("late reader");
  });

  test("wait() resolves however the task ended, without throwing", async () => {
    let handle!: TaskHandle<void>;
    const err = await caught(
      inTaskGroup(async (tg) => {
        handle = tg.startSoon(async () => {
          throw new Error("dummy error");
        });
        expect(handle.status).toBe("pending");
        await handle.wait();
        expect(handle.status).toBe("failed");
      }),
    );
    expect(messagesOf(err as ExceptionGroup)).toEqual(["dummy error"]);
    await expect(handle.wait()).resolves.toBeUndefined();
  });

  test("a task cancelled with its group ends as cancelled and result() throws TaskCancelled", async () => {
    let handle!: TaskHandle<void>;
    await inTaskGroup(async (tg) => {
      handle = tg.startSoon(() => sleepForever());
      await waitAllTasksBlocked();
      tg.cancel();
    });
    expect(handle.status).toBe("cancelled");
    const failure = await caught(handle.result());
    expect(failure).toBeInstanceOf(TaskCancelled);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(Cancelled);
    expect((failure as Error).name).toBe("TaskCancelled");
  });
});

describe("cancel()", () => {
  test("moves the status to cancelling, then cancelled; result() throws TaskCancelled caused by a Cancelled", async () => {
    let taskStarted = false;
    let handle!: TaskHandle<void>;
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        handle = tg.startSoon(async () => {
          taskStarted = true;
          await sleepForever();
        });
        await waitAllTasksBlocked();
        handle.cancel();
        expect(handle.status).toBe("cancelling");
        const failure = await caught(handle.result());
        expect(failure).toBeInstanceOf(TaskCancelled);
      });
    });
    expect(taskStarted).toBe(true);
    expect(handle.status).toBe("cancelled");
    const failure = await caught(handle.result());
    expect(failure).toBeInstanceOf(TaskCancelled);
    expect((failure as TaskCancelled).cause).toBeInstanceOf(Cancelled);
  });

  test("a task cancelled right after spawning still runs to its first checkpoint", async () => {
    const log: string[] = [];
    let handle!: TaskHandle<void>;
    await inTaskGroup(async (tg) => {
      handle = tg.startSoon(async () => {
        log.push("started");
        await checkpoint();
        log.push("unreachable");
      });
      handle.cancel();
      expect(handle.status).toBe("cancelling");
    });
    expect(log).toEqual(["started"]);
    expect(handle.status).toBe("cancelled");
  });

  test("a task that never reaches a checkpoint finishes even if cancelled before it starts", async () => {
    let handle!: TaskHandle<string>;
    await inTaskGroup(async (tg) => {
      handle = tg.startSoon(async () => "no checkpoint");
      tg.cancel();
    });
    expect(handle.status).toBe("finished");
    expect(await handle.result()).toBe("no checkpoint");
  });

  test("cancels only that task: siblings, the host and the group carry on", async () => {
    const log: string[] = [];
    await inTaskGroup(async (tg) => {
      const victim = tg.startSoon(async () => {
        try {
          await sleep(LONG);
        } catch (e) {
          log.push(isCancelled(e) ? "victim cancelled" : "victim failed");
          throw e;
        }
      });
      const sibling = tg.startSoon(async () => {
        await sleep(40);
        log.push("sibling finished");
      });
      await waitAllTasksBlocked();
      victim.cancel();
      await sleep(10);
      log.push("host continues");
      await sibling.wait();
      expect(tg.cancelScope.cancelCalled).toBe(false);
      expect(sibling.status).toBe("finished");
    });
    expect(log).toEqual(["victim cancelled", "host continues", "sibling finished"]);
  });

  test("the cancellation of a cancelled task is never recorded by the group", async () => {
    const value = await run(async () => {
      await createTaskGroup().run(async (tg) => {
        const handle = tg.startSoon(() => sleepForever());
        await waitAllTasksBlocked();
        handle.cancel();
      });
      return "group exited normally";
    });
    expect(value).toBe("group exited normally");
  });

  test("the reason given to cancel() appears in the task's Cancelled message", async () => {
    let message = "";
    await inTaskGroup(async (tg) => {
      const handle = tg.startSoon(async () => {
        try {
          await sleepForever();
        } catch (e) {
          message = (e as Error).message;
          throw e;
        }
      });
      await waitAllTasksBlocked();
      handle.cancel("no longer needed");
    });
    expect(message).toMatch(/no longer needed/);
  });

  test("cancel() on a finished task does nothing", async () => {
    await inTaskGroup(async (tg) => {
      const handle = tg.startSoon(async () => "done");
      await handle.wait();
      handle.cancel();
      expect(handle.status).toBe("finished");
      expect(await handle.result()).toBe("done");
    });
  });

  test("a task that catches its cancellation and returns normally is finished", async () => {
    await inTaskGroup(async (tg) => {
      const handle = tg.startSoon(async () => {
        try {
          await sleepForever();
        } catch {
          return "recovered";
        }
        return "not cancelled";
      });
      await waitAllTasksBlocked();
      handle.cancel();
      expect(await handle.result()).toBe("recovered");
      expect(handle.status).toBe("finished");
    });
  });

  test("a task that fails while being cancelled is failed and its error is recorded", async () => {
    let handle!: TaskHandle<void>;
    const err = await caught(
      inTaskGroup(async (tg) => {
        handle = tg.startSoon(async () => {
          try {
            await sleepForever();
          } finally {
            throw new Error("cleanup failed");
          }
        });
        await waitAllTasksBlocked();
        handle.cancel();
      }),
    );
    expect(handle.status).toBe("failed");
    expect(messagesOf(err as ExceptionGroup)).toEqual(["cleanup failed"]);
  });
});

describe("identity", () => {
  test("the handle's id and name are those of the task it runs", async () => {
    await inTaskGroup(async (tg) => {
      const handle = tg.startSoon(async () => {
        const me = getCurrentTask();
        return { id: me.id, name: me.name };
      });
      const seen = await handle.result();
      expect(seen.id).toBe(handle.id);
      expect(seen.name).toBe(handle.name);
    });
  });

  test("handles of different tasks have different ids", async () => {
    await inTaskGroup(async (tg) => {
      const ids = new Set<number>();
      for (let i = 0; i < 5; i++) ids.add(tg.startSoon(async () => {}).id);
      expect(ids.size).toBe(5);
      expect(ids.has(getCurrentTask().id)).toBe(false);
    });
  });

  test("a handle's name is the explicit name, or else the function's name", async () => {
    async function namedWorker(): Promise<void> {}
    const fetcher = async (): Promise<void> => {};
    await inTaskGroup(async (tg) => {
      expect(tg.startSoon({ name: "custom name" }, namedWorker).name).toBe("custom name");
      expect(tg.startSoon(namedWorker).name).toMatch(/namedWorker/);
      expect(tg.startSoon(fetcher).name).toMatch(/fetcher/);
      expect(tg.startSoon({ name: "" }, namedWorker).name).toBe("");
    });
  });

  test("the options form passes the extra arguments too", async () => {
    await inTaskGroup(async (tg) => {
      const handle = tg.startSoon({ name: "adder" }, async (a: number, b: number) => a + b, 20, 22);
      expect(await handle.result()).toBe(42);
      expect(handle.name).toBe("adder");
    });
  });
});
