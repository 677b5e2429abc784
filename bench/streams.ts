/**
 * Memory object streams: items per second from one producer task to one consumer task through
 * anyio-ts's createMemoryObjectStream, Effect 4's Queue, Effection 4's channel and a minimal
 * hand-written async queue, at buffer sizes 0 (rendezvous), 1, 100 and Infinity, in one run.
 *
 *   node --import tsx bench/streams.ts            # anyio-ts from runtime/*.ts (through tsx)
 *   node --import tsx bench/streams.ts --dist     # anyio-ts from dist/ (run `npm run build` first)
 *   node --expose-gc --import tsx bench/streams.ts --quick
 *
 * The workload is the same everywhere: the producer sends the numbers 0..N-1 one by one,
 * waiting for each send to complete, and the consumer receives N items and checks their sum.
 *
 * - anyio-ts: `await send.send(i)` / `await receive.receive()`. Both are checkpoints, as in
 *   AnyIO: each yields one macrotask (setImmediate) to the event loop before it completes, even
 *   when it could complete at once, and each can be cancelled without losing an item.
 * - Effect 4: `Queue.bounded(size)` (`Queue.unbounded()` for Infinity), `Queue.offer` /
 *   `Queue.take` in two fibers. Effect hops microtasks and yields to the event loop only every
 *   few thousand operations.
 * - Effection 4: `createChannel()`. Its channels are broadcast and unbounded: `send` never
 *   waits (there is no backpressure and no buffer size), so the same figure is measured in
 *   every row; it is closest to the Infinity row.
 * - hand-written: a bounded queue of promises (about 40 lines below), no cancellation, no
 *   checkpoints: the floor of what promise-based hand-offs cost.
 *
 * Figures: each round measures every (buffer size, contender) pair once, as the median items/s
 * over ITERS timed batches after WARMUP batches (a full GC before each batch when the process
 * runs with --expose-gc); the figure reported is the median over REPS rounds. "vs anyio-ts" is
 * the contender's items/s divided by anyio-ts's in the same row.
 */
import * as path from "node:path";
import { performance } from "node:perf_hooks";

type AnyIO = typeof import("../runtime/index");

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const N = QUICK ? 20_000 : 100_000;
const WARMUP = 1;
const ITERS = QUICK ? 1 : 3;
/** Rounds over every (size, contender) pair, interleaved so that a burst of load elsewhere spreads over all. */
const REPS = QUICK ? 1 : 3;
const SIZES = [0, 1, 100, Infinity];
const EXPECTED_SUM = (N * (N - 1)) / 2;

interface Contender {
  name: string;
  /** Moves N items from a producer to a consumer; resolves to the sum the consumer saw. */
  run(size: number): Promise<number>;
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

async function measure(contender: Contender, size: number): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await contender.run(size);
  const rates: number[] = [];
  for (let i = 0; i < ITERS; i++) {
    gc();
    const start = performance.now();
    const sum = await contender.run(size);
    const elapsed = performance.now() - start;
    if (sum !== EXPECTED_SUM)
      throw new Error(`${contender.name} at size ${size}: sum ${sum}, expected ${EXPECTED_SUM}`);
    rates.push(N / (elapsed / 1000));
  }
  return median(rates);
}

// --- anyio-ts ---------------------------------------------------------------------------------

function anyioContender(anyio: AnyIO): Contender {
  return {
    name: "anyio-ts createMemoryObjectStream",
    run: (size) =>
      anyio.run(async () => {
        const [send, receive] = anyio.createMemoryObjectStream<number>(size);
        let sum = 0;
        await anyio.createTaskGroup().run(async (tg) => {
          tg.startSoon(async () => {
            for (let i = 0; i < N; i++) await send.send(i);
            send.close();
          });
          for (let i = 0; i < N; i++) sum += await receive.receive();
          receive.close();
        });
        return sum;
      }),
  };
}

// --- Effect 4 ---------------------------------------------------------------------------------

/** The few parts of Effect 4 used here (its package has no typings under node10 resolution). */
interface EffectModule {
  Effect: {
    gen(body: () => Generator<unknown, number, any>): unknown;
    runPromise(effect: unknown): Promise<number>;
    forkChild(effect: unknown): unknown;
  };
  Queue: {
    bounded(capacity: number): unknown;
    unbounded(): unknown;
    offer(queue: unknown, item: number): unknown;
    take(queue: unknown): unknown;
  };
  Fiber: { join(fiber: unknown): unknown };
}

function effectContender({ Effect, Queue, Fiber }: EffectModule): Contender {
  return {
    name: "Effect 4 Queue",
    run: (size) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const queue = yield* (size === Infinity ? Queue.unbounded() : Queue.bounded(size)) as any;
          const producer = yield* Effect.forkChild(
            Effect.gen(function* () {
              for (let i = 0; i < N; i++) yield* Queue.offer(queue, i) as any;
              return 0;
            }),
          ) as any;
          let sum = 0;
          for (let i = 0; i < N; i++) sum += (yield* Queue.take(queue) as any) as number;
          yield* Fiber.join(producer) as any;
          return sum;
        }),
      ),
  };
}

// --- Effection 4 ------------------------------------------------------------------------------

function effectionContender(effection: typeof import("effection")): Contender {
  const { run, spawn, createChannel } = effection;
  return {
    name: "Effection 4 channel (unbounded)",
    run: () =>
      run(function* () {
        const channel = createChannel<number, void>();
        const subscription = yield* channel; // subscribe first: a channel drops what nobody listens to
        yield* spawn(function* () {
          for (let i = 0; i < N; i++) yield* channel.send(i);
          yield* channel.close();
        });
        let sum = 0;
        for (let i = 0; i < N; i++) {
          const next = yield* subscription.next();
          if (next.done) throw new Error("the channel closed early");
          sum += next.value;
        }
        return sum;
      }),
  };
}

// --- A minimal hand-written async queue -------------------------------------------------------

/**
 * A bounded FIFO of items between async functions: `send` waits while the buffer is full (with
 * capacity 0, until a receiver takes the item), `receive` waits while it is empty. No
 * cancellation, no closing, no checkpoints.
 */
class HandWrittenQueue<T> {
  private items: T[] = [];
  private head = 0;
  private readonly takers: Array<(item: T) => void> = [];
  private readonly putters: Array<{ item: T; resolve: () => void }> = [];

  constructor(private readonly capacity: number) {}

  send(item: T): Promise<void> {
    const taker = this.takers.shift();
    if (taker !== undefined) {
      taker(item);
      return Promise.resolve();
    }
    if (this.items.length - this.head < this.capacity) {
      this.items.push(item);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.putters.push({ item, resolve }));
  }

  receive(): Promise<T> {
    const putter = this.putters.shift();
    if (putter !== undefined) {
      this.items.push(putter.item);
      putter.resolve();
    }
    if (this.head < this.items.length) {
      const item = this.items[this.head++];
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve(item);
    }
    return new Promise((resolve) => this.takers.push(resolve));
  }
}

const handWritten: Contender = {
  name: "hand-written async queue",
  run: async (size) => {
    const queue = new HandWrittenQueue<number>(size);
    const producer = (async () => {
      for (let i = 0; i < N; i++) await queue.send(i);
    })();
    let sum = 0;
    for (let i = 0; i < N; i++) sum += await queue.receive();
    await producer;
    return sum;
  },
};

// --- Main -------------------------------------------------------------------------------------

function format(rate: number): string {
  return Math.round(rate).toLocaleString("en-US");
}

async function main(): Promise<void> {
  const anyio: AnyIO = args.has("--dist")
    ? require(path.resolve(__dirname, "../dist/runtime/index.js"))
    : await import("../runtime/index");
  // Effect 4 is ESM-only; a computed specifier keeps TypeScript from resolving it under node10.
  const effectSpecifier = "effect";
  const effect = (await import(effectSpecifier)) as EffectModule;
  const effection = await import("effection");
  console.log(
    `node ${process.version}; anyio-ts from ${args.has("--dist") ? "dist/" : "runtime/ (tsx)"}; ` +
      `${N.toLocaleString("en-US")} items per batch, ${WARMUP} warm-up + ${ITERS} timed batches, ${REPS} rounds` +
      (typeof (globalThis as { gc?: unknown }).gc === "function" ? "; GC before each batch" : ""),
  );
  const contenders = [anyioContender(anyio), effectContender(effect), effectionContender(effection), handWritten];
  const rates = SIZES.map(() => contenders.map((): number[] => []));
  for (let rep = 0; rep < REPS; rep++) {
    for (const [i, size] of SIZES.entries()) {
      for (const [j, contender] of contenders.entries()) rates[i][j].push(await measure(contender, size));
    }
  }
  const rows: string[][] = [["buffer size", "contender", "items/s (median)", "vs anyio-ts"]];
  for (const [i, size] of SIZES.entries()) {
    const reference = median(rates[i][0]);
    for (const [j, contender] of contenders.entries()) {
      const rate = median(rates[i][j]);
      rows.push([String(size), contender.name, format(rate), `${(rate / reference).toFixed(2)}x`]);
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
