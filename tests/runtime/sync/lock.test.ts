/**
 * Lock: ownership, FIFO hand-off, cancellation, statistics and use outside run(), re-expressed
 * from AnyIO's tests/test_synchronization.py (TestLock).
 */
import {
  CancelScope,
  Cancelled,
  Event,
  Lock,
  NoCurrentTaskError,
  TaskStatus,
  WouldBlock,
  checkpoint,
  createTaskGroup,
  failAfter,
  getCurrentTask,
  run,
  waitAllTasksBlocked,
} from "anyio-ts";
import { assertCheckpoints, assertNoCheckpoints } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { caughtInCancelledScope, inTaskGroup } from "../helpers";

const NO_CHECKPOINT = /^assertCheckpoints\(\): the code passed through no checkpoint/;
const CANCEL_POINT_ONLY = "(1 cancel point and 0 schedule points)";
const REACQUIRE = /^Attempted to acquire an already held Lock/;
const NOT_OWNER = /^The current task is not holding this lock/;

describe("acquiring and releasing", () => {
  test("`using` holds the lock until the end of the block; a waiter gets it after", async () => {
    const lock = new Lock();
    const results: string[] = [];
    await inTaskGroup(async (tg) => {
      using _ = await lock.acquire();
      tg.startSoon(async () => {
        expect(lock.locked()).toBe(true);
        using _inner = await lock.acquire();
        results.push("2");
      });
      await waitAllTasksBlocked();
      results.push("1");
    });
    expect(lock.locked()).toBe(false);
    expect(results).toEqual(["1", "2"]);
  });

  test("acquire() and release() by hand", async () => {
    const lock = new Lock();
    const results: string[] = [];
    await inTaskGroup(async (tg) => {
      await lock.acquire();
      try {
        tg.startSoon(async () => {
          expect(lock.locked()).toBe(true);
          await lock.acquire();
          try {
            results.push("2");
          } finally {
            lock.release();
          }
        });
        await waitAllTasksBlocked();
        results.push("1");
      } finally {
        lock.release();
      }
    });
    expect(lock.locked()).toBe(false);
    expect(results).toEqual(["1", "2"]);
  });

  test("the lock is released when the block throws", async () => {
    const lock = new Lock();
    const error = await caught(
      run(async () => {
        using _ = await lock.acquire();
        throw new Error("boom");
      }),
    );
    expect((error as Error).message).toBe("boom");
    expect(lock.locked()).toBe(false);
  });

  test("disposing an acquisition a second time does nothing", async () => {
    const lock = new Lock();
    await run(async () => {
      const first = await lock.acquire();
      first[Symbol.dispose]();
      const second = await lock.acquire();
      first[Symbol.dispose]();
      expect(lock.statistics().owner).toBe(getCurrentTask());
      second[Symbol.dispose]();
      expect(lock.locked()).toBe(false);
    });
  });

  test("waiters get the lock in the order they asked for it", async () => {
    const lock = new Lock();
    const order: number[] = [];
    await inTaskGroup(async (tg) => {
      const held = await lock.acquire();
      for (let i = 0; i < 5; i++) {
        tg.startSoon(async () => {
          using _ = await lock.acquire();
          order.push(i);
          await checkpoint();
        });
      }
      await waitAllTasksBlocked();
      held[Symbol.dispose]();
    });
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  test("a waiter that was cancelled is skipped; the next one gets the lock", async () => {
    const lock = new Lock();
    const got: string[] = [];
    await inTaskGroup(async (tg) => {
      const held = await lock.acquire();
      const names = ["a", "b", "c"];
      const handles = names.map((name) =>
        tg.startSoon({ name }, async () => {
          using _ = await lock.acquire();
          got.push(name);
        }),
      );
      await waitAllTasksBlocked();
      handles[0].cancel();
      expect(lock.statistics().tasksWaiting).toBe(2);
      held[Symbol.dispose]();
      expect(lock.statistics().owner?.name).toBe("b");
    });
    expect(got).toEqual(["b", "c"]);
  });
});

describe("no queue jumping", () => {
  test("acquireNowait() takes a free lock", async () => {
    const lock = new Lock();
    await run(async () => {
      lock.acquireNowait();
      expect(lock.locked()).toBe(true);
      expect(lock.statistics().owner).toBe(getCurrentTask());
      lock.release();
    });
  });

  test("acquireNowait() raises WouldBlock while another task holds the lock", async () => {
    const lock = new Lock();
    await run(async () => {
      using _ = await lock.acquire();
      await createTaskGroup().run(async (tg) => {
        expect(lock.locked()).toBe(true);
        tg.startSoon(async () => {
          expect(() => lock.acquireNowait()).toThrow(WouldBlock);
        });
      });
    });
  });

  test("release() hands the lock to the waiter at once: acquireNowait() from a third task raises WouldBlock", async () => {
    const lock = new Lock();
    await inTaskGroup(async (tg) => {
      const held = await lock.acquire();
      tg.startSoon({ name: "waiter" }, async () => {
        using _ = await lock.acquire();
        await checkpoint();
      });
      await waitAllTasksBlocked();
      held[Symbol.dispose]();
      expect(lock.statistics().owner?.name).toBe("waiter");
      tg.startSoon(async () => {
        expect(() => lock.acquireNowait()).toThrow(WouldBlock);
      });
    });
  });

  test("a newcomer's acquire() waits behind the task the lock was handed to", async () => {
    const lock = new Lock();
    const order: string[] = [];
    await inTaskGroup(async (tg) => {
      const held = await lock.acquire();
      tg.startSoon(async () => {
        using _ = await lock.acquire();
        order.push("waiter");
      });
      await waitAllTasksBlocked();
      held[Symbol.dispose]();
      tg.startSoon(async () => {
        using _ = await lock.acquire();
        order.push("newcomer");
      });
    });
    expect(order).toEqual(["waiter", "newcomer"]);
  });
});

describe("ownership", () => {
  test.each([false, true])("acquiring a lock twice from one task throws (fastAcquire: %s)", async (fastAcquire) => {
    const lock = new Lock({ fastAcquire });
    await run(async () => {
      await lock.acquire();
      const error = await caught(lock.acquire());
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(REACQUIRE);
      expect(lock.statistics().tasksWaiting).toBe(0);
    });
  });

  test("acquireNowait() twice from one task throws", async () => {
    const lock = new Lock();
    await run(async () => {
      lock.acquireNowait();
      expect(() => lock.acquireNowait()).toThrow(REACQUIRE);
    });
  });

  test("release() by a task that does not hold the lock throws, and the owner keeps it", async () => {
    const lock = new Lock();
    await inTaskGroup(async (tg) => {
      using _ = await lock.acquire();
      const owner = getCurrentTask();
      tg.startSoon(async () => {
        expect(() => lock.release()).toThrow(NOT_OWNER);
      });
      await waitAllTasksBlocked();
      expect(lock.statistics().owner).toBe(owner);
    });
  });

  test("disposing the acquisition from another task throws", async () => {
    const lock = new Lock();
    await inTaskGroup(async (tg) => {
      const acquisition = await lock.acquire();
      tg.startSoon(async () => {
        expect(() => acquisition[Symbol.dispose]()).toThrow(NOT_OWNER);
      });
      await waitAllTasksBlocked();
      expect(lock.locked()).toBe(true);
      acquisition[Symbol.dispose]();
    });
    expect(lock.locked()).toBe(false);
  });

  test("release() of a free lock throws", async () => {
    const lock = new Lock();
    await run(async () => {
      expect(() => lock.release()).toThrow(NOT_OWNER);
    });
    expect(() => lock.release()).toThrow(NOT_OWNER);
  });
});

describe("acquire() is a checkpoint", () => {
  test.each([false, true])(
    "in a cancelled scope it raises and takes nothing, even when free (fastAcquire: %s)",
    async (fastAcquire) => {
      const lock = new Lock({ fastAcquire });
      const error = await caughtInCancelledScope(() => lock.acquire());
      expect(error).toBeInstanceOf(Cancelled);
      expect(lock.locked()).toBe(false);
    },
  );

  test("an uncontended acquire() is a checkpoint", async () => {
    const lock = new Lock();
    await run(async () => {
      const acquisition = await assertCheckpoints(() => lock.acquire());
      expect(lock.statistics().owner).toBe(getCurrentTask());
      acquisition[Symbol.dispose]();
    });
  });

  test("an acquire() that waits for the holder's release is a checkpoint", async () => {
    const lock = new Lock();
    const release = new Event();
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        using _ = await lock.acquire();
        await release.wait();
      });
      await waitAllTasksBlocked();
      const acquisition = await assertCheckpoints(() => {
        const acquiring = lock.acquire();
        release.set();
        return acquiring;
      });
      expect(lock.statistics().owner).toBe(getCurrentTask());
      acquisition[Symbol.dispose]();
    });
  });

  test("a cancellation during the yield after an uncontended acquire() cannot interrupt it: the lock is taken and the next checkpoint raises", async () => {
    const lock = new Lock();
    let cancelledDuringYield = false;
    let error: unknown;
    await run(() =>
      new CancelScope().run(async (scope) => {
        setImmediate(() => {
          cancelledDuringYield = true;
          scope.cancel();
        });
        const acquisition = await lock.acquire();
        expect(cancelledDuringYield).toBe(true);
        expect(lock.statistics().owner).toBe(getCurrentTask());
        acquisition[Symbol.dispose]();
        error = await caught(checkpoint());
        throw error;
      }),
    );
    expect(error).toBeInstanceOf(Cancelled);
    expect(lock.locked()).toBe(false);
  });

  test("with fastAcquire an uncontended acquire() is only a cancel point: it takes the lock without letting other tasks run", async () => {
    const lock = new Lock({ fastAcquire: true });
    await run(async () => {
      const error = await caught(assertCheckpoints(() => lock.acquire()));
      expect((error as Error).message).toMatch(NO_CHECKPOINT);
      expect((error as Error).message).toContain(CANCEL_POINT_ONLY);
      expect(lock.statistics().owner).toBe(getCurrentTask());
      lock.release();
    });
  });

  test("with fastAcquire a contended acquire() still waits its turn, and is a checkpoint", async () => {
    const lock = new Lock({ fastAcquire: true });
    const order: string[] = [];
    await inTaskGroup(async (tg) => {
      const held = await lock.acquire();
      tg.startSoon(async () => {
        using _ = await assertCheckpoints(() => lock.acquire());
        order.push("waiter");
      });
      await waitAllTasksBlocked();
      order.push("holder");
      held[Symbol.dispose]();
    });
    expect(order).toEqual(["holder", "waiter"]);
  });
});

describe("operations that are never checkpoints", () => {
  test("acquireNowait() of a free lock is no checkpoint", async () => {
    const lock = new Lock();
    await run(async () => {
      const acquisition = await assertNoCheckpoints(() => lock.acquireNowait());
      expect(lock.statistics().owner).toBe(getCurrentTask());
      acquisition[Symbol.dispose]();
    });
  });

  test("acquireNowait() that raises WouldBlock is no checkpoint", async () => {
    const lock = new Lock();
    await inTaskGroup(async (tg) => {
      const held = await lock.acquire();
      tg.startSoon(async () => {
        expect(await caught(assertNoCheckpoints(() => lock.acquireNowait()))).toBeInstanceOf(WouldBlock);
      });
      await waitAllTasksBlocked();
      held[Symbol.dispose]();
    });
  });

  test("release() is no checkpoint, also when it hands the lock to a waiter", async () => {
    const lock = new Lock();
    await inTaskGroup(async (tg) => {
      await lock.acquire();
      await assertNoCheckpoints(() => lock.release());
      expect(lock.locked()).toBe(false);
      const held = await lock.acquire();
      tg.startSoon({ name: "waiter" }, async () => {
        using _ = await lock.acquire();
      });
      await waitAllTasksBlocked();
      const ownerAfterRelease = await assertNoCheckpoints(() => {
        held[Symbol.dispose]();
        return lock.statistics().owner?.name;
      });
      expect(ownerAfterRelease).toBe("waiter");
    });
  });

  test("statistics() is no checkpoint", async () => {
    const lock = new Lock();
    await run(async () => {
      expect(await assertNoCheckpoints(() => lock.statistics())).toEqual({
        locked: false,
        owner: null,
        tasksWaiting: 0,
      });
    });
  });
});

describe("cancellation", () => {
  test.each([
    ["release after the waiter is cancelled", false],
    ["release first", true],
  ])("a waiter cancelled in its acquire() never gets the lock (%s)", async (_name, releaseFirst) => {
    const lock = new Lock();
    let acquired = false;
    await inTaskGroup(async (tg) => {
      await lock.acquire();
      await tg.start(async (status: TaskStatus) => {
        status.started();
        using _ = await lock.acquire();
        acquired = true;
      });
      tg.cancel();
      await new CancelScope({ shield: true }).run(async () => {
        if (releaseFirst) {
          lock.release();
          await waitAllTasksBlocked();
        } else {
          await waitAllTasksBlocked();
          lock.release();
        }
      });
    });
    expect(acquired).toBe(false);
    expect(lock.locked()).toBe(false);
  });

  test("cancelled before the release: the waiter leaves the queue and the lock is free again", async () => {
    const lock = new Lock();
    await inTaskGroup(async (tg) => {
      lock.acquireNowait();
      const task1 = tg.startSoon(() => lock.acquire());
      await waitAllTasksBlocked();
      task1.cancel();
      lock.release();
      expect(lock.statistics().tasksWaiting).toBe(0);
      expect(lock.locked()).toBe(false);
      await failAfter(3000).run(async () => {
        using _ = await lock.acquire();
      });
    });
  });

  test("cancelled after the release handed it the lock: the waiter keeps the lock and the cancellation comes at its next checkpoint", async () => {
    const lock = new Lock();
    const log: string[] = [];
    await inTaskGroup(async (tg) => {
      lock.acquireNowait();
      const task1 = tg.startSoon({ name: "task1" }, async () => {
        using _ = await lock.acquire();
        log.push(`acquired by ${lock.statistics().owner?.name}`);
        const error = await caught(checkpoint());
        log.push(error instanceof Cancelled ? "cancelled at the next checkpoint" : "not cancelled");
        throw error;
      });
      await waitAllTasksBlocked();
      lock.release();
      task1.cancel();
      expect(lock.statistics().owner?.name).toBe("task1");
      await task1.wait();
      expect(lock.statistics()).toEqual({ locked: false, owner: null, tasksWaiting: 0 });
      lock.acquireNowait();
      lock.release();
    });
    expect(log).toEqual(["acquired by task1", "cancelled at the next checkpoint"]);
  });

  test("a cancelled waiter's task ending does not leave the lock owned", async () => {
    const lock = new Lock();
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        using _ = await lock.acquire();
        await checkpoint();
      });
      const second = tg.startSoon(async () => {
        using _ = await lock.acquire();
        await checkpoint();
      });
      await checkpoint();
      second.cancel();
      await failAfter(3000).run(async () => {
        using _ = await lock.acquire();
      });
    });
    expect(lock.locked()).toBe(false);
  });
});

describe("statistics", () => {
  test("locked, owner and tasksWaiting follow the lock", async () => {
    const lock = new Lock();
    await inTaskGroup(async (tg) => {
      expect(lock.statistics()).toEqual({ locked: false, owner: null, tasksWaiting: 0 });
      {
        using _ = await lock.acquire();
        expect(lock.statistics().locked).toBe(true);
        expect(lock.statistics().owner).toBe(getCurrentTask());
        expect(lock.statistics().tasksWaiting).toBe(0);
        for (let i = 1; i <= 2; i++) {
          tg.startSoon(async () => {
            using _inner = await lock.acquire();
          });
          await waitAllTasksBlocked();
          expect(lock.statistics().tasksWaiting).toBe(i);
        }
      }
    });
    expect(lock.statistics()).toEqual({ locked: false, owner: null, tasksWaiting: 0 });
  });

  test("after release() the owner is the waiter the lock was handed to", async () => {
    const lock = new Lock();
    const release = new Event();
    await inTaskGroup(async (tg) => {
      tg.startSoon({ name: "task1" }, async () => {
        await lock.acquire();
        expect(lock.statistics().owner?.name).toBe("task1");
        await release.wait();
        lock.release();
        expect(lock.statistics().owner?.name).toBe("task2");
      });
      await waitAllTasksBlocked();
      tg.startSoon({ name: "task2" }, async () => {
        using _ = await lock.acquire();
      });
      await waitAllTasksBlocked();
      release.set();
    });
  });
});

describe("outside run()", () => {
  test("can be created and inspected outside run(), then used inside", async () => {
    const lock = new Lock();
    expect(lock.statistics()).toEqual({ locked: false, owner: null, tasksWaiting: 0 });
    expect(lock.locked()).toBe(false);
    await run(async () => {
      using _ = await lock.acquire();
    });
    expect(lock.locked()).toBe(false);
  });

  test("acquire() outside run() rejects with NoCurrentTaskError; acquireNowait() throws it", async () => {
    const lock = new Lock();
    expect(await caught(lock.acquire())).toBeInstanceOf(NoCurrentTaskError);
    expect(() => lock.acquireNowait()).toThrow(NoCurrentTaskError);
  });

  test("the options are checked", () => {
    expect(() => new Lock({ fastAcquire: "yes" as unknown as boolean })).toThrow(
      'Expected `fastAcquire` to be a boolean, got `"yes"` (string)',
    );
    expect(() => new Lock(null as unknown as object)).toThrow(
      new TypeError("Expected `options` to be an object or undefined, got `null` (object)"),
    );
  });

  test("an unknown option is rejected, with the closest known one suggested", () => {
    expect(() => new Lock({ fastAquire: true } as never)).toThrow(
      new TypeError(
        "Unknown option `fastAquire` in `options`: did you mean `fastAcquire`? The only option is `fastAcquire`",
      ),
    );
    expect(() => new Lock({ reentrant: true } as never)).toThrow(
      new TypeError("Unknown option `reentrant` in `options`. The only option is `fastAcquire`"),
    );
  });

  test("toString() shows the owner and the waiters", async () => {
    const lock = new Lock();
    expect(String(lock)).toBe("<Lock unlocked waiting=0>");
    await run(async function main() {
      using _ = await lock.acquire();
      expect(String(lock)).toBe("<Lock owner='main' waiting=0>");
    });
  });
});
