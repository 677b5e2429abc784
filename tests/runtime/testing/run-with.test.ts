/**
 * runWith(options, fn, ...args): run() with options, the clock first among them. A clock with
 * only now() is waited on with host timers; one with attach() drives the run itself.
 */
import { currentTime, moveOnAfter, run, runWith, sleep, sleepForever, type Clock } from "anyio-ts";
import { MockClock } from "anyio-ts/jest";
import { caught } from "../../helpers";

test("behaves like run(): passes the arguments and resolves to the value", async () => {
  const sum = await runWith(
    {},
    async (a: number, b: number) => {
      await sleep(1);
      return a + b;
    },
    2,
    3,
  );
  expect(sum).toBe(5);
});

test("a clock with only now() is read for the time, and its deadlines are met with host timers", async () => {
  const offset = 1_000_000;
  const shifted: Clock = { now: () => performance.now() + offset };
  const result = await runWith({ clock: shifted }, async () => {
    const start = currentTime();
    expect(start).toBeGreaterThanOrEqual(offset);
    const scope = moveOnAfter(20);
    expect(scope.deadline).toBeGreaterThanOrEqual(start + 20);
    await scope.run(() => sleepForever());
    return { cancelled: scope.cancelledCaught, elapsed: currentTime() - start };
  });
  expect(result.cancelled).toBe(true);
  expect(result.elapsed).toBeGreaterThanOrEqual(19);
});

test("rejects options that are not an object and a clock without now()", async () => {
  expect(await caught(runWith(null as unknown as object, () => 1))).toEqual(
    new TypeError("Expected `options` to be an object, got `null` (object)"),
  );
  expect(await caught(runWith({ clock: {} as Clock }, () => 1))).toEqual(
    new TypeError(
      "Expected `options.clock` to be a clock (an object with a now() method) or undefined, got `[object Object]` (object)",
    ),
  );
  expect(await caught(runWith({}, "fn" as unknown as () => void))).toBeInstanceOf(TypeError);
});

test("cannot be called inside a running task, like run()", async () => {
  await run(async () => {
    const error = await caught(runWith({ clock: new MockClock() }, () => 1));
    expect((error as Error).message).toMatch(/cannot be called inside a running task/);
  });
});

test("a clock refused by a run is free for the next one", async () => {
  const clock = new MockClock({ autojumpThreshold: 0 });
  const busy = runWith({ clock }, () => sleep(10));
  await caught(runWith({ clock }, () => 1));
  await busy;
  await expect(runWith({ clock }, () => currentTime())).resolves.toBe(10);
});

test("runWith rejects an unknown option, suggesting the one meant", async () => {
  await expect(runWith({ clok: undefined } as never, async () => 1)).rejects.toThrow(
    new TypeError(
      "Unknown option `clok` in `options`: did you mean `clock`? The options are `clock`, `signals` and `dumpOnSignal`",
    ),
  );
});
