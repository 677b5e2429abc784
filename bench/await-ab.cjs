// Per-await cost of two or more runtime builds, side by side: whole runs of bench/await.ts, one
// process per run, the builds alternating (A, B, A, B, ...), each pointed at through
// AWAIT_RUNTIME. Prints, for every row, the median over the runs of each run's median paired
// ratio to native, and the range over the runs.
//
// Whole runs on purpose: V8 keeps one type-feedback record per hook, shared by every await of
// every row, so a row run alone (`--only=`) can inline the hooks differently from a program that
// awaits all kinds of things (bench/TRANSFORMER.md, "Per await: the hooks' cold path out of line").
//
//   node bench/await-ab.cjs <runs> <dist dir> <dist dir> [...]
//   cp -r dist /tmp/dist-before && (change, npm run build) && node bench/await-ab.cjs 6 /tmp/dist-before dist
"use strict";
const { execFileSync } = require("node:child_process");
const os = require("node:os");
const path = require("node:path");

const [runsArg, ...builds] = process.argv.slice(2);
const runs = Number(runsArg);
if (!Number.isInteger(runs) || runs < 1 || builds.length < 2) {
  console.error("usage: node bench/await-ab.cjs <runs> <dist dir> <dist dir> [...]");
  process.exit(2);
}

const ROOT = path.resolve(__dirname, "..");

/** One whole run of bench/await.ts against `build`: its rows as bench/await.ts's `--json` gives them. */
function run(build) {
  const output = execFileSync(
    process.execPath,
    ["--expose-gc", "--import", "tsx", path.join(__dirname, "await.ts"), "--dist", "--json"],
    {
      cwd: ROOT,
      env: { ...process.env, AWAIT_RUNTIME: path.resolve(build, "runtime") },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  // The JSON array follows the table.
  return JSON.parse(output.slice(output.indexOf("\n[") + 1));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** ratios.get(build).get(row) = each run's median paired ratio. */
const ratios = new Map(builds.map((build) => [build, new Map()]));
for (let i = 0; i < runs; i++) {
  for (const build of builds) {
    for (const row of run(build)) {
      const key = `${row.body}${row.deadline ? ", deadline" : ""}`;
      const byRow = ratios.get(build);
      if (!byRow.has(key)) byRow.set(key, []);
      byRow.get(key).push(row.pairedRatio);
    }
    process.stderr.write(`run ${i + 1}/${runs}: ${build} done\n`);
  }
}

const width = 30;
const load = os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(" ");
console.log(`load ${load}, ${runs} runs per build`);
console.log("row".padEnd(26) + builds.map((build) => build.padStart(width)).join(""));
for (const key of ratios.get(builds[0]).keys()) {
  const cells = builds.map((build) => {
    const values = ratios.get(build).get(key) ?? [];
    if (values.length === 0) return "-".padStart(width);
    const cell = `${median(values).toFixed(3)}x [${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}]`;
    return cell.padStart(width);
  });
  console.log(key.padEnd(26) + cells.join(""));
}
