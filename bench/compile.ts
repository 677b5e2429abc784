/**
 * Compile-time cost of the anyio-ts transformers over a large real codebase (issue 3 item 7,
 * issue 4 item 5; budget: at most 15% on top of plain tsc / Babel).
 *
 *   node --expose-gc --import tsx bench/compile.ts            # full run
 *   node --expose-gc --import tsx bench/compile.ts --quick    # fewer runs (or --rounds=N)
 *   node --expose-gc --import tsx bench/compile.ts --ts-only | --babel-only
 *   node --expose-gc --import tsx bench/compile.ts --all-files   # also: every file marked structured
 *
 * Codebase: the TypeScript sources that the `effect` package ships in node_modules/effect/src/
 * (the version in node_modules). They are copied to a temporary directory, and
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
 * loaded machine, that direct measure is steadier than their difference. Babel: `transformSync` of every file with
 * `@babel/preset-typescript` alone, and with the preset plus the anyio-ts plugin (loaded through
 * transformer/babel/babel-plugin.cjs). The contenders alternate within each round; medians over
 * the rounds.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import * as ts from "typescript";
import { resolveOptions } from "../transformer/core/options";
import { createRewriter } from "../transformer/typescript/rewrite";

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const roundsArg = process.argv.find((a) => a.startsWith("--rounds="));
const ROUNDS = roundsArg !== undefined ? Number(roundsArg.slice("--rounds=".length)) : QUICK ? 2 : 5;
const ROOT = path.resolve(__dirname, "..");
const PACKAGE = "effect";

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect !== undefined) collect();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(full));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(full);
  }
  return out.sort();
}

// --- The codebase -------------------------------------------------------------------------------

const pkgDir = path.join(ROOT, "node_modules", PACKAGE);
const srcDir = path.join(pkgDir, "src");
if (!fs.existsSync(srcDir))
  throw new Error(`${srcDir} does not exist: pick another package that ships its .ts sources`);
const pkgVersion = (JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")) as { version: string })
  .version;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-compile-bench-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

/** Copies src/ to `dest`, with the directive in every file `mark` selects; returns the file list. */
function prepare(dest: string, mark: (text: string) => boolean): { files: string[]; marked: number; asyncFns: number } {
  let marked = 0;
  let asyncFns = 0;
  const files: string[] = [];
  for (const file of listTs(srcDir)) {
    const target = path.join(dest, path.relative(srcDir, file));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    let text = fs.readFileSync(file, "utf8");
    asyncFns += (text.match(/\basync\b/g) ?? []).length;
    if (mark(text)) {
      text = `"use structured";\n${text}`;
      marked++;
    }
    fs.writeFileSync(target, text);
    files.push(target);
  }
  return { files, marked, asyncFns };
}

const corpora = [
  { name: "files with async marked", ...prepare(path.join(tmp, "async"), (text) => /\basync\b/.test(text)) },
];
if (args.has("--all-files")) corpora.push({ name: "every file marked", ...prepare(path.join(tmp, "all"), () => true) });
const totalBytes = corpora[0]!.files.reduce((sum, f) => sum + fs.statSync(f).size, 0);

// --- TypeScript ---------------------------------------------------------------------------------

const compilerOptions: ts.CompilerOptions = {
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
};

let pluginDiagnostics = 0;
let emittedBytes = 0;
/** Emitted files that call the runtime hooks (`__rt.`) in the last sample with the plugin. */
let rewrittenFiles = 0;

/** Async functions, arrows, methods and generators in the corpus, counted on the AST. */
function countAsyncFunctions(files: string[]): { functions: number; files: number } {
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
    const visit = (node: ts.Node): void => {
      if (
        ts.isFunctionLike(node) &&
        (ts.getCombinedModifierFlags(node as ts.Declaration) & ts.ModifierFlags.Async) !== 0
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
function timed(factory: ts.TransformerFactory<ts.SourceFile>): ts.TransformerFactory<ts.SourceFile> {
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
  gc();
  const t0 = performance.now();
  const program = ts.createProgram(files, compilerOptions);
  const t1 = performance.now();
  let bytes = 0;
  let rewritten = 0;
  const transformers: ts.CustomTransformers | undefined = plugin
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
// eslint-disable-next-line @typescript-eslint/no-require-imports
const anyioBabel = require(path.join(ROOT, "transformer/babel/babel-plugin.cjs")) as babel.PluginItem;

function babelSample(files: string[], texts: string[], plugin: boolean): number {
  gc();
  const start = performance.now();
  for (let i = 0; i < files.length; i++) {
    const out = babel.transformSync(texts[i]!, {
      filename: files[i],
      babelrc: false,
      configFile: false,
      sourceType: "module",
      compact: false,
      presets: [[presetTypescript, { allowDeclareFields: true }]],
      plugins: plugin ? [[anyioBabel, { warnings: false }]] : [],
    });
    if (out?.code == null) throw new Error(`no output for ${files[i]}`);
  }
  return performance.now() - start;
}

// --- Main ---------------------------------------------------------------------------------------

function pct(ratio: number): string {
  return `${ratio >= 1 ? "+" : ""}${((ratio - 1) * 100).toFixed(1)}%`;
}

function main(): void {
  const doTs = !args.has("--babel-only");
  const doBabel = !args.has("--ts-only");
  console.log(
    `codebase: ${PACKAGE}@${pkgVersion} src/: ${corpora[0]!.files.length} .ts files, ${(totalBytes / 1e6).toFixed(2)} MB; ${corpora.map((c) => `${c.name}: ${c.marked}`).join(", ")}; \`async\` occurrences: ${corpora[0]!.asyncFns}`,
  );
  console.log(
    `node ${process.version}, typescript ${ts.version}, @babel/core ${babel.version}, ${os.cpus().length} cpus, ROUNDS=${ROUNDS}, load at start ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );

  const counted = countAsyncFunctions(corpora[0]!.files);
  console.log(
    `AST count: ${counted.functions} async functions/arrows/methods in ${counted.files} files (the other marked files only mention \`async\` in strings, comments or names)`,
  );
  for (const corpus of corpora) {
    const texts = corpus.files.map((f) => fs.readFileSync(f, "utf8"));
    const tsPlain = { create: [] as number[], emit: [] as number[] };
    const tsPlugin = { create: [] as number[], emit: [] as number[] };
    const inPlugin: number[] = [];
    const babelPlain: number[] = [];
    const babelPlugin: number[] = [];
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
        }
      }
      process.stderr.write(`[${corpus.name}] round ${round + 1}/${ROUNDS} done\n`);
    }

    console.log("");
    console.log(`### ${corpus.name} (${corpus.marked} of ${corpus.files.length} files carry the directive)`);
    console.log("");
    console.log("| contender | median ms | with plugin ms | ratio | overhead | budget 15% |");
    console.log("| --- | ---: | ---: | ---: | ---: | --- |");
    const line = (name: string, plain: number[], withPlugin: number[]): void => {
      const a = median(plain);
      const b = median(withPlugin);
      const ratio = b / a;
      const paired = median(withPlugin.map((v, i) => v / plain[i]!));
      console.log(
        `| ${name} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${ratio.toFixed(3)}x (paired ${paired.toFixed(3)}x) | ${pct(ratio)} | ${ratio <= 1.15 ? "met" : `missed by ${((ratio - 1.15) * 100).toFixed(1)} points`} |`,
      );
    };
    if (doTs) {
      line("tsc: program.emit() (transform + print)", tsPlain.emit, tsPlugin.emit);
      const total = (s: { create: number[]; emit: number[] }) => s.create.map((c, i) => c + s.emit[i]!);
      line("tsc: createProgram + emit (no type check)", total(tsPlain), total(tsPlugin));
      console.log(
        `| (createProgram alone, both sides) | ${median(tsPlain.create).toFixed(0)} | ${median(tsPlugin.create).toFixed(0)} | | | |`,
      );
      const own = median(inPlugin);
      const share = own / median(tsPlain.emit);
      console.log(
        `| tsc: time inside the plugin's transformer / plain emit | ${median(tsPlain.emit).toFixed(0)} | ${own.toFixed(0)} (inside plugin) | | +${(share * 100).toFixed(1)}% of emit, +${((own / median(total(tsPlain))) * 100).toFixed(1)}% of createProgram + emit | ${share <= 0.15 ? "met" : "missed"} |`,
      );
    }
    if (doBabel) line("Babel: transformSync, preset-typescript", babelPlain, babelPlugin);
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
