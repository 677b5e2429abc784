#!/usr/bin/env node
/**
 * Structured-concurrency benchmarks: anyio-ts against native async/await, Effection 4 and Effect 4.
 *
 *   npm run bench                       # everything, 5 repetitions
 *   node bench/run.cjs --reps 3 --scenarios spawnJoin,cancel --contenders native,anyio-compiled
 *   node bench/run.cjs --quick          # 3 repetitions, fewer batches: a smoke run
 *   node bench/run.cjs --source         # anyio-ts from runtime/*.ts through tsx instead of dist/
 *   node bench/run.cjs --write          # also replace the committed bench/results.json
 *
 * Every (scenario, contender) measurement runs in a fresh `node --expose-gc` process
 * (bench/worker.mjs), which prints one "BENCH_RESULT <json>" line. Repetitions are interleaved
 * (rep 1 of every pair, then rep 2, ...) so that a burst of load elsewhere on the machine spreads
 * over all contenders instead of landing on one. The figure reported is the median over the
 * repetitions; each repetition of a timed scenario is itself the median of `iters` batches after
 * `warmup` batches. Each run is appended to a history (bench/history.cjs; `node bench/compare.cjs`
 * prints how every row moved since the previous run of the same machine). Results go to a table
 * on stdout and to .tmp/bench-results.json; the committed
 * bench/results.json (the figures the README and its chart quote) changes only with `--write`
 * (or `--out FILE`), so a trial run on a busy machine never replaces them by accident.
 */
"use strict";

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const history = require("./history.cjs");

const BENCH = __dirname;
const REPO = path.resolve(BENCH, "..");

// --- Configuration ---------------------------------------------------------------------------

const SCENARIOS = {
  spawnJoin: {
    title: "spawn+join",
    unit: "µs/task",
    N: 10_000,
    warmup: 10,
    iters: 40,
    budget: 0.5,
    budgetText: "≤ 0.5 µs/task",
  },
  cancel: {
    title: "cancel sleeping",
    unit: "µs/task",
    N: 10_000,
    warmup: 5,
    iters: 30,
    budget: 1.8,
    budgetText: "≤ 1.8 µs/task",
  },
  heap: {
    title: "heap/suspended task",
    unit: "B/task",
    N: 100_000,
    warmup: 0,
    iters: 1,
    budget: 1200,
    budgetText: "≤ 1.2 KB/task",
  },
};

const CONTENDERS = {
  native: { label: "native async/await" },
  // Opt-in extras (--contenders ...): slow to set up at these sizes, see contenders/native.mjs.
  "native-tp": { label: "native, timers/promises + signal", scenarios: ["cancel", "heap"], optIn: true },
  "native-signal": { label: "native, setTimeout + AbortSignal", scenarios: ["heap"], optIn: true },
  effection: { label: `Effection ${pkgVersion("effection")}` },
  effect: { label: `Effect ${pkgVersion("effect")}` },
  "anyio-plain": { label: "anyio-ts (plain callbacks)", anyio: true },
  "anyio-compiled": { label: "anyio-ts (compiled callbacks)", anyio: true },
  "anyio-transformer": { label: "anyio-ts (transformer output)", anyio: true, structured: true },
};

function pkgVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(REPO, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return "?";
  }
}

function parseArgs(argv) {
  const opts = {
    reps: 5,
    scenarios: Object.keys(SCENARIOS),
    contenders: Object.keys(CONTENDERS).filter((c) => !CONTENDERS[c].optIn),
    quick: false,
    source: false,
    build: true,
    out: path.join(REPO, ".tmp", "bench-results.json"),
    timeoutMs: 600_000,
    // Before each worker, wait (at most settleMaxS seconds) until other processes use less than
    // settleLoad of the machine's CPU over a one-second window.
    settleLoad: 0.25,
    settleMaxS: 30,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--reps") opts.reps = Number(next());
    else if (a === "--scenarios") opts.scenarios = next().split(",");
    else if (a === "--contenders") opts.contenders = next().split(",");
    else if (a === "--quick") opts.quick = true;
    else if (a === "--source") opts.source = true;
    else if (a === "--no-build") opts.build = false;
    else if (a === "--out") opts.out = path.resolve(next());
    else if (a === "--write") opts.out = path.join(BENCH, "results.json");
    else if (a === "--timeout") opts.timeoutMs = Number(next()) * 1000;
    else if (a === "--settle-load") opts.settleLoad = Number(next());
    else if (a === "--settle-max") opts.settleMaxS = Number(next());
    else if (a === "--no-settle") opts.settleMaxS = 0;
    else if (a === "--help" || a === "-h") {
      console.log(fs.readFileSync(__filename, "utf8").split("*/")[0]);
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  for (const s of opts.scenarios) if (!SCENARIOS[s]) throw new Error(`unknown scenario ${s}`);
  for (const c of opts.contenders) if (!CONTENDERS[c]) throw new Error(`unknown contender ${c}`);
  if (opts.quick) {
    if (!argv.includes("--reps")) opts.reps = 3;
    SCENARIOS.spawnJoin.warmup = 3;
    SCENARIOS.spawnJoin.iters = 8;
    SCENARIOS.cancel.warmup = 2;
    SCENARIOS.cancel.iters = 6;
  }
  return opts;
}

// --- anyio-ts build ----------------------------------------------------------------------------

function newestMtime(dir, exts) {
  let newest = 0;
  const walk = (d) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (exts.some((x) => e.name.endsWith(x))) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(dir);
  return newest;
}

/**
 * Builds dist/ when it is missing or older than runtime/, then copies it to a private temporary
 * directory: others may rebuild (rm -rf dist) while the benchmark runs, and every worker must
 * load the same code. Returns { dir, note } or { error }.
 */
function prepareAnyio(opts) {
  const distEntry = path.join(REPO, "dist/runtime/index.js");
  const distTime = fs.existsSync(distEntry) ? newestMtime(path.join(REPO, "dist/runtime"), [".js"]) : 0;
  const srcTime = newestMtime(path.join(REPO, "runtime"), [".ts"]);
  let note = "";
  if (opts.build && (distTime === 0 || distTime < srcTime)) {
    console.log(distTime === 0 ? "dist/ is missing: npm run build" : "dist/ is older than runtime/: npm run build");
    const r = spawnSync("npm", ["run", "build"], { cwd: REPO, stdio: ["ignore", "inherit", "inherit"] });
    if (r.status !== 0) {
      if (!fs.existsSync(distEntry)) return { error: "npm run build failed and dist/runtime/index.js is missing" };
      note = "npm run build reported errors; using what tsc emitted anyway";
      console.warn(`warning: ${note}`);
    }
  } else if (distTime !== 0 && distTime < srcTime) {
    note = "dist/ is older than runtime/ (--no-build)";
    console.warn(`warning: ${note}`);
  }
  if (!fs.existsSync(distEntry)) return { error: "dist/runtime/index.js is missing" };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-bench-"));
  // The runtime's own dependencies (picomatch, node-gyp-build) resolve from beside the snapshot.
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(tmp, "node_modules"), "dir");
  const dir = path.join(tmp, "dist");
  for (let attempt = 0; attempt < 5; attempt++) {
    fs.rmSync(dir, { recursive: true, force: true });
    try {
      fs.cpSync(path.join(REPO, "dist"), dir, { recursive: true });
      const check = spawnSync(
        process.execPath,
        [
          "-e",
          `const m=require(${JSON.stringify(path.join(dir, "runtime/index.js"))});if(typeof m.run!=="function")process.exit(1)`,
        ],
        { encoding: "utf8" },
      );
      if (check.status === 0) {
        // The transformer-compiled contender: bench/contenders/anyio-structured.src.mjs through
        // the snapshot's Babel plugin.
        let structured = null;
        let structuredError = null;
        try {
          structured = require("./compile-structured.cjs").compileStructured(dir);
        } catch (err) {
          structuredError = `could not compile the structured bench source: ${String(err.message).split("\n")[0]}`;
        }
        return { dir, tmp, note, structured, structuredError, hash: hashTree(path.join(dir, "runtime")) };
      }
    } catch {
      // a concurrent rebuild removed files under us; try again
    }
    spawnSync("sleep", ["3"]);
  }
  return { error: "could not take a loadable snapshot of dist/ (a concurrent rebuild?)" };
}

/** A short fingerprint of the runtime snapshot, so that results.json says which build ran. */
function hashTree(dir) {
  const h = require("node:crypto").createHash("sha256");
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".js")) h.update(path.relative(dir, p)).update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return h.digest("hex").slice(0, 12);
}

function gitDescribe() {
  const r = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO, encoding: "utf8" });
  if (r.status !== 0) return null;
  const dirty = spawnSync("git", ["status", "--porcelain", "--", "runtime"], { cwd: REPO, encoding: "utf8" });
  return r.stdout.trim() + (dirty.stdout && dirty.stdout.trim() ? " (runtime/ has uncommitted changes)" : "");
}

// --- Running one worker ------------------------------------------------------------------------

/** Sum of busy and total jiffies over all CPUs, from /proc/stat (Linux only). */
function cpuTimes() {
  try {
    const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] || 0);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

const HZ = 100; // USER_HZ: /proc/stat counts in 1/100 s on Linux

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Waits until the machine is quiet enough (or settleMaxS passed); returns the last busy share. */
function settle(opts) {
  if (!(opts.settleMaxS > 0)) return null;
  const deadline = Date.now() + opts.settleMaxS * 1000;
  let share = null;
  do {
    const a = cpuTimes();
    sleepMs(1000);
    const b = cpuTimes();
    if (!a || !b || b.total === a.total) return null;
    share = (b.busy - a.busy) / (b.total - a.total);
    if (share < opts.settleLoad) return share;
  } while (Date.now() < deadline);
  return share;
}

function runWorker(opts, anyio, scenario, contender) {
  const sc = SCENARIOS[scenario];
  const args = ["--expose-gc"];
  if (scenario === "heap") args.push("--max-old-space-size=4096");
  if (opts.source && CONTENDERS[contender].anyio) args.push("--import", "tsx");
  args.push(path.join(BENCH, "worker.mjs"), contender, scenario, String(sc.N), String(sc.warmup), String(sc.iters));
  const env = { ...process.env, BENCH_WORKER_TIMEOUT_MS: String(opts.timeoutMs) };
  if (anyio.dir) env.ANYIO_BENCH_DIST = anyio.dir;
  if (anyio.structured) env.ANYIO_BENCH_STRUCTURED = anyio.structured;
  if (opts.source) env.ANYIO_BENCH_SOURCE = "1";
  const idleBefore = settle(opts);
  const c0 = cpuTimes();
  const t0 = Date.now();
  const r = spawnSync(process.execPath, args, {
    cwd: REPO,
    env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: opts.timeoutMs + 30_000,
  });
  const wallMs = Date.now() - t0;
  const c1 = cpuTimes();
  const line = (r.stdout || "").split("\n").find((l) => l.startsWith("BENCH_RESULT "));
  let res;
  if (line) res = JSON.parse(line.slice("BENCH_RESULT ".length));
  else {
    const why = r.error ? r.error.message : `exit ${r.status}${r.signal ? ` (${r.signal})` : ""}`;
    res = { contender, scenario, error: `${why}: ${(r.stderr || "").trim().split("\n").slice(-5).join(" | ")}` };
  }
  res.wallMs = wallMs;
  if (idleBefore != null) res.loadBefore = idleBefore;
  // Share of the machine's CPU that other processes used while this worker ran.
  if (c0 && c1 && typeof res.cpuMs === "number") {
    const busyMs = ((c1.busy - c0.busy) * 1000) / HZ;
    const capacityMs = ((c1.total - c0.total) * 1000) / HZ;
    res.otherLoad = capacityMs > 0 ? Math.max(0, (busyMs - res.cpuMs) / capacityMs) : null;
  }
  return res;
}

// --- Summaries ---------------------------------------------------------------------------------

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (!n) return NaN;
  return n % 2 ? s[(n - 1) >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function fmt(v, unit) {
  if (v == null || Number.isNaN(v)) return "—";
  if (unit === "B/task") return `${Math.round(v)} B`;
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

function fmtRatio(r) {
  if (r == null || Number.isNaN(r)) return "";
  return r >= 100 ? `${r.toFixed(0)}x` : r >= 10 ? `${r.toFixed(1)}x` : `${r.toFixed(2)}x`;
}

function pad(s, n, right = false) {
  s = String(s);
  return right ? s.padStart(n) : s.padEnd(n);
}

function summarize(opts, raw) {
  const results = {};
  for (const scenario of opts.scenarios) {
    results[scenario] = {};
    for (const contender of opts.contenders) {
      const runs = raw.filter((r) => r.scenario === scenario && r.contender === contender);
      if (!runs.length) continue;
      const ok = runs.filter((r) => typeof r.value === "number");
      const entry = { label: CONTENDERS[contender].label, unit: SCENARIOS[scenario].unit };
      if (ok.length) {
        const values = ok.map((r) => r.value);
        entry.median = median(values);
        entry.min = Math.min(...values);
        entry.max = Math.max(...values);
        entry.reps = values;
        const loads = ok.map((r) => r.otherLoad).filter((x) => typeof x === "number");
        if (loads.length) entry.otherLoadMedian = median(loads);
        const checks = ok.map((r) => r.check).filter((c) => c && c !== "ok");
        if (checks.length) entry.checks = [...new Set(checks)];
      }
      const unavailable = runs.find((r) => r.unavailable);
      if (unavailable) entry.unavailable = unavailable.unavailable;
      const errors = runs.filter((r) => r.error).map((r) => r.error);
      if (errors.length) entry.errors = [...new Set(errors)];
      results[scenario][contender] = entry;
    }
    const nat = results[scenario].native && results[scenario].native.median;
    for (const entry of Object.values(results[scenario])) {
      if (nat && entry.median != null) entry.ratioToNative = entry.median / nat;
    }
  }
  return results;
}

function printTable(opts, results) {
  const scen = opts.scenarios;
  const colW = 30;
  const nameW = 34;
  let out = pad("", nameW);
  for (const s of scen) out += pad(`${SCENARIOS[s].title} (${SCENARIOS[s].unit})`, colW, true);
  out += "\n" + "-".repeat(nameW + colW * scen.length) + "\n";
  for (const c of opts.contenders) {
    let row = pad(CONTENDERS[c].label, nameW);
    for (const s of scen) {
      const e = results[s][c];
      let cell = "";
      if (!e) cell = "";
      else if (e.median != null) {
        const r = fmtRatio(e.ratioToNative);
        cell = `${fmt(e.median, SCENARIOS[s].unit)}${r ? ` (${r})` : ""}`;
        if (e.checks) cell = "! " + cell;
      } else if (e.unavailable) cell = CONTENDERS[c].scenarios ? "" : "n/a";
      else if (e.errors) cell = "error";
      row += pad(cell, colW, true);
    }
    out += row + "\n";
  }
  let brow = pad("budget (anyio-ts)", nameW);
  for (const s of scen) brow += pad(SCENARIOS[s].budgetText, colW, true);
  out += "-".repeat(nameW + colW * scen.length) + "\n" + brow + "\n";
  return out;
}

// --- Main --------------------------------------------------------------------------------------

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0] && os.cpus()[0].model,
    totalMemGB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadavgStart: os.loadavg().map((x) => +x.toFixed(2)),
    reps: opts.reps,
    peers: { effection: pkgVersion("effection"), effect: pkgVersion("effect"), mitata: pkgVersion("mitata") },
    anyioCommit: gitDescribe(),
    anyioFrom: opts.source ? "runtime/*.ts via tsx" : "dist/ (snapshot)",
    scenarios: Object.fromEntries(opts.scenarios.map((s) => [s, { ...SCENARIOS[s] }])),
  };

  let anyio = { dir: null };
  if (!opts.source && opts.contenders.some((c) => CONTENDERS[c].anyio)) {
    anyio = prepareAnyio(opts);
    if (anyio.error) {
      console.warn(`warning: anyio-ts unavailable: ${anyio.error}`);
      meta.anyioError = anyio.error;
    }
    if (anyio.note) meta.anyioNote = anyio.note;
    if (anyio.hash) meta.anyioRuntimeHash = anyio.hash;
    if (anyio.structuredError) meta.anyioTransformerError = anyio.structuredError;
  }

  console.log(
    `node ${meta.node} on ${meta.cpus}x ${meta.cpuModel}, ${meta.totalMemGB} GB; load average ${meta.loadavgStart.join(" ")}; ` +
      `${opts.reps} repetitions, one process each`,
  );
  const raw = [];
  for (let rep = 1; rep <= opts.reps; rep++) {
    for (const scenario of opts.scenarios) {
      for (const contender of opts.contenders) {
        const only = CONTENDERS[contender].scenarios;
        if (only && !only.includes(scenario)) continue;
        let res;
        if (CONTENDERS[contender].anyio && anyio.error) {
          res = { contender, scenario, unavailable: anyio.error };
        } else if (CONTENDERS[contender].structured && anyio.structuredError) {
          res = { contender, scenario, unavailable: anyio.structuredError };
        } else {
          res = runWorker(opts, anyio, scenario, contender);
        }
        res.rep = rep;
        raw.push(res);
        const sc = SCENARIOS[scenario];
        const what =
          typeof res.value === "number"
            ? `${fmt(res.value, sc.unit)} ${sc.unit === "B/task" ? "per task" : sc.unit}` +
              (res.check && res.check !== "ok" ? ` [check: ${res.check}]` : "")
            : res.unavailable
              ? `unavailable: ${res.unavailable}`
              : `ERROR: ${String(res.error).split("\n")[0]}`;
        const load = typeof res.otherLoad === "number" ? `, other load ${(res.otherLoad * 100).toFixed(0)}%` : "";
        console.log(
          `[${rep}/${opts.reps}] ${pad(scenario, 10)} ${pad(CONTENDERS[contender].label, 34)} ${what} (${(res.wallMs / 1000).toFixed(1)} s${load})`,
        );
      }
    }
  }
  meta.loadavgEnd = os.loadavg().map((x) => +x.toFixed(2));
  const results = summarize(opts, raw);
  const table = printTable(opts, results);
  console.log("\nMedians over repetitions (ratio to native async/await):\n");
  console.log(table);
  const loads = raw.map((r) => r.otherLoad).filter((x) => typeof x === "number");
  if (loads.length) {
    meta.otherLoadMedian = +median(loads).toFixed(3);
    meta.otherLoadMax = +Math.max(...loads).toFixed(3);
    console.log(
      `Other processes used a median ${(meta.otherLoadMedian * 100).toFixed(0)}% (max ${(meta.otherLoadMax * 100).toFixed(0)}%) ` +
        `of the machine's CPU while workers ran.`,
    );
  }
  for (const s of opts.scenarios) {
    for (const [c, e] of Object.entries(results[s])) {
      if (e.errors) console.log(`${s} / ${c}: ${e.errors[0].split("\n")[0]}`);
      if (e.checks) console.log(`${s} / ${c}: check failed: ${e.checks.join("; ")}`);
      if (e.unavailable && !CONTENDERS[c].scenarios) console.log(`${s} / ${c}: unavailable: ${e.unavailable}`);
    }
  }
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify({ meta, results, table, raw }, null, 2) + "\n");
  console.log(`\nwrote ${path.relative(process.cwd(), opts.out) || opts.out}`);
  // Every run goes into the local history; a run that replaces the committed figures also into
  // the committed one. `node bench/compare.cjs` compares the newest with the one before.
  const record = history.historyRecord(meta, results);
  history.append(history.LOCAL_HISTORY, record);
  if (opts.out === path.join(BENCH, "results.json")) history.append(history.COMMITTED_HISTORY, record);
  console.log("compare it with the previous run of this machine: node bench/compare.cjs");
  if (anyio.tmp) fs.rmSync(anyio.tmp, { recursive: true, force: true });
}

try {
  main();
} catch (err) {
  console.error(`bench: ${err && err.message ? err.message : err}`);
  process.exit(1);
}
