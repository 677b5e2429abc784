// The context benchmark: ContextVar get/set cost, and spawn+join with and without a context value
// and an AsyncLocalStorage store, for one or two builds of the runtime against native
// async/await, measured in one run with the repetitions interleaved (repetition 1 of every row,
// then repetition 2, ...), so load elsewhere on the machine spreads over all rows.
//
//   node bench/context.cjs [--reps 5] [--base <dist dir>] [--new <dist dir>]
//
// `--new` defaults to this worktree's dist/ (build it first: `npm run build`); `--base` is
// optional: a dist/ built from another commit, to compare before and after (for example
// `git worktree add /tmp/base <commit>`, link node_modules, `npm run build` there). Each row is one
// process per repetition (bench/context.mjs); the table gives the median over repetitions of
// each process's median batch, and the ratio to native's row for the same scenario.
const { execFileSync } = require("node:child_process");
const os = require("node:os");
const path = require("node:path");

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const reps = Number(option("--reps", "5"));
const builds = [["native", "native"]];
if (option("--base") !== undefined) builds.push(["base", path.resolve(option("--base"))]);
builds.push(["new", path.resolve(option("--new", path.join(__dirname, "..", "dist")))]);

const nativeOf = {
  spawn: "spawn",
  "spawn-ctx": "spawn",
  "spawn-als": "spawn-als",
  plain: "spawn",
  "plain-ctx": "spawn",
  "plain-als": "spawn-als",
  get: "get",
  set: "set",
};
const scenarios = Object.keys(nativeOf);
const results = new Map();

function measure(where, scenario) {
  const out = execFileSync(process.execPath, ["--expose-gc", path.join(__dirname, "context.mjs"), where, scenario], {
    encoding: "utf8",
    timeout: 300_000,
  });
  const line = out.split("\n").find((l) => l.startsWith("CONTEXT_RESULT "));
  return JSON.parse(line.slice("CONTEXT_RESULT ".length));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(
  `load average at start: ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
for (let rep = 1; rep <= reps; rep++) {
  for (const scenario of scenarios) {
    for (const [label, where] of builds) {
      if (label === "native" && !["spawn", "spawn-als", "get", "set"].includes(scenario)) continue;
      const r = measure(where, scenario);
      const key = `${label} ${scenario}`;
      if (!results.has(key)) results.set(key, { unit: r.unit, values: [], unavailable: r.unavailable });
      if (r.value !== undefined) results.get(key).values.push(r.value);
    }
  }
  process.stderr.write(`repetition ${rep}/${reps} done (load ${os.loadavg()[0].toFixed(2)})\n`);
}
console.log(
  `load average at end: ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
console.log("| scenario | build | median | unit | ratio to native |\n|---|---|---:|---|---:|");
for (const scenario of scenarios) {
  const native = results.get(`native ${nativeOf[scenario]}`);
  const nativeMedian = native && native.values.length > 0 ? median(native.values) : NaN;
  for (const [label] of builds) {
    const r = results.get(`${label} ${scenario}`);
    if (r === undefined || (label === "native" && nativeOf[scenario] !== scenario)) continue;
    if (r.values.length === 0) {
      console.log(`| ${scenario} | ${label} | - | ${r.unavailable ?? "no result"} | |`);
      continue;
    }
    const m = median(r.values);
    console.log(`| ${scenario} | ${label} | ${m.toFixed(3)} | ${r.unit} | ${(m / nativeMedian).toFixed(2)}x |`);
  }
}
