/**
 * Compile-time cost of the anyio-ts transformers, in process, over two real codebases (budgets:
 * the Babel plugin at most 1.10x plain Babel with preset-typescript, the TypeScript plugin at
 * most 1.15x plain tsc). bench/compile-cli.ts measures the whole commands (tsc against tspc).
 *
 *   node --expose-gc --import tsx bench/compile.ts            # full run, both corpora
 *   node --expose-gc --import tsx bench/compile.ts --quick    # fewer runs (or --rounds=N)
 *   node --expose-gc --import tsx bench/compile.ts --ts-only | --babel-only
 *   node --expose-gc --import tsx bench/compile.ts --corpus=effect | --corpus=small
 *   node --expose-gc --import tsx bench/compile.ts --all-files   # also: every file marked structured
 *   node --expose-gc --import tsx bench/compile.ts --babel-only --dist   # the built Babel plugin (npm run build first)
 *
 * Codebases (bench/compile-corpora.ts): `effect`, the 572 TypeScript sources the `effect` package
 * ships, and `small`, many small files of real async code (this tree's runtime/, piscina's and
 * exponential-backoff's sources). Each is copied to a temporary directory, and
 * `"use structured";` is inserted as the first statement of every file that contains `async`
 * (file-level directive: every async function of the file is structured). With --all-files a
 * second copy marks every file, so the rewriter walks every file in full.
 *
 * TypeScript: each sample builds a fresh `ts.createProgram` over all the files (target ES2022,
 * module CommonJS, skipLibCheck, noEmitOnError false, no type check: `getPreEmitDiagnostics` is
 * never called, on either side) and times `program.emit()` with the output kept in memory,
 * once without transformers and once with the plugin's rewriter as a `before` transformer.
 * Program creation (parse, bind, resolution) is timed too, so the ratio over
 * createProgram + emit is also given, and the time spent inside the plugin's per-file transformer
 * (summed over the files of a sample) as a share of the plain emit: with two 30 s emits on a
 * loaded machine, that direct measure is steadier than their difference. Babel: `transformSync`
 * of every file with `@babel/preset-typescript` alone, and with the preset plus the anyio-ts
 * plugin (loaded through transformer/babel/babel-plugin.cjs, or with `--dist` the built one, as
 * users run it, in a process without TypeScript), and the time spent inside the plugin (its
 * `Program` enter, where all its work is done), with the options made once as a configuration
 * file gives them (so Babel makes the preset and the plugin once, not once per file), in wall
 * time and in CPU time (which other processes on a busy machine disturb far less). The
 * contenders alternate within each round; medians over the rounds.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import type * as TS from "typescript";
import { resolveOptions } from "../transformer/core/options";
import { createRewriter } from "../transformer/typescript/rewrite";
import { CORPUS_NAMES, prepareCorpus, type Corpus } from "./compile-corpora";

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const roundsArg = process.argv.find((a) => a.startsWith("--rounds="));
const ROUNDS = roundsArg !== undefined ? Number(roundsArg.slice("--rounds=".length)) : QUICK ? 2 : 5;
const ROOT = path.resolve(__dirname, "..");

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect !== undefined) collect();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// --- The codebases -------------------------------------------------------------------------------

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-compile-bench-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

const corpusArg = process.argv.find((a) => a.startsWith("--corpus="))?.slice("--corpus=".length);
if (corpusArg !== undefined && !(CORPUS_NAMES as readonly string[]).includes(corpusArg))
  throw new Error(`Expected \`--corpus\` to be one of ${CORPUS_NAMES.join(", ")}, got \`${corpusArg}\` (string)`);
const corpora: { name: string; corpus: Corpus }[] = [];
for (const name of CORPUS_NAMES) {
  if (corpusArg !== undefined && corpusArg !== name) continue;
  corpora.push({ name: `${name}: files with async marked`, corpus: prepareCorpus(name, path.join(tmp, name)) });
  if (args.has("--all-files"))
    corpora.push({
      name: `${name}: every file marked`,
      corpus: prepareCorpus(name, path.join(tmp, `${name}-all`), true),
    });
}

// --- TypeScript ---------------------------------------------------------------------------------

/**
 * TypeScript, loaded only by the TypeScript half: with `--babel-only --dist` the process holds
 * what a Babel build's does, and no compiler whose 20-odd MiB of heap every collection would walk.
 */
let typescriptModule: typeof TS | undefined;
function typescript(): typeof TS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (typescriptModule ??= require("typescript") as typeof TS);
}

const compilerOptions = (ts: typeof TS): TS.CompilerOptions => ({
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts", "lib.dom.d.ts"],
  types: [],
  skipLibCheck: true,
  noEmitOnError: false,
  strict: true,
  esModuleInterop: true,
  sourceMap: false,
  declaration: false,
  outDir: path.join(tmp, "out"),
});

let pluginDiagnostics = 0;
let emittedBytes = 0;
/** Emitted files that call the runtime hooks (`__rt.`) in the last sample with the plugin. */
let rewrittenFiles = 0;

/** Async functions, arrows, methods and generators in the corpus, counted on the AST. */
function countAsyncFunctions(files: string[]): { functions: number; files: number } {
  const ts = typescript();
  let functions = 0;
  let withAsync = 0;
  for (const file of files) {
    const sf = ts.createSourceFile(
      file,
      fs.readFileSync(file, "utf8"),
      ts.ScriptTarget.ES2022,
      false,
      ts.ScriptKind.TS,
    );
    let here = 0;
    const visit = (node: TS.Node): void => {
      if (
        ts.isFunctionLike(node) &&
        (ts.getCombinedModifierFlags(node as TS.Declaration) & ts.ModifierFlags.Async) !== 0
      )
        here++;
      ts.forEachChild(node, visit);
    };
    visit(sf);
    functions += here;
    if (here > 0) withAsync++;
  }
  return { functions, files: withAsync };
}

/** Time spent inside the plugin's per-file transformer during the last sample with the plugin. */
let pluginMs = 0;

/**
 * Wraps a transformer factory so that the time spent inside its per-file function is added to
 * {@link pluginMs}: a direct measure of the plugin's own work, much less exposed to the load of
 * the machine than the difference of two 30 s emits.
 */
function timed(factory: TS.TransformerFactory<TS.SourceFile>): TS.TransformerFactory<TS.SourceFile> {
  return (context) => {
    const transform = factory(context);
    return (file) => {
      const start = performance.now();
      const result = transform(file);
      pluginMs += performance.now() - start;
      return result;
    };
  };
}

function tsSample(files: string[], plugin: boolean): { create: number; emit: number; inPlugin: number } {
  const ts = typescript();
  gc();
  const t0 = performance.now();
  const program = ts.createProgram(files, compilerOptions(ts));
  const t1 = performance.now();
  let bytes = 0;
  let rewritten = 0;
  const transformers: TS.CustomTransformers | undefined = plugin
    ? {
        before: [
          timed(
            createRewriter({
              ts,
              options: resolveOptions({}),
              relativePath: (name) => path.relative(tmp, name),
              report: (found) => {
                pluginDiagnostics += found.length;
              },
            }),
          ),
        ],
      }
    : undefined;
  pluginMs = 0;
  const result = program.emit(
    undefined,
    (_name, text) => {
      bytes += text.length;
      if (text.includes("__rt.")) rewritten++;
    },
    undefined,
    false,
    transformers,
  );
  const t2 = performance.now();
  if (result.emitSkipped) throw new Error("emit skipped");
  emittedBytes = bytes;
  if (plugin) rewrittenFiles = rewritten;
  return { create: t1 - t0, emit: t2 - t1, inPlugin: plugin ? pluginMs : 0 };
}

// --- Babel --------------------------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-require-imports
const babel = require("@babel/core") as typeof import("@babel/core");
const presetTypescript = require.resolve("@babel/preset-typescript");
/**
 * The plugin from the repository's sources (loaded through TypeScript, which then stays on the
 * heap), or with `--dist` the built one in dist/, as users run it (`npm run build` first).
 */
const BABEL_FROM_DIST = args.has("--dist");
const anyioBabel = (
  BABEL_FROM_DIST
    ? // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require(path.join(ROOT, "dist/transformer/babel/index.js")) as { default: babel.PluginItem }).default
    : // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(path.join(ROOT, "transformer/babel/babel-plugin.cjs"))
) as babel.PluginItem;

/** Time spent inside the anyio-ts Babel plugin (its `Program` enter) during the last sample with it. */
let babelPluginMs = 0;

/** The anyio-ts Babel plugin with its `Program` enter (where all of its work happens) timed into {@link babelPluginMs}. */
const timedBabel: babel.PluginItem = (api: unknown, options: unknown, dirname: string) => {
  const made = (anyioBabel as (a: unknown, o: unknown, d: string) => babel.PluginObj)(api, options, dirname);
  const program = made.visitor.Program as { enter: (this: unknown, ...rest: unknown[]) => void };
  return {
    ...made,
    visitor: {
      ...made.visitor,
      Program: {
        enter(this: unknown, ...rest: unknown[]) {
          const start = performance.now();
          try {
            program.enter.apply(this, rest);
          } finally {
            babelPluginMs += performance.now() - start;
          }
        },
      },
    },
  };
};

/** CPU time (user + system, all of the process's threads) of the last Babel sample, in ms. */
let babelCpuMs = 0;

// The options are made once and passed to every call, as a configuration file gives them: Babel
// then makes each preset and plugin once, not once per file (a fresh options array per call makes
// it instantiate them, and normalize their visitors, for every file).
const babelPresets: babel.PluginItem[] = [[presetTypescript, { allowDeclareFields: true }]];
const babelPlugins: babel.PluginItem[] = [[timedBabel, { warnings: false }]];
const noPlugins: babel.PluginItem[] = [];

function babelSample(files: string[], texts: string[], plugin: boolean): number {
  gc();
  babelPluginMs = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < files.length; i++) {
    const out = babel.transformSync(texts[i]!, {
      filename: files[i],
      babelrc: false,
      configFile: false,
      sourceType: "module",
      compact: false,
      presets: babelPresets,
      plugins: plugin ? babelPlugins : noPlugins,
    });
    if (out?.code == null) throw new Error(`no output for ${files[i]}`);
  }
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  babelCpuMs = (used.user + used.system) / 1000;
  return elapsed;
}

// --- Main ---------------------------------------------------------------------------------------

function pct(ratio: number): string {
  return `${ratio >= 1 ? "+" : ""}${((ratio - 1) * 100).toFixed(1)}%`;
}

function main(): void {
  const doTs = !args.has("--babel-only");
  const doBabel = !args.has("--ts-only");
  for (const { name, corpus } of corpora)
    console.log(
      `${name}: ${corpus.description}: ${corpus.files.length} .ts files, ${(corpus.bytes / 1e6).toFixed(2)} MB, ${corpus.marked} marked; \`async\` occurrences: ${corpus.asyncWords}`,
    );
  console.log(
    `node ${process.version}, ${doTs ? `typescript ${typescript().version}, ` : ""}@babel/core ${babel.version}, Babel plugin from ${BABEL_FROM_DIST ? "dist/" : "the sources"}, ${os.cpus().length} cpus, ROUNDS=${ROUNDS}, load at start ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );

  for (const { name, corpus } of corpora) {
    if (doTs) {
      const counted = countAsyncFunctions(corpus.files);
      console.log(
        `\n[${name}] AST count: ${counted.functions} async functions/arrows/methods in ${counted.files} files (the other marked files only mention \`async\` in strings, comments or names)`,
      );
    }
    const texts = corpus.files.map((f) => fs.readFileSync(f, "utf8"));
    const tsPlain = { create: [] as number[], emit: [] as number[] };
    const tsPlugin = { create: [] as number[], emit: [] as number[] };
    const inPlugin: number[] = [];
    const babelPlain: number[] = [];
    const babelPlugin: number[] = [];
    const inBabelPlugin: number[] = [];
    const babelPlainCpu: number[] = [];
    const babelPluginCpu: number[] = [];
    // One untimed warm-up of each contender (JIT, module loading, file cache).
    if (doTs) {
      tsSample(corpus.files, false);
      tsSample(corpus.files, true);
    }
    if (doBabel) {
      babelSample(corpus.files, texts, false);
      babelSample(corpus.files, texts, true);
    }
    pluginDiagnostics = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const pluginFirst = round % 2 === 1;
      if (doTs) {
        for (const plugin of pluginFirst ? [true, false] : [false, true]) {
          const s = tsSample(corpus.files, plugin);
          const into = plugin ? tsPlugin : tsPlain;
          into.create.push(s.create);
          into.emit.push(s.emit);
          if (plugin) inPlugin.push(s.inPlugin);
        }
      }
      if (doBabel) {
        for (const plugin of pluginFirst ? [true, false] : [false, true]) {
          (plugin ? babelPlugin : babelPlain).push(babelSample(corpus.files, texts, plugin));
          (plugin ? babelPluginCpu : babelPlainCpu).push(babelCpuMs);
          if (plugin) inBabelPlugin.push(babelPluginMs);
        }
      }
      process.stderr.write(`[${name}] round ${round + 1}/${ROUNDS} done\n`);
    }

    console.log("");
    console.log(`### ${name} (${corpus.marked} of ${corpus.files.length} files carry the directive)`);
    console.log("");
    console.log("| contender | median ms | with plugin ms | ratio | overhead | budget |");
    console.log("| --- | ---: | ---: | ---: | ---: | --- |");
    const line = (name: string, plain: number[], withPlugin: number[], budget: number): void => {
      const a = median(plain);
      const b = median(withPlugin);
      const ratio = b / a;
      const paired = median(withPlugin.map((v, i) => v / plain[i]!));
      console.log(
        `| ${name} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${ratio.toFixed(3)}x (paired ${paired.toFixed(3)}x) | ${pct(ratio)} | ${ratio <= budget ? "met" : `missed by ${((ratio - budget) * 100).toFixed(1)} points`} (${budget.toFixed(2)}x) |`,
      );
    };
    if (doTs) {
      line("tsc: program.emit() (transform + print)", tsPlain.emit, tsPlugin.emit, 1.15);
      const total = (s: { create: number[]; emit: number[] }) => s.create.map((c, i) => c + s.emit[i]!);
      line("tsc: createProgram + emit (no type check)", total(tsPlain), total(tsPlugin), 1.15);
      console.log(
        `| (createProgram alone, both sides) | ${median(tsPlain.create).toFixed(0)} | ${median(tsPlugin.create).toFixed(0)} | | | |`,
      );
      const own = median(inPlugin);
      const share = own / median(tsPlain.emit);
      console.log(
        `| tsc: time inside the plugin's transformer / plain emit | ${median(tsPlain.emit).toFixed(0)} | ${own.toFixed(0)} (inside plugin) | | +${(share * 100).toFixed(1)}% of emit, +${((own / median(total(tsPlain))) * 100).toFixed(1)}% of createProgram + emit | ${share <= 0.15 ? "met" : "missed"} |`,
      );
    }
    if (doBabel) {
      line("Babel: transformSync, preset-typescript", babelPlain, babelPlugin, 1.1);
      line("Babel: the same, CPU time (steadier on a busy machine)", babelPlainCpu, babelPluginCpu, 1.1);
      const own = median(inBabelPlugin);
      const share = own / median(babelPlain);
      console.log(
        `| Babel: time inside the plugin / plain transformSync | ${median(babelPlain).toFixed(0)} | ${own.toFixed(0)} (inside plugin) | | +${(share * 100).toFixed(1)}% | ${share <= 0.1 ? "met" : "missed"} (10%) |`,
      );
    }
    if (doTs)
      console.log(
        `\nplugin diagnostics per TS emit: ${pluginDiagnostics / ROUNDS}; emitted ${(emittedBytes / 1e6).toFixed(2)} MB of JS; ${rewrittenFiles} emitted files call the runtime hooks`,
      );
  }
  console.log(
    `\nload at end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
}

main();
