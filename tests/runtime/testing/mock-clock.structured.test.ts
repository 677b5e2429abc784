"use structured";
// The mock clock under compiled code: `using` scopes, `await using` task groups and raced
// foreign promises all follow it, in tests registered with structuredTest.
import {
  TimeoutError,
  createTaskGroup,
  currentTime,
  failAfter,
  moveOnAfter,
  sleep,
  sleepForever,
  waitAllTasksBlocked,
} from "anyio-ts";
import { isStructured } from "anyio-ts/rt";
import { currentMockClock, structuredDescribe, structuredTest } from "anyio-ts/jest";

test("this file is compiled as structured code", () => {
  const local = async () => {};
  expect(isStructured(local)).toBe(true);
});

structuredDescribe(
  "on an autojump clock",
  () => {
    structuredTest("`using moveOnAfter` gives up at exactly its deadline", async () => {
      let reached = false;
      {
        using scope = moveOnAfter(90_000);
        await sleepForever();
        reached = scope.cancelCalled; // never runs: the block ends at the sleep
      }
      expect(reached).toBe(false);
      expect(currentTime()).toBe(90_000);
    });

    structuredTest("`using failAfter` raises TimeoutError at its deadline, after the block's cleanup", async () => {
      const log: string[] = [];
      try {
        using _ = failAfter(30_000, { reason: "too slow" });
        try {
          await sleep(45_000);
        } finally {
          log.push(`cleanup at ${currentTime()}`);
        }
      } catch (error) {
        expect(error).toEqual(new TimeoutError("too slow"));
        log.push("timed out");
      }
      expect(log).toEqual(["cleanup at 30000", "timed out"]);
    });

    structuredTest("children of an `await using` group each wake at their own time", async () => {
      const woke: string[] = [];
      {
        await using tg = createTaskGroup();
        for (const [name, ms] of [
          ["hour", 3_600_000],
          ["minute", 60_000],
          ["second", 1000],
        ] as const) {
          tg.startSoon(async () => {
            await sleep(ms);
            woke.push(`${name}@${currentTime()}`);
          });
        }
      }
      expect(woke).toEqual(["second@1000", "minute@60000", "hour@3600000"]);
    });

    structuredTest("a foreign promise raced by compiled code counts as blocked: its deadline jumps", async () => {
      const scope = moveOnAfter(10_000);
      {
        using _ = scope;
        await new Promise(() => {}); // never settles; the scope's deadline ends the await
      }
      expect(scope.cancelledCaught).toBe(true);
      expect(currentTime()).toBe(10_000);
    });
  },
  { clock: "autojump" },
);

structuredTest(
  "on a manual clock, a structured sleeper wakes when the test advances the clock",
  async () => {
    const woke: number[] = [];
    {
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        await sleep(250);
        woke.push(currentTime());
      });
      await waitAllTasksBlocked();
      expect(woke).toEqual([]);
      currentMockClock().advance(250);
    }
    expect(woke).toEqual([250]);
  },
  { clock: "manual" },
);
