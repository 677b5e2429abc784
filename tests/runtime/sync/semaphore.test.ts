/**
 * Semaphore: slots, FIFO hand-off, limits, cancellation, statistics and use outside run(),
 * re-expressed from AnyIO's tests/test_synchronization.py (TestSemaphore).
 */
import {
  CancelScope,
  Cancelled,
  NoCurrentTaskError,
  Semaphore,
  TaskStatus,
  WouldBlock,
  checkpoint,
  failAfter,
  run,
  waitAllTasksBlocked,
} from "anyio-ts";
import { assertCheckpoints, assertNoCheckpoints } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { caughtInCancelledScope, inTaskGroup } from "../helpers";

const NO_CHECKPOINT = /^assertCheckpoints\(\): the code passed through no checkpoint/;
const CANCEL_POINT_ONLY = "(1 cancel point and 0 schedule points)";

describe("acquiring and releasing", () => {
  test("`using` takes a slot for the block; two tasks share a semaphore of 2", async () => {
    const semaphore = new Semaphore(2);
    await inTaskGroup(async (tg) => {
      for (const name of ["task 1", "task 2"]) {
        tg.startSoon({ name }, async () => {
          using _ = await semaphore.acquire();
          expect([0, 1]).toContain(semaphore.value);
        });
      }
    });
    expect(semaphore.value).toBe(2);
  });

  test("acquire() and release() by hand", async () => {
    const semaphore = new Semaphore(2);
    await inTaskGroup(async (tg) => {
      for (const name of ["task 1", "task 2"]) {
        tg.startSoon({ name }, async () => {
          await semaphore.acquire();
          try {
            expect([0, 1]).toContain(semaphore.value);
          } finally {
            semaphore.release();
          }
        });
      }
    });
    expect(semaphore.value).toBe(2);
  });

  test("never more holders than slots, and waiters get slots in the order they asked", async () => {
    const semaphore = new Semaphore(2);
    let holders = 0;
    let most = 0;
    const order: number[] = [];
    await inTaskGroup(async (tg) => {
      for (let i = 0; i < 6; i++) {
        tg.startSoon(async () => {
          using _ = await semaphore.acquire();
          order.push(i);
          most = Math.max(most, ++holders);
          await checkpoint();
          holders--;
        });
      }
    });
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test("disposing an acquisition a second time does nothing", async () => {
    const semaphore = new Semaphore(1, { maxValue: 1 });
    await run(async () => {
      const acquisition = await semaphore.acquire();
      acquisition[Symbol.dispose]();
      acquisition[Symbol.dispose]();
      expect(semaphore.value).toBe(1);
    });
  });

  test("a slot may be released by another task, or outside run()", async () => {
    const semaphore = new Semaphore(1);
    await inTaskGroup(async (tg) => {
      await semaphore.acquire();
      tg.startSoon(async () => semaphore.release());
    });
    expect(semaphore.value).toBe(1);
    semaphore.acquireNowait();
    semaphore.release();
    expect(semaphore.value).toBe(1);
  });
});

describe("no queue jumping", () => {
  test("acquireNowait() takes a free slot and raises WouldBlock when none is left", () => {
    const semaphore = new Semaphore(1);
    semaphore.acquireNowait();
    expect(semaphore.value).toBe(0);
    expect(() => semaphore.acquireNowait()).toThrow(WouldBlock);
  });

  test("release() hands the slot to the waiter at once: the value stays 0 and acquireNowait() raises WouldBlock", async () => {
    const semaphore = new Semaphore(1);
    await inTaskGroup(async (tg) => {
      semaphore.acquireNowait();
      tg.startSoon(() => semaphore.acquire());
      await waitAllTasksBlocked();
      semaphore.release();
      expect(semaphore.value).toBe(0);
      expect(() => semaphore.acquireNowait()).toThrow(WouldBlock);
    });
  });
});

describe("acquire() is a checkpoint", () => {
  test.each([false, true])(
    "in a cancelled scope it raises and takes nothing, even with a free slot (fastAcquire: %s)",
    async (fastAcquire) => {
      const semaphore = new Semaphore(1, { fastAcquire });
      const error = await caughtInCancelledScope(() => semaphore.acquire());
      expect(error).toBeInstanceOf(Cancelled);
      expect(semaphore.value).toBe(1);
    },
  );

  test("an uncontended acquire() is a checkpoint", async () => {
    const semaphore = new Semaphore(1);
    await run(async () => {
      const acquisition = await assertCheckpoints(() => semaphore.acquire());
      expect(semaphore.value).toBe(0);
      acquisition[Symbol.dispose]();
    });
  });

  test.each([false, true])(
    "an acquire() that waits for a release is a checkpoint (fastAcquire: %s)",
    async (fastAcquire) => {
      const semaphore = new Semaphore(0, { fastAcquire });
      await run(async () => {
        const acquisition = await assertCheckpoints(() => {
          const acquiring = semaphore.acquire();
          semaphore.release();
          return acquiring;
        });
        expect(semaphore.value).toBe(0);
        acquisition[Symbol.dispose]();
      });
      expect(semaphore.value).toBe(1);
    },
  );

  test("with fastAcquire an uncontended acquire() is only a cancel point: it takes the slot without letting other tasks run", async () => {
    const semaphore = new Semaphore(1, { fastAcquire: true });
    await run(async () => {
      const error = await caught(assertCheckpoints(() => semaphore.acquire()));
      expect((error as Error).message).toMatch(NO_CHECKPOINT);
      expect((error as Error).message).toContain(CANCEL_POINT_ONLY);
      expect(semaphore.value).toBe(0);
      semaphore.release();
    });
  });
});

describe("operations that are never checkpoints", () => {
  test("acquireNowait() is no checkpoint, whether it takes a slot or raises WouldBlock", async () => {
    const semaphore = new Semaphore(1);
    await run(async () => {
      const acquisition = await assertNoCheckpoints(() => semaphore.acquireNowait());
      expect(semaphore.value).toBe(0);
      expect(await caught(assertNoCheckpoints(() => semaphore.acquireNowait()))).toBeInstanceOf(WouldBlock);
      acquisition[Symbol.dispose]();
    });
  });

  test("release() is no checkpoint, also when it hands the slot to a waiter", async () => {
    const semaphore = new Semaphore(1);
    let waiterGotIn = false;
    await inTaskGroup(async (tg) => {
      semaphore.acquireNowait();
      await assertNoCheckpoints(() => semaphore.release());
      expect(semaphore.value).toBe(1);
      semaphore.acquireNowait();
      tg.startSoon(async () => {
        using _ = await semaphore.acquire();
        waiterGotIn = true;
      });
      await waitAllTasksBlocked();
      const waitingAfterRelease = await assertNoCheckpoints(() => {
        semaphore.release();
        return semaphore.statistics().tasksWaiting;
      });
      expect(waitingAfterRelease).toBe(0);
    });
    expect(waiterGotIn).toBe(true);
  });

  test("statistics() is no checkpoint", async () => {
    const semaphore = new Semaphore(1);
    await run(async () => {
      expect(await assertNoCheckpoints(() => semaphore.statistics())).toEqual({ tasksWaiting: 0 });
    });
  });
});

describe("cancellation", () => {
  test.each([
    ["release after the waiter is cancelled", false],
    ["release first", true],
  ])("a waiter cancelled in its acquire() never gets the slot (%s)", async (_name, releaseFirst) => {
    const semaphore = new Semaphore(1);
    let acquired = false;
    await inTaskGroup(async (tg) => {
      await semaphore.acquire();
      await tg.start(async (status: TaskStatus) => {
        status.started();
        using _ = await semaphore.acquire();
        acquired = true;
      });
      tg.cancel();
      await new CancelScope({ shield: true }).run(async () => {
        if (releaseFirst) {
          semaphore.release();
          await waitAllTasksBlocked();
        } else {
          await waitAllTasksBlocked();
          semaphore.release();
        }
      });
    });
    expect(acquired).toBe(false);
    expect(semaphore.value).toBe(1);
  });

  test("cancelled before the release: the waiter leaves the queue and the slot is free again", async () => {
    const semaphore = new Semaphore(1, { maxValue: 1 });
    await inTaskGroup(async (tg) => {
      semaphore.acquireNowait();
      const task1 = tg.startSoon(() => semaphore.acquire());
      await waitAllTasksBlocked();
      task1.cancel();
      semaphore.release();
      expect(semaphore.statistics().tasksWaiting).toBe(0);
      await failAfter(3000).run(async () => {
        using _ = await semaphore.acquire();
      });
    });
  });

  test("cancelled after the release handed it the slot: the waiter keeps the slot (no lost slot)", async () => {
    const semaphore = new Semaphore(0, { maxValue: 1 });
    let acquired = false;
    await inTaskGroup(async (tg) => {
      const task1 = tg.startSoon(async () => {
        using _ = await semaphore.acquire();
        acquired = true;
        await checkpoint(); // raises the cancellation; `using` gives the slot back
      });
      await waitAllTasksBlocked();
      semaphore.release();
      task1.cancel();
      expect(semaphore.value).toBe(0);
      await task1.wait();
      expect(semaphore.value).toBe(1);
      expect(semaphore.statistics().tasksWaiting).toBe(0);
      semaphore.acquireNowait();
    });
    expect(acquired).toBe(true);
  });
});

describe("limits and validation", () => {
  test.each([2, null])("maxValue is kept (%s)", (maxValue) => {
    expect(new Semaphore(0, { maxValue }).maxValue).toBe(maxValue);
  });

  test("maxValue defaults to null", () => {
    expect(new Semaphore(3).maxValue).toBeNull();
  });

  test("releasing beyond maxValue throws", () => {
    const semaphore = new Semaphore(1, { maxValue: 2 });
    semaphore.release();
    expect(() => semaphore.release()).toThrow(RangeError);
    expect(() => semaphore.release()).toThrow(/released too many times/);
    expect(semaphore.value).toBe(2);
  });

  test("initialValue must be an integer >= 0", () => {
    expect(() => new Semaphore(1.5)).toThrow(
      new TypeError("Expected `initialValue` to be an integer, got `1.5` (number)"),
    );
    expect(() => new Semaphore("1" as unknown as number)).toThrow(TypeError);
    expect(() => new Semaphore(Infinity)).toThrow(TypeError);
    expect(() => new Semaphore(-1)).toThrow(new RangeError("Expected `initialValue` to be >= 0, got `-1` (number)"));
  });

  test("maxValue must be an integer >= initialValue", () => {
    expect(() => new Semaphore(2, { maxValue: 1 })).toThrow(RangeError);
    expect(() => new Semaphore(2, { maxValue: 1 })).toThrow(/equal to or higher than `initialValue`/);
    expect(() => new Semaphore(1, { maxValue: 2.5 })).toThrow(TypeError);
  });

  test("fastAcquire must be a boolean", () => {
    expect(() => new Semaphore(1, { fastAcquire: 1 as unknown as boolean })).toThrow(TypeError);
  });

  test("options must be an object without unknown keys", () => {
    expect(() => new Semaphore(1, null as never)).toThrow(
      new TypeError("Expected `options` to be an object or undefined, got `null` (object)"),
    );
    expect(() => new Semaphore(1, { max_value: 2 } as never)).toThrow(
      new TypeError(
        "Unknown option `max_value` in `options`: did you mean `maxValue`? The options are `maxValue` and `fastAcquire`",
      ),
    );
    expect(() => new Semaphore(1, { bounded: true } as never)).toThrow(
      new TypeError("Unknown option `bounded` in `options`. The options are `maxValue` and `fastAcquire`"),
    );
  });
});

describe("statistics and use outside run()", () => {
  test("tasksWaiting counts the waiting tasks", async () => {
    const semaphore = new Semaphore(1);
    await inTaskGroup(async (tg) => {
      expect(semaphore.statistics().tasksWaiting).toBe(0);
      {
        using _ = await semaphore.acquire();
        expect(semaphore.statistics().tasksWaiting).toBe(0);
        for (let i = 1; i <= 2; i++) {
          tg.startSoon(async () => {
            using _inner = await semaphore.acquire();
          });
          await waitAllTasksBlocked();
          expect(semaphore.statistics().tasksWaiting).toBe(i);
        }
      }
    });
    expect(semaphore.statistics()).toEqual({ tasksWaiting: 0 });
  });

  test("can be created and inspected outside run(), then used inside", async () => {
    const semaphore = new Semaphore(1, { maxValue: 3 });
    expect(semaphore.value).toBe(1);
    expect(semaphore.maxValue).toBe(3);
    expect(semaphore.statistics().tasksWaiting).toBe(0);
    await run(async () => {
      using _ = await semaphore.acquire();
    });
    expect(semaphore.value).toBe(1);
  });

  test("acquire() outside run() rejects with NoCurrentTaskError", async () => {
    expect(await caught(new Semaphore(1).acquire())).toBeInstanceOf(NoCurrentTaskError);
  });

  test("toString() shows the value and the waiters", () => {
    expect(String(new Semaphore(2, { maxValue: 3 }))).toBe("<Semaphore value=2/3 waiting=0>");
  });
});
