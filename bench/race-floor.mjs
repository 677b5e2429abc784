// The floor of racing a foreign promise against cancellation, in plain JavaScript with no
// runtime at all: what any per-await racing wrapper costs on this engine, next to a native
// `await` of the same already-resolved promise. bench/TRANSFORMER.md compares the (c) rows of
// bench/await.ts with these figures.
//
//   node bench/race-floor.mjs
//
// Contenders (N awaits each, 7 interleaved rounds, median ns per await):
// - native:   `await p`
// - waiter:   a waiter object with its own promise and two closures (the shape of a Waiter)
// - shared:   `new Promise(executor)` with one shared executor and the resolving functions passed
//             to `p.then` directly (the shape of the runtime's reusable race)
// - thenable: awaiting a reusable thenable whose `then` forwards to `p.then`
import { median } from "./lib.mjs";

const N = 500_000;
const p = Promise.resolve(1);

let capturedResolve;
let capturedReject;
function capture(resolve, reject) {
  capturedResolve = resolve;
  capturedReject = reject;
}
const slot = { reject: undefined, source: undefined };
const thenable = {
  then(resolve, reject) {
    slot.reject = reject;
    slot.source.then(resolve, reject);
  },
};
class Waiter {
  constructor() {
    this.settled = false;
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
  wake(value) {
    if (!this.settled) {
      this.settled = true;
      this.resolve(value);
    }
  }
  fail(error) {
    if (!this.settled) {
      this.settled = true;
      this.reject(error);
    }
  }
}

const bodies = {
  async native() {
    for (let i = 0; i < N; i++) await p;
  },
  async waiter() {
    for (let i = 0; i < N; i++) {
      const w = new Waiter();
      p.then(
        (v) => w.wake(v),
        (e) => w.fail(e),
      );
      await w.promise;
    }
  },
  async shared() {
    for (let i = 0; i < N; i++) {
      const raced = new Promise(capture);
      slot.reject = capturedReject;
      p.then(capturedResolve, capturedReject);
      await raced;
    }
  },
  async thenable() {
    for (let i = 0; i < N; i++) {
      slot.source = p;
      await thenable;
    }
  },
};

const samples = {};
for (let round = 0; round < 7; round++) {
  const order = Object.entries(bodies);
  if (round % 2 === 1) order.reverse();
  for (const [name, body] of order) {
    const start = performance.now();
    await body();
    (samples[name] ??= []).push(((performance.now() - start) * 1e6) / N);
  }
}
const native = median(samples.native);
for (const [name, values] of Object.entries(samples)) {
  console.log(
    `${name.padEnd(9)} ${median(values).toFixed(1).padStart(6)} ns  ${(median(values) / native).toFixed(2)}x`,
  );
}
