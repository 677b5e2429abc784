"use structured";
// Async generators and `for await` in structured code: the generator keeps the frame it was
// first pulled in, each loop step is a checkpoint, and cancellation closes the iterator.
import { Cancelled, CancelScope, getCurrentTask, moveOnAfter, run, sleep } from "anyio-ts";
import { currentFrame } from "anyio-ts/rt";
import "./no-frame-leaks";

function foreign<T>(value: T, ms: number): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

describe("async generators", () => {
  test("yield and await inside a structured generator, consumed with for await", async () => {
    async function* numbers(limit: number) {
      for (let i = 0; i < limit; i++) {
        await foreign(null, 1);
        yield `${i}:${getCurrentTask().name}`;
      }
    }
    const seen: string[] = [];
    await run(async function consumer() {
      for await (const value of numbers(3)) {
        seen.push(value);
        seen.push(getCurrentTask().name);
      }
      seen.push(`after:${getCurrentTask().name}`);
    });
    expect(seen).toEqual([
      "0:consumer",
      "consumer",
      "1:consumer",
      "consumer",
      "2:consumer",
      "consumer",
      "after:consumer",
    ]);
  });

  test("values sent with next() and yield* delegation keep their meaning", async () => {
    async function* inner(): AsyncGenerator<string, string, unknown> {
      const got = yield "inner";
      return `inner got ${String(got)}`;
    }
    async function* outer(): AsyncGenerator<string, void, unknown> {
      const result = yield* inner();
      yield result;
    }
    const log: unknown[] = [];
    await run(async () => {
      const it = outer();
      log.push((await it.next()).value);
      log.push((await it.next("x")).value);
      log.push((await it.next()).done);
    });
    expect(log).toEqual(["inner", "inner got x", true]);
  });

  test("yielding or returning a foreign promise that never settles stays cancellable", async () => {
    function pending<T>(): Promise<T> {
      return new Promise<T>(() => {});
    }
    async function* yields() {
      yield 1;
      yield pending<number>();
    }
    async function* returns() {
      yield 1;
      return pending<number>();
    }
    const log: string[] = [];
    await run(async () => {
      for (const [name, make] of [
        ["yield", yields],
        ["return", returns],
      ] as const) {
        const scope = moveOnAfter(10);
        {
          using _ = scope;
          for await (const value of make()) log.push(`${name} ${value}`);
        }
        log.push(`${name}: ${scope.cancelledCaught ? "cancelled" : "not cancelled"}`);
      }
    });
    expect(log).toEqual(["yield 1", "yield: cancelled", "return 1", "return: cancelled"]);
  });

  test("a yielded or returned promise's value reaches the consumer when nothing is cancelled", async () => {
    async function* values() {
      yield foreign("yielded", 1);
      return foreign("returned", 1);
    }
    const results = await run(async () => {
      const generator = values();
      return [await generator.next(), await generator.next()];
    });
    expect(results).toEqual([
      { value: "yielded", done: false },
      { value: "returned", done: true },
    ]);
  });

  test("break and continue with a label out of for await keep the task where they land", async () => {
    async function* numbers(values: number[]) {
      for (const value of values) {
        await foreign(null, 1);
        yield value;
      }
    }
    // Reads the frame directly: getCurrentTask() could also find it through AsyncLocalStorage.
    const task = () => currentFrame()?.task.name ?? "no frame";
    const seen: string[] = [];
    await run(async function scanner() {
      outer: for (const source of [[1, 0, 2], [3, -1, 4], [5]]) {
        seen.push(`start ${task()}`);
        for await (const value of numbers(source)) {
          if (value === 0) continue outer;
          if (value < 0) break outer;
          seen.push(String(value));
        }
      }
      seen.push(`after ${task()}`);
      block: {
        for await (const value of numbers([7, 8])) {
          if (value === 7) break block;
        }
      }
      seen.push(`after block ${task()}`);
    });
    expect(seen).toEqual(["start scanner", "1", "start scanner", "3", "after scanner", "after block scanner"]);
  });

  test("breaking out of for await closes the generator and runs its finally", async () => {
    const log: string[] = [];
    async function* endless() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        log.push("generator closed");
      }
    }
    await run(async () => {
      for await (const i of endless()) {
        if (i === 2) break;
      }
      log.push(`after loop in ${getCurrentTask().name}`);
    });
    expect(log).toEqual(["generator closed", "after loop in run"]);
  });

  test("a cancelled scope stops a for await loop over a foreign async iterable and closes it", async () => {
    const log: string[] = [];
    const source = {
      [Symbol.asyncIterator]() {
        return {
          next: () => foreign({ value: 1, done: false }, 5_000),
          return: async () => {
            log.push("source closed");
            return { value: undefined, done: true };
          },
        };
      },
    };
    await run(async () => {
      using _ = moveOnAfter(10);
      try {
        for await (const _value of source) log.push("item");
      } catch (error) {
        log.push(error instanceof Cancelled ? "loop cancelled" : "other");
        throw error;
      }
    });
    expect(log).toEqual(["source closed", "loop cancelled"]);
  });

  test("each loop step is a checkpoint: a cancelled scope raises at the next step", async () => {
    const log: string[] = [];
    await run(async () => {
      using scope = new CancelScope();
      try {
        for await (const value of [1, 2, 3]) {
          log.push(String(value));
          if (value === 2) scope.cancel();
        }
      } catch (error) {
        log.push(error instanceof Cancelled ? "cancelled" : "other");
        throw error;
      }
    });
    expect(log).toEqual(["1", "2", "cancelled"]);
  });

  test("for await over a sync iterable of promises awaits each value, like plain for await", async () => {
    const values: number[] = [];
    await run(async () => {
      for await (const value of [Promise.resolve(1), 2, foreign(3, 1)]) values.push(value);
      await sleep(0);
    });
    expect(values).toEqual([1, 2, 3]);
  });

  test("a promise from a sync iterable is raced: cancellation ends the wait and closes the iterator", async () => {
    const log: string[] = [];
    function* pending() {
      try {
        yield Promise.resolve("first");
        yield new Promise<string>(() => {}); // never settles
        log.push("resumed after the pending value");
      } finally {
        log.push("iterator closed");
      }
    }
    await run(async () => {
      using _ = moveOnAfter(20);
      try {
        for await (const value of pending()) log.push(value);
      } catch (error) {
        log.push(error instanceof Cancelled ? "loop cancelled" : "other");
        throw error;
      }
    });
    expect(log).toEqual(["first", "iterator closed", "loop cancelled"]);
  });

  test("a cancelled scope closes a sync iterator at the next step", async () => {
    const log: string[] = [];
    function* counting() {
      try {
        for (let i = 1; ; i++) yield i;
      } finally {
        log.push("iterator closed");
      }
    }
    await run(async () => {
      using scope = new CancelScope();
      for await (const value of counting()) {
        log.push(String(value));
        if (value === 2) scope.cancel();
      }
    });
    expect(log).toEqual(["1", "2", "iterator closed"]);
  });

  test("a rejected value from a sync iterable closes the iterator and raises its error", async () => {
    const log: string[] = [];
    function* failing() {
      try {
        yield 1;
        yield Promise.reject(new Error("bad value"));
        yield 3;
      } finally {
        log.push("iterator closed");
      }
    }
    await run(async () => {
      await expect(
        (async () => {
          for await (const value of failing()) log.push(String(value));
        })(),
      ).rejects.toThrow("bad value");
    });
    expect(log).toEqual(["1", "iterator closed"]);
  });

  test("a thenable from a sync iterable that never settles is raced too", async () => {
    const log: string[] = [];
    const stuck = { then() {} } as unknown as PromiseLike<string>; // never calls back
    function* values() {
      try {
        yield stuck;
      } finally {
        log.push("iterator closed");
      }
    }
    await run(async () => {
      using _ = moveOnAfter(20);
      for await (const _value of values()) log.push("unreachable");
    });
    expect(log).toEqual(["iterator closed"]);
  });

  test("thenables from a sync iterable are resolved, and a non-object step result is a TypeError", async () => {
    const values: unknown[] = [];
    const thenable = { then: (resolve: (value: string) => void) => resolve("from thenable") };
    const broken = { [Symbol.iterator]: () => ({ next: () => 42 }) };
    await run(async () => {
      for await (const value of [thenable, "plain"]) values.push(value);
      await expect(
        (async () => {
          for await (const _value of broken as unknown as Iterable<unknown>) values.push("unreachable");
        })(),
      ).rejects.toThrow(new TypeError("Iterator result 42 is not an object"));
    });
    expect(values).toEqual(["from thenable", "plain"]);
  });
});

describe("yield* delegation", () => {
  test("a generator delegated to after an await runs in its delegator's task and scope", async () => {
    const seen: string[] = [];
    async function* inner() {
      seen.push(`inner in ${getCurrentTask().name}`);
      try {
        await sleep(5_000);
        yield "never";
      } catch (error) {
        seen.push(error instanceof Cancelled ? "inner cancelled" : "other");
        throw error;
      }
    }
    async function* outer() {
      await sleep(1);
      yield* inner();
    }
    await run(async function main() {
      using _ = moveOnAfter(20);
      for await (const value of outer()) seen.push(String(value));
    });
    expect(seen).toEqual(["inner in main", "inner cancelled"]);
  });

  test("delegating to a foreign async iterable is cancellable, and closes it", async () => {
    const log: string[] = [];
    const foreignIterable: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => foreign({ value: 1, done: false }, 5_000),
        return: async () => {
          log.push("foreign closed");
          return { value: undefined, done: true };
        },
      }),
    };
    async function* outer() {
      try {
        yield* foreignIterable;
      } finally {
        log.push("outer finally");
      }
    }
    let scope: CancelScope | undefined;
    await run(async () => {
      using s = moveOnAfter(20);
      scope = s;
      for await (const value of outer()) log.push(`value ${value}`);
    });
    expect(scope!.cancelledCaught).toBe(true);
    expect(log).toEqual(["foreign closed", "outer finally"]);
  });

  test("values sent with next(v), throw() and return() reach the delegate through yield*", async () => {
    const log: string[] = [];
    async function* inner(): AsyncGenerator<number, undefined, string> {
      try {
        const sent = yield 1;
        log.push(`inner got ${String(sent)}`);
        yield 2;
      } catch (error) {
        log.push(`inner caught ${(error as Error).message}`);
        yield 3;
      } finally {
        log.push("inner finally");
      }
    }
    async function* outer(): AsyncGenerator<number, undefined, string> {
      const result = yield* inner();
      log.push(`outer result ${String(result)}`);
    }
    await run(async () => {
      const gen = outer();
      log.push(`first ${String((await gen.next()).value)}`);
      log.push(`second ${String((await gen.next("hello")).value)}`);
      log.push(`after throw ${String((await gen.throw(new Error("boom"))).value)}`);
      log.push(`return done ${String((await gen.return(undefined)).done)}`);
    });
    expect(log).toEqual([
      "first 1",
      "inner got hello",
      "second 2",
      "inner caught boom",
      "after throw 3",
      "inner finally",
      "return done true",
    ]);
  });

  test("closing a sync iterator after an await in the loop body rejected runs in the loop's task", async () => {
    const seen: string[] = [];
    function* items() {
      try {
        yield 1;
        yield 2;
      } finally {
        seen.push(`closed in ${getCurrentTask().name}`);
      }
    }
    await run(async function main() {
      try {
        for await (const value of items()) {
          seen.push(`item ${value}`);
          await Promise.reject(new Error("boom"));
        }
      } catch (error) {
        seen.push((error as Error).message);
      }
    });
    expect(seen).toEqual(["item 1", "closed in main", "boom"]);
  });
});
