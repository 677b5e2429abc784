/**
 * UDP datagrams per second on loopback (127.0.0.1), through anyio-ts's UDPSocket and
 * ConnectedUDPSocket and through raw node:dgram, at 64-byte and 1200-byte datagrams, in one run.
 *
 *   node --import tsx bench/udp.ts            # anyio-ts from runtime/*.ts (through tsx)
 *   node --import tsx bench/udp.ts --dist     # anyio-ts from dist/ (run `npm run build` first)
 *   node --expose-gc --import tsx bench/udp.ts --quick
 *
 * The workload is the same everywhere: one sender and one receiver, each with its own socket.
 * The sender sends N datagrams in bursts of WINDOW, waiting for each send to complete (the
 * send callback: the datagram reached the kernel), and after each burst waits until the
 * receiver has counted the whole burst. The window keeps every datagram within the receive
 * queue (100) and the kernel's buffer, so none is dropped and the rate is the rate of delivered
 * datagrams; a burst not delivered within LOSS_WAIT ms is counted as lost (and reported).
 *
 * - node:dgram: `socket.send(payload, port, host, callback)` wrapped in a promise, awaited in a
 *   loop; the receiver is the `'message'` event. No checkpoints, no cancellation: the floor.
 * - node:dgram + 1 setImmediate per op: the same, with one macrotask before each send and one
 *   per delivered datagram: the floor of a design where every send and receive is a checkpoint.
 * - anyio-ts UDPSocket: the root task awaiting `sendto()`, a receiver task awaiting
 *   `receive()` in a loop, inside `run()` and a task group. Each send and each receive is a
 *   checkpoint (one macrotask) and can be cancelled without losing a datagram.
 * - anyio-ts ConnectedUDPSocket: the same with a connected sender (`send(data)`).
 *
 * The anyio-ts side lives in bench/udp-bodies.ts ("use structured"), compiled at start-up by
 * the TypeScript transformer, as users' compiled code is; so AsyncLocalStorage (which would slow
 * every promise of the process, node:dgram's too) is never switched on.
 *
 * Figures: each round measures every (size, contender) pair once, as the median datagrams/s over
 * ITERS timed batches after WARMUP batches (a full GC before each batch with --expose-gc); the
 * figure reported is the median over REPS rounds. "vs node:dgram" is the contender's rate
 * divided by node:dgram's in the same row.
 */
import * as dgram from "node:dgram";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { compileBodies } from "./compile-bodies";
import { Tally } from "./udp-tally";

type AnyIO = typeof import("../runtime/index");

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const N = QUICK ? 5_000 : 20_000;
const WINDOW = 32;
const LOSS_WAIT = 500;
const WARMUP = 1;
const ITERS = QUICK ? 1 : 3;
const REPS = QUICK ? 1 : 3;
const SIZES = [64, 1200];
const HOST = "127.0.0.1";
const ROOT = path.resolve(__dirname, "..");
/** Where the runtime comes from: runtime/*.ts through tsx, or with --dist the tsc build in dist/runtime. */
const RUNTIME_DIR = path.join(ROOT, args.has("--dist") ? "dist/runtime" : "runtime");
const BODIES = path.join(__dirname, "udp-bodies.ts");

interface Outcome {
  /** Datagrams delivered per second. */
  rate: number;
  lost: number;
}

interface Contender {
  name: string;
  /** Sends N datagrams of `size` bytes to a receiver; resolves to the elapsed ms and the datagrams lost. */
  run(size: number): Promise<{ elapsed: number; lost: number }>;
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

async function measure(contender: Contender, size: number): Promise<Outcome> {
  for (let i = 0; i < WARMUP; i++) await contender.run(size);
  const rates: number[] = [];
  let lost = 0;
  for (let i = 0; i < ITERS; i++) {
    gc();
    const result = await contender.run(size);
    lost += result.lost;
    rates.push((N - result.lost) / (result.elapsed / 1000));
  }
  return { rate: median(rates), lost };
}

// --- node:dgram -------------------------------------------------------------------------------

function bound(): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket("udp4");
    socket.once("error", reject);
    socket.bind(0, HOST, () => resolve(socket));
  });
}

/**
 * node:dgram, optionally paying one macrotask (setImmediate) per send and per delivered datagram:
 * the floor of any design in which each send and each receive is a checkpoint that lets the
 * event loop turn, as ours are.
 */
function rawContender(checkpoints: boolean): Contender {
  const yieldMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    name: checkpoints ? "node:dgram + 1 setImmediate per op" : "node:dgram",
    run: async (size) => {
      const receiver = await bound();
      const sender = await bound();
      const port = receiver.address().port;
      const payload = new Uint8Array(size);
      const tally = new Tally();
      receiver.on("message", checkpoints ? () => setImmediate(() => tally.delivered()) : () => tally.delivered());
      const sendOne = () =>
        new Promise<void>((resolve, reject) =>
          sender.send(payload, port, HOST, (error) => (error ? reject(error) : resolve())),
        );
      const start = performance.now();
      for (let sent = 0; sent < N;) {
        const burst = Math.min(WINDOW, N - sent);
        for (let i = 0; i < burst; i++) {
          if (checkpoints) await yieldMacrotask();
          await sendOne();
        }
        sent += burst;
        await new Promise<void>((resolve) => {
          let timer: NodeJS.Timeout | undefined;
          const caughtUp = () => {
            clearTimeout(timer);
            resolve();
          };
          if (tally.caughtUp(sent, caughtUp)) return resolve();
          timer = setTimeout(() => {
            tally.giveUp();
            resolve();
          }, LOSS_WAIT);
        });
      }
      const elapsed = performance.now() - start;
      receiver.close();
      sender.close();
      return { elapsed, lost: tally.lost };
    },
  };
}

// --- anyio-ts ---------------------------------------------------------------------------------

function anyioContender(anyio: AnyIO, bodies: typeof import("./udp-bodies"), connected: boolean): Contender {
  return {
    name: connected ? "anyio-ts ConnectedUDPSocket" : "anyio-ts UDPSocket",
    run: (size) =>
      anyio.run(bodies.udpBatch, { connected, size, n: N, window: WINDOW, lossWait: LOSS_WAIT, host: HOST }),
  };
}

// --- Main -------------------------------------------------------------------------------------

function format(rate: number): string {
  return Math.round(rate).toLocaleString("en-US");
}

async function main(): Promise<void> {
  const anyio: AnyIO = require(path.join(RUNTIME_DIR, "index"));
  const bodies = compileBodies<typeof import("./udp-bodies")>(BODIES, RUNTIME_DIR, ["udp-tally"]);
  console.log(
    `node ${process.version}; anyio-ts from ${args.has("--dist") ? "dist/" : "runtime/ (tsx)"}; ` +
      `${N.toLocaleString("en-US")} datagrams per batch in bursts of ${WINDOW}, ${WARMUP} warm-up + ${ITERS} timed batches, ` +
      `${REPS} rounds` +
      (typeof (globalThis as { gc?: unknown }).gc === "function" ? "; GC before each batch" : ""),
  );
  const contenders = [
    rawContender(false),
    rawContender(true),
    anyioContender(anyio, bodies, false),
    anyioContender(anyio, bodies, true),
  ];
  const outcomes = SIZES.map(() => contenders.map((): Outcome[] => []));
  for (let rep = 0; rep < REPS; rep++) {
    for (const [i, size] of SIZES.entries()) {
      for (const [j, contender] of contenders.entries()) outcomes[i][j].push(await measure(contender, size));
    }
  }
  const rows: string[][] = [["datagram", "contender", "datagrams/s (median)", "vs node:dgram", "lost"]];
  for (const [i, size] of SIZES.entries()) {
    const reference = median(outcomes[i][0].map((o) => o.rate));
    for (const [j, contender] of contenders.entries()) {
      const rate = median(outcomes[i][j].map((o) => o.rate));
      const lost = outcomes[i][j].reduce((sum, o) => sum + o.lost, 0);
      rows.push([`${size} B`, contender.name, format(rate), `${(rate / reference).toFixed(2)}x`, String(lost)]);
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
