/**
 * Checkpoints, sleeping, waitAllTasksBlocked and the "no lost result" rule (a cancellation that
 * comes after an operation's result was delivered does not undo it: it waits for the next
 * checkpoint).
 */
import {
  CancelScope,
  Cancelled,
  Event,
  cancelShieldedCheckpoint,
  checkpoint,
  checkpointIfCancelled,
  currentTime,
  isCancelled,
  moveOnAfter,
  run,
  sleep,
  sleepForever,
  sleepUntil,
  waitAllTasksBlocked,
} from "anyio-ts";
import { assertCheckpoints, assertNoCheckpoints } from "anyio-ts/jest";
import { LONG, caught, stopwatch } from "../../helpers";
import { inTaskGroup } from "../helpers";

const NO_CHECKPOINT = /^assertCheckpoints\(\): the code passed through no checkpoint/;

describe("checkpoint()", () => {
  test("is a checkpoint", async () => {
    await run(() => assertCheckpoints(() => checkpoint()));
  });

  test("yields to the event loop, so a macrotask queued before it runs first", async () => {
    let immediateRan = false;
    await run(async () => {
      setImmediate(() => {
        immediateRan = true;
      });
      await checkpoint();
      expect(immediateRan).toBe(true);
    });
  });

  test("raises Cancelled in a cancelled scope", async () => {
    let raised: unknown;
    await run(() =>
      new CancelScope().run(async (scope) => {
        scope.cancel();
        try {
          await checkpoint();
        } catch (e) {
          raised = e;
          throw e;
        }
      }),
    );
    expect(raised).toBeInstanceOf(Cancelled);
  });

  test("two tasks taking turns at checkpoints both make progress", async () => {
    const counts = { a: 0, b: 0 };
    await inTaskGroup(async (tg) => {
      for (const key of ["a", "b"] as const) {
        tg.startSoon(async () => {
          for (let i = 0; i < 5; i++) {
            counts[key]++;
            await checkpoint();
          }
        });
      }
      await checkpoint();
      await checkpoint();
      expect(counts.a).toBeGreaterThan(0);
      expect(counts.b).toBeGreaterThan(0);
    });
    expect(counts).toEqual({ a: 5, b: 5 });
  });
});

describe("checkpointIfCancelled()", () => {
  test("raises Cancelled in a cancelled scope", async () => {
    const scope = new CancelScope();
    await run(() =>
      scope.run(async () => {
        scope.cancel();
        await checkpointIfCancelled();
        throw new Error("unreachable");
      }),
    );
    expect(scope.cancelledCaught).toBe(true);
  });

  test("is only a cancel point: it does not let other tasks run", async () => {
    const error = await run(() => caught(assertCheckpoints(() => checkpointIfCancelled())));
    expect((error as Error).message).toMatch(NO_CHECKPOINT);
    expect((error as Error).message).toContain("(1 cancel point and 0 schedule points)");
  });
});

describe("cancelShieldedCheckpoint()", () => {
  test("never raises, even in a cancelled scope", async () => {
    const log: string[] = [];
    const scope = new CancelScope();
    await run(() =>
      scope.run(async () => {
        scope.cancel();
        await cancelShieldedCheckpoint();
        log.push("passed");
        await cancelShieldedCheckpoint();
        log.push("passed again");
      }),
    );
    expect(log).toEqual(["passed", "passed again"]);
    expect(scope.cancelledCaught).toBe(false);
  });

  test("is only a schedule point: it lets other tasks run without checking for cancellation", async () => {
    const error = await run(() => caught(assertCheckpoints(() => cancelShieldedCheckpoint())));
    expect((error as Error).message).toMatch(NO_CHECKPOINT);
    expect((error as Error).message).toContain("(0 cancel points and 1 schedule point)");
  });
});

describe("sleeping", () => {
  test("sleep(ms) waits at least about ms on the runtime's clock", async () => {
    await run(async () => {
      const before = currentTime();
      await sleep(50);
      expect(currentTime() - before).toBeGreaterThanOrEqual(45);
    });
  });

  test("currentTime() is a millisecond clock that never goes backwards", async () => {
    await run(async () => {
      const t0 = currentTime();
      const wall = stopwatch();
      await sleep(30);
      const t1 = currentTime();
      expect(t1).toBeGreaterThanOrEqual(t0);
      // same unit as a millisecond wall clock, within generous bounds
      expect(t1 - t0).toBeGreaterThan(wall() / 2);
      expect(t1 - t0).toBeLessThan(wall() * 2 + 50);
    });
  });

  test.each([0, 10])("sleep(%p) is a checkpoint", async (ms) => {
    await run(() => assertCheckpoints(() => sleep(ms)));
  });

  test("sleep(0) raises when cancelled", async () => {
    const log: string[] = [];
    await run(async () => {
      await new CancelScope().run(async (scope) => {
        scope.cancel();
        try {
          await sleep(0);
          log.push("unreachable");
        } catch (e) {
          log.push(isCancelled(e) ? "cancelled" : "other");
          throw e;
        }
      });
    });
    expect(log).toEqual(["cancelled"]);
  });

  test("a sleep in an already cancelled scope raises at once", async () => {
    const elapsed = stopwatch();
    await run(() =>
      new CancelScope().run(async (scope) => {
        scope.cancel();
        await sleep(LONG);
      }),
    );
    expect(elapsed()).toBeLessThan(LONG / 2);
  });

  test("sleepUntil() waits until the given time", async () => {
    await run(async () => {
      const deadline = currentTime() + 40;
      await sleepUntil(deadline);
      expect(currentTime()).toBeGreaterThanOrEqual(deadline - 5);
    });
  });

  test("sleepUntil() is a checkpoint", async () => {
    await run(() => assertCheckpoints(() => sleepUntil(currentTime() + 10)));
  });

  test("sleepUntil() a time in the past returns, but is still a checkpoint", async () => {
    const log: string[] = [];
    await run(async () => {
      await assertCheckpoints(() => sleepUntil(currentTime() - 1000));
      log.push("returned");
      await new CancelScope().run(async (scope) => {
        scope.cancel();
        await sleepUntil(currentTime() - 1000);
        log.push("unreachable");
      });
    });
    expect(log).toEqual(["returned"]);
  });

  test("sleepForever() returns only by cancellation", async () => {
    const log: string[] = [];
    await run(async () => {
      const scope = moveOnAfter(30);
      await scope.run(async () => {
        await sleepForever();
        log.push("unreachable");
      });
      expect(scope.cancelledCaught).toBe(true);
    });
    expect(log).toEqual([]);
  });
});

describe("currentTime()", () => {
  test("is no checkpoint", async () => {
    expect(typeof (await run(() => assertNoCheckpoints(() => currentTime())))).toBe("number");
  });
});

describe("waitAllTasksBlocked()", () => {
  test("is a checkpoint", async () => {
    await inTaskGroup(async (tg) => {
      tg.startSoon(() => sleep(LONG));
      await assertCheckpoints(() => waitAllTasksBlocked());
      tg.cancel();
    });
  });

  test("returns once every other task is blocked", async () => {
    const counts = [0, 0, 0];
    await inTaskGroup(async (tg) => {
      for (let i = 0; i < 3; i++) {
        tg.startSoon(async () => {
          for (let j = 0; j < 10; j++) {
            counts[i]++;
            await checkpoint();
          }
          await sleepForever();
        });
      }
      await waitAllTasksBlocked();
      expect(counts).toEqual([10, 10, 10]);
      tg.cancel();
    });
  });

  test("a task sleeping on a timer counts as blocked", async () => {
    const log: string[] = [];
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        log.push("sleeping");
        await sleep(LONG);
        log.push("woke");
      });
      const elapsed = stopwatch();
      await waitAllTasksBlocked();
      expect(log).toEqual(["sleeping"]);
      expect(elapsed()).toBeLessThan(LONG / 2);
      tg.cancel();
    });
  });

  test("returns at once when there are no other tasks", async () => {
    const elapsed = stopwatch();
    await run(async () => {
      await waitAllTasksBlocked();
    });
    expect(elapsed()).toBeLessThan(LONG / 2);
  });
});

describe("no lost result", () => {
  test("a task whose wait on a finished task was already woken completes it; cancel lands at the next checkpoint", async () => {
    const log: string[] = [];
    await inTaskGroup(async (tg) => {
      const target = tg.startSoon(async () => {
        await sleep(20);
        return "target done";
      });
      // registered first, so it is woken first and cancels the waiter after the waiter's
      // wake-up was already scheduled
      let waiterCancel: () => void = () => {};
      tg.startSoon(async () => {
        await target.wait();
        waiterCancel();
      });
      const waiter = tg.startSoon(async () => {
        await target.wait();
        log.push("waiter woke");
        try {
          await checkpoint();
          log.push("not cancelled");
        } catch (e) {
          log.push(isCancelled(e) ? "cancelled at next checkpoint" : "other");
          throw e;
        }
      });
      waiterCancel = () => waiter.cancel();
    });
    expect(log).toEqual(["waiter woke", "cancelled at next checkpoint"]);
  });

  test("an Event set and then a cancel in the same step: the wait returns, the next checkpoint raises", async () => {
    const log: string[] = [];
    await inTaskGroup(async (tg) => {
      const event = new Event();
      const waiter = tg.startSoon(async () => {
        await event.wait();
        log.push("woke");
        try {
          await checkpoint();
          log.push("not cancelled");
        } catch (e) {
          log.push(isCancelled(e) ? "cancelled" : "other");
          throw e;
        }
      });
      await waitAllTasksBlocked();
      event.set();
      waiter.cancel();
    });
    expect(log).toEqual(["woke", "cancelled"]);
  });

  test("a cancel before the wake-up was scheduled wins: the wait raises", async () => {
    const log: string[] = [];
    await inTaskGroup(async (tg) => {
      const event = new Event();
      const waiter = tg.startSoon(async () => {
        try {
          await event.wait();
          log.push("woke");
        } catch (e) {
          log.push(isCancelled(e) ? "cancelled" : "other");
          throw e;
        }
      });
      await waitAllTasksBlocked();
      waiter.cancel();
      event.set();
    });
    expect(log).toEqual(["cancelled"]);
  });
});

describe("sleeping past the host's longest timer", () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  test("outside run(), sleep() longer than 2^31-1 ms sleeps its full length (timers are chained)", async () => {
    jest.useFakeTimers();
    let done = false;
    void sleep(2 ** 31 + 10).then(() => {
      done = true;
    });
    await jest.advanceTimersByTimeAsync(2 ** 31 - 1);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(20);
    expect(done).toBe(true);
  });

  test("inside run(), a deadline past 2^31-1 ms does not fire early", async () => {
    let expired = false;
    await run(async () => {
      const scope = moveOnAfter(2 ** 31 + 10);
      await scope.run(() => sleep(5));
      expired = scope.cancelledCaught;
    });
    expect(expired).toBe(false);
  });
});

describe("sleeps that outlive their run", () => {
  const ended = /^This sleep belongs to a run\(\) that has ended, so nothing can wake it/;

  test("awaiting a sleep() started in a run that has ended raises instead of hanging", async () => {
    let pending: Promise<void> | undefined;
    await run(async () => {
      pending = sleep(60_000);
    });
    await expect(pending).rejects.toThrow(ended);
  });

  test("the same for sleepForever() and sleepUntil()", async () => {
    let forever: Promise<never> | undefined;
    let until: Promise<void> | undefined;
    await run(async () => {
      forever = sleepForever();
      until = sleepUntil(currentTime() + 60_000);
    });
    await expect(forever).rejects.toThrow(ended);
    await expect(until).rejects.toThrow(ended);
  });

  test("a sleep nobody awaits is not reported as an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", listener);
    try {
      await run(async () => {
        void sleep(60_000);
      });
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("unhandledRejection", listener);
    }
    expect(unhandled).toEqual([]);
  });
});
