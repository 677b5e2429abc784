// Native async/await baseline.
import { now, gc, heapUsed } from "../lib.mjs";
import { setTimeout as sleepP } from "node:timers/promises";
import { setMaxListeners } from "node:events";

const tick = () => new Promise((r) => setImmediate(r));

// Scenario 1: each task is an async function that returns at once; join = Promise.all.
const child = async () => 1;

export async function spawnJoin(N) {
  const t0 = now();
  const ps = new Array(N);
  for (let i = 0; i < N; i++) ps[i] = child();
  await Promise.all(ps);
  return { ms: now() - t0 };
}

// Scenarios 2 and 3: a task sleeps on a setTimeout raced with an AbortSignal (the hand-written
// way: one listener, reject with the signal's shared reason, clear the timer).
function sleepAbortable(ms, signal) {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

let started = 0;
const sleeper = async (signal) => {
  started++;
  await sleepAbortable(1e9, signal);
};
// Variant: node:timers/promises with { signal } (builds an AbortError with a stack per task).
const sleeperTP = async (signal) => {
  started++;
  await sleepP(1e9, undefined, { signal });
};

async function startSleepers(N, fn) {
  started = 0;
  const ac = new AbortController();
  setMaxListeners(0, ac.signal); // N listeners on one signal is the point; skip the leak warning
  const ps = new Array(N);
  for (let i = 0; i < N; i++) ps[i] = fn(ac.signal);
  while (started < N) await tick();
  await tick(); // every task is now parked on its timer
  return { ac, ps };
}

async function cancelWith(N, fn) {
  const { ac, ps } = await startSleepers(N, fn);
  const t0 = now();
  ac.abort();
  const settled = await Promise.allSettled(ps);
  const ms = now() - t0;
  const rejected = settled.filter((s) => s.status === "rejected").length;
  return { ms, check: rejected === N ? "ok" : `only ${rejected}/${N} rejected` };
}

async function heapWith(N, fn) {
  for (let i = 0; i < 2; i++) await cancelWith(2000, fn); // warm-up: code and pools
  gc();
  const before = heapUsed();
  const { ac, ps } = await startSleepers(N, fn);
  gc();
  const after = heapUsed();
  ac.abort();
  await Promise.allSettled(ps);
  return { bytes: (after - before) / N, before, after };
}

export const cancel = (N) => cancelWith(N, sleeper);

// Scenario 3's baseline: an async function parked on a plain setTimeout, nothing to cancel it
// with. (The AbortSignal sleeper above is not used at 100,000 tasks: Node 20's EventTarget
// checks for a duplicate listener by walking the list, so adding 100,000 listeners to one signal
// takes minutes; it is available as the opt-in contender "native-signal".)
const plainSleeper = async () => {
  started++;
  await new Promise((resolve) => setTimeout(resolve, 1e9));
};

export async function heap(N) {
  for (let i = 0; i < 2; i++) {
    started = 0;
    for (let j = 0; j < 2000; j++) plainSleeper(); // warm-up: left parked; counted in `before`
    while (started < 2000) await tick();
  }
  gc();
  const before = heapUsed();
  started = 0;
  const ps = new Array(N);
  for (let i = 0; i < N; i++) ps[i] = plainSleeper();
  while (started < N) await tick();
  await tick();
  gc();
  const after = heapUsed();
  // The timers keep the process alive: the worker exits explicitly once it has reported.
  return { bytes: (after - before) / N, before, after, keep: ps.length };
}

export const variants = {
  // Same scenarios with node:timers/promises' setTimeout(ms, value, { signal }). Opt-in: its
  // per-listener duplicate check makes setting up 10,000 tasks take seconds per batch.
  "timers-promises": {
    cancel: (N) => cancelWith(N, sleeperTP),
    heap: (N) => heapWith(N, sleeperTP),
  },
  // Scenario 3 with the AbortSignal sleeper of scenario 2 (minutes to set up at 100,000).
  signal: {
    heap: (N) => heapWith(N, sleeper),
  },
};
