// Hand-written programs the differential fuzzer's comparison runs as plain deterministic cases:
// shrunk counterexamples (and the shapes around them) of bugs the fuzzer found, so that each
// stays fixed. Bodies use the helpers of every generated program (trace, th, hops, macro, ...);
// `raced(p)` marks an await of a foreign promise (see printHandWritten).

export interface Regression {
  name: string;
  /** The module body: defines `export async function main(t)`. */
  body: string;
  /** Where the comparison holds by the contract. */
  modes: readonly ("outside" | "inside")[];
}

export const regressions: readonly Regression[] = [
  {
    name: "for await over a sync array steps at the engine's pace beside a concurrent chain",
    modes: ["outside", "inside"],
    body: `
export async function main(t: (event: string) => void) {
  trace = t;
  const a = loop();
  const b = ticker();
  await raced(a);
  await raced(b);
}
async function loop() {
  for await (const v of [1, 2]) trace("loop " + v);
  trace("loop exit");
}
async function ticker() {
  for (let i = 0; i < 8; i++) {
    trace("tick " + i);
    await th(i);
  }
}
`,
  },
  {
    name: "breaking out of for await over a sync array takes the engine's turns",
    modes: ["outside", "inside"],
    body: `
export async function main(t: (event: string) => void) {
  trace = t;
  const a = loop();
  const b = ticker();
  await raced(a);
  await raced(b);
}
async function loop() {
  for await (const v of [1, 2, 3]) {
    trace("loop " + v);
    break;
  }
  trace("loop exit");
}
async function ticker() {
  for (let i = 0; i < 8; i++) {
    trace("tick " + i);
    await th(i);
  }
}
`,
  },
  {
    name: "for await over a sync generator steps, and closes it on break, at the engine's pace",
    modes: ["outside", "inside"],
    body: `
export async function main(t: (event: string) => void) {
  trace = t;
  const a = loop();
  const b = ticker();
  await raced(a);
  await raced(b);
}
function* items() {
  try {
    yield 1;
    yield th(2);
    yield 3;
  } finally {
    trace("items closed");
  }
}
async function loop() {
  for await (const v of items()) {
    trace("loop " + v);
    if (v === 2) break;
  }
  trace("loop exit");
}
async function ticker() {
  for (let i = 0; i < 10; i++) {
    trace("tick " + i);
    await th(i);
  }
}
`,
  },
  {
    name: "for await over promises and thenables of a sync iterable steps at the engine's pace",
    // Inside run() each such value is raced by the step, at a cost the contract does not fix.
    modes: ["outside"],
    body: `
export async function main(t: (event: string) => void) {
  trace = t;
  const a = loop();
  const b = ticker();
  await raced(a);
  await raced(b);
}
async function loop() {
  for await (const v of [Promise.resolve(1), th(2), hops(3, 2), 4]) trace("loop " + v);
  trace("loop exit");
}
async function ticker() {
  for (let i = 0; i < 14; i++) {
    trace("tick " + i);
    await th(i);
  }
}
`,
  },
  {
    name: "a compiled generator resumed inside yield* over a sync iterable is not raced by its consumer",
    modes: ["outside", "inside"],
    body: `
export async function main(t: (event: string) => void) {
  trace = t;
  const a = consumer();
  const b = ticker();
  await raced(a);
  await raced(b);
}
async function consumer() {
  for await (const v of gen()) trace("consumer " + v);
  trace("consumer exit");
}
async function* gen() {
  yield* [1];
  trace("gen after yield*");
}
async function ticker() {
  for (let i = 0; i < 8; i++) {
    trace("tick " + i);
    await th(i);
  }
}
`,
  },
  {
    name: "a generator delegated to with yield* after an await runs in its delegator's task",
    modes: ["outside", "inside"],
    body: `
export async function main(t: (event: string) => void) {
  trace = t;
  await consumer();
}
async function consumer() {
  for await (const v of outer()) trace("consumer " + v);
  trace("consumer exit");
}
async function* outer() {
  trace("outer enter");
  await th(0);
  yield* inner();
  trace("outer exit");
}
async function* inner() {
  trace("inner enter");
  yield 1;
  trace("inner exit");
}
`,
  },
  {
    name: "closing a sync iterator when an await of the for await body rejects runs in the loop's task",
    modes: ["outside", "inside"],
    body: `
export async function main(t: (event: string) => void) {
  trace = t;
  try {
    await loop();
  } catch (e) {
    trace("main caught " + msg(e));
  }
}
function* items() {
  try {
    yield 1;
    yield 2;
  } finally {
    trace("items closed");
  }
}
async function loop() {
  for await (const v of items()) {
    trace("loop " + v);
    await rejected("boom");
  }
}
`,
  },
  {
    name: "work that main abandons keeps running after main settled, with no frame left current",
    modes: ["outside", "inside"],
    body: `
export async function main(t: (event: string) => void) {
  trace = t;
  const p = worker();
  p.catch(noop);
  throw new Error("main gives up");
}
async function worker() {
  trace("worker enter");
  await th(0);
  for await (const v of [macro(1)]) trace("worker " + v);
  trace("worker " + (await macro(2)));
  trace("worker exit");
}
`,
  },
];
