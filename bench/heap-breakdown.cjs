#!/usr/bin/env node
/**
 * Where the heap of a suspended task goes: N tasks of transformer output parked in
 * `sleep(1e9)` in one task group (the shape of `npm run bench`'s heap row), a heap snapshot
 * before they start and one once all are blocked, and the difference per task, by object kind
 * (V8's node type and constructor or closure name), largest first.
 *
 *   npm run build && node --expose-gc bench/heap-breakdown.cjs [N]   # N defaults to 20,000
 *
 * The program is compiled by the Babel plugin from dist/, as users compile theirs. Snapshots
 * hold only live objects, so the figures are what the parked tasks keep, not what they
 * allocated on the way.
 */
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const v8 = require("node:v8");
const { pathToFileURL } = require("node:url");

const N = Number(process.argv[2] ?? 20_000);
const DIST = path.resolve(__dirname, "../dist");

const SOURCE = `"use structured";
import { createTaskGroup, run, sleep, waitAllTasksBlocked } from "anyio-ts";
const sleeper = async () => {
  await sleep(1e9);
};
export function park(n, whileParked) {
  return run(async () => {
    await createTaskGroup().run(async (tg) => {
      for (let i = 0; i < n; i++) tg.startSoon(sleeper);
      await waitAllTasksBlocked();
      whileParked();
      tg.cancel();
    });
  });
}
`;

/** The program above, compiled by the Babel plugin from dist/ into a temporary folder. */
function compile(directory) {
  const babel = require("@babel/core");
  const plugin = require(path.join(DIST, "transformer/babel/index.js"));
  const { code } = babel.transformSync(SOURCE, {
    filename: path.join(directory, "park.src.mjs"),
    babelrc: false,
    configFile: false,
    sourceType: "module",
    plugins: [plugin.default ?? plugin],
  });
  const targets = {
    "anyio-ts": pathToFileURL(path.join(DIST, "runtime/index.js")).href,
    "anyio-ts/rt": pathToFileURL(path.join(DIST, "runtime/rt.js")).href,
  };
  const file = path.join(directory, "park.mjs");
  fs.writeFileSync(
    file,
    code.replace(/(from\s+)(["'])(anyio-ts\/rt|anyio-ts)\2/g, (_m, from, q, s) => `${from}${q}${targets[s]}${q}`),
  );
  return file;
}

/** Live bytes and counts by kind in a heap snapshot file. */
function census(file) {
  const snapshot = JSON.parse(fs.readFileSync(file, "utf8"));
  const meta = snapshot.snapshot.meta;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
  const { nodes, strings, locations } = snapshot;
  // Closures are told apart by where their function is defined (script id, line, column: the
  // snapshot's own locations table), since most are anonymous.
  const where = new Map();
  const locationFields = meta.location_fields ?? ["object_index", "script_id", "line", "column"];
  for (let i = 0; i < (locations ?? []).length; i += locationFields.length) {
    where.set(locations[i], `script ${locations[i + 1]}:${locations[i + 2] + 1}:${locations[i + 3] + 1}`);
  }
  const kinds = new Map();
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    let name = type === "object" || type === "closure" || type === "native" ? strings[nodes[i + nameAt]] : "";
    if (type === "closure") name = `${name || "(anonymous)"} ${where.get(i) ?? ""}`.trim();
    const key = `${type} ${name}`.trim();
    const entry = kinds.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += nodes[i + sizeAt];
    entry.count += 1;
    kinds.set(key, entry);
  }
  return kinds;
}

async function main() {
  if (typeof gc !== "function") throw new Error("run with node --expose-gc");
  if (!fs.existsSync(path.join(DIST, "runtime/index.js"))) throw new Error("run `npm run build` first");
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-heap-"));
  try {
    const { park } = await import(pathToFileURL(compile(directory)).href);
    await park(1000, () => {}); // warm: the runtime's lazily built objects exist before the first snapshot
    gc();
    const before = census(v8.writeHeapSnapshot(path.join(directory, "before.heapsnapshot")));
    let during;
    let usedBefore = 0;
    let usedDuring = 0;
    await park(N, () => {
      gc();
      usedDuring = process.memoryUsage().heapUsed;
      during = census(v8.writeHeapSnapshot(path.join(directory, "during.heapsnapshot")));
    });
    gc();
    usedBefore = process.memoryUsage().heapUsed;
    const rows = [];
    let total = 0;
    for (const [kind, entry] of during) {
      const base = before.get(kind) ?? { bytes: 0, count: 0 };
      const bytes = (entry.bytes - base.bytes) / N;
      const count = (entry.count - base.count) / N;
      total += bytes;
      if (Math.abs(bytes) >= 0.5)
        rows.push({ kind, "bytes/task": Number(bytes.toFixed(1)), "objects/task": Number(count.toFixed(2)) });
    }
    rows.sort((a, b) => b["bytes/task"] - a["bytes/task"]);
    console.log(
      `node ${process.version}; ${N} tasks parked in sleep(1e9), transformer output (Babel plugin from dist/)`,
    );
    console.log(
      `snapshot difference: ${total.toFixed(0)} B/task; heapUsed difference: ${((usedDuring - usedBefore) / N).toFixed(0)} B/task`,
    );
    console.table(rows);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
