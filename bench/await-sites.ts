/**
 * What recording await sites costs per await: bench/await-bodies.ts compiled three ways (native,
 * structured with the transformer's `sites` option on, and with it off), all three in one process
 * against the same runtime, sampled in rotating order and compared per round. On a shared machine
 * it times CPU time (`process.cpuUsage()`), which other processes disturb less than wall time.
 *
 *   npm run build && node --expose-gc --import tsx bench/await-sites.ts --dist   # runtime from dist/
 *   node --expose-gc --import tsx bench/await-sites.ts                           # runtime/*.ts through tsx
 *   ROUNDS=21 node --expose-gc --import tsx bench/await-sites.ts --dist          # more rounds (default 11)
 *
 * Each line gives the median CPU ns per await of each build, each structured build's median
 * per-round ratio to native, and the median per-round ratio of sites on to sites off. Run it twice
 * to see the noise: the on/off ratio of two identical builds (a checkout from before sites, where
 * the option does not exist) spreads as far as the machine's load makes it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { resolveOptions } from "../transformer/core/options";
import { createRewriter } from "../transformer/typescript/rewrite";

type Open = () => Disposable;
type Body = (n: number, open: Open) => Promise<void>;
type Build = "native" | "on" | "off";

const ROOT = path.resolve(__dirname, "..");
const RUNTIME_DIR = path.join(ROOT, process.argv.includes("--dist") ? "dist/runtime" : "runtime");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const anyio = require(path.join(RUNTIME_DIR, "index")) as typeof import("../runtime/index");
const SOURCE = path.join(__dirname, "await-bodies.ts");
const ROUNDS = Number(process.env.ROUNDS ?? 11);
const WARMUP = 2;

function compile(build: Build): string {
  let source = fs.readFileSync(SOURCE, "utf8");
  if (build === "native") source = source.replace(/^"use structured";\n/, "");
  const result = ts.transpileModule(source, {
    fileName: SOURCE,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true },
    transformers:
      build === "native"
        ? undefined
        : {
            before: [
              createRewriter({
                ts,
                options: resolveOptions({ sites: build === "on" }),
                relativePath: (name) => path.relative(ROOT, name),
                runtimeModuleFor: () => path.join(RUNTIME_DIR, "rt"),
                report: () => {},
              }),
            ],
          },
  });
  const output = result.outputText.replace(
    /require\("\.\.\/runtime\/index"\)/g,
    `require(${JSON.stringify(path.join(RUNTIME_DIR, "index"))})`,
  );
  if ((build === "on") !== output.includes("var $sites")) throw new Error(`the ${build} build is not what it says`);
  return output;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-await-sites-"));
const builds = {} as Record<Build, Record<string, Body>>;
for (const build of ["native", "on", "off"] as const) {
  const file = path.join(tmp, `${build}.js`);
  fs.writeFileSync(file, compile(build));
  builds[build] = require(file) as Record<string, Body>;
}
fs.rmSync(tmp, { recursive: true, force: true });

const inert: Disposable = { [Symbol.dispose]() {} };
const openTimer: Open = () => {
  const timer = setTimeout(() => {}, 1e9);
  return { [Symbol.dispose]: () => clearTimeout(timer) };
};

interface Row {
  body: string;
  n: number;
  awaitsPer: number;
  deadline: boolean;
}
const rows: Row[] = [
  { body: "primitive", n: 500_000, awaitsPer: 1, deadline: false },
  { body: "primitive", n: 500_000, awaitsPer: 1, deadline: true },
  { body: "nested", n: 300_000, awaitsPer: 1, deadline: false },
  { body: "nested", n: 300_000, awaitsPer: 1, deadline: true },
  { body: "nested10", n: 50_000, awaitsPer: 10, deadline: false },
];

/** CPU time of this process, in ns. */
function cpuNs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
}

async function sample(build: Build, row: Row): Promise<number> {
  const body = builds[build][row.body]!;
  (globalThis as { gc?: () => void }).gc?.();
  const start = cpuNs();
  if (build === "native") await body(row.n, row.deadline ? openTimer : () => inert);
  else await anyio.run(body, row.n, row.deadline ? () => anyio.moveOnAfter(1e9) : () => inert);
  return (cpuNs() - start) / (row.n * row.awaitsPer);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const samples = rows.map(() => ({ native: [] as number[], on: [] as number[], off: [] as number[] }));
  for (let round = -WARMUP; round < ROUNDS; round++) {
    for (let r = 0; r < rows.length; r++) {
      // Rotate the order, so that no build always runs right after another's garbage.
      const order: Build[] = ["native", "on", "off"];
      for (let k = 0; k < (((round + r) % 3) + 3) % 3; k++) order.push(order.shift()!);
      for (const build of order) {
        const ns = await sample(build, rows[r]!);
        if (round >= 0) samples[r]![build].push(ns);
      }
    }
  }
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  console.log(`runtime ${path.relative(ROOT, RUNTIME_DIR)}, node ${process.version}, ${ROUNDS} rounds, load ${load}`);
  console.log("| row | native ns | sites on ns (x native) | sites off ns (x native) | on / off |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  rows.forEach((row, r) => {
    const s = samples[r]!;
    const paired = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]!));
    console.log(
      `| ${row.body}${row.deadline ? " + moveOnAfter(1e9)" : ""} | ${median(s.native).toFixed(1)} | ` +
        `${median(s.on).toFixed(1)} (${paired(s.on, s.native).toFixed(2)}x) | ` +
        `${median(s.off).toFixed(1)} (${paired(s.off, s.native).toFixed(2)}x) | ${paired(s.on, s.off).toFixed(3)} |`,
    );
  });
}

void main();
