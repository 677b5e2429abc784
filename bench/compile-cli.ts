/**
 * Compile-time cost of the TypeScript plugin as whole commands: `tsc -p` against `tspc -p` with
 * the plugin configured, and `tspc -p` with no plugin configured (ts-patch's own cost), over the
 * codebases of bench/compile-corpora.ts. bench/compile.ts measures the same work in process.
 *
 *   node --import tsx bench/compile-cli.ts                      # 3 rounds, both corpora, both modes
 *   node --import tsx bench/compile-cli.ts --rounds=5 --corpus=small --mode=nocheck
 *
 * Each corpus is copied under .tmp/ in this tree (so that `@types/node` and the packages the
 * sources import resolve from node_modules, as in a real project), with two tsconfig files that
 * differ only in `plugins`: none, or `{ "transform": <the plugin> }`. The plugin is the one users
 * get: transformer/ compiled to JavaScript once (`transpileModule`, as the package's build emits
 * it), loaded by path, so no contender pays for compiling TypeScript sources at start.
 *
 * Contenders, each a fresh `node` process (`node <bin> -p <tsconfig>`; `npx` is left out, as its
 * own start-up is the same for all and not the compiler's):
 *   - `tsc`: typescript/bin/tsc, the plain tsconfig.
 *   - `tspc, no plugin`: ts-patch/bin/tspc, the plain tsconfig: what ts-patch itself costs.
 *   - `tspc + plugin`: ts-patch/bin/tspc, the tsconfig with the plugin.
 * Modes: `check`, tsc's default (type check, then emit), and `nocheck` (`--noCheck`: parse, bind
 * and emit only, what bench/compile.ts times in process). Output goes to one directory per
 * contender; the two outputs without the plugin are compared byte for byte at the end.
 *
 * Timing: each run is timed by /usr/bin/time (wall clock, and user + system CPU of the process,
 * steadier than the wall clock while others share the machine). One untimed warm-up run of each
 * contender (file cache, ts-patch's on-disk cache of its patched compiler), then rounds in which
 * the three take turns, the order rotating from round to round. Medians over the rounds, the
 * ratios of the medians, and the medians of the ratios within a round (paired). The budget is
 * judged on CPU time, which does not count the time a process waits for a core on a busy machine.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { CORPUS_NAMES, prepareCorpus, type Corpus, type CorpusName } from "./compile-corpora";

const ROOT = path.resolve(__dirname, "..");
const argv = process.argv.slice(2);
const option = (name: string): string | undefined =>
  argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const ROUNDS = Number(option("rounds") ?? 3);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1)
  throw new TypeError(`Expected \`--rounds\` to be a positive integer, got \`${option("rounds")}\` (string)`);
const MODES = ["check", "nocheck"] as const;
type Mode = (typeof MODES)[number];
const modeArg = option("mode");
if (modeArg !== undefined && !(MODES as readonly string[]).includes(modeArg))
  throw new TypeError(`Expected \`--mode\` to be one of ${MODES.join(", ")}, got \`${modeArg}\` (string)`);
const corpusArg = option("corpus");
if (corpusArg !== undefined && !(CORPUS_NAMES as readonly string[]).includes(corpusArg))
  throw new TypeError(`Expected \`--corpus\` to be one of ${CORPUS_NAMES.join(", ")}, got \`${corpusArg}\` (string)`);

const TIME = "/usr/bin/time";
if (!fs.existsSync(TIME)) throw new Error(`${TIME} is needed to time each command (Debian: apt-get install time)`);
const TSC = path.join(ROOT, "node_modules/typescript/bin/tsc");
const TSPC = path.join(ROOT, "node_modules/ts-patch/bin/tspc.js");

const work = path.join(ROOT, ".tmp", `compile-cli-${process.pid}`);
fs.mkdirSync(work, { recursive: true });
process.on("exit", () => fs.rmSync(work, { recursive: true, force: true }));

// --- The plugin, as JavaScript -----------------------------------------------------------------

/** Compiles transformer/core and transformer/typescript to `dest` as CommonJS, the layout of the package's dist/. */
function buildPlugin(dest: string): string {
  for (const room of ["core", "typescript"]) {
    const from = path.join(ROOT, "transformer", room);
    for (const name of fs.readdirSync(from)) {
      const source = path.join(from, name);
      const target = path.join(dest, room, name);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      if (name.endsWith(".ts")) {
        const { outputText } = ts.transpileModule(fs.readFileSync(source, "utf8"), {
          fileName: source,
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        });
        fs.writeFileSync(target.replace(/\.ts$/, ".js"), outputText);
      } else fs.copyFileSync(source, target);
    }
  }
  return path.join(dest, "typescript", "index.js");
}

// --- The projects ------------------------------------------------------------------------------

interface Contender {
  readonly name: string;
  readonly bin: string;
  readonly tsconfig: string;
  readonly outDir: string;
}

function project(corpus: Corpus, plugin: string): Contender[] {
  const compilerOptions = {
    target: "ES2022",
    module: "commonjs",
    moduleResolution: "node10",
    lib: ["ES2022", "ESNext.Disposable", "DOM"],
    types: ["node"],
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmitOnError: false,
    declaration: false,
    sourceMap: false,
    rootDir: ".",
    // effect's sources import each other as `./Array.ts`: allowed, and emitted as `./Array.js`.
    rewriteRelativeImportExtensions: true,
  };
  const write = (name: string, outDir: string, plugins: object[]): string => {
    const file = path.join(corpus.dir, name);
    const config = {
      compilerOptions: { ...compilerOptions, outDir, plugins },
      include: ["**/*.ts"],
      exclude: ["out-*"],
    };
    fs.writeFileSync(file, JSON.stringify(config, null, 2));
    return file;
  };
  const out = (name: string): string => path.join(corpus.dir, `out-${name}`);
  const plain = write("tsconfig.plain.json", out("tsc"), []);
  const patchedPlain = write("tsconfig.tspc-plain.json", out("tspc-plain"), []);
  const withPlugin = write("tsconfig.plugin.json", out("tspc-plugin"), [{ transform: plugin }]);
  return [
    { name: "tsc", bin: TSC, tsconfig: plain, outDir: out("tsc") },
    { name: "tspc, no plugin", bin: TSPC, tsconfig: patchedPlain, outDir: out("tspc-plain") },
    { name: "tspc + plugin", bin: TSPC, tsconfig: withPlugin, outDir: out("tspc-plugin") },
  ];
}

interface Sample {
  readonly wall: number;
  readonly cpu: number;
  readonly status: number | null;
  readonly errors: number;
}

function runOnce(contender: Contender, mode: Mode): Sample {
  const args = ["-f", "@@time %e %U %S", process.execPath, contender.bin, "-p", contender.tsconfig];
  if (mode === "nocheck") args.push("--noCheck");
  const result = spawnSync(TIME, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const line = /@@time ([\d.]+) ([\d.]+) ([\d.]+)/.exec(result.stderr);
  if (line === null) throw new Error(`no timing from ${contender.name}: ${result.stderr.slice(-2000)}`);
  const errors = (result.stdout.match(/error TS\d+/g) ?? []).length;
  return { wall: Number(line[1]), cpu: Number(line[2]) + Number(line[3]), status: result.status, errors };
}

// --- Reporting ---------------------------------------------------------------------------------

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** Whether two output trees hold the same files with the same bytes. */
function sameOutput(a: string, b: string): boolean {
  const files = listFiles(a);
  const others = listFiles(b);
  if (files.length !== others.length || files.some((f, i) => f !== others[i])) return false;
  return files.every((f) => fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f))));
}

function load(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
}

function measure(corpus: Corpus, contenders: Contender[], mode: Mode): void {
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]));
  for (const contender of contenders) runOnce(contender, mode); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(round + i) % contenders.length]!;
      samples.get(contender.name)!.push(runOnce(contender, mode));
    }
    process.stderr.write(`[${corpus.name} ${mode}] round ${round + 1}/${ROUNDS} done, load ${load()}\n`);
  }
  console.log("");
  console.log(
    `### ${corpus.name}, ${mode === "check" ? "type check + emit (tsc's default)" : "--noCheck (emit only)"}`,
  );
  console.log("");
  console.log("| contender | wall median s (min-max) | CPU median s | exit status, errors |");
  console.log("| --- | ---: | ---: | --- |");
  for (const c of contenders) {
    const s = samples.get(c.name)!;
    const walls = s.map((x) => x.wall);
    console.log(
      `| ${c.name} | ${median(walls).toFixed(2)} (${Math.min(...walls).toFixed(2)}-${Math.max(...walls).toFixed(2)}) | ${median(s.map((x) => x.cpu)).toFixed(2)} | ${[...new Set(s.map((x) => `${x.status}, ${x.errors}`))].join("; ")} |`,
    );
  }
  console.log("");
  console.log("| ratio | wall: of medians (paired) | CPU: of medians (paired) | budget |");
  console.log("| --- | ---: | ---: | --- |");
  const ratio = (a: string, b: string, label: string, budget: number | undefined): void => {
    const sa = samples.get(a)!;
    const sb = samples.get(b)!;
    const of = (pick: (x: Sample) => number): string => {
      const r = median(sa.map(pick)) / median(sb.map(pick));
      const paired = median(sa.map((x, i) => pick(x) / pick(sb[i]!)));
      return `${r.toFixed(3)}x (${paired.toFixed(3)}x)`;
    };
    // Judged on CPU time: on a shared machine the wall clock also counts the time spent waiting for a core.
    const cpu = median(sa.map((x) => x.cpu)) / median(sb.map((x) => x.cpu));
    const verdict = budget === undefined ? "" : cpu <= budget ? `met (${budget}x, CPU)` : `missed (${budget}x, CPU)`;
    console.log(`| ${label} | ${of((x) => x.wall)} | ${of((x) => x.cpu)} | ${verdict} |`);
  };
  ratio("tspc + plugin", "tsc", "tspc + plugin / tsc", 1.15);
  ratio("tspc, no plugin", "tsc", "tspc, no plugin / tsc (ts-patch's own)", undefined);
  ratio("tspc + plugin", "tspc, no plugin", "tspc + plugin / tspc, no plugin (the plugin's own)", undefined);
  const [tsc, patched, plugin] = contenders;
  const rewritten = listFiles(plugin!.outDir).filter((f) =>
    fs.readFileSync(path.join(plugin!.outDir, f), "utf8").includes("__rt."),
  ).length;
  console.log(
    `\ntsc and tspc without the plugin emit the same bytes: ${sameOutput(tsc!.outDir, patched!.outDir) ? "yes" : "NO"}; with the plugin, ${rewritten} emitted files call the runtime hooks`,
  );
}

function main(): void {
  const plugin = buildPlugin(path.join(work, "plugin"));
  const names: CorpusName[] = corpusArg !== undefined ? [corpusArg as CorpusName] : [...CORPUS_NAMES];
  const modes: Mode[] = modeArg !== undefined ? [modeArg as Mode] : [...MODES];
  const pkgVersion = (name: string): string =>
    (JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string })
      .version;
  console.log(
    `node ${process.version}, typescript ${ts.version}, ts-patch ${pkgVersion("ts-patch")}, ${os.cpus().length} cpus, ROUNDS=${ROUNDS}, load at start ${load()}`,
  );
  for (const name of names) {
    const corpus = prepareCorpus(name, path.join(work, name));
    console.log(
      `\n${name}: ${corpus.description}: ${corpus.files.length} .ts files, ${(corpus.bytes / 1e6).toFixed(2)} MB, ${corpus.marked} marked`,
    );
    const contenders = project(corpus, plugin);
    for (const mode of modes) measure(corpus, contenders, mode);
  }
  console.log(`\nload at end ${load()}`);
}

main();
