// Effection 4.
import { run, spawn, sleep, suspend, scoped } from "effection";
import { now, gc, heapUsed } from "../lib.mjs";

// Scenario 1: spawn N operations that return at once inside a fresh scope, then join each.
function* child() {
  return 1;
}

export async function spawnJoin(N) {
  const t0 = now();
  await run(function* () {
    yield* scoped(function* () {
      const tasks = new Array(N);
      for (let i = 0; i < N; i++) tasks[i] = yield* spawn(child);
      for (let i = 0; i < N; i++) yield* tasks[i];
    });
  });
  return { ms: now() - t0 };
}

let started = 0;
function* sleeper() {
  started++;
  yield* sleep(1e9);
}

// A group task that spawns N sleepers and suspends; halting it halts them all.
function* startSleepers(N) {
  started = 0;
  const group = yield* spawn(function* () {
    for (let i = 0; i < N; i++) yield* spawn(sleeper);
    yield* suspend();
  });
  while (started < N) yield* sleep(0);
  yield* sleep(0);
  return group;
}

export async function cancel(N) {
  let t0 = 0;
  await run(function* () {
    const group = yield* startSleepers(N);
    t0 = now();
    yield* group.halt();
  });
  return { ms: now() - t0 };
}

export async function heap(N) {
  for (let i = 0; i < 2; i++) await cancel(2000);
  let before = 0;
  let after = 0;
  await run(function* () {
    gc();
    before = heapUsed();
    const group = yield* startSleepers(N);
    gc();
    after = heapUsed();
    yield* group.halt();
  });
  return { bytes: (after - before) / N, before, after };
}
