"use structured";
// anyio-ts as a user of the transformer writes it: this file is compiled by the project's Babel
// plugin (from the dist/ snapshot) when run.cjs prepares the benchmark, into
// <snapshot>/bench/anyio-structured.mjs, with "anyio-ts" and "anyio-ts/rt" pointed at the
// snapshot. Every async function here is structured code; the drivers that the worker calls
// from plain code (outside run()) opt out with "use unstructured".
import { run, sleep, createTaskGroup, waitAllTasksBlocked } from "anyio-ts";
import { now, gc, heapUsed } from "BENCH_LIB";

// --- Scenario 1: spawn + join -------------------------------------------------------------------
const child = async () => 1;

async function spawnRoot(n) {
  await createTaskGroup().run(async (tg) => {
    for (let i = 0; i < n; i++) tg.startSoon(child);
  });
}

export async function spawnJoin(N) {
  "use unstructured";
  const t0 = now();
  await run(spawnRoot, N);
  return { ms: now() - t0 };
}

// --- Scenarios 2 and 3: N tasks parked in sleep(1e9) ---------------------------------------------
let started = 0;
const sleeper = async () => {
  started++;
  await sleep(1e9);
};

// Spawns n sleepers, waits until all are blocked, calls hooks.blocked(), takes t0, cancels.
async function sleepersRoot(n, hooks) {
  await createTaskGroup().run(async (tg) => {
    for (let i = 0; i < n; i++) tg.startSoon(sleeper);
    await waitAllTasksBlocked();
    hooks.blocked(started);
    hooks.t0 = now();
    tg.cancel();
  });
}

export async function cancel(N) {
  "use unstructured";
  started = 0;
  let seen = 0;
  const hooks = { t0: 0, blocked: (s) => void (seen = s) };
  await run(sleepersRoot, N, hooks);
  const ms = now() - hooks.t0;
  return { ms, check: seen === N ? "ok" : `only ${seen}/${N} started before cancel` };
}

async function heapRoot(n, hooks) {
  gc();
  hooks.before = heapUsed();
  await sleepersRoot(n, hooks);
}

export async function heap(N) {
  "use unstructured";
  for (let i = 0; i < 2; i++) await cancel(2000);
  started = 0;
  let seen = 0;
  const hooks = {
    before: 0,
    after: 0,
    t0: 0,
    blocked: (s) => {
      seen = s;
      gc();
      hooks.after = heapUsed();
    },
  };
  await run(heapRoot, N, hooks);
  if (seen !== N) throw new Error(`only ${seen}/${N} started`);
  return { bytes: (hooks.after - hooks.before) / N, before: hooks.before, after: hooks.after };
}
