/**
 * Threads: toThread.runSync() and fromThread.runSync() round trips against the libraries and
 * the raw API they stand on, and CPU-bound throughput over every core, side by side in one run.
 *
 *   npm run build && node bench/plain-node.cjs bench/threads.ts --dist   # the built package, plain Node
 *   node --import tsx bench/threads.ts           # anyio-ts from runtime/*.ts (through tsx, uncompiled)
 *   node --import tsx bench/threads.ts --quick   # fewer round trips: a smoke run
 *   node bench/plain-node.cjs bench/threads.ts --dist --only round-trip [--rounds 15] [--one-run]
 *                                                # the round-trip rows alone (no fromThread, no
 *                                                # CPU-bound rows, no uncompiled run() in the process);
 *                                                # --one-run: anyio-ts's rounds in one run()
 *
 * anyio-ts's side of the round trip and the CPU-bound rows (bench/contenders/threads-anyio.src.mjs)
 * is structured code, as users write it: with `--dist` it is compiled by the Babel plugin from
 * dist/ (in a process of its own) against dist/; through tsx it runs uncompiled. Uncompiled, the
 * runtime carries the current task through AsyncLocalStorage, whose promise hooks then tax every
 * promise of the process, the libraries' too.
 *
 * Rows (each a median over ROUNDS rounds; ours and its baseline alternate within a round):
 * - round trip of a trivial function (`(a, b) => a + b`) on a warm worker, one call at a time:
 *   `toThread.runSync()` inside `run()` (default limiter), piscina's `run()` (one thread),
 *   tinypool's `run()` (one thread) and a raw `Worker` + `postMessage` echo. Each round of
 *   anyio-ts's is a `run()` of its own, so its worker thread is new in every round (warmed by 200
 *   calls); with `--one-run` all its rounds share one `run()` and one worker thread, as the
 *   libraries' rounds share theirs. On a quiet machine the two differ by about 2x (a new thread
 *   wakes on the other, idle, vCPU: bench/README.md, "Threads");
 * - a blocking call from a worker into the loop thread: `fromThread.runSync()` of a trivial
 *   function, timed inside the worker, against synckit's `createSyncFn` (the main thread calling
 *   a worker synchronously, the same Atomics.wait + receiveMessageOnPort protocol);
 * - CPU-bound throughput: 4 jobs per core of SHA-256 over 8 MiB each, through
 *   `toThread.runSync()` from a task group under the default limiter (one worker per job: the
 *   limiter has 40 tokens; timed on a pool warmed by a first batch in the same run), against
 *   `toThread.runSync()` with a limiter of one token per core, against piscina with one thread
 *   per core, and against the same jobs on the main thread one after another.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compileContenderInChild } = require("./compile-structured.cjs") as {
  compileContenderInChild(source: string, distDir: string, outPath: string): string;
};

type AnyIO = typeof import("../runtime/index");

const argv = process.argv.slice(2);
const args = new Set(argv);
/** The value after `--name` on the command line, if given. */
const option = (name: string): string | undefined => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const QUICK = args.has("--quick");
const ONLY = option("--only");
if (ONLY !== undefined && ONLY !== "round-trip") throw new Error(`--only takes "round-trip", got ${ONLY}`);
/** Only the round-trip rows: anyio-ts (compiled), piscina, tinypool and a raw Worker. */
const ROUND_TRIP_ONLY = ONLY === "round-trip";
/** anyio-ts's round-trip rounds in one run(), on one worker thread (with --only round-trip). */
const ONE_RUN = args.has("--one-run");
if (ONE_RUN && !ROUND_TRIP_ONLY) throw new Error("--one-run goes with --only round-trip");
const ROUND_TRIPS = QUICK ? 500 : 5000;
const CALLBACKS = QUICK ? 2000 : 20_000;
const ROUNDS = Number(option("--rounds") ?? (QUICK ? 3 : 7));
const CORES = os.availableParallelism?.() ?? os.cpus().length;
const JOBS = CORES * 4;
const HASH_BYTES = 8 * 1024 * 1024;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** CPU time (user + system, every thread of the process) of the last {@link time} call, in ms. */
let lastCpu = 0;

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  lastCpu = (used.user + used.system) / 1000;
  return elapsed;
}

/** Writes the worker modules the rows use into `dir`. */
function writeModules(dir: string): Record<string, string> {
  const files = {
    add: path.join(dir, "add.cjs"),
    pool: path.join(dir, "pool.cjs"),
    raw: path.join(dir, "raw.cjs"),
    hash: path.join(dir, "hash.cjs"),
    poolHash: path.join(dir, "pool-hash.cjs"),
    callbacks: path.join(dir, "callbacks.cjs"),
    loopSide: path.join(dir, "loop-side.cjs"),
    synckit: path.join(dir, "synckit-worker.cjs"),
  };
  const hashBody = `const { createHash } = require("node:crypto");
const data = Buffer.alloc(${HASH_BYTES}, 1);
function hash(seed) { return createHash("sha256").update(data).update(String(seed)).digest("hex"); }`;
  fs.writeFileSync(files.add, "exports.add = (a, b) => a + b;\n");
  fs.writeFileSync(files.pool, "module.exports = ({ a, b }) => a + b;\n");
  fs.writeFileSync(
    files.raw,
    `const { parentPort } = require("node:worker_threads");
parentPort.on("message", ({ a, b }) => parentPort.postMessage(a + b));\n`,
  );
  fs.writeFileSync(files.hash, `${hashBody}\nexports.hash = hash;\n`);
  fs.writeFileSync(files.poolHash, `${hashBody}\nmodule.exports = hash;\n`);
  fs.writeFileSync(files.loopSide, "exports.noop = (x) => x;\n");
  fs.writeFileSync(
    files.callbacks,
    `const { fromThread, workerFunction } = require("anyio-ts");
const noop = workerFunction(${JSON.stringify(files.loopSide)}, "noop");
exports.loop = (n) => {
  fromThread.runSync(noop, 0);
  const start = performance.now();
  for (let i = 0; i < n; i++) fromThread.runSync(noop, i);
  return performance.now() - start;
};\n`,
  );
  fs.writeFileSync(
    files.synckit,
    `const { runAsWorker } = require(${JSON.stringify(require.resolve("synckit"))});
runAsWorker((x) => x);\n`,
  );
  return files;
}

/** Wall-clock and CPU milliseconds of what a contender timed. */
interface Measured {
  ms: number;
  cpu: number;
}

/** anyio-ts's side: bench/contenders/threads-anyio.src.mjs, compiled (see {@link loadContender}). */
interface ThreadsContender {
  roundTrip(add: unknown, calls: number): Promise<Measured>;
  roundTripSession(
    add: unknown,
    calls: number,
    rounds: number,
    between: (round: number) => Promise<void>,
  ): Promise<Measured[]>;
  spread(hash: unknown, jobs: number, tokens: number | null): Promise<Measured>;
}

/**
 * anyio-ts's side as users write it, structured code compiled by the Babel plugin from `dist`
 * (in a Node process of its own, so Babel's modules are not in this heap), against `dist`.
 * Without `--dist` (tsx, runtime/*.ts) there is no build to compile it with: the same functions
 * run uncompiled, as plain callbacks.
 */
async function loadContender(dist: string | undefined): Promise<ThreadsContender> {
  const source = path.join(__dirname, "contenders/threads-anyio.src.mjs");
  if (dist === undefined) {
    // The runtime's TypeScript sources load through tsx's require hook.
    const text = fs
      .readFileSync(source, "utf8")
      .replace(
        'import * as anyio from "anyio-ts";',
        `import { createRequire } from "node:module";\nconst anyio = createRequire(import.meta.url)(${JSON.stringify(require.resolve("../runtime/index"))});`,
      );
    const plain = path.join(os.tmpdir(), `anyio-ts-bench-threads-${process.pid}.mjs`);
    fs.writeFileSync(plain, text);
    try {
      return (await import(pathToFileURL(plain).href)) as ThreadsContender;
    } finally {
      fs.rmSync(plain, { force: true });
    }
  }
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-bench-threads-"));
  try {
    const compiled = path.join(directory, "threads-anyio.mjs");
    compileContenderInChild(source, dist, compiled);
    return (await import(pathToFileURL(compiled).href)) as ThreadsContender;
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // --dist: the built package (the thread room compiled by the transformer), as users run it.
  const api: AnyIO = args.has("--dist")
    ? require(path.resolve(__dirname, "../dist/runtime/index.js"))
    : require("../runtime/index");
  const { Piscina } = require("piscina") as typeof import("piscina");
  const { Tinypool } = require("tinypool") as {
    Tinypool: new (options: object) => { run(x: unknown): Promise<unknown>; destroy(): Promise<void> };
  };
  const { createSyncFn } = require("synckit") as typeof import("synckit");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-bench-threads-"));
  const files = writeModules(dir);
  const add = api.workerFunction<(a: number, b: number) => number>(files.add, "add");
  const hash = api.workerFunction<(seed: number) => string>(files.hash, "hash");
  const callbacks = api.workerFunction<(n: number) => number>(files.callbacks, "loop");
  const piscina = new Piscina({ filename: files.pool, minThreads: 1, maxThreads: 1 });
  const tinypool = new Tinypool({ filename: files.pool, minThreads: 1, maxThreads: 1 });
  const raw = new Worker(files.raw);
  const rawCall = (a: number, b: number) =>
    new Promise<number>((resolve) => {
      raw.once("message", resolve);
      raw.postMessage({ a, b });
    });
  const syncEcho = ROUND_TRIP_ONLY ? undefined : createSyncFn<(x: number) => number>(files.synckit);

  const rows: Record<string, number[]> = {
    "toThread.runSync": [],
    piscina: [],
    tinypool: [],
    "raw Worker": [],
    "fromThread.runSync": [],
    "synckit createSyncFn": [],
    "cpu toThread": [],
    "cpu toThread, limiter = cores": [],
    "cpu piscina": [],
    "cpu main thread": [],
  };
  /** CPU ms per row and round (both threads), which a busy machine disturbs less than wall time. */
  const cpuRows: Record<string, number[]> = {};
  const record = (row: string, ms: number): void => {
    rows[row]!.push(ms);
    (cpuRows[row] ??= []).push(lastCpu);
  };
  const recordMeasured = (row: string, measured: Measured): void => {
    rows[row]!.push(measured.ms);
    (cpuRows[row] ??= []).push(measured.cpu);
  };
  const ours = await loadContender(args.has("--dist") ? path.resolve(__dirname, "../dist") : undefined);
  const hashPool = ROUND_TRIP_ONLY
    ? undefined
    : new Piscina({ filename: files.poolHash, minThreads: CORES, maxThreads: CORES });
  try {
    // Warm everything up once. With --only round-trip, anyio-ts's side warms through the compiled
    // contender alone: an uncompiled run() would switch on AsyncLocalStorage for the process.
    if (ROUND_TRIP_ONLY) await ours.roundTrip(add, 200);
    else {
      await api.run(async () => {
        for (let i = 0; i < 200; i++) await api.toThread.runSync(add, i, 1);
        await api.toThread.runSync(callbacks, 100);
      });
    }
    for (let i = 0; i < 200; i++) {
      await piscina.run({ a: i, b: 1 });
      await tinypool.run({ a: i, b: 1 });
      await rawCall(i, 1);
      syncEcho?.(i);
    }
    /** The libraries' and the raw Worker's round trips, one round of each. */
    const baselines = async (): Promise<void> => {
      record(
        "piscina",
        await time(async () => {
          for (let i = 0; i < ROUND_TRIPS; i++) await piscina.run({ a: i, b: 1 });
        }),
      );
      record(
        "tinypool",
        await time(async () => {
          for (let i = 0; i < ROUND_TRIPS; i++) await tinypool.run({ a: i, b: 1 });
        }),
      );
      record(
        "raw Worker",
        await time(async () => {
          for (let i = 0; i < ROUND_TRIPS; i++) await rawCall(i, 1);
        }),
      );
    };
    if (ONE_RUN) {
      for (const measured of await ours.roundTripSession(add, ROUND_TRIPS, ROUNDS, baselines)) {
        recordMeasured("toThread.runSync", measured);
      }
    }
    for (let round = 0; round < ROUNDS && !ONE_RUN; round++) {
      recordMeasured("toThread.runSync", await ours.roundTrip(add, ROUND_TRIPS));
      await baselines();
      if (syncEcho === undefined || hashPool === undefined) continue;
      rows["fromThread.runSync"]!.push(await api.run(() => api.toThread.runSync(callbacks, CALLBACKS)));
      record(
        "synckit createSyncFn",
        await time(() => {
          for (let i = 0; i < CALLBACKS; i++) syncEcho(i);
        }),
      );
      if (round < 3) {
        // One run: its pool is warmed by a first batch (workers start and load the module), then timed.
        recordMeasured("cpu toThread", await ours.spread(hash, JOBS, null));
        recordMeasured("cpu toThread, limiter = cores", await ours.spread(hash, JOBS, CORES));
        record(
          "cpu piscina",
          await time(() => Promise.all(Array.from({ length: JOBS }, (_, job) => hashPool.run(job)))),
        );
        if (round === 0) {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const { hash: local } = require(files.hash) as { hash: (seed: number) => string };
          record(
            "cpu main thread",
            await time(() => {
              for (let job = 0; job < JOBS; job++) local(job);
            }),
          );
        }
      }
    }
  } finally {
    await piscina.destroy();
    await tinypool.destroy();
    await hashPool?.destroy();
    await raw.terminate();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const perCall = (row: string, n: number) => (median(rows[row]!) * 1000) / n;
  const cpuPerCall = (row: string, n: number) => (median(cpuRows[row]!) * 1000) / n;
  const trip = {
    ours: perCall("toThread.runSync", ROUND_TRIPS),
    piscina: perCall("piscina", ROUND_TRIPS),
    tinypool: perCall("tinypool", ROUND_TRIPS),
    raw: perCall("raw Worker", ROUND_TRIPS),
  };
  const back = { ours: perCall("fromThread.runSync", CALLBACKS), synckit: perCall("synckit createSyncFn", CALLBACKS) };
  const jobsPerSecond = (row: string) => JOBS / (median(rows[row]!) / 1000);
  const cpu = {
    ours: jobsPerSecond("cpu toThread"),
    cores: jobsPerSecond("cpu toThread, limiter = cores"),
    piscina: jobsPerSecond("cpu piscina"),
    main: jobsPerSecond("cpu main thread"),
  };
  console.log(
    `node ${process.version}, ${CORES} cores, load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `round trip (µs per call, median of ${ROUNDS} rounds of ${ROUND_TRIPS}; anyio-ts ${ONE_RUN ? "in one run()" : "in a run() per round"}):`,
  );
  console.log(`  toThread.runSync   ${trip.ours.toFixed(1)}  (${(trip.ours / trip.piscina).toFixed(2)}x piscina)`);
  console.log(`  piscina            ${trip.piscina.toFixed(1)}`);
  console.log(
    `  tinypool           ${trip.tinypool.toFixed(1)}  (${(trip.tinypool / trip.piscina).toFixed(2)}x piscina)`,
  );
  console.log(`  raw Worker         ${trip.raw.toFixed(1)}  (${(trip.raw / trip.piscina).toFixed(2)}x piscina)`);
  // Ours / baseline within each round, then the median: the rows of one round share the
  // machine's load, so this is steadier than the ratio of the medians when the load moves.
  const perRound = (row: string, baseline: string) =>
    median(rows[row]!.map((ms, round) => ms / rows[baseline]![round]!));
  console.log(
    `  per-round ratio (median): toThread.runSync ${perRound("toThread.runSync", "piscina").toFixed(2)}x piscina, ` +
      `${perRound("toThread.runSync", "raw Worker").toFixed(2)}x raw Worker; raw Worker ${perRound("raw Worker", "piscina").toFixed(2)}x piscina`,
  );
  const cpuTrip = {
    ours: cpuPerCall("toThread.runSync", ROUND_TRIPS),
    piscina: cpuPerCall("piscina", ROUND_TRIPS),
    tinypool: cpuPerCall("tinypool", ROUND_TRIPS),
    raw: cpuPerCall("raw Worker", ROUND_TRIPS),
  };
  console.log(`round trip, CPU µs per call (both threads):`);
  for (const [row, value] of Object.entries(cpuTrip)) {
    console.log(`  ${row.padEnd(18)} ${value.toFixed(1)}  (${(value / cpuTrip.piscina).toFixed(2)}x piscina)`);
  }
  if (ROUND_TRIP_ONLY) return;
  console.log(`blocking call into the other thread (µs per call, ${CALLBACKS} calls):`);
  console.log(`  fromThread.runSync ${back.ours.toFixed(1)}  (${(back.ours / back.synckit).toFixed(2)}x synckit)`);
  console.log(`  synckit            ${back.synckit.toFixed(1)}`);
  console.log(`CPU-bound throughput (jobs/s, ${JOBS} SHA-256 jobs of ${HASH_BYTES / 1048576} MiB):`);
  console.log(
    `  toThread.runSync   ${cpu.ours.toFixed(1)}  (${(cpu.ours / cpu.piscina).toFixed(2)}x piscina, ${(cpu.ours / cpu.main).toFixed(2)}x main thread)`,
  );
  console.log(
    `  toThread.runSync, limiter of ${CORES} tokens ${cpu.cores.toFixed(1)}  (${(cpu.cores / cpu.piscina).toFixed(2)}x piscina)`,
  );
  console.log(`  piscina (${CORES} threads) ${cpu.piscina.toFixed(1)}`);
  console.log(`  main thread        ${cpu.main.toFixed(1)}`);
  const cpuPerJob = (row: string) => median(cpuRows[row]!) / JOBS;
  console.log(
    `  CPU ms per job (all threads): toThread ${cpuPerJob("cpu toThread").toFixed(1)}, ` +
      `toThread with ${CORES} tokens ${cpuPerJob("cpu toThread, limiter = cores").toFixed(1)}, ` +
      `piscina ${cpuPerJob("cpu piscina").toFixed(1)}, main thread ${cpuPerJob("cpu main thread").toFixed(1)}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
