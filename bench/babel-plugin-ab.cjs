// The Babel plugin's own cost, A against B, over the TypeScript sources that the `effect`
// package ships (as bench/compile.ts uses them: files that mention `async` get a file-level
// "use structured"). Each pass is `transformSync` of every file with only the plugin (TypeScript
// syntax parsed, nothing stripped); a pass with no plugin is the baseline. The three alternate
// within each round; medians over the rounds.
//
//   node bench/babel-plugin-ab.cjs <plugin A> <plugin B> [rounds]
//   node bench/babel-plugin-ab.cjs /tmp/base/transformer/babel/babel-plugin.cjs transformer/babel/babel-plugin.cjs 9
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const babel = require("@babel/core");

const [pathA, pathB, roundsArg] = process.argv.slice(2);
if (pathA === undefined || pathB === undefined) {
  console.error("usage: node bench/babel-plugin-ab.cjs <plugin A> <plugin B> [rounds]");
  process.exit(2);
}
const rounds = Number(roundsArg ?? 5);
const src = path.join(path.dirname(require.resolve("effect/package.json")), "src");

function list(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? list(path.join(dir, entry.name))
        : entry.name.endsWith(".ts")
          ? [path.join(dir, entry.name)]
          : [],
    );
}

const files = list(src).map((file) => {
  const text = fs.readFileSync(file, "utf8");
  return [file, /\basync\b/.test(text) ? `"use structured";\n${text}` : text];
});
const plugins = { A: require(path.resolve(pathA)), B: require(path.resolve(pathB)) };

function pass(plugin) {
  const start = performance.now();
  for (const [filename, code] of files) {
    babel.transformSync(code, {
      filename,
      babelrc: false,
      configFile: false,
      compact: false,
      parserOpts: { plugins: ["typescript", "decorators-legacy"] },
      plugins: plugin === undefined ? [] : [[plugin, {}]],
    });
  }
  return performance.now() - start;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

pass(undefined);
pass(plugins.A);
pass(plugins.B);
const times = { none: [], A: [], B: [] };
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? ["A", "none", "B"] : ["B", "none", "A"];
  for (const key of order) times[key].push(pass(key === "none" ? undefined : plugins[key]));
}
const none = median(times.none);
const share = (key) =>
  `${(median(times[key]) - none).toFixed(0)} ms (+${((median(times[key]) / none - 1) * 100).toFixed(1)}%)`;
console.log(
  `${files.length} files, ${rounds} rounds, load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
console.log(`parse + generate without a plugin: ${none.toFixed(0)} ms`);
console.log(`plugin A: ${share("A")}; plugin B: ${share("B")}`);
