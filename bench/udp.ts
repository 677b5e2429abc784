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
 * - anyio-ts UDPSocket: a sender task awaiting `sendto()`, a receiver task awaiting
 *   `receive()` in a loop, inside `run()` and a task group. Each send and each receive is a
 *   checkpoint (one macrotask) and can be cancelled without losing a datagram.
 * - anyio-ts ConnectedUDPSocket: the same with a connected sender (`send(data)`).
 *
 * The anyio-ts code here is plain code (not compiled by the transformer), so the runtime runs
 * its callbacks through AsyncLocalStorage: what a user without the transformer pays.
 *
 * Figures: each round measures every (size, contender) pair once, as the median datagrams/s over
 * ITERS timed batches after WARMUP batches (a full GC before each batch with --expose-gc); the
 * figure reported is the median over REPS rounds. "vs node:dgram" is the contender's rate
 * divided by node:dgram's in the same row.
 */
import * as dgram from "node:dgram";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

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

/**
 * Counts deliveries and lets the sender wait until a target count was reached (or LOSS_WAIT
 * ms passed, and the missing datagrams count as lost). `wait` is given the waiting primitive
 * of the contender's world.
 */
class Tally {
  received = 0;
  lost = 0;
  private target = 0;
  private wake: (() => void) | undefined;

  delivered(): void {
    this.received++;
    if (this.wake !== undefined && this.received + this.lost >= this.target) {
      const wake = this.wake;
      this.wake = undefined;
      wake();
    }
  }

  /** Whether the receiver has everything up to `target`; otherwise arms `wake`. */
  caughtUp(target: number, wake: () => void): boolean {
    this.target = target;
    if (this.received + this.lost >= target) return true;
    this.wake = wake;
    return false;
  }

  /** The wait for `target` timed out: the rest of it was lost. */
  giveUp(): void {
    this.wake = undefined;
    this.lost = this.target - this.received;
  }
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
        new Promise<void>((resolve, reject) => sender.send(payload, port, HOST, (error) => (error ? reject(error) : resolve())));
      const start = performance.now();
      for (let sent = 0; sent < N; ) {
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

function anyioContender(anyio: AnyIO, connected: boolean): Contender {
  return {
    name: connected ? "anyio-ts ConnectedUDPSocket" : "anyio-ts UDPSocket",
    run: (size) =>
      anyio.run(async () => {
        await using receiver = await anyio.createUdpSocket({ localHost: HOST });
        const [host, port] = receiver.extra(anyio.SocketAttribute.localAddress) as [string, number];
        await using sender = await anyio.createUdpSocket({ localHost: HOST });
        await using connectedSender = connected ? await anyio.createConnectedUdpSocket(host, port) : undefined;
        const payload = new Uint8Array(size);
        const tally = new Tally();
        let elapsed = 0;
        await anyio.createTaskGroup().run(async (tg) => {
          tg.startSoon(async () => {
            for (;;) {
              await receiver.receive();
              tally.delivered();
            }
          });
          const start = performance.now();
          for (let sent = 0; sent < N; ) {
            const burst = Math.min(WINDOW, N - sent);
            if (connectedSender !== undefined) for (let i = 0; i < burst; i++) await connectedSender.send(payload);
            else for (let i = 0; i < burst; i++) await sender.sendto(payload, host, port);
            sent += burst;
            const event = new anyio.Event();
            if (!tally.caughtUp(sent, () => event.set())) {
              await anyio.moveOnAfter(LOSS_WAIT).run(() => event.wait());
              if (!event.isSet()) tally.giveUp();
            }
          }
          elapsed = performance.now() - start;
          tg.cancelScope.cancel();
        });
        return { elapsed, lost: tally.lost };
      }),
  };
}

// --- Main -------------------------------------------------------------------------------------

function format(rate: number): string {
  return Math.round(rate).toLocaleString("en-US");
}

async function main(): Promise<void> {
  const anyio: AnyIO = args.has("--dist")
    ? require(path.resolve(__dirname, "../dist/runtime/index.js"))
    : await import("../runtime/index");
  console.log(
    `node ${process.version}; anyio-ts from ${args.has("--dist") ? "dist/" : "runtime/ (tsx)"}; ` +
      `${N.toLocaleString("en-US")} datagrams per batch in bursts of ${WINDOW}, ${WARMUP} warm-up + ${ITERS} timed batches, ` +
      `${REPS} rounds` +
      (typeof (globalThis as { gc?: unknown }).gc === "function" ? "; GC before each batch" : ""),
  );
  const contenders = [rawContender(false), rawContender(true), anyioContender(anyio, false), anyioContender(anyio, true)];
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
