"use structured";
// anyio-ts's side of bench/threads.ts, as users write it: structured code compiled by the
// project's Babel plugin (bench/threads.ts compiles this file against dist/ in a process of its
// own and imports the result). Each function runs in a run() of its own, warms that run's pool
// first, and returns the wall-clock and CPU milliseconds (every thread of the process) of what
// it times.
import * as anyio from "anyio-ts";
import { performance } from "node:perf_hooks";

async function timed(fn) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpu: (used.user + used.system) / 1000 };
}

/** `calls` sequential toThread.runSync(add, i, 1) on a warm worker. */
export function roundTrip(add, calls) {
  return anyio.run(async () => {
    for (let i = 0; i < 200; i++) await anyio.toThread.runSync(add, i, 1);
    return await timed(async () => {
      for (let i = 0; i < calls; i++) await anyio.toThread.runSync(add, i, 1);
    });
  });
}

/**
 * `rounds` rounds of `calls` sequential toThread.runSync(add, i, 1) in one run (so on the same
 * worker, warm from one round to the next), with `between(round)` (the baselines) after each;
 * resolves to the rounds' measurements.
 */
export function roundTripSession(add, calls, rounds, between) {
  return anyio.run(async () => {
    for (let i = 0; i < 200; i++) await anyio.toThread.runSync(add, i, 1);
    const measured = [];
    for (let round = 0; round < rounds; round++) {
      measured.push(
        await timed(async () => {
          for (let i = 0; i < calls; i++) await anyio.toThread.runSync(add, i, 1);
        }),
      );
      await between(round);
    }
    return measured;
  });
}

/** `jobs` runs of hash(job) from a task group, with `tokens` as the limiter (null: the default one). */
export function spread(hash, jobs, tokens) {
  return anyio.run(async () => {
    const limiter = tokens === null ? undefined : new anyio.CapacityLimiter(tokens);
    const batch = () =>
      anyio.createTaskGroup().run(async (tg) => {
        for (let job = 0; job < jobs; job++) {
          tg.startSoon(async () => {
            await anyio.toThread.runSync({ limiter }, hash, job);
          });
        }
      });
    await batch(); // the pool's workers start and load the module
    return await timed(batch);
  });
}
