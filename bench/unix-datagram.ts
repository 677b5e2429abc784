/**
 * UNIX datagram sockets and descriptor passing (the optional native addon anyio-ts-native),
 * measured in one run against baselines of the same run:
 *
 * - datagrams per second through a connected UNIX datagram pair (`ConnectedUNIXDatagramSocket`
 *   → `UNIXDatagramSocket`, an abstract name) against the same workload over UDP loopback
 *   (`ConnectedUDPSocket` → `UDPSocket` on 127.0.0.1), at 64 and 1200 bytes;
 * - descriptor-passing messages per second over a UNIX stream pair run by the addon (a one-byte
 *   message with one descriptor, `sendFds` → `receiveFds(1, 1)`, the receiver closing each
 *   descriptor) against the same messages without descriptors (`send` → `receiveFds(1, 1)`);
 * - what running UNIX *streams* on the addon costs: MB/s of a bulk transfer (64 KiB sends,
 *   receives of at most 64 KiB) over a UNIX stream pair run by the addon against the same over
 *   node:net (a child process of this file with ANYIO_TS_NO_NATIVE=1, since the choice is made
 *   once per process; the addon's figure comes from a child too, so both pay the same).
 *
 *   npm run build && node --expose-gc --import tsx bench/unix-datagram.ts --dist
 *   node --expose-gc --import tsx bench/unix-datagram.ts --quick        # from runtime/ (tsx)
 *
 * Every contender is anyio-ts (the point is what the addon's path costs next to the Node path
 * it stands beside): the same structured code, compiled at start-up (bench/unix-datagram-bodies.ts),
 * the sender sending bursts of WINDOW and waiting until the receiver counted them. Figures: the
 * median over ITERS timed batches after a warm-up, then the median over REPS rounds, with the
 * contenders interleaved in each round. The machine's load (`os.loadavg()`) is printed with them.
 */
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { compileBodies } from "./compile-bodies";

type AnyIO = typeof import("../runtime/index");
type Bodies = typeof import("./unix-datagram-bodies");

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const N = QUICK ? 5_000 : 20_000;
const FD_N = QUICK ? 5_000 : 20_000;
const WINDOW = 32;
const LOSS_WAIT = 500;
const ITERS = QUICK ? 1 : 3;
const REPS = QUICK ? 1 : 3;
const SIZES = [64, 1200];
const ROOT = path.resolve(__dirname, "..");
const RUNTIME_DIR = path.join(ROOT, args.has("--dist") ? "dist/runtime" : "runtime");
const BODIES = path.join(__dirname, "unix-datagram-bodies.ts");
const STREAM_BYTES = (QUICK ? 16 : 64) * 1024 * 1024;
const STREAM_CHUNK = 64 * 1024;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Contender {
  readonly name: string;
  /** One batch: how many messages, and how long it took. */
  run(): Promise<{ count: number; elapsed: number; lost: number }>;
}

async function measure(contender: Contender): Promise<{ rate: number; lost: number }> {
  await contender.run(); // warm-up
  const rates: number[] = [];
  let lost = 0;
  for (let i = 0; i < ITERS; i++) {
    gc();
    const result = await contender.run();
    lost += result.lost;
    rates.push((result.count - result.lost) / (result.elapsed / 1000));
  }
  return { rate: median(rates), lost };
}

function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(line(rows[0]!));
  console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
  for (const row of rows.slice(1)) console.log(line(row));
}

/** In a child process: MB/s of the bulk stream transfer, median of ITERS after a warm-up, as JSON. */
async function streamChild(anyio: AnyIO, bodies: Bodies): Promise<void> {
  const rates: number[] = [];
  for (let i = 0; i <= ITERS; i++) {
    gc();
    const { elapsed } = await anyio.run(bodies.streamBatch, { bytes: STREAM_BYTES, chunk: STREAM_CHUNK });
    if (i > 0) rates.push(STREAM_BYTES / 1024 / 1024 / (elapsed / 1000));
  }
  console.log(JSON.stringify({ rate: median(rates) }));
}

/** The bulk stream transfer's MB/s in a child process, with or without the addon. */
function streamRate(native: boolean): number {
  const env = { ...process.env };
  if (native) delete env.ANYIO_TS_NO_NATIVE;
  else env.ANYIO_TS_NO_NATIVE = "1";
  const output = execFileSync(
    process.execPath,
    [...process.execArgv, __filename, ...process.argv.slice(2), "--stream-child"],
    {
      env,
      encoding: "utf8",
    },
  );
  return (JSON.parse(output.trim().split("\n").pop()!) as { rate: number }).rate;
}

async function main(): Promise<void> {
  const anyio: AnyIO = require(path.join(RUNTIME_DIR, "index"));
  const bodies = compileBodies<Bodies>(BODIES, RUNTIME_DIR, ["udp-tally"]);
  if (args.has("--stream-child")) return streamChild(anyio, bodies);
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
  console.log(
    `node ${process.version}; anyio-ts from ${args.has("--dist") ? "dist/" : "runtime/ (tsx)"}; ${os.cpus().length} CPUs; ` +
      `load average at start ${load()}; ${ITERS} timed batches after 1 warm-up, ${REPS} rounds`,
  );
  const datagram = (kind: "unix" | "udp", size: number): Contender => ({
    name: kind === "unix" ? "UNIX datagram pair" : "UDP loopback",
    run: async () => ({
      count: N,
      ...(await anyio.run(bodies.datagramBatch, { kind, size, n: N, window: WINDOW, lossWait: LOSS_WAIT })),
    }),
  });
  const fds = (withFds: boolean): Contender => ({
    name: withFds ? "sendFds, 1 descriptor each" : "send, no descriptor",
    run: async () => ({
      count: FD_N,
      lost: 0,
      ...(await anyio.run(bodies.fdBatch, { withFds, n: FD_N, window: WINDOW })),
    }),
  });
  const groups: Array<{ label: string; contenders: Contender[] }> = [
    ...SIZES.map((size) => ({
      label: `${size} B datagrams`,
      contenders: [datagram("unix", size), datagram("udp", size)],
    })),
    { label: "1 B stream messages", contenders: [fds(true), fds(false)] },
  ];
  const outcomes = groups.map((group) => group.contenders.map((): Array<{ rate: number; lost: number }> => []));
  for (let rep = 0; rep < REPS; rep++) {
    for (const [i, group] of groups.entries()) {
      for (const [j, contender] of group.contenders.entries()) outcomes[i]![j]!.push(await measure(contender));
    }
  }
  const rows = [["workload", "contender", "messages/s (median)", "ratio to the baseline (2nd row)", "lost"]];
  for (const [i, group] of groups.entries()) {
    const rates = group.contenders.map((_, j) => median(outcomes[i]![j]!.map((o) => o.rate)));
    for (const [j, contender] of group.contenders.entries()) {
      const lost = outcomes[i]![j]!.reduce((sum, o) => sum + o.lost, 0);
      rows.push([
        group.label,
        contender.name,
        Math.round(rates[j]!).toLocaleString("en-US"),
        `${(rates[j]! / rates[1]!).toFixed(2)}x`,
        String(lost),
      ]);
    }
  }
  table(rows);
  const streams: Array<[number, number]> = [];
  for (let rep = 0; rep < REPS; rep++) streams.push([streamRate(true), streamRate(false)]);
  const nativeRate = median(streams.map(([n]) => n));
  const nodeRate = median(streams.map(([, n]) => n));
  table([
    ["UNIX stream, 64 KiB sends", "MB/s (median)", "ratio to node:net"],
    ["run by the addon", nativeRate.toFixed(1), `${(nativeRate / nodeRate).toFixed(2)}x`],
    ["run by node:net (ANYIO_TS_NO_NATIVE=1)", nodeRate.toFixed(1), "1.00x"],
  ]);
  console.log(`load average at end ${load()}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
