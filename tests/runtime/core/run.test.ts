/**
 * run(): the entry point that runs a function as the root task and settles with its outcome.
 */
import {
  ExceptionGroup,
  createTaskGroup,
  currentCancelScope,
  currentEffectiveDeadline,
  currentTime,
  getCurrentTask,
  run,
  sleep,
} from "anyio-ts";
import { caught } from "../../helpers";

describe("run()", () => {
  test("returns the value of an async function", async () => {
    await expect(
      run(async () => {
        await sleep(1);
        return "result";
      }),
    ).resolves.toBe("result");
  });

  test("returns the value of a synchronous function", async () => {
    await expect(run(() => 5)).resolves.toBe(5);
  });

  test("passes the extra arguments to the function", async () => {
    const value = await run(async (a: number, b: string, c: boolean) => `${a}-${b}-${c}`, 1, "two", true);
    expect(value).toBe("1-two-true");
  });

  test("rejects with the very error the function threw", async () => {
    const boom = new RangeError("boom");
    const err = await caught(
      run(async () => {
        await sleep(1);
        throw boom;
      }),
    );
    expect(err).toBe(boom);
  });

  test("rejects with an error thrown synchronously by a non-async function", async () => {
    const boom = new TypeError("sync boom");
    const err = await caught(() =>
      run(() => {
        throw boom;
      }),
    );
    expect(err).toBe(boom);
  });

  test("rejects with a task group's ExceptionGroup unchanged", async () => {
    const boom = new Error("child");
    const err = await caught(
      run(() =>
        createTaskGroup().run(async (tg) => {
          tg.startSoon(async () => {
            throw boom;
          });
        }),
      ),
    );
    expect(err).toBeInstanceOf(ExceptionGroup);
    expect((err as ExceptionGroup).exceptions).toEqual([boom]);
  });

  test("runs the function as a named root task inside a root cancel scope", async () => {
    await run(async function rootOfTheTree() {
      expect(getCurrentTask().name).toMatch(/rootOfTheTree/);
      expect(currentCancelScope()).toBeDefined();
      expect(currentCancelScope().cancelCalled).toBe(false);
      expect(currentEffectiveDeadline()).toBe(Infinity);
    });
  });

  test("successive runs are independent", async () => {
    const first = await run(async () => getCurrentTask().id);
    const second = await run(async () => {
      await sleep(1);
      return getCurrentTask().id;
    });
    expect(typeof first).toBe("number");
    expect(typeof second).toBe("number");
    const third = await run(() => "still works");
    expect(third).toBe("still works");
  });

  test("the clock moves forward across a run", async () => {
    const [start, end] = await run(async () => {
      const t0 = currentTime();
      await sleep(20);
      return [t0, currentTime()];
    });
    expect(end - start).toBeGreaterThanOrEqual(15);
  });
});

describe("a function that asks to be structured but was not compiled", () => {
  // Built from text at run time, so that no transformer ever sees it.
  const uncompiled = new Function(
    'return async function main() { "use strict"; "use structured"; return 1; }',
  )() as () => Promise<number>;
  const warnings = () => {
    const emitted: Array<[string, string | undefined]> = [];
    const spy = jest.spyOn(process, "emitWarning").mockImplementation(((
      message: string,
      options?: { type?: string },
    ) => {
      emitted.push([String(message), options?.type]);
    }) as typeof process.emitWarning);
    return { emitted, restore: () => spy.mockRestore() };
  };

  test("run() warns once, naming the function and the fix", async () => {
    const { emitted, restore } = warnings();
    try {
      expect(await run(uncompiled)).toBe(1);
      expect(await run(uncompiled)).toBe(1);
    } finally {
      restore();
    }
    expect(emitted).toHaveLength(1);
    expect(emitted[0]![1]).toBe("RuntimeWarning");
    expect(emitted[0]![0]).toMatch(
      /^run\(\) was given the function 'main' whose body starts with "use structured" but that the anyio-ts transformer did not compile/,
    );
  });

  test("a plain function, and one that only mentions the directive elsewhere, give no warning", async () => {
    jest.resetModules();
    const fresh = require("anyio-ts") as typeof import("anyio-ts");
    const { emitted, restore } = warnings();
    try {
      await fresh.run(async () => 1);
      await fresh.run(new Function('return async () => { const s = "use structured"; return s; }')());
      await fresh.run(new Function('return async ({ a } = { "use structured": 1 }) => a')());
    } finally {
      restore();
    }
    expect(emitted).toEqual([]);
  });
});
