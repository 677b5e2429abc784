/**
 * Compiles bench/contenders/anyio-structured.src.mjs with the anyio-ts Babel plugin found in a
 * dist/ snapshot, and writes it beside the snapshot with its imports pointed at it.
 *   compileStructured(distDir) -> path of the compiled .mjs (throws if the plugin is missing)
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { pathToFileURL } = require("node:url");

function compileStructured(distDir) {
  const pluginPath = path.join(distDir, "transformer/babel/index.js");
  if (!fs.existsSync(pluginPath)) throw new Error(`no Babel plugin at ${pluginPath}`);
  const babel = require("@babel/core");
  const mod = require(pluginPath);
  const plugin = mod.default ?? mod;
  const srcPath = path.join(__dirname, "contenders/anyio-structured.src.mjs");
  const out = babel.transformSync(fs.readFileSync(srcPath, "utf8"), {
    filename: srcPath,
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
  if (!/__rt\.|markStructured/.test(code)) throw new Error("the Babel plugin left the structured source unchanged");
  if (seen < 3) throw new Error("unexpected import shape in the compiled output");
  const outDir = path.join(path.dirname(distDir), "bench");
  fs.mkdirSync(outDir, { recursive: true });
  const outPath = path.join(outDir, "anyio-structured.mjs");
  fs.writeFileSync(outPath, code);
  return outPath;
}

module.exports = { compileStructured };

if (require.main === module) {
  const dist = path.resolve(process.argv[2] || path.join(__dirname, "../dist"));
  const p = compileStructured(dist);
  console.log(p);
  if (process.argv.includes("--print")) console.log(fs.readFileSync(p, "utf8"));
}
