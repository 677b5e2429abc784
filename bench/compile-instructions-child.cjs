// One contender of bench/compile-instructions.ts, run under callgrind: Babel (preset-typescript)
// over the files listed in <files.json>, plain or with the built plugin in <plugin dir>, one
// untimed pass, then <passes> passes.
//
//   node --predictable --predictable-gc-schedule --expose-gc bench/compile-instructions-child.cjs <files.json> <plugin dir | plain> <passes>
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const babel = require("@babel/core");

const [filesJson, contender, passesText] = process.argv.slice(2);
const files = JSON.parse(fs.readFileSync(filesJson, "utf8"));
const texts = files.map((file) => fs.readFileSync(file, "utf8"));
const plugins =
  contender === "plain"
    ? []
    : [[require(path.join(path.resolve(contender), "transformer/babel/index.js")).default, { warnings: false }]];
// Made once, as a configuration file gives them (see bench/compile.ts).
const options = {
  babelrc: false,
  configFile: false,
  sourceType: "module",
  compact: false,
  presets: [[require.resolve("@babel/preset-typescript"), { allowDeclareFields: true }]],
  plugins,
};

// Each pass starts from a collected heap (`--expose-gc`), as bench/compile.ts's samples do, so
// that where the collector's fixed schedule falls does not move work in or out of the measured
// passes.
function pass() {
  global.gc();
  for (let i = 0; i < texts.length; i++) babel.transformSync(texts[i], { ...options, filename: files[i] });
}

pass();
for (let k = 0; k < Number(passesText); k++) pass();
