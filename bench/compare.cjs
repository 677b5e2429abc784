#!/usr/bin/env node
/**
 * How each row of `npm run bench` moved since the previous run of the same machine.
 *
 *   node bench/compare.cjs                      # .tmp/bench-history.jsonl and bench/history.jsonl
 *   node bench/compare.cjs --history FILE ...   # other history files
 *
 * Prints both runs' medians, the change in percent and both ratios to native async/await; says
 * so when the newest run's machine has no earlier run. The ratios are what to compare when the
 * machine's speed drifts between the two runs (each is to native measured in the same run).
 */
"use strict";

const { COMMITTED_HISTORY, LOCAL_HISTORY, formatComparison, latestPair, readHistory } = require("./history.cjs");

const argv = process.argv.slice(2);
const files = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--history" && argv[i + 1] !== undefined) files.push(argv[++i]);
  else {
    console.error(`usage: node bench/compare.cjs [--history FILE ...]; unknown argument ${argv[i]}`);
    process.exit(2);
  }
}
const { latest, previous } = latestPair(readHistory(files.length > 0 ? files : [COMMITTED_HISTORY, LOCAL_HISTORY]));
if (latest === undefined) {
  console.log("no benchmark runs recorded yet: run `npm run bench` first");
} else if (previous === undefined) {
  console.log(`the newest run (${latest.date}) is the first recorded on this machine: ${latest.machine}`);
} else {
  console.log(formatComparison(previous, latest));
}
