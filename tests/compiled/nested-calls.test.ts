"use structured";
// Nested structured calls: the innermost waiter receives Cancelled, and a caller resumes only
// after its callees' finally blocks ran, also when a callee was started but not awaited at once.
import { Cancelled, CancelScope, currentCancelScope, getCurrentTask, moveOnAfter, run, sleep } from "anyio-ts";
import "./no-frame-leaks";

function foreign<T>(value: T, ms: number): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

describe("nested calls unwinding", () => {
  test("the callee's finally runs before the caller sees Cancelled", async () => {
    const log: string[] = [];
    async function leaf() {
      try {
        await foreign(null, 5_000);
      } catch (error) {
        log.push(error instanceof Cancelled ? "leaf cancelled" : "leaf other");
        throw error;
      } finally {
        try {
          await foreign(null, 5);
        } catch (error) {
          // Level cancellation: every await in the cancelled scope raises, in finally blocks too.
          log.push(error instanceof Cancelled ? "leaf finally cancelled again" : "other");
        }
        log.push("leaf finally");
      }
    }
    async function middle() {
      try {
        await leaf();
      } finally {
        log.push("middle finally");
      }
    }
    await run(async () => {
      using _ = moveOnAfter(10);
      try {
        await middle();
      } finally {
        log.push("caller finally");
      }
    });
    expect(log).toEqual([
      "leaf cancelled",
      "leaf finally cancelled again",
      "leaf finally",
      "middle finally",
      "caller finally",
    ]);
  });

  test("a callee's shielded cleanup completes before the caller continues", async () => {
    const log: string[] = [];
    async function worker() {
      try {
        await foreign(null, 5_000);
      } finally {
        using _ = new CancelScope({ shield: true });
        await foreign(null, 20);
        log.push("cleanup done");
      }
    }
    await run(async () => {
      using _ = moveOnAfter(10);
      await worker();
    });
    log.push("caller after scope");
    expect(log).toEqual(["cleanup done", "caller after scope"]);
  });

  test("const p = inner(); await foreign(); await p: the foreign await stays cancellable and waits for inner", async () => {
    const log: string[] = [];
    async function inner() {
      try {
        await foreign(null, 5_000);
      } finally {
        using _ = new CancelScope({ shield: true });
        await foreign(null, 30);
        log.push("inner finally");
      }
    }
    const started = Date.now();
    await run(async () => {
      using _ = moveOnAfter(10);
      const p = inner();
      p.catch(() => {}); // it is cancelled with us; nobody awaits it after the cancel
      try {
        await foreign(null, 5_000);
        await p;
      } catch (error) {
        log.push(error instanceof Cancelled ? "caller cancelled" : "caller other");
        throw error;
      }
    });
    expect(log).toEqual(["inner finally", "caller cancelled"]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test("a callee started before an inner scope does not delay that scope's cancellation", async () => {
    const log: string[] = [];
    async function slow() {
      await foreign(null, 100);
      log.push("slow done");
    }
    await run(async () => {
      const p = slow();
      {
        using _ = moveOnAfter(5);
        await foreign(null, 5_000);
      }
      log.push("scope over");
      await p;
    });
    expect(log).toEqual(["scope over", "slow done"]);
  });

  test("a direct await of a structured callee is not raced: its result arrives even when the scope is cancelled meanwhile", async () => {
    const log: string[] = [];
    async function producer(scope: CancelScope) {
      scope.cancel();
      return "produced";
    }
    await run(async () => {
      using scope = new CancelScope();
      const value = await producer(scope);
      log.push(value);
      try {
        await sleep(0);
      } catch (error) {
        log.push(error instanceof Cancelled ? "next await cancelled" : "other");
        throw error;
      }
    });
    expect(log).toEqual(["produced", "next await cancelled"]);
  });

  test("awaiting a structured function that never awaits is not a checkpoint, like awaiting such a coroutine in Python", async () => {
    const log: string[] = [];
    async function leaf(value: string) {
      return value;
    }
    await run(async () => {
      using scope = new CancelScope();
      scope.cancel();
      log.push(await leaf("returned"));
      try {
        await sleep(0);
      } catch (error) {
        log.push(error instanceof Cancelled ? "the next checkpoint raised" : "other");
        throw error;
      }
    });
    expect(log).toEqual(["returned", "the next checkpoint raised"]);
  });

  test("a function that never awaits keeps its try/catch/finally and its errors", async () => {
    const log: string[] = [];
    async function fails(): Promise<never> {
      try {
        throw new Error("inner");
      } catch (error) {
        log.push(`caught ${(error as Error).message}`);
        throw new Error("outer");
      } finally {
        log.push("finally");
      }
    }
    const arrow = async (x: number) => x * 2;
    await run(async () => {
      await expect(fails()).rejects.toThrow("outer");
      log.push(String(await arrow(21)));
    });
    expect(log).toEqual(["caught inner", "finally", "42"]);
  });

  test("a function that never awaits but returns a structured call's promise: the caller waits for that callee, which gets the cancellation", async () => {
    const log: string[] = [];
    async function slow() {
      try {
        await sleep(10_000);
      } finally {
        log.push("slow finally");
      }
    }
    async function passOn() {
      return slow();
    }
    await run(async () => {
      using _ = moveOnAfter(10);
      try {
        await passOn();
      } catch (error) {
        log.push(error instanceof Cancelled ? "caller cancelled" : "other");
        throw error;
      }
    });
    expect(log).toEqual(["slow finally", "caller cancelled"]);
  });
});

describe("returning a promise without awaiting it", () => {
  // Not compiled (not async): its promise is foreign to structured code.
  function pending<T>(): Promise<T> {
    return new Promise<T>(() => {});
  }
  function later<T>(value: T, ms: number): Promise<T> {
    return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
  }

  async function returnsAtOnce() {
    return pending<string>();
  }
  async function returnsAfterAwaiting() {
    await sleep(1);
    return pending<string>();
  }
  test.each([
    ["never awaits", returnsAtOnce],
    ["returns after its own awaits", returnsAfterAwaiting],
  ])("a function that %s and returns a foreign promise: the caller's await stays cancellable", async (_, get) => {
    const scope = moveOnAfter(10);
    await run(async () => {
      using _ = scope;
      await get();
      throw new Error("not reached");
    });
    expect(scope.cancelledCaught).toBe(true);
  });

  test("the returned promise's value arrives when nothing is cancelled, in both forms", async () => {
    async function leafForm() {
      return later("leaf", 1);
    }
    async function fullForm() {
      await sleep(0);
      return later("full", 1);
    }
    const values = await run(async () => [await leafForm(), await fullForm()]);
    expect(values).toEqual(["leaf", "full"]);
  });

  test("a returned foreign promise abandoned by cancellation that rejects later is not an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      async function fails() {
        await sleep(0);
        return new Promise((_, reject) => setTimeout(() => reject(new Error("late failure")), 20));
      }
      await run(async () => {
        using _ = moveOnAfter(5);
        await fails();
      });
      await later(null, 40);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  test("a function that never awaits and returns a structured call's promise indirectly: the callee unwinds first", async () => {
    const log: string[] = [];
    async function slow() {
      try {
        await sleep(10_000);
      } finally {
        log.push("slow finally");
      }
    }
    async function passOn(flag: boolean) {
      return flag ? slow() : slow();
    }
    await run(async () => {
      using _ = moveOnAfter(10);
      try {
        await passOn(true);
      } catch (error) {
        log.push(error instanceof Cancelled ? "caller cancelled" : "other");
        throw error;
      }
    });
    expect(log).toEqual(["slow finally", "caller cancelled"]);
  });
});

describe("callees started by the runtime inside a segment", () => {
  test("a compiled body that scope.run() starts is the caller's callee: the caller's Cancelled waits for its cleanup", async () => {
    const log: string[] = [];
    await run(async () => {
      using _ = moveOnAfter(10);
      const pending = new CancelScope().run(async () => {
        try {
          await foreign(null, 5_000);
        } finally {
          using _cleanup = new CancelScope({ shield: true });
          await sleep(20);
          log.push("body cleaned up");
        }
      });
      try {
        await foreign(null, 5_000);
      } catch (error) {
        log.push(error instanceof Cancelled ? "caller cancelled" : "other");
      }
      await pending;
    });
    expect(log).toEqual(["body cleaned up", "caller cancelled"]);
  });

  test("inside such a body, the task and scope are the body's, and the caller's come back after it", async () => {
    const seen: string[] = [];
    await run(async function main() {
      using outer = new CancelScope();
      const inner = new CancelScope();
      await inner.run(async () => {
        seen.push(`${getCurrentTask().name} in inner: ${String(currentCancelScope() === inner)}`);
      });
      seen.push(`${getCurrentTask().name} in outer: ${String(currentCancelScope() === outer)}`);
    });
    expect(seen).toEqual(["main in inner: true", "main in outer: true"]);
  });
});

// `return await x` as a function's last step is compiled without a segment after the await;
// the function's exit ends the await instead. These check nothing of that shows.
describe("return await as the last step", () => {
  test("values pass through a chain of tail returns, and each level's caller keeps its task", async () => {
    const seen: string[] = [];
    async function level(depth: number): Promise<number> {
      if (depth === 0) return await foreign(1, 1);
      return await level(depth - 1);
    }
    const result = await run(async function outer() {
      const value = await level(10);
      seen.push(getCurrentTask().name);
      const arrow = async () => await level(3);
      const again = await arrow();
      seen.push(getCurrentTask().name);
      return value + again;
    });
    expect(result).toBe(2);
    expect(seen).toEqual(["outer", "outer"]);
  });

  test("a tail-returned foreign promise is raced: cancellation reaches the innermost await", async () => {
    const log: string[] = [];
    async function inner(): Promise<string> {
      return await foreign("late", 5_000);
    }
    async function middle(): Promise<string> {
      return await inner();
    }
    await run(async () => {
      using _ = moveOnAfter(10);
      try {
        log.push(await middle());
      } catch (error) {
        log.push(error instanceof Cancelled ? "cancelled" : "other");
        throw error;
      }
    });
    expect(log).toEqual(["cancelled"]);
  });

  test("a return inside try, a using block or a for...of loop still runs its cleanup in the task's frame", async () => {
    const log: string[] = [];
    function* names() {
      try {
        yield "a";
      } finally {
        log.push(`iterator closed in ${getCurrentTask().name}`);
      }
    }
    async function fromTry(): Promise<string> {
      try {
        return await foreign("try", 1);
      } finally {
        log.push(`finally in ${getCurrentTask().name}`);
      }
    }
    async function fromLoop(): Promise<string> {
      for (const name of names()) return await foreign(name, 1);
      return "none";
    }
    async function fromScope(): Promise<string> {
      using scope = new CancelScope();
      const value = await foreign("scope", 1);
      log.push(`scope open: ${String(!scope.cancelCalled)}`);
      return await foreign(value, 1);
    }
    await run(async function main() {
      log.push(await fromTry(), await fromLoop(), await fromScope());
    });
    expect(log).toEqual(["finally in main", "iterator closed in main", "scope open: true", "try", "a", "scope"]);
  });
});
