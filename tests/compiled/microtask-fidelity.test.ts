"use structured";
// Microtask fidelity: outside run(), compiled code takes exactly the microtask turns the engine
// takes for the same code, so ordering-sensitive libraries behave the same compiled or not. Inside
// run(), the only difference is one more turn for each await that is raced against cancellation
// (a promise from outside the runtime); plain values, thenables and sync values in `for await`
// take none. Each case is written twice: compiled, and `"use unstructured"` (the engine's own).
import { run } from "anyio-ts";
import "./no-frame-leaks";

/** How many microtask turns `body` takes to settle, counted by a plain loop awaiting undefined. */
async function turnsTaken(body: () => Promise<unknown>): Promise<number> {
  "use unstructured";
  let settled = false;
  const done = body().then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  let turns = 0;
  while (!settled) {
    await undefined;
    if (++turns > 10_000) throw new Error("the body never settled");
  }
  await done;
  return turns;
}

const thenable = (value: number) => ({ then: (resolve: (v: number) => void) => resolve(value) });

function iterableWithoutReturn(n: number): Iterable<number> {
  return {
    [Symbol.iterator]: () => {
      let i = 0;
      return { next: () => (i < n ? { value: i++, done: false } : { value: undefined, done: true }) };
    },
  };
}

const closed: string[] = [];
function iterableWithReturn(n: number): Iterable<number> {
  return {
    [Symbol.iterator]: () => {
      let i = 0;
      return {
        next: () => (i < n ? { value: i++, done: false } : { value: undefined, done: true }),
        return: () => {
          closed.push("closed");
          return { value: undefined, done: true };
        },
      };
    },
  };
}

/** Pairs of the same body, compiled and not. */
const cases: Record<string, [compiled: () => Promise<unknown>, native: () => Promise<unknown>]> = {
  "for await over an array of values": [
    async () => {
      for await (const x of [1, 2, 3]) void x;
    },
    async () => {
      "use unstructured";
      for await (const x of [1, 2, 3]) void x;
    },
  ],
  "for await over an array of resolved promises": [
    async () => {
      for await (const x of [Promise.resolve(1), Promise.resolve(2)]) void x;
    },
    async () => {
      "use unstructured";
      for await (const x of [Promise.resolve(1), Promise.resolve(2)]) void x;
    },
  ],
  "for await over an array of thenables": [
    async () => {
      for await (const x of [thenable(1), thenable(2)]) void x;
    },
    async () => {
      "use unstructured";
      for await (const x of [thenable(1), thenable(2)]) void x;
    },
  ],
  "break out of for await over an array (the iterator has a return())": [
    async () => {
      for await (const x of [1, 2, 3]) {
        if (x === 2) break;
      }
    },
    async () => {
      "use unstructured";
      for await (const x of [1, 2, 3]) {
        if (x === 2) break;
      }
    },
  ],
  "break out of for await over an iterator without return()": [
    async () => {
      for await (const x of iterableWithoutReturn(3)) {
        if (x === 1) break;
      }
    },
    async () => {
      "use unstructured";
      for await (const x of iterableWithoutReturn(3)) {
        if (x === 1) break;
      }
    },
  ],
  "break out of for await over an iterator with return()": [
    async () => {
      for await (const x of iterableWithReturn(3)) {
        if (x === 1) break;
      }
    },
    async () => {
      "use unstructured";
      for await (const x of iterableWithReturn(3)) {
        if (x === 1) break;
      }
    },
  ],
  "return from inside for await": [
    async () => {
      for await (const x of [1, 2]) return x;
    },
    async () => {
      "use unstructured";
      for await (const x of [1, 2]) return x;
    },
  ],
  "a rejected value in for await": [
    async () => {
      try {
        for await (const x of [Promise.resolve(1), Promise.reject(new Error("no"))]) void x;
      } catch {
        // expected
      }
    },
    async () => {
      "use unstructured";
      try {
        for await (const x of [Promise.resolve(1), Promise.reject(new Error("no"))]) void x;
      } catch {
        // expected
      }
    },
  ],
  "an empty array in for await": [
    async () => {
      for await (const x of []) void x;
    },
    async () => {
      "use unstructured";
      for await (const x of []) void x;
    },
  ],
  "awaits of plain values and thenables": [
    async () => {
      await 1;
      await thenable(2);
      await null;
    },
    async () => {
      "use unstructured";
      await 1;
      await thenable(2);
      await null;
    },
  ],
  "awaits of resolved promises": [
    async () => {
      await Promise.resolve(1);
      await Promise.resolve(2);
    },
    async () => {
      "use unstructured";
      await Promise.resolve(1);
      await Promise.resolve(2);
    },
  ],
};

/** Awaits that are raced inside run(): each costs one more turn there. */
const racedInsideRun: Record<string, number> = {
  "for await over an array of resolved promises": 2,
  "a rejected value in for await": 2,
  "awaits of resolved promises": 2,
  "for await over an array of thenables": 2,
};

describe("outside run(), compiled code takes exactly the engine's microtask turns", () => {
  test.each(Object.keys(cases))("%s", async (name) => {
    const [compiled, native] = cases[name]!;
    const expected = await turnsTaken(native);
    expect(await turnsTaken(compiled)).toBe(expected);
  });
});

describe("inside run(), one more turn per raced await and none otherwise", () => {
  test.each(Object.keys(cases))("%s", async (name) => {
    const [compiled, native] = cases[name]!;
    const expected = await turnsTaken(native);
    const turns = await run(() => turnsTaken(compiled));
    expect(turns).toBe(expected + (racedInsideRun[name] ?? 0));
  });
});

test("an iterator with return() is closed by a break, compiled or not", async () => {
  closed.length = 0;
  await turnsTaken(cases["break out of for await over an iterator with return()"]![0]);
  await run(() => turnsTaken(cases["break out of for await over an iterator with return()"]![0]));
  await turnsTaken(cases["break out of for await over an iterator with return()"]![1]);
  expect(closed).toEqual(["closed", "closed", "closed"]);
});
