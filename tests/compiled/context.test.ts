"use structured";
// Context after awaits, written as structured code: every await of a foreign promise restores
// the task that was running, so runtime calls made after it see the right task.
import { createTaskGroup, getCurrentTask, run, sleep, currentCancelScope, moveOnAfter } from "anyio-ts";
import { isStructured } from "anyio-ts/rt";
import "./no-frame-leaks";

function foreign<T>(value: T, ms = 0): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

describe("context after awaits", () => {
  test("getCurrentTask() right after an await of a foreign promise, in two interleaved tasks", async () => {
    const seen: string[] = [];
    await run(async () => {
      await using tg = createTaskGroup();
      for (const name of ["a", "b"]) {
        tg.startSoon({ name }, async () => {
          for (let i = 0; i < 3; i++) {
            await foreign(i, 1);
            seen.push(`${name}:${getCurrentTask().name}`);
            await Promise.resolve();
            seen.push(`${name}:${getCurrentTask().name}`);
          }
        });
      }
    });
    expect(seen).toHaveLength(12);
    for (const entry of seen) {
      const [expected, actual] = entry.split(":");
      expect(actual).toBe(expected);
    }
  });

  test("nested structured calls keep the caller's task after they return", async () => {
    async function inner(): Promise<string> {
      await foreign(null, 1);
      return getCurrentTask().name;
    }
    const names = await run(async function root() {
      const first = await inner();
      const second = getCurrentTask().name;
      return [first, second];
    });
    expect(names).toEqual(["root", "root"]);
  });

  test("the current scope inside a using block is the block's scope, and the outer one after it", async () => {
    await run(async () => {
      const outer = currentCancelScope();
      {
        using scope = moveOnAfter(1000);
        await foreign(null);
        expect(currentCancelScope()).toBe(scope);
      }
      await sleep(0);
      expect(currentCancelScope()).toBe(outer);
    });
  });

  test("between segments, plain code sees no task", async () => {
    let outside: unknown = "unset";
    await run(async () => {
      setTimeout(() => {
        try {
          getCurrentTask();
          outside = "task";
        } catch (error) {
          outside = (error as Error).name;
        }
      }, 0);
      await foreign(null, 5);
    });
    expect(outside).toBe("NoCurrentTaskError");
  });
});

describe("callbacks handed to the runtime", () => {
  test("a non-async arrow or function passed straight to startSoon is marked; other callbacks are not", async () => {
    const marks: Array<[string, boolean]> = [];
    const record = (name: string) => (fn: () => unknown) => void marks.push([name, isStructured(fn)]);
    const recorder = {
      startSoon: record("startSoon"),
      start: record("start"),
      run: record("run"),
      later: record("later"),
    };
    recorder.startSoon(() => undefined);
    recorder.startSoon(function named() {});
    recorder.start(function named() {});
    recorder.run((() => undefined) as () => unknown);
    recorder.later(() => undefined);
    // `start` and `run` are names too common to match: their callbacks keep AsyncLocalStorage.
    expect(marks).toEqual([
      ["startSoon", true],
      ["startSoon", true],
      ["start", false],
      ["run", false],
      ["later", false],
    ]);
  });

  test("such an arrow starts its task in the task's frame, and the compiled call inside keeps it", async () => {
    const seen: string[] = [];
    async function child(label: string) {
      await foreign(null, 1);
      seen.push(`${label}:${getCurrentTask().name}`);
    }
    await run(async () => {
      await using tg = createTaskGroup();
      tg.startSoon({ name: "first" }, () => child("a"));
      tg.startSoon({ name: "second" }, () => child("b"));
    });
    expect(seen.sort()).toEqual(["a:first", "b:second"]);
  });
});
