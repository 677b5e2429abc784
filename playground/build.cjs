/**
 * Building the playground: `vite build` with playground/vite.config.mts, and whether an existing
 * build is older than what it is built from. Used by `npm start`, the browser tests and the
 * screenshot script.
 */
"use strict";

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const repo = path.resolve(__dirname, "..");

/** What a build depends on: the playground, the runtime and the transformer it bundles. */
const INPUTS = [
  "playground/src",
  "playground/index.html",
  "playground/vite.config.mts",
  "playground/service-worker-plugin.mts",
  "playground/types-plugin.mts",
  "playground/guides-plugin.mts",
  "docs",
  "playground/shims",
  "runtime",
  "transformer",
  "package-lock.json",
];

function newestMtime(target) {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its directory's mtime
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** Whether `builtFile` is missing or older than any of `inputs` (paths relative to the repository). */
function isOlderThanInputs(builtFile, inputs) {
  if (!fs.existsSync(builtFile)) return true;
  const built = fs.statSync(builtFile).mtimeMs;
  return Math.max(...inputs.map((input) => newestMtime(path.join(repo, input)))) > built;
}

/** Whether `outDir` holds no build, or one older than any of its inputs. */
function isBuildStale(outDir) {
  return isOlderThanInputs(path.join(outDir, "index.html"), INPUTS);
}

/**
 * Builds the playground into `outDir` (emptied first). With `stdio: "pipe"` (the default) Vite's
 * output is kept and shown only when the build fails.
 * @throws Error with Vite's output when the build fails.
 */
function buildPlayground(outDir, { stdio = "pipe" } = {}) {
  const vite = path.join(repo, "node_modules", "vite", "bin", "vite.js");
  const result = spawnSync(
    process.execPath,
    [
      vite,
      "build",
      "--config",
      path.join(__dirname, "vite.config.mts"),
      "--outDir",
      path.resolve(outDir),
      "--logLevel",
      "warn",
    ],
    // NODE_ENV decides import.meta.env.PROD (which registers the service worker); jest sets it to "test".
    { cwd: repo, stdio, encoding: "utf8", env: { ...process.env, NODE_ENV: "production" } },
  );
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`vite build failed (exit status ${result.status}):\n${result.stdout ?? ""}${result.stderr ?? ""}`);
  }
}

module.exports = { buildPlayground, isBuildStale, isOlderThanInputs };
