#!/usr/bin/env node
// `npm start`: builds the package when dist/ is missing or older than its sources, then runs an
// example against the built package, the way a user's code would import it. The playground takes
// over `npm start` once it exists.
//
//   npm start                      runs examples/task-group-timeout.ts
//   npm start -- examples/x.ts     runs another example
//
// Examples import "anyio-ts" by name. Node resolves that name from inside this repository to
// dist/ through the package's own "exports" (package self-reference), so no link or install is
// needed. tsx is pointed at tsconfig.build.json, whose empty `paths` keep it from mapping the
// name back to the TypeScript sources.
"use strict";

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const builtEntry = path.join(root, "dist", "runtime", "index.js");
const sourceDirs = ["runtime", "transformer"];
const configFiles = ["tsconfig.json", "tsconfig.build.json"];

function newestMtime(target) {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its directory's mtime
  for (const entry of fs.readdirSync(target)) {
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

function isBuildStale() {
  if (!fs.existsSync(builtEntry)) return true;
  const built = fs.statSync(builtEntry).mtimeMs;
  const inputs = [...sourceDirs, ...configFiles].map((name) => newestMtime(path.join(root, name)));
  return Math.max(...inputs) > built;
}

function runOrExit(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: "inherit",
    shell: process.platform === "win32",
    ...options,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const example = process.argv[2] ?? path.join("examples", "task-group-timeout.ts");
if (!fs.existsSync(path.resolve(root, example))) {
  console.error(`No such example: ${example}`);
  process.exit(1);
}

if (isBuildStale()) {
  console.log("> building anyio-ts (dist/ is missing or older than its sources)");
  runOrExit("npm", ["run", "build"]);
}

console.log(`> running ${example}\n`);
runOrExit(process.execPath, ["--import", "tsx", example], {
  env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, "tsconfig.build.json") },
});
