/**
 * TCP on loopback: anyio-ts's streams and listeners against raw `node:net`, side by side in one
 * run, on the same machine and Node.
 *
 *   npm run build && node bench/plain-node.cjs --expose-gc bench/net.ts  # anyio-ts from dist/, plain Node
 *   node bench/plain-node.cjs --expose-gc bench/net.ts --quick           # a smoke run
 *   node bench/plain-node.cjs --expose-gc bench/net.ts --only echo       # some scenarios only
 *   node bench/plain-node.cjs --expose-gc bench/net.ts --base .tmp/dist-base  # A/B: another build beside this one
 *   node bench/plain-node.cjs --expose-gc bench/net.ts --same-heap         # every child loads anyio-ts
 *   node bench/plain-node.cjs --expose-gc bench/net.ts --ballast 8         # every child holds 8 MB more
 *   node bench/plain-node.cjs --expose-gc bench/net.ts --rounds 15         # more rounds, a steadier median
 *
 * anyio-ts is loaded from dist/ (built with the transformer: the networking room is structured
 * code, and tsx would run it uncompiled), and its side of each scenario
 * (bench/contenders/net-anyio.src.mjs) is structured code compiled with the Babel plugin from
 * dist/, as users write and compile theirs.
 *
 * Scenarios (client and server both anyio-ts, both raw `node:net`, or both the third
 * contender: raw `node:net` paying the macrotasks that make every send, receive, accept and
 * connect a checkpoint, as anyio-ts's are: one per send, and one per receive or accept that finds
 * its bytes or connection already there (a wait, and a connect, which always waits, is its own
 * scheduling point); the floor of any design with that rule, see `PacedSocket`):
 *
 * - **echo throughput**: each connection's client sends 64 KiB messages from one task while
 *   another task receives the echo; the server echoes every chunk it receives. MB/s of echoed
 *   data over all connections, with 1 and with 64 connections at once (the same total bytes).
 *   Raw: the server pipes each socket into itself; the client writes with `'drain'` backpressure
 *   and counts `'data'` bytes.
 * - **ping-pong latency**: one connection, a 1-byte message and its 1-byte echo, one after
 *   another; p50 and p99 of the round trips. anyio-ts: `send()` then `receive()` on both sides
 *   (a send gives the event loop a turn; a receive that waits needs none). "raw client": the same
 *   round trips with raw Node's client against each contender's echo server, the server's share
 *   alone, as a server serving other programs has it.
 * - **connection rate**: 32 clients at once each connecting and closing in a loop; connections
 *   accepted per second. The server accepts and closes each. In batches of CONNECT_BATCH, each
 *   against a new listener (why: at CONNECT_BATCH).
 *
 * Figures: each round measures every (scenario, contender) pair once, interleaved so load from
 * elsewhere spreads over both; the figure is the median over REPS rounds. The ratio column is
 * anyio-ts / raw (for latency, anyio-ts's p50 over raw's: lower is better). The CPU time ratio
 * is the median CPU seconds (user + system, all threads) of anyio-ts's measured passes over raw's,
 * for the same work: steadier than wall-clock figures when the machine is busy. The floor column
 * is the macrotask-per-operation contender over raw, read the same way. "full GCs" gives the
 * median number of full (mark-compact) collections in one measured pass of node:net, the floor
 * and anyio-ts: a count no load from elsewhere changes, and what most of the echo rows' spread
 * comes from (see `--same-heap`).
 *
 * Run it under plain Node (`node bench/plain-node.cjs --expose-gc bench/net.ts`) to measure what
 * users run; under tsx the figures of both contenders include its hooks.
 *
 * Options:
 * - `--base <dist>`: a fourth contender, "anyio-ts (base)", the same side compiled against
 *   another build (a copy of dist/ made before a change, kept inside the repository so it finds
 *   node_modules), measured interleaved with the others: an A/B of a change in one run. Its
 *   ratio column is base / node:net.
 * - `--same-heap`: every child loads anyio-ts's runtime before it measures, whichever contender
 *   it runs. V8 starts incremental marking only once the old generation holds more than 8 MiB;
 *   loading the library (about 4 MiB) puts anyio-ts's child near that line and raw Node's far
 *   below it, so without this the rows partly compare heap sizes rather than code.
 * - `--ballast <MiB>`: every child also keeps that many MiB of small live objects, as any
 *   application around a server holds; with a few MiB, all contenders' children sit above V8's
 *   line, as real servers do.
 *
 * Each measurement runs in a Node process of its own (this file with `--child`), after
 * WARMUP_PASSES full-size passes of the same scenario (after one quarter-size pass, anyio-ts's
 * longer code paths were still cold: its first pass of the connection rate runs about 30% below
 * the later ones). In one shared process, whatever one
 * contender switches on for the whole process (AsyncLocalStorage's promise hooks, once anything
 * enters it, stay on for every promise after) would tax the other contender's figures too.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { constants as perfConstants, performance, PerformanceObserver } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const argv = process.argv.slice(2);
const args = new Set(argv);
/** `--only <text>`: run only the scenarios whose name contains it. */
const ONLY = argv.includes("--only") ? (argv[argv.indexOf("--only") + 1] ?? "") : "";
const QUICK = args.has("--quick");
/** `--base <dist>`: another build of anyio-ts, measured beside this one (an A/B in one run). */
const BASE = argv.includes("--base") ? path.resolve(argv[argv.indexOf("--base") + 1] ?? "") : "";
/** `--same-heap`: every child loads anyio-ts's runtime, whichever contender it runs. */
const SAME_HEAP = args.has("--same-heap");
/** `--ballast <MiB>`: live objects every child keeps while it measures. */
const BALLAST_MIB = argv.includes("--ballast") ? Number(argv[argv.indexOf("--ballast") + 1]) : 0;
/** The name of the contender compiled against {@link BASE}. */
const BASE_NAME = "anyio-ts (base)";
/** `--rounds <n>`: rounds of interleaved measurements (5 unless `--quick`, which runs one). */
const REPS = argv.includes("--rounds") ? Number(argv[argv.indexOf("--rounds") + 1]) : QUICK ? 1 : 5;
const MESSAGE = 64 * 1024;
const ECHO_BYTES = (QUICK ? 16 : 128) * 1024 * 1024;
const PINGS = QUICK ? 2_000 : 10_000;
const CONNECTIONS = QUICK ? 2_000 : 10_000;
const CONNECT_CONCURRENCY = 32;
/** Full-size passes of a scenario before its measurement, in each process. */
const WARMUP_PASSES = 3;
/**
 * Connections per listener in the connection-rate scenario. Thousands of connect-and-close
 * cycles against one loopback listener make Linux overflow its accept queue now and then
 * (`TcpExtListenOverflows` in `nstat`) with most of the 32 connects in flight, and those wait
 * out the 1 s SYN retransmission: for raw `node:net` and anyio-ts alike, 10,000 connections then
 * "take" about a second whatever either side does. 500 per fresh listener never hit it here.
 */
const CONNECT_BATCH = 500;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

interface Contender {
  name: string;
  /** Echoes `bytes` per connection over `connections` connections; resolves to seconds taken. */
  echo(connections: number, bytes: number): Promise<number>;
  /** `count` 1-byte round trips; resolves to each one's duration in µs. */
  pingPong(count: number): Promise<number[]>;
  /** The same round trips with this contender's echo server and raw Node's client ({@link rawPingPongClient}). */
  pingPongServed(count: number, client: PingPongClient): Promise<number[]>;
  /** Opens and closes `count` connections; resolves to seconds taken. */
  connectRate(count: number): Promise<number>;
}

// --- raw node:net -----------------------------------------------------------------------------

function listenRaw(onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, onConnection);
    server.listen({ host: "127.0.0.1", port: 0 }, () => resolve(server));
  });
}

function connectRaw(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

const closeRaw = (server: net.Server) => new Promise((resolve) => server.close(resolve));

/** Runs `client` against a raw listener serving each connection with `onConnection`, then closes it. */
async function servedRaw<R>(
  onConnection: (socket: net.Socket) => void,
  client: (port: number) => Promise<R>,
): Promise<R> {
  const server = await listenRaw(onConnection);
  const result = await client((server.address() as net.AddressInfo).port);
  await closeRaw(server);
  return result;
}

/** A client measuring `count` 1-byte round trips against the echo server on `port`, in µs each. */
type PingPongClient = (port: number, count: number) => Promise<number[]>;

/** Raw Node's ping-pong client: one write, then the reply's 'data' event, per round trip. */
async function rawPingPongClient(port: number, count: number): Promise<number[]> {
  const socket = await connectRaw(port);
  const byte = Buffer.from([1]);
  const times: number[] = [];
  // One permanent 'data' listener: adding and removing one per reply can leave the socket
  // paused with nothing reading between two round trips.
  let wake: (() => void) | undefined;
  socket.on("data", () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  });
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const reply = new Promise<void>((resolve) => (wake = resolve));
    socket.write(byte);
    await reply;
    times.push((performance.now() - start) * 1000);
  }
  socket.destroy();
  return times;
}

const raw: Contender = {
  name: "node:net",
  async echo(connections, bytes) {
    const server = await listenRaw((socket) => socket.pipe(socket));
    const port = (server.address() as net.AddressInfo).port;
    const chunk = Buffer.alloc(MESSAGE, 7);
    const start = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        const socket = await connectRaw(port);
        const received = new Promise<void>((resolve) => {
          let got = 0;
          socket.on("data", (data: Buffer) => {
            got += data.length;
            if (got >= bytes) resolve();
          });
        });
        for (let sent = 0; sent < bytes; sent += MESSAGE) {
          if (!socket.write(chunk)) await new Promise((resolve) => socket.once("drain", resolve));
        }
        await received;
        socket.destroy();
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    await closeRaw(server);
    return seconds;
  },
  pingPong(count) {
    return this.pingPongServed(count, rawPingPongClient);
  },
  pingPongServed(count, client) {
    return servedRaw(
      (socket) => {
        socket.on("data", (data) => socket.write(data));
        socket.on("end", () => socket.end());
      },
      (port) => client(port, count),
    );
  },
  async connectRate(count) {
    const server = await listenRaw((socket) => socket.destroy());
    const port = (server.address() as net.AddressInfo).port;
    let left = count;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: CONNECT_CONCURRENCY }, async () => {
        while (left-- > 0) (await connectRaw(port)).destroy();
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    await closeRaw(server);
    return seconds;
  },
};

// --- node:net paying the turns of the checkpoint rule -----------------------------------------

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A `net.Socket` used as anyio-ts's streams use it, without anything else of anyio-ts: bytes
 * read ahead into a queue (paused at 256 KiB), each receive one macrotask before it takes queued
 * bytes (or the wait for them), each send a write whose callback and one macrotask both end it.
 * That macrotask is the scheduling point every operation must have (a checkpoint), so this
 * contender is the floor of any design that keeps it: what the rule costs before anyio-ts's own
 * work (its tasks, scopes, waiters and compiled awaits).
 */
class PacedSocket {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private paused = false;
  private ended = false;
  private waiting: (() => void) | undefined;

  constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.queue.push(chunk);
      this.queued += chunk.length;
      if (!this.paused && this.queued >= 256 * 1024) {
        this.paused = true;
        socket.pause();
      }
      this.wake();
    });
    socket.on("end", () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  /** The next chunk, or null at the end. */
  async receive(): Promise<Buffer | null> {
    if (this.queued > 0 || this.ended) await macrotask();
    while (this.queued === 0 && !this.ended) await new Promise<void>((resolve) => (this.waiting = resolve));
    if (this.queued === 0) return null;
    const chunk = this.queue.shift()!;
    this.queued -= chunk.length;
    if (this.paused && this.queued === 0) {
      this.paused = false;
      this.socket.resume();
    }
    return chunk;
  }

  send(data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      let left = 2;
      const done = (error?: Error | null): void => {
        if (error) reject(error);
        else if (--left === 0) resolve();
      };
      this.socket.write(data, done);
      setImmediate(done);
    });
  }
}

/** The paced server side: echoes each chunk it receives, then ends. */
function pacedEcho(socket: net.Socket): void {
  const stream = new PacedSocket(socket);
  void (async () => {
    for (let chunk = await stream.receive(); chunk !== null; chunk = await stream.receive()) await stream.send(chunk);
    socket.end();
  })();
}

const paced: Contender = {
  name: "node:net + checkpoint turns",
  async echo(connections, bytes) {
    const server = await listenRaw(pacedEcho);
    const port = (server.address() as net.AddressInfo).port;
    const chunk = Buffer.alloc(MESSAGE, 7);
    const start = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        const stream = new PacedSocket(await connectRaw(port));
        const sending = (async () => {
          for (let sent = 0; sent < bytes; sent += MESSAGE) await stream.send(chunk);
        })();
        let got = 0;
        while (got < bytes) got += (await stream.receive())!.length;
        await sending;
        stream.socket.destroy();
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    await closeRaw(server);
    return seconds;
  },
  async pingPong(count) {
    const server = await listenRaw(pacedEcho);
    const stream = new PacedSocket(await connectRaw((server.address() as net.AddressInfo).port));
    const byte = Buffer.from([1]);
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await stream.send(byte);
      await stream.receive();
      times.push((performance.now() - start) * 1000);
    }
    stream.socket.destroy();
    await closeRaw(server);
    return times;
  },
  pingPongServed(count, client) {
    return servedRaw(pacedEcho, (port) => client(port, count));
  },
  async connectRate(count) {
    const server = await listenRaw((socket) => {
      // The accept's scheduling point, then the close.
      void macrotask().then(() => socket.destroy());
    });
    const port = (server.address() as net.AddressInfo).port;
    let left = count;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: CONNECT_CONCURRENCY }, async () => {
        while (left-- > 0) (await connectRaw(port)).destroy();
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    await closeRaw(server);
    return seconds;
  },
};

// --- anyio-ts ---------------------------------------------------------------------------------

/**
 * Compiles anyio-ts's side (bench/contenders/net-anyio.src.mjs) with the Babel plugin from dist/
 * into `directory`, importing dist/ directly, and returns the compiled file. The parent does
 * this once: a measuring child only imports the result, so Babel's modules are not in the heap
 * it measures (with them there, each full collection of anyio-ts's child marked 15-18 MB
 * against raw's 4 MB, a cost no precompiled program pays).
 */
function compileAnyioContender(distDir: string, directory: string, file = "net-anyio.mjs"): string {
  const { compileContender } = require("./compile-structured.cjs") as {
    compileContender(source: string, distDir: string, outPath: string): string;
  };
  const source = path.join(__dirname, "contenders/net-anyio.src.mjs");
  return compileContender(source, distDir, path.join(directory, file));
}

/** anyio-ts's contender, from the file {@link compileAnyioContender} wrote. */
async function anyioContender(compiled: string, name = "anyio-ts"): Promise<Contender> {
  const module: { netContender(settings: object): Contender } = await import(pathToFileURL(compiled).href);
  return { ...module.netContender({ MESSAGE, CONNECT_CONCURRENCY }), name };
}

/** What `--ballast` keeps alive: small objects and short strings, as an application's state is. */
let ballast: unknown[] = [];

function fillBallast(mib: number): void {
  // About 64 bytes of heap per entry (the object and its string).
  const entries = Math.round((mib * 1024 * 1024) / 64);
  ballast = Array.from({ length: entries }, (_, i) => ({ id: i, name: `entry ${i}` }));
}

// --- main -------------------------------------------------------------------------------------

interface Row {
  scenario: string;
  unit: string;
  higherIsBetter: boolean;
  measure(contender: Contender): Promise<number>;
}

const ROWS: Row[] = [
  {
    scenario: "echo, 1 connection",
    unit: "MB/s",
    higherIsBetter: true,
    measure: async (c) => ECHO_BYTES / 1e6 / (await c.echo(1, ECHO_BYTES)),
  },
  {
    scenario: "echo, 64 connections",
    unit: "MB/s",
    higherIsBetter: true,
    measure: async (c) => ECHO_BYTES / 1e6 / (await c.echo(64, ECHO_BYTES / 64)),
  },
  {
    scenario: "ping-pong p50",
    unit: "µs",
    higherIsBetter: false,
    measure: async (c) =>
      percentile(
        (await c.pingPong(PINGS)).sort((a, b) => a - b),
        50,
      ),
  },
  {
    scenario: "ping-pong p99",
    unit: "µs",
    higherIsBetter: false,
    measure: async (c) =>
      percentile(
        (await c.pingPong(PINGS)).sort((a, b) => a - b),
        99,
      ),
  },
  {
    // The server alone: the contender's echo server, raw Node's client for every contender.
    scenario: "ping-pong p50, raw client",
    unit: "µs",
    higherIsBetter: false,
    measure: async (c) =>
      percentile(
        (await c.pingPongServed(PINGS, rawPingPongClient)).sort((a, b) => a - b),
        50,
      ),
  },
  {
    scenario: "connections accepted",
    unit: "conn/s",
    higherIsBetter: true,
    measure: async (c) => {
      // In batches, each against a listener of its own (see CONNECT_BATCH).
      let seconds = 0;
      for (let done = 0; done < CONNECTIONS; done += CONNECT_BATCH) seconds += await c.connectRate(CONNECT_BATCH);
      return CONNECTIONS / seconds;
    },
  },
];

/**
 * Measures one row for one contender in this process (started by {@link main} with `--child`):
 * warm-up passes of the scenario, then the measurement, printed as JSON.
 *
 * The collector is forced before the warm-up, not between it and the measurement: a forced full
 * collection right before the measured pass left that pass in a state no running server is in
 * (echo over 64 connections measured 410-480 MB/s for anyio-ts after one, 1020-1130 without,
 * and raw `node:net` 1060-1090 after one, 860-970 without).
 */
async function child(contenderName: string, rowIndex: number, compiled: string, baseCompiled: string): Promise<void> {
  if (SAME_HEAP && (contenderName === raw.name || contenderName === paced.name)) {
    // The library in the heap, unused, as it is in anyio-ts's children (see `--same-heap`).
    await import(pathToFileURL(compiled).href);
  }
  if (BALLAST_MIB > 0) fillBallast(BALLAST_MIB);
  const contender =
    contenderName === raw.name
      ? raw
      : contenderName === paced.name
        ? paced
        : contenderName === BASE_NAME
          ? await anyioContender(baseCompiled, BASE_NAME)
          : await anyioContender(compiled);
  const row = ROWS[rowIndex]!;
  gc();
  for (let pass = 0; pass < WARMUP_PASSES; pass++) await row.measure(contender);
  // Full (mark-compact) collections in the measured pass: what V8's heap-size line decides.
  let majorGcs = 0;
  const count = (entries: PerformanceEntry[]): void => {
    for (const entry of entries) {
      if (
        (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ===
        perfConstants.NODE_PERFORMANCE_GC_MAJOR
      )
        majorGcs++;
    }
  };
  const observer = new PerformanceObserver((list) => count(list.getEntries()));
  observer.observe({ entryTypes: ["gc"] });
  const before = process.cpuUsage();
  const value = await row.measure(contender);
  const used = process.cpuUsage(before);
  count(observer.takeRecords());
  observer.disconnect();
  process.stdout.write(`${JSON.stringify({ value, cpu: (used.user + used.system) / 1e6, majorGcs })}\n`);
  ballast.length = 0;
}

/** What one measurement reports: the row's figure, and the CPU seconds (user + system) of its pass. */
interface Sample {
  value: number;
  cpu: number;
  /** Full collections during the measured pass. */
  majorGcs: number;
}

/** Runs {@link child} in a fresh Node (with this one's flags) and returns its figures. */
function measureApart(contender: string, rowIndex: number, compiled: string, baseCompiled: string): Sample {
  const passed = [
    ...(QUICK ? ["--quick"] : []),
    ...(SAME_HEAP ? ["--same-heap"] : []),
    ...(BALLAST_MIB > 0 ? ["--ballast", String(BALLAST_MIB)] : []),
  ];
  const output = execFileSync(
    process.execPath,
    [...process.execArgv, __filename, "--child", contender, String(rowIndex), compiled, baseCompiled, ...passed],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  return JSON.parse(output.trim().split("\n").pop()!) as Sample;
}

async function main(): Promise<void> {
  const dist = path.resolve(__dirname, "../dist");
  if (!fs.existsSync(path.join(dist, "runtime/index.js")))
    throw new Error("bench/net.ts needs dist/: run `npm run build` first");
  if (BASE !== "" && !fs.existsSync(path.join(BASE, "runtime/index.js")))
    throw new Error(`--base ${BASE}: no build there (runtime/index.js)`);
  console.log(
    `node ${process.version}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}); load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}; ${REPS} rounds, each measurement in a process of its own` +
      (SAME_HEAP ? "; anyio-ts loaded in every child" : "") +
      (BALLAST_MIB > 0 ? `; ${BALLAST_MIB} MiB of ballast in every child` : "") +
      (BASE !== "" ? `; base build ${BASE}` : ""),
  );
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-bench-net-"));
  const compiled = compileAnyioContender(dist, directory);
  const baseCompiled = BASE !== "" ? compileAnyioContender(BASE, directory, "net-anyio-base.mjs") : "";
  const samples = new Map<string, Sample[]>();
  const rows = ROWS.map((row, index) => ({ row, index })).filter(({ row }) => row.scenario.includes(ONLY));
  const names = [raw.name, paced.name, "anyio-ts", ...(BASE !== "" ? [BASE_NAME] : [])];
  for (let round = 0; round < REPS; round++) {
    for (const { row, index } of rows) {
      // Alternate the order of the contenders, so none always meets the machine warmer.
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        const key = `${row.scenario}|${name}`;
        samples.set(key, [...(samples.get(key) ?? []), measureApart(name, index, compiled, baseCompiled)]);
      }
    }
  }
  fs.rmSync(directory, { recursive: true, force: true });
  const table = rows.map(({ row }) => {
    const rawSamples = samples.get(`${row.scenario}|node:net`)!;
    const ourSamples = samples.get(`${row.scenario}|anyio-ts`)!;
    const pacedSamples = samples.get(`${row.scenario}|${paced.name}`)!;
    const rawValue = median(rawSamples.map((sample) => sample.value));
    const ours = median(ourSamples.map((sample) => sample.value));
    const floor = median(pacedSamples.map((sample) => sample.value));
    // The same work in both passes, so CPU seconds compare directly; a busy machine disturbs
    // them less than the wall-clock figures.
    const cpuRatio = median(ourSamples.map((sample) => sample.cpu)) / median(rawSamples.map((sample) => sample.cpu));
    const rawCpu = median(rawSamples.map((sample) => sample.cpu));
    const line: Record<string, string | number> = {
      scenario: row.scenario,
      unit: row.unit,
      "node:net": Number(rawValue.toFixed(1)),
      "anyio-ts": Number(ours.toFixed(1)),
      "anyio-ts / node:net": Number((ours / rawValue).toFixed(3)),
      "CPU time ratio": Number(cpuRatio.toFixed(3)),
      "floor / node:net": Number((floor / rawValue).toFixed(3)),
      "floor CPU ratio": Number((median(pacedSamples.map((sample) => sample.cpu)) / rawCpu).toFixed(3)),
      // Medians of the full collections in one measured pass: node:net / floor / anyio-ts.
      "full GCs": [rawSamples, pacedSamples, ourSamples].map((list) => median(list.map((x) => x.majorGcs))).join("/"),
    };
    if (BASE !== "") {
      const baseSamples = samples.get(`${row.scenario}|${BASE_NAME}`)!;
      line["base / node:net"] = Number((median(baseSamples.map((sample) => sample.value)) / rawValue).toFixed(3));
      line["base CPU ratio"] = Number((median(baseSamples.map((sample) => sample.cpu)) / rawCpu).toFixed(3));
      line["base full GCs"] = median(baseSamples.map((sample) => sample.majorGcs));
    }
    return line;
  });
  console.table(table);
  console.log(
    `load after: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
}

const childAt = argv.indexOf("--child");
(childAt === -1
  ? main()
  : child(argv[childAt + 1]!, Number(argv[childAt + 2]), argv[childAt + 3]!, argv[childAt + 4]!)
).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
