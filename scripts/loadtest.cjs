#!/usr/bin/env node
// `npm run loadtest`: the echo server's load and fault test (scripts/loadtest/echo-load.ts) on
// loopback. Prints what it measured and exits 1 if an invariant failed (a well-behaved round trip
// wrong, a connection, descriptor or task left, the heap grown by 64 MiB or more).
//
//   npm run loadtest                                  2000 clients for 30 s
//   npm run loadtest -- --clients 500 --duration 10   other sizes (duration in seconds)
//   npm run loadtest -- --seed 7 --json               another seed; the report as JSON too
//
// The clients are raw node:net sockets in a child process (scripts/loadtest/clients.cjs), so
// this process measures only the server. Each client uses one descriptor on each side: the
// run refuses a client count the descriptor limit (`ulimit -n`) cannot hold.
"use strict";

const path = require("node:path");
const { spawnSync } = require("node:child_process");
const { root, ensureBuild, compileStructured } = require("./structured-node.cjs");

function option(args, name, fallback) {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`Expected \`--${name}\` to be a positive number, got \`${args[at + 1]}\``);
    process.exit(2);
  }
  return value;
}

function descriptorLimit() {
  const result = spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" });
  const limit = Number(result.stdout.trim());
  return Number.isFinite(limit) ? limit : Infinity; // "unlimited"
}

async function main(args) {
  const clients = Math.floor(option(args, "clients", 2000));
  const durationMs = Math.round(option(args, "duration", 30) * 1000);
  const seed = Math.floor(option(args, "seed", 1));
  // The server holds one descriptor per client plus a few dozen of its own; leave room.
  const limit = descriptorLimit();
  if (clients + 256 > limit) {
    console.error(
      `${clients} clients need about ${clients + 256} descriptors; \`ulimit -n\` is ${limit}. Raise it or pass --clients.`,
    );
    process.exit(2);
  }

  ensureBuild();
  const compiled = compileStructured(path.join("scripts", "loadtest", "echo-load.ts"));
  const { run } = require(path.join(root, "dist", "runtime", "index.js"));
  const { runEchoLoad, formatReport, checkReport } = require(compiled);

  const report = await run(() =>
    runEchoLoad({
      clients,
      durationMs,
      seed,
      clientScript: path.join(__dirname, "loadtest", "clients.cjs"),
      log: (line) => console.log(`> ${line}`),
    }),
  );
  console.log(formatReport(report));
  if (args.includes("--json")) console.log(JSON.stringify(report, null, 2));
  const failures = checkReport(report);
  if (failures.length > 0) {
    console.error(`\nFAILED:\n- ${failures.join("\n- ")}`);
    process.exit(1);
  }
  console.log("\nOK: every invariant held");
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error);
  process.exit(1);
});
