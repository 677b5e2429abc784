/**
 * Synchronization primitives: anyio-ts's Lock, Semaphore and CapacityLimiter against
 * async-mutex (Mutex, Semaphore) and p-limit, uncontended and contended, in one run.
 *
 *   node --import tsx bench/sync.ts            # anyio-ts from runtime/*.ts (through tsx)
 *   node --import tsx bench/sync.ts --dist     # anyio-ts from dist/ (run `npm run build` first)
 *   node --expose-gc --import tsx bench/sync.ts --quick
 *
 * Workloads (each contender does exactly the same thing):
 * - uncontended: one task takes and gives back the resource N times in a row;
 * - contended: TASKS tasks, each taking and giving back the resource M times, with one
 *   microtask hop (`await null`) while holding it, so that the others queue up behind it.
 *   Semaphore and limiter runs use SLOTS slots / tokens.
 *
 * What the figures mean: anyio-ts's default acquire is a checkpoint, so an uncontended acquire
 * yields one macrotask (setImmediate) to the event loop, as AnyIO's does; `fastAcquire` skips
 * that yield, which is what async-mutex and p-limit do (they only hop microtasks). Contended
 * hand-offs are microtask hops everywhere. anyio-ts also pays for fairness, ownership checks and
 * cancellation support, which the others do not offer.
 *
 * Figures: each round measures every (scenario, contender) pair once, as the median ops/s over
 * ITERS timed batches after WARMUP batches (a full GC before each batch when the process runs
 * with --expose-gc); the figure reported is the median over REPS rounds. "vs anyio-ts" is the
 * contender's ops/s divided by anyio-ts's default variant's in the same scenario.
 */
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { Mutex, Semaphore as MutexSemaphore } from "async-mutex";

type AnyIO = typeof import("../runtime/index");
type PLimit = typeof import("p-limit").default;

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const UNCONTENDED_N = QUICK ? 5_000 : 20_000;
const TASKS = 16;
const M = QUICK ? 250 : 1_000;
const SLOTS = 4;
const WARMUP = QUICK ? 1 : 2;
const ITERS = QUICK ? 3 : 5;
/** Rounds over every (scenario, contender) pair, interleaved so that a burst of load elsewhere spreads over all. */
const REPS = QUICK ? 1 : 3;

/** One way of running one workload: does `ops` operations and resolves when they are done. */
interface Contender {
  name: string;
  run(): Promise<void>;
}

interface Scenario {
  title: string;
  ops: number;
  /** The first contender is the reference for the ratios. */
  contenders: Contender[];
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect !== undefined) collect();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function measure(contender: Contender, ops: number): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await contender.run();
  const rates: number[] = [];
  for (let i = 0; i < ITERS; i++) {
    gc();
    const start = performance.now();
    await contender.run();
    rates.push(ops / ((performance.now() - start) / 1000));
  }
  return median(rates);
}

// --- Workloads -------------------------------------------------------------------------------

/** `times` sequential acquire/release pairs, through `acquire`, which returns the releaser. */
async function sequential(times: number, acquire: () => Promise<() => void>): Promise<void> {
  for (let i = 0; i < times; i++) {
    const release = await acquire();
    release();
  }
}

/** The same with a microtask hop while holding the resource. */
async function holding(times: number, acquire: () => Promise<() => void>): Promise<void> {
  for (let i = 0; i < times; i++) {
    const release = await acquire();
    await null;
    release();
  }
}

function anyioUncontended(anyio: AnyIO, make: () => { acquire(): Promise<Disposable> }): () => Promise<void> {
  return () =>
    anyio.run(async () => {
      const resource = make();
      for (let i = 0; i < UNCONTENDED_N; i++) {
        const acquisition = await resource.acquire();
        acquisition[Symbol.dispose]();
      }
    });
}

function anyioContended(anyio: AnyIO, make: () => { acquire(): Promise<Disposable> }): () => Promise<void> {
  return () =>
    anyio.run(async () => {
      const resource = make();
      await anyio.createTaskGroup().run((tg) => {
        for (let t = 0; t < TASKS; t++) {
          tg.startSoon(async () => {
            for (let i = 0; i < M; i++) {
              const acquisition = await resource.acquire();
              await null;
              acquisition[Symbol.dispose]();
            }
          });
        }
      });
    });
}

function plainContended(make: () => () => Promise<() => void>): () => Promise<void> {
  return async () => {
    const acquire = make();
    await Promise.all(Array.from({ length: TASKS }, () => holding(M, acquire)));
  };
}

function pLimitUncontended(pLimit: PLimit, slots: number): () => Promise<void> {
  return async () => {
    const limit = pLimit(slots);
    const noop = async () => {};
    for (let i = 0; i < UNCONTENDED_N; i++) await limit(noop);
  };
}

function pLimitContended(pLimit: PLimit): () => Promise<void> {
  return async () => {
    const limit = pLimit(SLOTS);
    const hop = async () => {
      await null;
    };
    await Promise.all(
      Array.from({ length: TASKS }, async () => {
        for (let i = 0; i < M; i++) await limit(hop);
      }),
    );
  };
}

function scenarios(anyio: AnyIO, pLimit: PLimit): Scenario[] {
  const mutex = () => {
    const m = new Mutex();
    return () => m.acquire();
  };
  const mutexSemaphore = (slots: number) => () => {
    const s = new MutexSemaphore(slots);
    return async () => (await s.acquire())[1];
  };
  const contendedOps = TASKS * M;
  return [
    {
      title: "Lock, uncontended",
      ops: UNCONTENDED_N,
      contenders: [
        { name: "anyio-ts Lock", run: anyioUncontended(anyio, () => new anyio.Lock()) },
        {
          name: "anyio-ts Lock fastAcquire",
          run: anyioUncontended(anyio, () => new anyio.Lock({ fastAcquire: true })),
        },
        { name: "async-mutex Mutex", run: () => sequential(UNCONTENDED_N, mutex()) },
      ],
    },
    {
      title: `Lock, contended (${TASKS} tasks)`,
      ops: contendedOps,
      contenders: [
        { name: "anyio-ts Lock", run: anyioContended(anyio, () => new anyio.Lock()) },
        { name: "anyio-ts Lock fastAcquire", run: anyioContended(anyio, () => new anyio.Lock({ fastAcquire: true })) },
        { name: "async-mutex Mutex", run: plainContended(mutex) },
      ],
    },
    {
      title: "Semaphore, uncontended",
      ops: UNCONTENDED_N,
      contenders: [
        { name: "anyio-ts Semaphore", run: anyioUncontended(anyio, () => new anyio.Semaphore(SLOTS)) },
        {
          name: "anyio-ts Semaphore fastAcquire",
          run: anyioUncontended(anyio, () => new anyio.Semaphore(SLOTS, { fastAcquire: true })),
        },
        { name: "async-mutex Semaphore", run: () => sequential(UNCONTENDED_N, mutexSemaphore(SLOTS)()) },
        { name: "p-limit", run: pLimitUncontended(pLimit, SLOTS) },
      ],
    },
    {
      title: `Semaphore, contended (${TASKS} tasks, ${SLOTS} slots)`,
      ops: contendedOps,
      contenders: [
        { name: "anyio-ts Semaphore", run: anyioContended(anyio, () => new anyio.Semaphore(SLOTS)) },
        {
          name: "anyio-ts Semaphore fastAcquire",
          run: anyioContended(anyio, () => new anyio.Semaphore(SLOTS, { fastAcquire: true })),
        },
        { name: "async-mutex Semaphore", run: plainContended(mutexSemaphore(SLOTS)) },
        { name: "p-limit", run: pLimitContended(pLimit) },
      ],
    },
    {
      title: "CapacityLimiter, uncontended",
      ops: UNCONTENDED_N,
      contenders: [
        { name: "anyio-ts CapacityLimiter", run: anyioUncontended(anyio, () => new anyio.CapacityLimiter(SLOTS)) },
        { name: "async-mutex Semaphore", run: () => sequential(UNCONTENDED_N, mutexSemaphore(SLOTS)()) },
        { name: "p-limit", run: pLimitUncontended(pLimit, SLOTS) },
      ],
    },
    {
      title: `CapacityLimiter, contended (${TASKS} tasks, ${SLOTS} tokens)`,
      ops: contendedOps,
      contenders: [
        { name: "anyio-ts CapacityLimiter", run: anyioContended(anyio, () => new anyio.CapacityLimiter(SLOTS)) },
        { name: "async-mutex Semaphore", run: plainContended(mutexSemaphore(SLOTS)) },
        { name: "p-limit", run: pLimitContended(pLimit) },
      ],
    },
  ];
}

function format(rate: number): string {
  return rate >= 1e6 ? `${(rate / 1e6).toFixed(2)} M` : `${(rate / 1e3).toFixed(0)} k`;
}

async function main(): Promise<void> {
  const anyio: AnyIO = args.has("--dist")
    ? require(path.resolve(__dirname, "../dist/runtime/index.js"))
    : await import("../runtime/index");
  // p-limit 6+ is ESM-only: a dynamic import loads it from CommonJS too.
  const pLimit: PLimit = (await import("p-limit")).default;
  console.log(
    `node ${process.version}; anyio-ts from ${args.has("--dist") ? "dist/" : "runtime/ (tsx)"}; ` +
      `median over ${REPS} rounds of the median of ${ITERS} batches after ${WARMUP} warm-up; GC between batches: ${typeof (globalThis as { gc?: unknown }).gc === "function" ? "yes" : "no (run with --expose-gc)"}`,
  );
  const list = scenarios(anyio, pLimit);
  const rates = list.map((scenario) => scenario.contenders.map((): number[] => []));
  for (let rep = 0; rep < REPS; rep++) {
    for (const [i, scenario] of list.entries()) {
      for (const [j, contender] of scenario.contenders.entries()) {
        const rate = await measure(contender, scenario.ops);
        rates[i][j].push(rate);
        console.error(`  round ${rep + 1}: ${scenario.title} / ${contender.name}: ${format(rate)} ops/s`);
      }
    }
  }
  const rows: string[][] = [["scenario", "contender", "ops/s (median)", "vs anyio-ts"]];
  for (const [i, scenario] of list.entries()) {
    const reference = median(rates[i][0]);
    for (const [j, contender] of scenario.contenders.entries()) {
      const rate = median(rates[i][j]);
      rows.push([scenario.title, contender.name, format(rate), `${(rate / reference).toFixed(2)}x`]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  console.log(line(rows[0]));
  console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
  for (const row of rows.slice(1)) console.log(line(row));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
