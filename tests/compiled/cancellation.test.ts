"use structured";
// Cancellation in structured code: every await is a checkpoint, foreign promises are raced
// against cancellation, scopes opened with `using` exit with the block's exception.
import {
  CancelScope,
  Cancelled,
  TimeoutError,
  createTaskGroup,
  failAfter,
  moveOnAfter,
  run,
  sleep,
  sleepForever,
} from "anyio-ts";
import { isStructured } from "anyio-ts/rt";
import { stopwatch } from "../helpers";
import "./no-frame-leaks";

function foreign<T>(value: T, ms: number): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

describe("compiled code", () => {
  test("functions of a structured file are marked as compiled", () => {
    async function local() {}
    const arrow = async () => {};
    expect(isStructured(local)).toBe(true);
    expect(isStructured(arrow)).toBe(true);
    expect(arrow.name).toBe("arrow");
  });

  test("the methods of a class expression are marked, and the class keeps its name", () => {
    const Service = class {
      async work() {
        await sleep(0);
      }
      static async create() {
        await sleep(0);
      }
      plain() {}
    };
    expect(Service.name).toBe("Service");
    expect(isStructured(Service.prototype.work)).toBe(true);
    expect(isStructured(Service.create)).toBe(true);
    expect(isStructured(Service.prototype.plain)).toBe(false);
  });
});

describe("cancelling a foreign await", () => {
  test("awaiting a 10 s timer inside moveOnAfter(20) ends after about 20 ms", async () => {
    const elapsed = stopwatch();
    const scope = await run(async () => {
      using scope = moveOnAfter(20);
      await new Promise((resolve) => setTimeout(resolve, 10_000).unref());
      throw new Error("not reached");
    });
    expect(elapsed()).toBeLessThan(5000); // far below the 10 s the timer would take
    expect(scope).toBeUndefined();
  });

  test("the block after a swallowed cancellation keeps running, and cancelledCaught tells", async () => {
    const result = await run(async () => {
      let scope: CancelScope;
      {
        using s = moveOnAfter(10);
        scope = s;
        await foreign("late", 5_000);
      }
      return scope.cancelledCaught;
    });
    expect(result).toBe(true);
  });

  test("an abandoned foreign promise that rejects later is not an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      await run(async () => {
        using _ = moveOnAfter(5);
        await new Promise((_, reject) => setTimeout(() => reject(new Error("late failure")), 30));
      });
      await foreign(null, 60);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  test("a result delivered before the cancel is kept; the next await raises", async () => {
    const log: string[] = [];
    await run(async () => {
      using scope = moveOnAfter(1_000);
      const value = await foreign("value", 1);
      scope.cancel();
      log.push(value);
      try {
        await foreign("second", 1);
        log.push("not cancelled");
      } catch (error) {
        log.push(error instanceof Cancelled ? "cancelled" : "other");
        throw error;
      }
    });
    expect(log).toEqual(["value", "cancelled"]);
  });
});

describe("one function's successive foreign awaits", () => {
  test("a promise abandoned by a cancelled await that settles later does not reach the next await", async () => {
    const log: string[] = [];
    await run(async () => {
      let settleFirst!: (value: string) => void;
      const first = new Promise<string>((resolve) => (settleFirst = resolve));
      {
        using _ = moveOnAfter(5);
        log.push(await first);
      }
      const second = foreign("second", 20);
      settleFirst("first"); // while the next await is parked
      log.push(await second);
      log.push(await foreign("third", 1));
    });
    expect(log).toEqual(["second", "third"]);
  });

  test("a cancel between delivery and resumption keeps the value; the next await raises", async () => {
    const log: string[] = [];
    await run(async () => {
      using scope = new CancelScope();
      await createTaskGroup().run((tg) => {
        tg.startSoon(async () => {
          // Parked on an already-resolved promise: the race is settled one microtask later and
          // the task resumes one microtask after that.
          log.push(await Promise.resolve("delivered"));
          try {
            await foreign("later", 1);
          } catch (error) {
            log.push(error instanceof Cancelled ? "next await cancelled" : "other");
            throw error;
          }
        });
        tg.startSoon(async () => {
          await null; // runs after the race was settled, before the first task resumes
          scope.cancel();
          log.push("cancelled");
        });
      });
    });
    expect(log).toEqual(["cancelled", "delivered", "next await cancelled"]);
  });
});

describe("level cancellation", () => {
  test("after a caught Cancelled, the next await raises again", async () => {
    const log: string[] = [];
    await run(async () => {
      using scope = new CancelScope();
      scope.cancel();
      for (let i = 0; i < 3; i++) {
        try {
          await foreign(i, 1);
          log.push("ran");
        } catch (error) {
          log.push(error instanceof Cancelled ? "cancelled" : "other");
        }
      }
      try {
        await 42;
        log.push("plain value");
      } catch (error) {
        log.push(error instanceof Cancelled ? "cancelled plain" : "other");
      }
    });
    expect(log).toEqual(["cancelled", "cancelled", "cancelled", "cancelled plain"]);
  });

  test("a shielded scope keeps cancellation out of its block", async () => {
    const log: string[] = [];
    await run(async () => {
      using outer = new CancelScope();
      outer.cancel();
      {
        using shield = new CancelScope({ shield: true });
        await foreign("shielded", 1);
        log.push("shielded ran");
      }
      try {
        await foreign("outside", 1);
      } catch (error) {
        log.push(error instanceof Cancelled ? "cancelled outside" : "other");
        throw error;
      }
    });
    expect(log).toEqual(["shielded ran", "cancelled outside"]);
  });

  test("awaiting a shielded scope's run() in a cancelled scope waits for its body, whose awaits are not cancelled", async () => {
    const log: string[] = [];
    await run(async () => {
      using outer = new CancelScope();
      outer.cancel();
      const value = await new CancelScope({ shield: true }).run(async () => {
        await sleep(1);
        log.push("shielded body ran");
        return "result";
      });
      log.push(value ?? "no value: the shielded body was cancelled");
      await sleep(1); // the next checkpoint outside the shield raises
      log.push("not reached");
    });
    expect(log).toEqual(["shielded body ran", "result"]);
  });

  test("awaiting a runtime operation in a cancelled scope raises, whatever its kind", async () => {
    const raised: string[] = [];
    await run(async () => {
      using outer = new CancelScope();
      outer.cancel();
      for (const [name, op] of [
        ["sleep", () => sleep(0)],
        ["sleepForever", () => sleepForever()],
        ["a scope's run()", () => new CancelScope().run(() => sleepForever())],
      ] as const) {
        try {
          await op();
          raised.push(`${name}: no`);
        } catch (error) {
          raised.push(`${name}: ${error instanceof Cancelled ? "Cancelled" : String(error)}`);
        }
      }
    });
    expect(raised).toEqual(["sleep: Cancelled", "sleepForever: Cancelled", "a scope's run(): Cancelled"]);
  });
});

describe("scopes opened with using", () => {
  test("failAfter raises TimeoutError when its deadline passes", async () => {
    const error = await run(async () => {
      try {
        using _ = failAfter(10);
        await foreign(null, 5_000);
      } catch (error) {
        return error;
      }
      return undefined;
    });
    expect(error).toBeInstanceOf(TimeoutError);
  });

  test("an error thrown in the block propagates through the scope unchanged", async () => {
    const boom = new Error("boom");
    await expect(
      run(async () => {
        using _ = moveOnAfter(1_000);
        await sleep(1);
        throw boom;
      }),
    ).rejects.toBe(boom);
  });

  test("return inside a scope block returns the value when nothing was cancelled", async () => {
    const value = await run(async () => {
      using _ = moveOnAfter(1_000);
      await foreign(1, 1);
      return "done";
    });
    expect(value).toBe("done");
  });

  test("an outer cancellation passes through an inner scope as Cancelled", async () => {
    const log: string[] = [];
    await run(async () => {
      using outer = moveOnAfter(10);
      try {
        using inner = moveOnAfter(10_000);
        await sleepForever();
      } catch (error) {
        log.push(error instanceof Cancelled ? "inner passed Cancelled on" : "other");
        throw error;
      }
    });
    expect(log).toEqual(["inner passed Cancelled on"]);
  });
});

describe("promises from another realm", () => {
  test("a promise made by Node's own APIs (outside Jest's vm context) is raced too", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { setTimeout: later } = require("node:timers/promises") as typeof import("node:timers/promises");
    const elapsed = stopwatch();
    await run(async () => {
      using _ = moveOnAfter(10);
      await later(5_000, undefined, { ref: false });
    });
    expect(elapsed()).toBeLessThan(2_500); // far below the 5 s the timer would take
  });
});
