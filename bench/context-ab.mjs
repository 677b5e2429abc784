// spawn+join of two builds of the runtime in one process, batches alternating, so that load
// elsewhere on a shared machine hits both alike (bench/context.cjs runs one build per process).
//
//   node --expose-gc bench/context-ab.mjs <dist dir A> <dist dir B> [plain|compiled] [rounds]
//
// Prints the median µs per task of each build and the median of the per-round ratios B/A.
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { now, median } from "./lib.mjs";

const [dirA, dirB, flavour = "compiled", roundsArg = "60"] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const N = 10_000;

function load(dir) {
  const api = require(join(resolve(dir), "runtime/index.js"));
  const rt = require(join(resolve(dir), "runtime/rt.js"));
  const mark = flavour === "plain" ? (fn) => fn : rt.markStructured;
  const child = mark(async () => 1);
  const body = mark(async (tg) => {
    for (let i = 0; i < N; i++) tg.startSoon(child);
  });
  const root = mark(() => api.createTaskGroup().run(body));
  return async () => {
    const t0 = now();
    await api.run(root);
    return ((now() - t0) * 1000) / N;
  };
}

const a = load(dirA);
const b = load(dirB);
for (let i = 0; i < 10; i++) {
  await a();
  await b();
}
const as = [];
const bs = [];
const ratios = [];
for (let i = 0; i < Number(roundsArg); i++) {
  const first = i % 2 === 0;
  const x = first ? await a() : undefined;
  const y = await b();
  const x2 = first ? x : await a();
  as.push(x2);
  bs.push(y);
  ratios.push(y / x2);
}
console.log(
  JSON.stringify({ flavour, a: dirA, b: dirB, aMedian: median(as), bMedian: median(bs), ratioMedian: median(ratios) }),
);
