/**
 * Condition: waiting for notifications under a lock, cancellation, statistics and use outside
 * run(), re-expressed from AnyIO's tests/test_synchronization.py (TestCondition).
 */
import {
  CancelScope,
  Cancelled,
  Condition,
  Event,
  Lock,
  NoCurrentTaskError,
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
import { inTaskGroup } from "../helpers";

const NO_CHECKPOINT = /^assertCheckpoints\(\): the code passed through no checkpoint/;

const NOT_HOLDING = /^The current task is not holding the underlying lock/;

describe("acquiring and waiting", () => {
  test("`using` holds the lock; wait() releases it for the notifier and takes it back", async () => {
    const condition = new Condition();
    await inTaskGroup(async (tg) => {
      using _ = await condition.acquire();
      expect(condition.locked()).toBe(true);
      tg.startSoon(async () => {
        using _inner = await condition.acquire();
        condition.notifyAll();
      });
      await condition.wait();
      expect(condition.statistics().lockStatistics.owner).toBe(getCurrentTask());
    });
    expect(condition.locked()).toBe(false);
  });

  test("acquire() and release() by hand", async () => {
    const condition = new Condition();
    await inTaskGroup(async (tg) => {
      await condition.acquire();
      try {
        expect(condition.locked()).toBe(true);
        tg.startSoon(async () => {
          await condition.acquire();
          try {
            condition.notifyAll();
          } finally {
            condition.release();
          }
        });
        await condition.wait();
      } finally {
        condition.release();
      }
    });
    expect(condition.locked()).toBe(false);
  });

  test("acquireNowait() takes a free lock", async () => {
    const condition = new Condition();
    await run(async () => {
      condition.acquireNowait();
      expect(condition.locked()).toBe(true);
      condition.release();
    });
  });

  test("acquireNowait() raises WouldBlock while another task holds the lock", async () => {
    const condition = new Condition();
    await run(async () => {
      using _ = await condition.acquire();
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          expect(() => condition.acquireNowait()).toThrow(WouldBlock);
        });
      });
    });
  });

  test("a Condition can use a given Lock, which then shows it as held", async () => {
    const lock = new Lock();
    const condition = new Condition(lock);
    await run(async () => {
      using _ = await condition.acquire();
      expect(lock.locked()).toBe(true);
      expect(lock.statistics().owner).toBe(getCurrentTask());
    });
    expect(lock.locked()).toBe(false);
  });

  test("notify(n) wakes the n tasks that waited longest", async () => {
    const condition = new Condition();
    const woken: number[] = [];
    await inTaskGroup(async (tg) => {
      for (let i = 0; i < 5; i++) {
        tg.startSoon(async () => {
          using _ = await condition.acquire();
          await condition.wait();
          woken.push(i);
        });
      }
      await waitAllTasksBlocked();
      {
        using _ = await condition.acquire();
        condition.notify(2);
      }
      await waitAllTasksBlocked();
      expect(woken).toEqual([0, 1]);
      {
        using _ = await condition.acquire();
        condition.notify();
      }
      await waitAllTasksBlocked();
      expect(woken).toEqual([0, 1, 2]);
      {
        using _ = await condition.acquire();
        condition.notify(Infinity);
      }
    });
    expect(woken).toEqual([0, 1, 2, 3, 4]);
  });

  test("waitFor() waits until the predicate holds and returns its value", async () => {
    const condition = new Condition();
    let value: string | null = null;
    let result: string | null = null;
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        using _ = await condition.acquire();
        result = await condition.waitFor(() => value);
      });
      await waitAllTasksBlocked();
      {
        using _ = await condition.acquire();
        condition.notifyAll();
      }
      await waitAllTasksBlocked();
      expect(result).toBeNull();
      value = "foo";
      {
        using _ = await condition.acquire();
        condition.notifyAll();
      }
    });
    expect(result).toBe("foo");
  });

  test("waitFor() returns at once when the predicate already holds", async () => {
    const condition = new Condition();
    await run(async () => {
      using _ = await condition.acquire();
      expect(await condition.waitFor(() => 42)).toBe(42);
    });
  });

  test("waitFor() passes on what the predicate throws, with the lock still held", async () => {
    const condition = new Condition();
    await run(async () => {
      using _ = await condition.acquire();
      const error = await caught(
        condition.waitFor(() => {
          throw new Error("bad predicate");
        }),
      );
      expect((error as Error).message).toBe("bad predicate");
      expect(condition.statistics().lockStatistics.owner).toBe(getCurrentTask());
    });
  });
});

describe("checkpoints", () => {
  test("acquire() of a free lock is a checkpoint", async () => {
    const condition = new Condition();
    await run(async () => {
      const acquisition = await assertCheckpoints(() => condition.acquire());
      expect(condition.locked()).toBe(true);
      acquisition[Symbol.dispose]();
    });
  });

  test("wait() is a checkpoint", async () => {
    const condition = new Condition();
    await inTaskGroup(async (tg) => {
      using _ = await condition.acquire();
      tg.startSoon(async () => {
        using _inner = await condition.acquire();
        condition.notify();
      });
      await waitAllTasksBlocked();
      await assertCheckpoints(() => condition.wait());
      expect(condition.statistics().lockStatistics.owner).toBe(getCurrentTask());
    });
  });

  test("waitFor() is a checkpoint when it has to wait", async () => {
    const condition = new Condition();
    let ready = false;
    await inTaskGroup(async (tg) => {
      using _ = await condition.acquire();
      tg.startSoon(async () => {
        using _inner = await condition.acquire();
        ready = true;
        condition.notify();
      });
      expect(await assertCheckpoints(() => condition.waitFor(() => ready))).toBe(true);
      expect(condition.statistics().lockStatistics.owner).toBe(getCurrentTask());
    });
  });

  test("waitFor() whose predicate already holds is a cancel point only: it does not let other tasks run", async () => {
    const condition = new Condition();
    await run(async () => {
      using _ = await condition.acquire();
      const error = await caught(assertCheckpoints(() => condition.waitFor(() => 42)));
      expect((error as Error).message).toMatch(NO_CHECKPOINT);
      expect((error as Error).message).toContain("(1 cancel point and 0 schedule points)");
    });
  });
});

describe("operations that are never checkpoints", () => {
  test("acquireNowait() and release() are no checkpoints", async () => {
    const condition = new Condition();
    await run(async () => {
      await assertNoCheckpoints(() => condition.acquireNowait());
      expect(condition.locked()).toBe(true);
      await assertNoCheckpoints(() => condition.release());
      expect(condition.locked()).toBe(false);
    });
  });

  test("acquireNowait() that raises WouldBlock is no checkpoint", async () => {
    const condition = new Condition();
    await inTaskGroup(async (tg) => {
      using _ = await condition.acquire();
      tg.startSoon(async () => {
        expect(await caught(assertNoCheckpoints(() => condition.acquireNowait()))).toBeInstanceOf(WouldBlock);
      });
      await waitAllTasksBlocked();
    });
  });

  test.each<[string, (condition: Condition) => void]>([
    ["notify()", (condition) => condition.notify()],
    ["notifyAll()", (condition) => condition.notifyAll()],
  ])("%s is no checkpoint, also when it wakes a waiter", async (_name, notify) => {
    const condition = new Condition();
    let woken = false;
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        using _ = await condition.acquire();
        await condition.wait();
        woken = true;
      });
      await waitAllTasksBlocked();
      using _ = await condition.acquire();
      const waitingAfterNotify = await assertNoCheckpoints(() => {
        notify(condition);
        return condition.statistics().tasksWaiting;
      });
      expect(waitingAfterNotify).toBe(0);
    });
    expect(woken).toBe(true);
  });

  test("statistics() is no checkpoint", async () => {
    const condition = new Condition();
    await run(async () => {
      expect(await assertNoCheckpoints(() => condition.statistics())).toEqual({
        tasksWaiting: 0,
        lockStatistics: { locked: false, owner: null, tasksWaiting: 0 },
      });
    });
  });
});

describe("holding the lock is required", () => {
  test("wait() without the lock throws", async () => {
    const condition = new Condition();
    await run(async () => {
      const error = await caught(condition.wait());
      expect((error as Error).message).toMatch(NOT_HOLDING);
      expect(condition.statistics().tasksWaiting).toBe(0);
    });
  });

  test("waitFor(), notify() and notifyAll() without the lock throw", async () => {
    const condition = new Condition();
    await run(async () => {
      expect(((await caught(condition.waitFor(() => true))) as Error).message).toMatch(NOT_HOLDING);
      expect(() => condition.notify()).toThrow(NOT_HOLDING);
      expect(() => condition.notifyAll()).toThrow(NOT_HOLDING);
    });
  });

  test("wait() while another task holds the lock throws", async () => {
    const condition = new Condition();
    await run(async () => {
      using _ = await condition.acquire();
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          expect(((await caught(condition.wait())) as Error).message).toMatch(NOT_HOLDING);
        });
      });
    });
  });

  test("notify(n) checks n", async () => {
    const condition = new Condition();
    await run(async () => {
      using _ = await condition.acquire();
      expect(() => condition.notify(-1)).toThrow(RangeError);
      expect(() => condition.notify(1.5)).toThrow(TypeError);
      condition.notify(0);
    });
  });

  test("the lock argument must be a Lock", () => {
    expect(() => new Condition({} as Lock)).toThrow(TypeError);
    expect(() => new Condition(null as never)).toThrow(
      new TypeError("Expected `lock` to be a Lock, got `null` (object)"),
    );
    expect(() => new Condition("lock" as never)).toThrow(
      new TypeError('Expected `lock` to be a Lock, got `"lock"` (string)'),
    );
  });
});

describe("cancellation", () => {
  test("a waiter cancelled while waiting is not notified, and leaves wait() holding the lock", async () => {
    const condition = new Condition();
    const entered = new Event();
    let started = false;
    let notified = false;
    let heldWhenCancelled = false;
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        started = true;
        using _ = await condition.acquire();
        entered.set();
        try {
          await condition.wait();
          notified = true;
        } catch (error) {
          heldWhenCancelled = condition.statistics().lockStatistics.owner === getCurrentTask();
          throw error;
        }
      });
      await entered.wait();
      await waitAllTasksBlocked();
      tg.cancel();
    });
    expect(started).toBe(true);
    expect(notified).toBe(false);
    expect(heldWhenCancelled).toBe(true);
    expect(condition.locked()).toBe(false);
  });

  test("a cancelled waiter re-acquires the lock behind its current holder before raising", async () => {
    const condition = new Condition();
    const log: string[] = [];
    await inTaskGroup(async (tg) => {
      const waiter = tg.startSoon(async () => {
        using _ = await condition.acquire();
        const error = await caught(condition.wait());
        log.push(`waiter raised ${(error as Error).name} holding the lock`);
        throw error;
      });
      await waitAllTasksBlocked();
      {
        using _ = await condition.acquire();
        waiter.cancel();
        await new CancelScope({ shield: true }).run(() => waitAllTasksBlocked());
        log.push("holder releases");
      }
    });
    expect(log).toEqual(["holder releases", "waiter raised Cancelled holding the lock"]);
  });

  test("a notification goes to the next waiter when the first was cancelled before it was notified", async () => {
    const condition = new Condition();
    const woken: string[] = [];
    await inTaskGroup(async (tg) => {
      const scope1 = new CancelScope();
      const waiter = (name: string, scope: CancelScope) => async () => {
        await scope.run(async () => {
          using _ = await condition.acquire();
          await condition.wait();
          woken.push(name);
        });
      };
      tg.startSoon(waiter("first", scope1));
      tg.startSoon(waiter("second", failAfter(3000)));
      await waitAllTasksBlocked();
      using _ = await condition.acquire();
      scope1.cancel();
      condition.notify(1);
    });
    expect(woken).toEqual(["second"]);
  });

  test("a waiter notified and then cancelled still returns from wait() normally (no lost notification)", async () => {
    const condition = new Condition();
    const log: string[] = [];
    let items = 0;
    await inTaskGroup(async (tg) => {
      const consumer = tg.startSoon(async () => {
        using _ = await condition.acquire();
        await condition.waitFor(() => items > 0);
        items--;
        log.push("consumed");
        const error = await caught(checkpoint());
        log.push(error instanceof Cancelled ? "cancelled at the next checkpoint" : "not cancelled");
        throw error;
      });
      await waitAllTasksBlocked();
      {
        using _ = await condition.acquire();
        items++;
        condition.notify();
        consumer.cancel();
      }
    });
    expect(items).toBe(0);
    expect(log).toEqual(["consumed", "cancelled at the next checkpoint"]);
  });

  test("wait() in a cancelled scope raises at once and keeps the lock", async () => {
    const condition = new Condition();
    await run(async () => {
      using _ = await condition.acquire();
      await new CancelScope().run(async (scope) => {
        scope.cancel();
        const error = await caught(condition.wait());
        expect(error).toBeInstanceOf(Cancelled);
        expect(condition.statistics().tasksWaiting).toBe(0);
        expect(condition.statistics().lockStatistics.owner).toBe(getCurrentTask());
        throw error;
      });
    });
    expect(condition.locked()).toBe(false);
  });

  test("waitFor() in a cancelled scope raises even when the predicate holds", async () => {
    const condition = new Condition();
    await run(async () => {
      using _ = await condition.acquire();
      let error: unknown;
      await new CancelScope().run(async (scope) => {
        scope.cancel();
        error = await caught(condition.waitFor(() => true));
        throw error;
      });
      expect(error).toBeInstanceOf(Cancelled);
    });
  });
});

describe("statistics and use outside run()", () => {
  test("tasksWaiting counts the waiters not yet notified; lockStatistics is the lock's", async () => {
    const condition = new Condition();
    await inTaskGroup(async (tg) => {
      expect(condition.statistics().lockStatistics.locked).toBe(false);
      expect(condition.statistics().tasksWaiting).toBe(0);
      {
        using _ = await condition.acquire();
        expect(condition.statistics().lockStatistics.locked).toBe(true);
        expect(condition.statistics().tasksWaiting).toBe(0);
      }
      for (let i = 1; i <= 2; i++) {
        tg.startSoon(async () => {
          using _ = await condition.acquire();
          await condition.wait();
        });
        await waitAllTasksBlocked();
        expect(condition.statistics().tasksWaiting).toBe(i);
      }
      for (let i = 1; i >= 0; i--) {
        {
          using _ = await condition.acquire();
          condition.notify(1);
        }
        await waitAllTasksBlocked();
        expect(condition.statistics().tasksWaiting).toBe(i);
      }
    });
    expect(condition.statistics()).toEqual({
      tasksWaiting: 0,
      lockStatistics: { locked: false, owner: null, tasksWaiting: 0 },
    });
  });

  test("can be created outside run() and used inside", async () => {
    const condition = new Condition();
    expect(condition.statistics().tasksWaiting).toBe(0);
    await run(async () => {
      using _ = await condition.acquire();
    });
  });

  test("wait() outside run() rejects with NoCurrentTaskError", async () => {
    expect(await caught(new Condition().wait())).toBeInstanceOf(NoCurrentTaskError);
  });

  test("toString() shows the waiters and the lock", () => {
    expect(String(new Condition())).toBe("<Condition waiting=0 lock=<Lock unlocked waiting=0>>");
  });
});
