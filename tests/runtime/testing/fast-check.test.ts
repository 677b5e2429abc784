/**
 * anyio-ts/fast-check: each run of a structured property is a fresh run on a fresh autojump
 * clock, so timing properties check exact times, failures shrink to the smallest case, and a
 * seed replays the same failure.
 */
import fc from "fast-check";
import { createTaskGroup, currentTime, getCurrentTask, moveOnAfter, sleep, sleepForever } from "anyio-ts";
import { MockClock, ResourceLeakError, currentMockClock } from "anyio-ts/jest";
import { structuredProperty } from "anyio-ts/fast-check";
import { stopwatch } from "../../helpers";

describe("structuredProperty", () => {
  test("runs each case inside run() on an autojump clock: timeouts land exactly, in no real time", async () => {
    const realTime = stopwatch();
    await fc.assert(
      structuredProperty(fc.nat(1_000_000), fc.nat(1_000_000), async (timeout, extra) => {
        expect(currentTime()).toBe(0);
        const scope = moveOnAfter(timeout);
        await scope.run(() => sleep(timeout + extra + 1));
        expect(scope.cancelledCaught).toBe(true);
        expect(currentTime()).toBe(timeout);
      }),
      { numRuns: 50 },
    );
    // Fifty runs of up to a thousand virtual seconds each.
    expect(realTime()).toBeLessThan(10_000);
  });

  test("each case is a fresh run: a new root task and a clock back at 0", async () => {
    const roots = new Set<number>();
    await fc.assert(
      structuredProperty(fc.integer({ min: 1, max: 10_000 }), async (ms) => {
        roots.add(getCurrentTask().id);
        expect(currentMockClock()).toBeInstanceOf(MockClock);
        expect(currentTime()).toBe(0);
        await sleep(ms);
      }),
      { numRuns: 20 },
    );
    expect(roots.size).toBe(20);
  });

  test("a failing property shrinks to the smallest counterexample", async () => {
    // "Every task group finishes within 1000 ms" is false once a child sleeps 1000 ms or more.
    const property = structuredProperty(fc.array(fc.nat(5000), { minLength: 1 }), async (naps) => {
      await createTaskGroup().run((tg) => {
        for (const nap of naps) tg.startSoon(sleep, nap);
      });
      if (currentTime() >= 1000) throw new Error(`took ${currentTime()} ms`);
    });
    const result = await fc.check(property, { seed: 42 });
    expect(result.failed).toBe(true);
    expect(result.counterexample).toEqual([[1000]]);
    expect((result.errorInstance as Error).message).toBe("took 1000 ms");
  });

  test("the same seed replays the same failure, shrinking the same way", async () => {
    const property = () =>
      structuredProperty(fc.nat(10_000), fc.nat(10_000), async (a, b) => {
        const scope = moveOnAfter(a);
        await scope.run(() => sleep(b));
        return !scope.cancelledCaught || b - a < 500;
      });
    const first = await fc.check(property(), { seed: 7 });
    const second = await fc.check(property(), { seed: 7 });
    expect(first.failed).toBe(true);
    expect(second.counterexample).toEqual(first.counterexample);
    expect(second.numShrinks).toBe(first.numShrinks);
    expect(first.counterexample).toEqual([0, 500]);
    // And the reported path replays just that case.
    const replay = await fc.check(property(), { seed: 7, path: first.counterexamplePath!, endOnFailure: true });
    expect(replay.counterexample).toEqual(first.counterexample);
  });

  test("returning false fails the case, as with fc.asyncProperty", async () => {
    const result = await fc.check(
      structuredProperty(fc.nat(100), async (n) => n < 50),
      { seed: 1 },
    );
    expect(result.failed).toBe(true);
    expect(result.counterexample).toEqual([50]);
  });

  test("a case that leaks fails with ResourceLeakError, and shrinks like any failure", async () => {
    const result = await fc.check(
      structuredProperty(fc.nat(20), async (n) => {
        if (n >= 7) setTimeout(function leftBehind() {}, 10_000);
      }),
      { seed: 3 },
    );
    expect(result.failed).toBe(true);
    expect(result.counterexample).toEqual([7]);
    expect(result.errorInstance).toBeInstanceOf(ResourceLeakError);
    expect((result.errorInstance as ResourceLeakError).leaks[0].description).toBe("setTimeout(leftBehind, 10000 ms)");
  });

  test("a case that hangs fails with TimeoutError after the real-time deadline", async () => {
    const result = await fc.check(
      structuredProperty({ timeout: 30 }, fc.constant(0), async () => {
        await sleepForever();
      }),
      { numRuns: 1 },
    );
    expect(result.failed).toBe(true);
    expect((result.errorInstance as Error).name).toBe("TimeoutError");
  });

  test("options come first: clock, timeout, leak checking", async () => {
    await fc.assert(
      structuredProperty({ clock: "real", checkLeaks: false }, fc.nat(3), async (ms) => {
        expect(() => currentMockClock()).toThrow(/does not use a MockClock/);
        await sleep(ms);
      }),
      { numRuns: 3 },
    );
  });

  test("rejects a missing predicate and bad options", () => {
    expect(() => (structuredProperty as (...args: unknown[]) => unknown)(fc.nat())).toThrow(
      /Expected the last argument of structuredProperty\(\) to be the predicate/,
    );
    expect(() => structuredProperty({ clock: "slow" as "real" }, fc.nat(), async () => {})).toThrow(/Expected `clock`/);
  });

  test("rejects an unknown option, and null in place of the options", () => {
    expect(() => structuredProperty({ checkLeak: false } as never, fc.nat(), async () => {})).toThrow(
      new TypeError(
        "Unknown option `checkLeak` in `options`: did you mean `checkLeaks`? The options are `timeout`, `clock` and `checkLeaks`",
      ),
    );
    expect(() => (structuredProperty as (...args: unknown[]) => unknown)(null, fc.nat(), async () => {})).toThrow(
      new TypeError("Expected `options` to be an object or undefined, got `null` (object)"),
    );
  });
});
