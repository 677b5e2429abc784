"use structured";
// What structured code keeps from plain JavaScript: `using` of ordinary disposables has the
// standard meaning, and outside run() a structured function behaves exactly like plain code.
import { moveOnAfter, run, sleep } from "anyio-ts";
import "./no-frame-leaks";

function resource(log: string[], name: string, failOnDispose?: Error): Disposable {
  return {
    [Symbol.dispose]() {
      log.push(`dispose ${name}`);
      if (failOnDispose !== undefined) throw failOnDispose;
    },
  };
}

describe("using of ordinary disposables", () => {
  test("disposes in reverse order at the end of the block", async () => {
    const log: string[] = [];
    await run(async () => {
      {
        using a = resource(log, "a");
        using b = resource(log, "b");
        await sleep(0);
        log.push("body");
      }
      log.push("after");
    });
    expect(log).toEqual(["body", "dispose b", "dispose a", "after"]);
  });

  test("null and undefined are allowed; a non-disposable is a TypeError", async () => {
    const log: string[] = [];
    await run(async () => {
      using nothing = null;
      using alsoNothing = undefined;
      log.push("ok");
    });
    await expect(
      run(async () => {
        using bad = {} as Disposable;
      }),
    ).rejects.toThrow(TypeError);
    expect(log).toEqual(["ok"]);
  });

  test("an error from dispose while the block threw is a SuppressedError", async () => {
    const log: string[] = [];
    const body = new Error("body");
    const disposal = new Error("disposal");
    const error = await run(async () => {
      try {
        using a = resource(log, "a", disposal);
        throw body;
      } catch (error) {
        return error;
      }
    });
    expect((error as Error).name).toBe("SuppressedError");
    expect((error as { error: unknown }).error).toBe(disposal);
    expect((error as { suppressed: unknown }).suppressed).toBe(body);
  });

  test("await using awaits asyncDispose, and falls back to Symbol.dispose", async () => {
    const log: string[] = [];
    await run(async () => {
      {
        await using a = {
          async [Symbol.asyncDispose]() {
            await sleep(1);
            log.push("async dispose a");
          },
        };
        await using b = resource(log, "b");
        log.push("body");
      }
      log.push("after");
    });
    expect(log).toEqual(["body", "dispose b", "async dispose a", "after"]);
  });

  test("ordinary disposables are disposed in the frame of their block, around a scope", async () => {
    const log: string[] = [];
    await run(async () => {
      using a = resource(log, "a");
      using scope = moveOnAfter(5);
      using b = resource(log, "b");
      await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
    });
    expect(log).toEqual(["dispose b", "dispose a"]);
  });
});

describe("outside run()", () => {
  test("awaits behave like plain awaits: same results, same microtask order", async () => {
    const order: string[] = [];
    async function structured() {
      order.push("s1");
      await null;
      order.push("s2");
      await Promise.resolve();
      order.push("s3");
    }
    const plain = new Function(
      "order",
      `return (async () => { order.push("p1"); await null; order.push("p2"); await Promise.resolve(); order.push("p3"); })();`,
    ) as (order: string[]) => Promise<void>;
    await Promise.all([structured(), plain(order)]);
    expect(order).toEqual(["s1", "p1", "s2", "p2", "s3", "p3"]);
  });

  test("a thenable keeps its timing and a rejected promise its error", async () => {
    const thenable = { then: (resolve: (v: number) => void) => resolve(7) };
    async function structured() {
      const value = await thenable;
      try {
        await Promise.reject(new Error("plain"));
      } catch (error) {
        return [value, (error as Error).message];
      }
      return [];
    }
    expect(await structured()).toEqual([7, "plain"]);
  });

  test("a long foreign await is not cancelled by anything", async () => {
    async function structured() {
      return await new Promise((resolve) => setTimeout(() => resolve("done"), 20));
    }
    expect(await structured()).toBe("done");
  });

  test("using a cancel scope outside a task says how to fix it", async () => {
    async function structured() {
      using scope = moveOnAfter(10);
    }
    await expect(structured()).rejects.toThrow(/must run in a task/);
  });
});
