// Shared helpers for the benchmark workers (one worker process per scenario and contender).
import { performance } from "node:perf_hooks";

export const now = () => performance.now(); // ms, sub-µs resolution

export function gc() {
  if (typeof globalThis.gc !== "function") {
    throw new Error("run the worker with node --expose-gc");
  }
  // Two passes: the first may only queue finalizers / weak callbacks.
  globalThis.gc();
  globalThis.gc();
}

export function heapUsed() {
  return process.memoryUsage().heapUsed;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/**
 * Timing protocol shared by every contender for the timed scenarios: `batch()` runs one whole
 * batch (its set-up untimed inside) and returns the timed span in ms. After `warmup` batches,
 * up to `iters` batches are timed, stopping early once `maxMs` of batches have run (never
 * fewer than `minIters`). The median is reported.
 *
 * No full GC is forced between batches: on this VM a forced `gc()` before every batch made the
 * next batch's allocations several times slower (the collector hands memory back and the next
 * batch faults it in again), which swamped what we mean to measure: anyio-ts's spawn+join went
 * from 0.15 to 0.2-3.4 µs/task from one batch to the next. Collections caused by a batch's own
 * garbage land in that batch or the next, which in steady state is the honest amortized cost.
 * BENCH_GC_EACH=1 restores a forced GC before every batch.
 */
export async function timeBatches(batch, { warmup, iters, minIters = 5, maxMs = 15_000 }) {
  const gcEach = process.env.BENCH_GC_EACH === "1";
  for (let i = 0; i < warmup; i++) {
    if (gcEach) gc();
    await batch();
  }
  const spans = [];
  let spent = 0;
  for (let i = 0; i < iters; i++) {
    if (gcEach) gc();
    const t0 = now();
    spans.push(await batch());
    spent += now() - t0;
    if (spent > maxMs && spans.length >= minIters) break;
  }
  return spans;
}
