/**
 * Event: a one-shot flag; waiting is a checkpoint, a wake-up is never lost to a cancellation,
 * and it works outside run(). Re-expressed from AnyIO's tests/test_synchronization.py (TestEvent).
 */
import { CancelScope, Cancelled, Event, NoCurrentTaskError, checkpoint, run, waitAllTasksBlocked } from "anyio-ts";
import { assertCheckpoints, assertNoCheckpoints } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { caughtInCancelledScope, inTaskGroup } from "../helpers";

describe("Event", () => {
  test("set() wakes a task waiting on the event", async () => {
    const event = new Event();
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        expect(event.isSet()).toBe(false);
        event.set();
      });
      await event.wait();
    });
    expect(event.isSet()).toBe(true);
  });

  test("a waiter cancelled before set() does not return from wait()", async () => {
    const event = new Event();
    let started = false;
    let returned = false;
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        started = true;
        await event.wait();
        returned = true;
      });
      tg.cancel();
      event.set();
    });
    expect(started).toBe(true);
    expect(returned).toBe(false);
  });

  test("a waiter woken by set() returns normally even when cancelled right after (no lost wake-up)", async () => {
    const event = new Event();
    let woke = false;
    let setterStarted = false;
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        setterStarted = true;
        expect(event.isSet()).toBe(false);
        event.set();
        tg.cancel();
      });
      await event.wait();
      woke = true;
    });
    expect(setterStarted).toBe(true);
    expect(woke).toBe(true);
  });

  test("the cancellation of a woken waiter arrives at its next checkpoint", async () => {
    const event = new Event();
    const log: string[] = [];
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        event.set();
        tg.cancel();
      });
      await event.wait();
      log.push("woke");
      const error = await caught(checkpoint());
      log.push(error instanceof Cancelled ? "cancelled at next checkpoint" : "not cancelled");
      throw error;
    });
    expect(log).toEqual(["woke", "cancelled at next checkpoint"]);
  });

  test("set() wakes the waiters in the order they started waiting", async () => {
    const event = new Event();
    const order: number[] = [];
    await inTaskGroup(async (tg) => {
      for (let i = 0; i < 5; i++) {
        tg.startSoon(async () => {
          await event.wait();
          order.push(i);
        });
      }
      await waitAllTasksBlocked();
      event.set();
    });
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  test("statistics() counts the waiting tasks", async () => {
    const event = new Event();
    await inTaskGroup(async (tg) => {
      expect(event.statistics().tasksWaiting).toBe(0);
      for (let i = 1; i <= 2; i++) {
        tg.startSoon(() => event.wait());
        await waitAllTasksBlocked();
        expect(event.statistics().tasksWaiting).toBe(i);
      }
      event.set();
      expect(event.statistics().tasksWaiting).toBe(0);
    });
    expect(event.statistics()).toEqual({ tasksWaiting: 0 });
  });

  test("a cancelled waiter stops being counted at once", async () => {
    const event = new Event();
    await inTaskGroup(async (tg) => {
      const handle = tg.startSoon(() => event.wait());
      await waitAllTasksBlocked();
      expect(event.statistics().tasksWaiting).toBe(1);
      handle.cancel();
      expect(event.statistics().tasksWaiting).toBe(0);
    });
  });

  test("it cannot be reset: set() again does nothing and there is no clear()", async () => {
    const event = new Event();
    event.set();
    event.set();
    expect(event.isSet()).toBe(true);
    expect((event as unknown as Record<string, unknown>).clear).toBeUndefined();
    await run(() => event.wait());
  });
});

describe("Event.wait() is a checkpoint", () => {
  test("waiting on a set event raises in a cancelled scope", async () => {
    const event = new Event();
    event.set();
    const error = await caughtInCancelledScope(() => event.wait());
    expect(error).toBeInstanceOf(Cancelled);
  });

  test("waiting on a set event is a checkpoint", async () => {
    const event = new Event();
    event.set();
    await run(() => assertCheckpoints(() => event.wait()));
  });

  test("waiting on an unset event until another task sets it is a checkpoint", async () => {
    const event = new Event();
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await waitAllTasksBlocked();
        event.set();
      });
      await assertCheckpoints(() => event.wait());
      expect(event.isSet()).toBe(true);
    });
  });

  test("waiting on an unset event in a cancelled scope raises and does not count as waiting", async () => {
    const event = new Event();
    await run(() =>
      new CancelScope().run(async (scope) => {
        scope.cancel();
        const promise = event.wait();
        expect(event.statistics().tasksWaiting).toBe(0);
        await promise;
      }),
    );
  });
});

describe("set() and statistics() are never checkpoints", () => {
  test("set() is no checkpoint, also when it wakes waiters", async () => {
    const event = new Event();
    await inTaskGroup(async (tg) => {
      tg.startSoon(() => event.wait());
      await waitAllTasksBlocked();
      const waitingAfterSet = await assertNoCheckpoints(() => {
        event.set();
        return event.statistics().tasksWaiting;
      });
      expect(waitingAfterSet).toBe(0);
      await assertNoCheckpoints(() => event.set());
    });
  });

  test("statistics() is no checkpoint", async () => {
    const event = new Event();
    await run(async () => {
      expect(await assertNoCheckpoints(() => event.statistics())).toEqual({ tasksWaiting: 0 });
    });
  });
});

describe("Event outside run()", () => {
  test("can be created, set and inspected outside run(), then waited on inside", async () => {
    const event = new Event();
    expect(event.isSet()).toBe(false);
    expect(event.statistics().tasksWaiting).toBe(0);
    event.set();
    expect(event.isSet()).toBe(true);
    await run(() => event.wait());
  });

  test("wait() outside run() rejects with NoCurrentTaskError", async () => {
    const error = await caught(new Event().wait());
    expect(error).toBeInstanceOf(NoCurrentTaskError);
    expect((error as Error).message).toMatch(/Event\.wait\(\)/);
  });

  test("toString() shows the state", () => {
    const event = new Event();
    expect(String(event)).toBe("<Event unset waiting=0>");
    event.set();
    expect(String(event)).toBe("<Event set waiting=0>");
  });
});
