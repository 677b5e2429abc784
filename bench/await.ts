/**
 * Per-await cost of code compiled by the anyio-ts TypeScript plugin against native async/await
 * (issue 3, item 7; the budgets are listed at the top of bench/TRANSFORMER.md and in `baseRows`).
 *
 *   node --expose-gc --import tsx bench/await.ts           # full run
 *   node --expose-gc --import tsx bench/await.ts --quick   # smoke run
 *   node --expose-gc --import tsx bench/await.ts --dist    # runtime from dist/ (`npm run build` first)
 *   node --expose-gc --import tsx bench/await.ts --json    # also print the medians as JSON
 *   node --expose-gc --import tsx bench/await.ts --only=nested10   # one body's rows
 *   AWAIT_SITES=off node --expose-gc --import tsx bench/await.ts   # compiled with the `sites` option off
 *
 * The bodies live in bench/await-bodies.ts (file-level "use structured"). At start-up this
 * script compiles that file twice with `ts.transpileModule` (module CommonJS, target ES2022):
 * - structured: with the plugin's rewriter as a `before` transformer, the way
 *   tests/transformer/compile.ts does, runtime hooks from runtime/rt.ts;
 * - native: the same source with the directive removed, no transformer;
 * writes both outputs to a temporary directory and requires them. The structured bodies run
 * inside `run()` (a compiled function is passed, so no context carrier is entered); the native
 * bodies run as plain async functions outside any `run()`.
 *
 * Rows: (a) `await checkpointIfCancelled()` (a runtime primitive, resolves without yielding);
 * (b) `await leaf()` where leaf is an async function that returns at once, and the same through a
 * chain of 10 calls (10 awaits per iteration); (c) `await p` for an already-resolved foreign
 * promise, and `await new Promise(r => setImmediate(r))` (I/O-paced). Each with and without a
 * pending deadline: structured code opens `using _ = moveOnAfter(1e9)` around the loop; the
 * native build gets a pending 1e9 ms timer there instead (an inert disposable otherwise).
 *
 * Figures: each round times every (row, build) pair once (GC before each sample when run with
 * --expose-gc), alternating which build goes first, after WARMUP untimed rounds. Meanwhile one
 * task of each build stays suspended in the background (`background` in await-bodies.ts), as in
 * any program with other tasks alive. The table gives
 * the median ns per await over ROUNDS rounds, the ratio of the medians, and the median of the
 * per-round ratios.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import * as ts from "typescript";
import { resolveOptions } from "../transformer/core/options";
import { createRewriter } from "../transformer/typescript/rewrite";

type Open = () => Disposable;
type Body = (n: number, open: Open) => Promise<void>;
type Bodies = Record<"primitive" | "nested" | "nested10" | "foreignResolved" | "foreignImmediate", Body>;
type BodiesModule = Bodies & { background(open: Open, until: Promise<void>): Promise<void> };

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const ROUNDS = QUICK ? 3 : 9;
const WARMUP = QUICK ? 1 : 2;

const ROOT = path.resolve(__dirname, "..");
/** Where the runtime comes from: runtime/*.ts through tsx, or with --dist the tsc build in dist/runtime. */
const DIST = args.has("--dist");
// AWAIT_RUNTIME=<dir> points at another build (e.g. a stash of main built elsewhere) to compare.
const RUNTIME_DIR = process.env.AWAIT_RUNTIME ?? path.join(ROOT, DIST ? "dist/runtime" : "runtime");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const anyio = require(path.join(RUNTIME_DIR, "index")) as typeof import("../runtime/index");
const SOURCE = path.join(__dirname, "await-bodies.ts");

// --- Compile the bodies both ways -----------------------------------------------------------------

function compile(structured: boolean): string {
  let source = fs.readFileSync(SOURCE, "utf8");
  if (!structured) {
    const stripped = source.replace(/^"use structured";\n/, "");
    if (stripped === source) throw new Error("await-bodies.ts must start with the directive");
    source = stripped;
  }
  const diagnostics: ts.Diagnostic[] = [];
  const result = ts.transpileModule(source, {
    fileName: SOURCE,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true },
    transformers: structured
      ? {
          before: [
            createRewriter({
              ts,
              options: resolveOptions({ sites: process.env.AWAIT_SITES !== "off" }),
              relativePath: (name) => path.relative(ROOT, name),
              runtimeModuleFor: () => path.join(RUNTIME_DIR, "rt"),
              report: (found) => diagnostics.push(...found),
            }),
          ],
        }
      : undefined,
  });
  if (diagnostics.length > 0) {
    throw new Error(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("\n"));
  }
  const output = result.outputText.replace(
    /require\("\.\.\/runtime\/index"\)/g,
    `require(${JSON.stringify(path.join(RUNTIME_DIR, "index"))})`,
  );
  if (structured && !output.includes("__rt.suspendCall")) throw new Error("the plugin did not rewrite await-bodies.ts");
  if (!structured && output.includes("__rt")) throw new Error("the native build was rewritten");
  return output;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-await-bench-"));
function load(name: string, code: string): BodiesModule {
  const file = path.join(tmp, `${name}.js`);
  fs.writeFileSync(file, code);
  return require(file) as BodiesModule;
}
const structuredBodies = load("structured", compile(true));
const nativeBodies = load("native", compile(false));
fs.rmSync(tmp, { recursive: true, force: true });

// --- Contenders ---------------------------------------------------------------------------------

const inert: Disposable = { [Symbol.dispose]() {} };
const openInert: Open = () => inert;
const openTimer: Open = () => {
  const timer = setTimeout(() => {}, 1e9);
  return { [Symbol.dispose]: () => clearTimeout(timer) };
};
const openDeadline: Open = () => anyio.moveOnAfter(1e9);

interface Row {
  title: string;
  body: keyof Bodies;
  /** Iterations per sample. */
  n: number;
  /** Awaits per iteration. */
  awaitsPer: number;
  deadline: boolean;
  budget: number;
}

const scale = QUICK ? 0.2 : 1;
const baseRows: Omit<Row, "deadline">[] = [
  {
    title: "(a) primitive: await checkpointIfCancelled()",
    body: "primitive",
    n: 500_000 * scale,
    awaitsPer: 1,
    budget: 1.3,
  },
  { title: "(b) nested structured call: await leaf()", body: "nested", n: 300_000 * scale, awaitsPer: 1, budget: 1.3 },
  { title: "(b) nested, call depth 10", body: "nested10", n: 50_000 * scale, awaitsPer: 10, budget: 1.5 },
  {
    title: "(c) foreign resolved promise: await p",
    body: "foreignResolved",
    n: 500_000 * scale,
    awaitsPer: 1,
    budget: 2,
  },
  {
    title: "(c) foreign I/O-paced: await setImmediate promise",
    body: "foreignImmediate",
    n: 50_000 * scale,
    awaitsPer: 1,
    budget: 1.15,
  },
];
const only = process.argv.find((arg) => arg.startsWith("--only="))?.slice("--only=".length);
if (only !== undefined && !baseRows.some((row) => row.body === only)) {
  throw new Error(`--only=${only}: expected one of ${baseRows.map((row) => row.body).join(", ")}`);
}
const rows: Row[] = baseRows
  .filter((row) => only === undefined || row.body === only)
  .flatMap((row) => [
    { ...row, deadline: false },
    { ...row, deadline: true },
  ]);

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect !== undefined) collect();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** ns per await of one sample. */
async function sampleNative(row: Row): Promise<number> {
  const body = nativeBodies[row.body];
  const open = row.deadline ? openTimer : openInert;
  gc();
  const start = performance.now();
  await body(row.n, open);
  return ((performance.now() - start) * 1e6) / (row.n * row.awaitsPer);
}

async function sampleStructured(row: Row): Promise<number> {
  const body = structuredBodies[row.body];
  const open = row.deadline ? openDeadline : openInert;
  gc();
  const start = performance.now();
  await anyio.run(body, row.n, open);
  return ((performance.now() - start) * 1e6) / (row.n * row.awaitsPer);
}

async function main(): Promise<void> {
  // Other tasks alive during the samples, in both builds (see `background` in await-bodies.ts).
  let release!: () => void;
  const until = new Promise<void>((resolve) => (release = resolve));
  const backgrounds = [
    anyio.run(structuredBodies.background, openDeadline, until),
    nativeBodies.background(openTimer, until),
  ];
  try {
    await measure();
  } finally {
    release();
    await Promise.all(backgrounds);
  }
}

async function measure(): Promise<void> {
  if (process.env.AWAIT_SAMPLES !== undefined) {
    // Profiling aid: run the --only body's structured rows (native with AWAIT_NATIVE=1)
    // AWAIT_SAMPLES times, no table; e.g. AWAIT_SAMPLES=60 node --cpu-prof ... --only=nested
    if (only === undefined) throw new Error("AWAIT_SAMPLES needs --only=<body>");
    const row = rows.find((r) => r.deadline === (process.env.AWAIT_DEADLINE === "1"))!;
    for (let i = 0; i < Number(process.env.AWAIT_SAMPLES); i++) {
      const ns = process.env.AWAIT_NATIVE === "1" ? await sampleNative(row) : await sampleStructured(row);
      console.log(`${only}: ${ns.toFixed(1)} ns/await`);
    }
    return;
  }
  const native: number[][] = rows.map(() => []);
  const structured: number[][] = rows.map(() => []);
  for (let round = -WARMUP; round < ROUNDS; round++) {
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      // Alternate which build goes first, so neither always runs right after the other's garbage.
      let a: number, b: number;
      if ((round + r) % 2 === 0) {
        a = await sampleNative(row);
        b = await sampleStructured(row);
      } else {
        b = await sampleStructured(row);
        a = await sampleNative(row);
      }
      if (round >= 0) {
        native[r]!.push(a);
        structured[r]!.push(b);
      }
    }
    if (round >= 0) process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
  }

  const results = rows.map((row, r) => {
    const nat = median(native[r]!);
    const str = median(structured[r]!);
    const paired = median(structured[r]!.map((s, i) => s / native[r]![i]!));
    return { ...row, nativeNs: nat, structuredNs: str, ratio: str / nat, pairedRatio: paired };
  });

  const how =
    process.env.AWAIT_RUNTIME !== undefined
      ? "from AWAIT_RUNTIME"
      : DIST
        ? "tsc CommonJS output"
        : "through tsx (esbuild CommonJS)";
  console.log(`runtime: ${path.relative(ROOT, RUNTIME_DIR) || "."} (${how})`);
  console.log(
    `node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? "?"}), ROUNDS=${ROUNDS}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log("");
  console.log(
    "| row | deadline | native ns/await | structured ns/await | ratio of medians | median paired ratio | budget | met |",
  );
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |");
  for (const r of results) {
    const met = r.ratio <= r.budget ? "yes" : `no (+${((r.ratio / r.budget - 1) * 100).toFixed(0)}%)`;
    console.log(
      `| ${r.title} | ${r.deadline ? "moveOnAfter(1e9)" : "none"} | ${r.nativeNs.toFixed(1)} | ${r.structuredNs.toFixed(1)} | ${r.ratio.toFixed(2)}x | ${r.pairedRatio.toFixed(2)}x | ${r.budget}x | ${met} |`,
    );
  }
  if (args.has("--json")) console.log(JSON.stringify(results, null, 2));
}

void main();
