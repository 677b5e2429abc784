// An interleaved A/B of thread round trips between builds of anyio-ts: each dist/ snapshot given
// on the command line, piscina, and three raw workers, one after another in every round (the
// order reversed every other round), so that each round's ratios share the machine's load.
//
//   npm run build && cp -r dist .tmp/dist-a      # one snapshot per variant
//   node bench/threads-ab.cjs .tmp/dist-a .tmp/dist-b [--rounds 9] [--calls 3000]
//
// Each variant's side is bench/contenders/threads-anyio.src.mjs compiled by that snapshot's
// Babel plugin, and each round is a run() of its own, as in bench/threads.ts. The raw rows are
// the floors a pool stands on:
// - "raw Worker": `worker.postMessage` answered from a 'message' event (a worker that waits for
//   jobs in its event loop);
// - "raw Atomics": a MessageChannel port, and a worker that waits for jobs with an untimed
//   `Atomics.wait` and takes them with `receiveMessageOnPort` (piscina's way, with nothing else);
// - "raw Atomics, timed": the same with a 1 ms timed wait and a 'message' event after it (a
//   worker whose event loop has a turn when no job comes for 1 ms).
// Prints, per row, the median µs per call and the median over rounds of its ratio to piscina.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { compileContenderInChild } = require("./compile-structured.cjs");
const { pathToFileURL } = require("node:url");
const { MessageChannel, Worker } = require("node:worker_threads");
const { performance } = require("node:perf_hooks");

const argv = process.argv.slice(2);
function option(name, fallback) {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(argv[at + 1]);
  argv.splice(at, 2);
  return value;
}
const ROUNDS = option("--rounds", 9);
const CALLS = option("--calls", 3000);
const dists = argv.map((dist) => path.resolve(dist));
if (dists.length === 0) {
  console.error("usage: node bench/threads-ab.cjs <dist> [<dist> ...] [--rounds N] [--calls N]");
  process.exit(2);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A worker on a MessageChannel port that waits for jobs on a shared count (see the header). */
function atomicsWorker(dir, name, timed) {
  const file = path.join(dir, `${name}.cjs`);
  const wait = timed
    ? `function loop() {
  const start = performance.now();
  for (;;) {
    if (Atomics.wait(flags, 0, seen, 1) === "timed-out") return;
    seen = Atomics.load(flags, 0);
    for (let e = receiveMessageOnPort(port); e !== undefined; e = receiveMessageOnPort(port)) port.postMessage(e.message.a + e.message.b);
    if (performance.now() - start > 10) return;
  }
}
port.on("message", ({ a, b }) => { port.postMessage(a + b); loop(); });`
    : `for (;;) {
  Atomics.wait(flags, 0, seen);
  seen = Atomics.load(flags, 0);
  for (let e = receiveMessageOnPort(port); e !== undefined; e = receiveMessageOnPort(port)) port.postMessage(e.message.a + e.message.b);
}`;
  fs.writeFileSync(
    file,
    `const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { port, shared } = workerData;
const flags = new Int32Array(shared);
let seen = 0;
${wait}\n`,
  );
  const { port1, port2 } = new MessageChannel();
  const shared = new SharedArrayBuffer(4);
  const flags = new Int32Array(shared);
  const worker = new Worker(file, { workerData: { port: port2, shared }, transferList: [port2] });
  const call = (a, b) =>
    new Promise((resolve) => {
      port1.once("message", resolve);
      port1.postMessage({ a, b });
      Atomics.add(flags, 0, 1);
      Atomics.notify(flags, 0, 1);
    });
  return { call, close: () => (port1.close(), worker.terminate()) };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-threads-ab-"));
  const add = path.join(dir, "add.cjs");
  const pool = path.join(dir, "pool.cjs");
  const raw = path.join(dir, "raw.cjs");
  fs.writeFileSync(add, "exports.add = (a, b) => a + b;\n");
  fs.writeFileSync(pool, "module.exports = ({ a, b }) => a + b;\n");
  fs.writeFileSync(
    raw,
    `const { parentPort } = require("node:worker_threads");\nparentPort.on("message", ({ a, b }) => parentPort.postMessage(a + b));\n`,
  );
  const variants = [];
  for (const dist of dists) {
    const out = path.join(dir, `contender-${variants.length}.mjs`);
    compileContenderInChild(path.join(__dirname, "contenders/threads-anyio.src.mjs"), dist, out);
    const api = require(path.join(dist, "runtime/index.js"));
    variants.push({
      name: `${variants.length}:${path.basename(dist)}`,
      contender: await import(pathToFileURL(out).href),
      fn: api.workerFunction(add, "add"),
    });
  }
  const { Piscina } = require("piscina");
  const piscina = new Piscina({ filename: pool, minThreads: 1, maxThreads: 1 });
  const rawWorker = new Worker(raw);
  const rawCall = (a, b) =>
    new Promise((resolve) => {
      rawWorker.once("message", resolve);
      rawWorker.postMessage({ a, b });
    });
  const untimed = atomicsWorker(dir, "atomics", false);
  const timed = atomicsWorker(dir, "atomics-timed", true);
  const loop = (call) => async () => {
    for (let i = 0; i < CALLS; i++) await call(i, 1);
  };
  const baselines = {
    piscina: loop((a, b) => piscina.run({ a, b })),
    "raw Worker": loop(rawCall),
    "raw Atomics": loop(untimed.call),
    "raw Atomics, timed": loop(timed.call),
  };
  for (const run of Object.values(baselines)) await run();
  const rows = {};
  const record = (row, ms) => (rows[row] ??= []).push(ms);
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = [...variants, ...Object.keys(baselines)];
      if (round % 2 === 1) order.reverse();
      for (const entry of order) {
        if (typeof entry === "string") {
          const start = performance.now();
          await baselines[entry]();
          record(entry, performance.now() - start);
        } else {
          record(entry.name, (await entry.contender.roundTrip(entry.fn, CALLS)).ms);
        }
      }
    }
  } finally {
    await piscina.destroy();
    await rawWorker.terminate();
    await untimed.close();
    await timed.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
  console.log(`node ${process.version}, load ${load}; ${ROUNDS} rounds of ${CALLS} round trips`);
  for (const [row, times] of Object.entries(rows)) {
    const ratios = times.map((ms, round) => ms / rows.piscina[round]);
    const perCall = ((median(times) * 1000) / CALLS).toFixed(1);
    console.log(
      `${row.padEnd(20)} ${perCall.padStart(6)} µs  ${median(ratios).toFixed(2)}x piscina  [${ratios.map((r) => r.toFixed(2)).join(" ")}]`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
