// Running a repository file written as structured code ("use structured") under plain Node, for
// the example runner (scripts/start.cjs) and the load test (scripts/loadtest.cjs).
//
//   ensureBuild()                 builds dist/ (npm run build) when it is missing or stale
//   compileStructured(file)       compiles `file` with the built anyio-ts Babel plugin into
//                                 .tmp/run/<path of file>.cjs (CommonJS) and returns that path
//
// The output goes to .tmp/ (ignored by git, and outside dist/ so `npm pack` never ships it). The
// compiled file imports "anyio-ts" by name; from inside the repository Node resolves it to the
// built package (dist/) through the package's own "exports" (package self-reference). Relative imports of other
// repository files are not rewritten, so the files compiled this way import only packages.
"use strict";

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const builtEntry = path.join(root, "dist", "runtime", "index.js");
/** What dist/ is built from, relative to the repository. */
const PACKAGE_INPUTS = ["runtime", "transformer", "tsconfig.json", "tsconfig.build.json"];

function isPackageBuildStale() {
  // The same test as the playground's build: the built file against the newest of its inputs.
  const { isOlderThanInputs } = require("../playground/build.cjs");
  return isOlderThanInputs(builtEntry, PACKAGE_INPUTS);
}

/** Builds dist/ when it is missing or older than its sources; exits the process if that fails. */
function ensureBuild() {
  if (!isPackageBuildStale()) return;
  console.log("> building anyio-ts (dist/ is missing or older than its sources)");
  const result = spawnSync("npm", ["run", "build"], {
    cwd: root,
    stdio: "inherit",
    shell: process.platform === "win32",
  });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Whether `source` starts with the "use structured" directive (after comments and blank lines). */
function isStructured(source) {
  const body = source.replace(/^(?:\s+|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*/, "");
  return /^["']use structured["']/.test(body);
}

/**
 * Compiles a TypeScript file with the anyio-ts Babel plugin from dist/ (and TypeScript's types
 * stripped, ES modules and `using` lowered for Node 20) into .tmp/run/, and returns the output.
 */
function compileStructured(file) {
  const babel = require("@babel/core");
  const pluginModule = require(path.join(root, "dist", "transformer", "babel", "index.js"));
  const plugin = pluginModule.default ?? pluginModule;
  const source = path.resolve(root, file);
  const out = babel.transformSync(fs.readFileSync(source, "utf8"), {
    filename: source,
    babelrc: false,
    configFile: false,
    sourceType: "module",
    sourceMaps: "inline",
    presets: [[require.resolve("@babel/preset-typescript"), { allowDeclareFields: true }]],
    plugins: [
      plugin,
      require.resolve("@babel/plugin-transform-explicit-resource-management"),
      require.resolve("@babel/plugin-transform-modules-commonjs"),
    ],
  });
  const target = path.join(root, ".tmp", "run", path.relative(root, source).replace(/\.[cm]?tsx?$/, ".cjs"));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, out.code);
  return target;
}

module.exports = { root, ensureBuild, isStructured, compileStructured };
