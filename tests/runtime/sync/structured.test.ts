"use structured";
// The sync primitives under compiled code: every await there is a checkpoint and foreign promises
// are raced against cancellation, so the primitives' own promises must be awaited as they are.
// Otherwise an acquire that already took the resource could lose a race to a cancellation and
// leave the resource held by nobody who knows.
//
// Tasks signal "parked" with an Event set right before the call that parks (in the same
// synchronous segment), rather than with waitAllTasksBlocked().
import {
  CancelScope,
  CapacityLimiter,
  Cancelled,
  Condition,
  Event,
  Lock,
  Semaphore,
  checkpoint,
  createTaskGroup,
  getCurrentTask,
  run,
} from "anyio-ts";
import { isStructured } from "anyio-ts/rt";

test("this file is compiled as structured code", () => {
  const local = async () => {};
  expect(isStructured(local)).toBe(true);
});

describe.each([
  ["Lock", () => new Lock(), (r: unknown) => (r as Lock).locked()],
  ["Semaphore", () => new Semaphore(1), (r: unknown) => (r as Semaphore).value === 0],
  ["CapacityLimiter", () => new CapacityLimiter(1), (r: unknown) => (r as CapacityLimiter).borrowedTokens === 1],
])("%s in structured code", (_name, make, held) => {
  test("a cancellation during the yield after an uncontended acquire does not undo it; the block releases it", async () => {
    const resource = make();
    let acquired = false;
    let error: unknown;
    await run(async () => {
      using scope = new CancelScope();
      setImmediate(() => scope.cancel());
      try {
        using _ = await resource.acquire();
        acquired = true;
        expect(held(resource)).toBe(true);
        await checkpoint();
      } catch (caught) {
        error = caught;
        throw caught;
      }
    });
    expect(acquired).toBe(true);
    expect(error).toBeInstanceOf(Cancelled);
    expect(held(resource)).toBe(false);
  });

  test("a waiter handed the resource and cancelled in the same step keeps it until its block ends", async () => {
    const resource = make();
    const log: string[] = [];
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        const first = await resource.acquire();
        const parked = new Event();
        const waiter = tg.startSoon(async () => {
          parked.set();
          using _ = await resource.acquire();
          log.push("acquired");
          await checkpoint();
          log.push("not cancelled");
        });
        await parked.wait();
        first[Symbol.dispose]();
        waiter.cancel();
      });
    });
    expect(log).toEqual(["acquired"]);
    expect(held(resource)).toBe(false);
  });
});

describe("Condition in structured code", () => {
  test("a waiter cancelled while another task holds the lock raises only once it holds the lock again", async () => {
    const condition = new Condition();
    const log: string[] = [];
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        const parked = new Event();
        const waiter = tg.startSoon(async () => {
          using _ = await condition.acquire();
          try {
            parked.set();
            await condition.wait();
          } catch (error) {
            log.push(`raised, owner is me: ${condition.statistics().lockStatistics.owner === getCurrentTask()}`);
            throw error;
          }
        });
        await parked.wait();
        using _ = await condition.acquire();
        waiter.cancel();
        await checkpoint(); // the waiter is now parked again, to re-acquire the lock
        expect(condition.statistics().lockStatistics.tasksWaiting).toBe(1);
        log.push("holder releases");
      });
    });
    expect(log).toEqual(["holder releases", "raised, owner is me: true"]);
    expect(condition.locked()).toBe(false);
  });

  test("a waiter notified and cancelled in the same step returns from waitFor() and consumes", async () => {
    const condition = new Condition();
    let items = 0;
    let consumed = false;
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        const parked = new Event();
        const consumer = tg.startSoon(async () => {
          using _ = await condition.acquire();
          parked.set();
          await condition.waitFor(() => items > 0);
          items--;
          consumed = true;
        });
        await parked.wait();
        using _ = await condition.acquire();
        items++;
        condition.notify();
        consumer.cancel();
      });
    });
    expect(consumed).toBe(true);
    expect(items).toBe(0);
  });
});

describe("Event in structured code", () => {
  test("set() then cancel in the same step: the waiter returns normally", async () => {
    const event = new Event();
    let woke = false;
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          event.set();
          tg.cancel();
        });
        await event.wait();
        woke = true;
      });
    });
    expect(woke).toBe(true);
  });
});
