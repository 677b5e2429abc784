/**
 * The history of `npm run bench` runs: every run appends one line (JSON) with its medians and
 * ratios to .tmp/bench-history.jsonl, and a run written with `--write` to the committed
 * bench/history.jsonl too; `node bench/compare.cjs` prints how each row moved since the previous
 * run of the same machine.
 *
 * A machine is its CPU model and count, memory, OS (without the kernel's release, which changes
 * with every boot of the same virtual machine here) and Node version (see {@link machineKey}):
 * figures of two machines, or of two Node versions, do not compare.
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");

/** The history files, local (every run) and committed (`--write` runs). */
const LOCAL_HISTORY = path.join(__dirname, "..", ".tmp", "bench-history.jsonl");
const COMMITTED_HISTORY = path.join(__dirname, "history.jsonl");

/** What makes two runs comparable: the same hardware, OS and Node. */
function machineKey(meta) {
  const words = String(meta.platform).split(" ");
  const os = words.length >= 3 ? `${words[0]} ${words[words.length - 1]}` : meta.platform;
  return `${meta.cpuModel} x${meta.cpus}, ${meta.totalMemGB} GB, ${os}, node ${meta.node}`;
}

/** The history line of a run: its medians and ratios to native, per scenario and contender. */
function historyRecord(meta, results) {
  const rows = {};
  for (const [scenario, contenders] of Object.entries(results)) {
    for (const [contender, entry] of Object.entries(contenders)) {
      if (typeof entry.median !== "number") continue;
      rows[`${scenario}/${contender}`] = {
        title: `${meta.scenarios[scenario]?.title ?? scenario}, ${entry.label}`,
        unit: entry.unit,
        median: entry.median,
        ratio: typeof entry.ratioToNative === "number" ? entry.ratioToNative : null,
      };
    }
  }
  return {
    date: meta.date,
    commit: meta.anyioCommit ?? null,
    runtime: meta.anyioRuntimeHash ?? null,
    machine: machineKey(meta),
    load: [meta.loadavgStart?.[0] ?? null, meta.loadavgEnd?.[0] ?? null],
    rows,
  };
}

/** Appends `record` to the history file `file` (made if missing). */
function append(file, record) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, `${JSON.stringify(record)}\n`);
}

/** Every record of the history files that exist, oldest first. */
function readHistory(files) {
  const records = [];
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) if (line.trim()) records.push(JSON.parse(line));
  }
  // The same run can be in both files (a --write run): keep one.
  const seen = new Set();
  return records
    .filter((record) => !seen.has(record.date) && seen.add(record.date))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/**
 * The newest record and the newest earlier one of the same machine, or `previous: undefined`
 * when that machine has no earlier run.
 */
function latestPair(records) {
  const latest = records[records.length - 1];
  if (latest === undefined) return { latest: undefined, previous: undefined };
  const previous = records
    .slice(0, -1)
    .reverse()
    .find((record) => record.machine === latest.machine);
  return { latest, previous };
}

function figure(value, unit) {
  if (typeof value !== "number") return "-";
  return unit === "B/task" ? value.toFixed(0) : value.toPrecision(3);
}

/** A table of every row of `latest` beside `previous`: both medians, the change, both ratios. */
function formatComparison(previous, latest) {
  const lines = [
    `now:    ${latest.date} (commit ${latest.commit ?? "?"}, load ${latest.load.join(" -> ")})`,
    `before: ${previous.date} (commit ${previous.commit ?? "?"}, load ${previous.load.join(" -> ")})`,
    `machine: ${latest.machine}`,
    "",
  ];
  const header = ["row", "unit", "before", "now", "change", "ratio before", "ratio now"];
  const table = [header];
  for (const [key, row] of Object.entries(latest.rows)) {
    const old = previous.rows[key];
    const change = old && old.median > 0 ? `${((row.median / old.median - 1) * 100).toFixed(1)}%` : "new";
    const ratio = (value) => (typeof value === "number" ? `${value.toFixed(2)}x` : "-");
    table.push([
      row.title,
      row.unit,
      figure(old?.median, row.unit),
      figure(row.median, row.unit),
      change,
      ratio(old?.ratio),
      ratio(row.ratio),
    ]);
  }
  for (const [key, old] of Object.entries(previous.rows)) {
    if (!(key in latest.rows)) table.push([old.title, old.unit, figure(old.median, old.unit), "-", "not run", "", ""]);
  }
  const widths = header.map((_, column) => Math.max(...table.map((cells) => cells[column].length)));
  for (const cells of table)
    lines.push(
      cells
        .map((cell, column) => cell.padEnd(widths[column]))
        .join("  ")
        .trimEnd(),
    );
  return lines.join("\n");
}

module.exports = {
  LOCAL_HISTORY,
  COMMITTED_HISTORY,
  machineKey,
  historyRecord,
  append,
  readHistory,
  latestPair,
  formatComparison,
};
