/**
 * Compiles a benchmark's structured contender (a `"use structured"` module under
 * bench/contenders/) with the anyio-ts Babel plugin found in a dist/ snapshot, with its imports
 * of `anyio-ts`, `anyio-ts/rt` and `BENCH_LIB` (bench/lib.mjs) pointed at files, as users compile
 * theirs ahead of time.
 *
 *   compileContender(source, distDir, outPath) -> outPath (throws if the plugin is missing or
 *     left the source unchanged)
 *   compileContenderInChild(source, distDir, outPath) -> outPath: the same in a process of its
 *     own (the second command form below)
 *   compileStructured(distDir) -> bench/contenders/anyio-structured.src.mjs compiled beside the
 *     snapshot (what `npm run bench` runs)
 *
 *   node bench/compile-structured.cjs [distDir] [--print]
 *   node bench/compile-structured.cjs distDir --source <file.src.mjs> --out <file.mjs>
 *
 * The second form lets a benchmark compile in a process of its own, so Babel's modules are not
 * in the heap of the process that measures.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { pathToFileURL } = require("node:url");
const { execFileSync } = require("node:child_process");

function compileContender(source, distDir, outPath) {
  const pluginPath = path.join(distDir, "transformer/babel/index.js");
  if (!fs.existsSync(pluginPath)) throw new Error(`no Babel plugin at ${pluginPath}`);
  const babel = require("@babel/core");
  const mod = require(pluginPath);
  const plugin = mod.default ?? mod;
  const out = babel.transformSync(fs.readFileSync(source, "utf8"), {
    filename: source,
    babelrc: false,
    configFile: false,
    sourceType: "module",
    plugins: [plugin],
  });
  const targets = {
    "anyio-ts": pathToFileURL(path.join(distDir, "runtime/index.js")).href,
    "anyio-ts/rt": pathToFileURL(path.join(distDir, "runtime/rt.js")).href,
    BENCH_LIB: pathToFileURL(path.join(__dirname, "lib.mjs")).href,
  };
  let seen = 0;
  const code = out.code.replace(/(from\s+)(["'])(anyio-ts\/rt|anyio-ts|BENCH_LIB)\2/g, (_, from, q, spec) => {
    seen++;
    return `${from}${q}${targets[spec]}${q}`;
  });
  if (!/__rt\.|markStructured/.test(code)) throw new Error(`the Babel plugin left ${source} unchanged`);
  if (seen < 2) throw new Error(`unexpected import shape in the compiled ${source}`);
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  fs.writeFileSync(outPath, code);
  return outPath;
}

/** {@link compileContender} in a child process, so that Babel's modules stay out of the caller's heap. */
function compileContenderInChild(source, distDir, outPath) {
  execFileSync(process.execPath, [__filename, distDir, "--source", source, "--out", outPath]);
  return outPath;
}

function compileStructured(distDir) {
  const outPath = path.join(path.dirname(distDir), "bench", "anyio-structured.mjs");
  return compileContender(path.join(__dirname, "contenders/anyio-structured.src.mjs"), distDir, outPath);
}

module.exports = { compileContender, compileContenderInChild, compileStructured };

if (require.main === module) {
  const argv = process.argv.slice(2);
  const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const dist = path.resolve(argv[0] && !argv[0].startsWith("--") ? argv[0] : path.join(__dirname, "../dist"));
  const source = option("--source");
  const p = source
    ? compileContender(path.resolve(source), dist, path.resolve(option("--out")))
    : compileStructured(dist);
  console.log(p);
  if (argv.includes("--print")) console.log(fs.readFileSync(p, "utf8"));
}
