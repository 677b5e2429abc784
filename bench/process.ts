/**
 * Subprocesses and worker processes: anyio-ts against raw `node:child_process` (and execa) in the
 * same run.
 *
 *   npm run build && node bench/plain-node.cjs bench/process.ts  # anyio-ts from dist/ (compiled), plain Node
 *   node bench/plain-node.cjs bench/process.ts --quick           # smaller counts: a smoke run
 *
 * Under tsx (`node --import tsx bench/process.ts`) the worker round trip measured 1.6x raw
 * against 1.1-1.2x under plain Node: report the plain Node figures.
 *
 * anyio-ts's side (bench/contenders/process-anyio.src.mjs) is structured code, as users write it,
 * compiled by the Babel plugin from dist/ against dist/ before the pairs run. Written as plain
 * callbacks instead, it measured 1.17-1.25x raw on the pipe pair against 1.06-1.09x compiled: the
 * runtime then carries the current task through AsyncLocalStorage, whose promise hooks tax every
 * promise of the process, the baseline's too.
 *
 * Workloads (budgets in brackets):
 * - spawn: N sequential runs of `true` [≤ 1.1x raw]: raw `child_process.spawn("true")` with its
 *   pipes drained, waiting for `'close'`; `execa("true")`; `runProcess(["true"])` in one `run()`.
 * - pipe: 256 MiB through `cat` [≥ 95% of raw]: raw `spawn("cat")`, writing 64 KiB chunks with
 *   `'drain'` backpressure while counting what comes back; against `openProcess(["cat"])` with
 *   one task sending 64 KiB chunks and one receiving.
 * - round trip: N sequential calls of a trivial function [≤ 1.2x]: a raw `fork()` with
 *   `serialization: "advanced"` answering one IPC message per call; against
 *   `toProcess.runSync(add, 1, 2)` (worker already started). No pool library takes part: the
 *   worker-pool libraries at hand (piscina, tinypool) run threads, not processes.
 * - speed-up: JOBS runs of fib(FIB) one after another in this process, against the same jobs
 *   spread over worker processes by `toProcess.runSync` (default limiter: one per core, the
 *   workers started before the timing); the figure is sequential / parallel time.
 *
 * Each pair runs once on each side untimed (a warm-up), then ROUNDS times, alternating which side
 * goes first; the figure is the median over the rounds of ours / baseline within a round, and the
 * same for the CPU time this process spent (children excluded), which a busy machine disturbs
 * less than wall-clock time. Print `uptime` with the results: a loaded machine moves every figure.
 * `--only <word>` runs the pairs whose name starts with it (spawn, pipe, round, fib); `--rounds N`
 * sets ROUNDS.
 */
import { fork, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compileContenderInChild } = require("./compile-structured.cjs") as {
  compileContenderInChild(source: string, distDir: string, outPath: string): string;
};

const argv = process.argv.slice(2);
const args = new Set(argv);
const QUICK = args.has("--quick");
// `--only pipe` (or spawn, round, fib) runs the pairs whose name starts with that word.
const ONLY = argv.includes("--only") ? argv[argv.indexOf("--only") + 1] : undefined;
const ROUNDS_FLAG = argv.includes("--rounds") ? Number(argv[argv.indexOf("--rounds") + 1]) : undefined;
const SPAWNS = QUICK ? 100 : 1000;
const PIPE_BYTES = (QUICK ? 32 : 256) * 1024 * 1024;
const CHUNK = 65536;
const CALLS = QUICK ? 500 : 5000;
const ROUNDS = ROUNDS_FLAG ?? (QUICK ? 2 : 5);
const FIB = QUICK ? 30 : 34;
const JOBS = Math.max(2, os.availableParallelism()) * 4;

/** anyio-ts's side: bench/contenders/process-anyio.src.mjs, compiled (see {@link loadContender}). */
interface ProcessContender {
  spawn(count: number): Promise<void>;
  pipe(bytes: number, chunk: number): Promise<void>;
  roundTrip(calls: number, functions: string): Promise<number>;
  spread(jobs: number, n: number, functions: string): Promise<number>;
}
let ours: ProcessContender;

/**
 * Compiles anyio-ts's side with the Babel plugin from dist/, in a Node process of its own (so
 * Babel's modules are not in this process's heap, which every pair measures), and imports it.
 */
async function loadContender(): Promise<ProcessContender> {
  const dist = path.resolve(__dirname, "../dist");
  if (!fs.existsSync(path.join(dist, "runtime/index.js"))) throw new Error("run `npm run build` first");
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-bench-process-"));
  try {
    const compiled = path.join(directory, "process-anyio.mjs");
    compileContenderInChild(path.join(__dirname, "contenders/process-anyio.src.mjs"), dist, compiled);
    return (await import(pathToFileURL(compiled).href)) as ProcessContender;
  } finally {
    // Loaded once: the file is not needed after the import.
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
const FUNCTIONS = path.join(__dirname, "process-functions.cjs");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

// --- spawn ------------------------------------------------------------------------------------

function rawTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("true");
    child.stdout.resume();
    child.stderr.resume();
    child.on("error", reject);
    child.on("close", () => resolve());
  });
}

async function spawnRaw(): Promise<void> {
  for (let i = 0; i < SPAWNS; i++) await rawTrue();
}

async function spawnExeca(): Promise<void> {
  // execa 5 (CommonJS): the module is the function.
  const execa = require("execa") as (file: string) => Promise<unknown>;
  for (let i = 0; i < SPAWNS; i++) await execa("true");
}

function spawnOurs(): Promise<void> {
  return ours.spawn(SPAWNS);
}

// --- pipe -------------------------------------------------------------------------------------

const payload = Buffer.alloc(CHUNK, 7);

function pipeRaw(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("cat", [], { stdio: ["pipe", "pipe", "ignore"] });
    let received = 0;
    child.stdout.on("data", (chunk: Buffer) => (received += chunk.length));
    child.on("error", reject);
    child.on("close", () => (received === PIPE_BYTES ? resolve() : reject(new Error(`got ${received}`))));
    let sent = 0;
    const write = (): void => {
      while (sent < PIPE_BYTES) {
        sent += CHUNK;
        if (!child.stdin.write(payload)) return void child.stdin.once("drain", write);
      }
      child.stdin.end();
    };
    write();
  });
}

function pipeOurs(): Promise<void> {
  return ours.pipe(PIPE_BYTES, CHUNK);
}

// --- round trip -------------------------------------------------------------------------------

async function roundTripRaw(): Promise<number> {
  const child = fork(path.join(__dirname, "process-ipc-worker.cjs"), [], { serialization: "advanced" });
  let answer: ((value: number) => void) | undefined;
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  child.on("message", (message: { ready?: boolean; value?: number }) => {
    if (message.ready) ready();
    else answer?.(message.value!);
  });
  await started;
  const elapsed = await time(async () => {
    for (let id = 0; id < CALLS; id++) {
      const value = await new Promise<number>((resolve) => {
        answer = resolve;
        child.send({ id, a: 1, b: 2 });
      });
      if (value !== 3) throw new Error("wrong answer");
    }
  });
  child.kill("SIGKILL");
  await new Promise((resolve) => child.once("exit", resolve));
  return elapsed;
}

function roundTripOurs(): Promise<number> {
  return ours.roundTrip(CALLS, FUNCTIONS);
}

// --- speed-up ---------------------------------------------------------------------------------

async function cpuSequential(): Promise<void> {
  const { fib } = require(FUNCTIONS) as { fib: (n: number) => number };
  for (let i = 0; i < JOBS; i++) fib(FIB);
}

/** The jobs spread over worker processes, timed once a worker per token has started. */
function cpuParallel(): Promise<number> {
  return ours.spread(JOBS, FIB, FUNCTIONS);
}

// --- driver -----------------------------------------------------------------------------------

/** Runs `fn` and returns its figure with the CPU time (user + system) this process spent meanwhile. */
async function withCpu(fn: () => Promise<number>): Promise<[number, number]> {
  const before = process.cpuUsage();
  const figure = await fn();
  const used = process.cpuUsage(before);
  return [figure, (used.user + used.system) / 1000];
}

async function pair(
  name: string,
  ours: () => Promise<number>,
  baseline: () => Promise<number>,
  lowerIsBetter = true,
): Promise<void> {
  if (ONLY !== undefined && !name.startsWith(ONLY)) return;
  const ratios: number[] = [];
  const oursTimes: number[] = [];
  const baseTimes: number[] = [];
  const cpuRatios: number[] = [];
  // One untimed run of each side first: the first run of either pays for compiling its code
  // (ours the larger stack), which says nothing about a program that pipes for long.
  if (!QUICK) {
    await ours();
    await baseline();
  }
  for (let round = 0; round < ROUNDS; round++) {
    let a: number;
    let b: number;
    let cpuA: number;
    let cpuB: number;
    if (round % 2 === 0) {
      [a, cpuA] = await withCpu(ours);
      [b, cpuB] = await withCpu(baseline);
    } else {
      [b, cpuB] = await withCpu(baseline);
      [a, cpuA] = await withCpu(ours);
    }
    oursTimes.push(a);
    baseTimes.push(b);
    ratios.push(lowerIsBetter ? a / b : b / a);
    cpuRatios.push(cpuA / cpuB);
  }
  console.log(
    `${name.padEnd(44)} ours ${median(oursTimes).toFixed(1).padStart(8)} ms   baseline ${median(baseTimes)
      .toFixed(1)
      .padStart(8)} ms   ratio ${median(ratios).toFixed(3)} (range ${Math.min(...ratios).toFixed(3)}–${Math.max(
      ...ratios,
    ).toFixed(3)})   cpu(this process) ratio ${median(cpuRatios).toFixed(3)}`,
  );
}

async function main(): Promise<void> {
  ours = await loadContender();
  console.log(
    `uptime: ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(" ")} (1/5/15 min), ${os.availableParallelism()} cores`,
  );
  console.log(`node ${process.version}, ${ROUNDS} rounds${QUICK ? " (quick)" : ""}\n`);
  const timed = (fn: () => Promise<unknown>) => () => time(fn);
  await pair(`spawn ×${SPAWNS}: runProcess / raw spawn`, timed(spawnOurs), timed(spawnRaw));
  await pair(`spawn ×${SPAWNS}: runProcess / execa`, timed(spawnOurs), timed(spawnExeca));
  await pair(`pipe ${PIPE_BYTES >> 20} MiB through cat: time ours / raw`, timed(pipeOurs), timed(pipeRaw));
  await pair(`round trip ×${CALLS}: toProcess / raw fork+IPC`, roundTripOurs, roundTripRaw);
  await pair(`fib(${FIB}) ×${JOBS}: speed-up sequential / parallel`, cpuParallel, timed(cpuSequential), false);
  console.log(
    `\nuptime after: ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(" ")}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
