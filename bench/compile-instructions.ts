/**
 * The Babel plugin's compile-time cost counted in machine instructions instead of time: plain
 * Babel (preset-typescript) against Babel with the built plugin, over a corpus of
 * bench/compile-corpora.ts, each contender in its own `node --predictable
 * --predictable-gc-schedule` process under valgrind's callgrind, which counts every instruction
 * the process executes.
 *
 *   npm run build
 *   node --import tsx bench/compile-instructions.ts                       # the small corpus
 *   node --import tsx bench/compile-instructions.ts --base .tmp/dist-base # and an earlier build
 *   node --import tsx bench/compile-instructions.ts --corpus=effect --passes=1
 *
 * Why: on this machine (a shared VM) the same two contenders timed minutes apart give ratios
 * 5-10 points apart (bench/TRANSFORMER.md), more than most changes to the plugin move them. An
 * instruction count does not depend on what else runs, provided V8 decides nothing by the
 * clock: `--predictable` runs its compilers and collector on the main thread, and
 * `--predictable-gc-schedule` fixes when the heap grows and is collected (without them the
 * collector paces itself by allocation per millisecond, and counts of one contender moved by 7%
 * with the machine's load); with them, runs of one contender agree to 0.01%, loaded or not.
 * Between contenders it is good to a few points on a corpus whose pass runs full collections
 * (one collection more or fewer in a contender's passes moves its count by that much; see
 * bench/TRANSFORMER.md), better on a smaller one. It is not time: a cache miss costs more than
 * an instruction, and callgrind slows a run about fifty times (a pass of the small corpus takes
 * a minute or two). bench/compile.ts gives the time.
 *
 * Method: a contender runs one untimed pass (loading, first compilation), then `--passes` passes
 * (default 2); the same contender runs again with no measured pass, and the difference of the two
 * totals, divided by the passes, is the count per warm pass. Every process gets the same files in
 * the same order. Needs `valgrind` (Debian: `apt-get install -y valgrind`). Contenders run two at
 * a time (one per core: the counts do not depend on the load).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { CORPUS_NAMES, prepareCorpus, type CorpusName } from "./compile-corpora";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..");
const argv = process.argv.slice(2);
const option = (name: string): string | undefined =>
  argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
// `--base <dir>` as two words, like bench/net.ts.
const base = argv.includes("--base") ? argv[argv.indexOf("--base") + 1] : undefined;
const corpusName = (option("corpus") ?? "small") as CorpusName;
if (!CORPUS_NAMES.includes(corpusName))
  throw new TypeError(`Expected \`--corpus\` to be one of ${CORPUS_NAMES.join(", ")}, got \`${corpusName}\` (string)`);
const passes = Number(option("passes") ?? 2);
if (!Number.isInteger(passes) || passes < 1)
  throw new TypeError(`Expected \`--passes\` to be a positive integer, got \`${option("passes")}\` (string)`);

/** The child: `node compile-instructions-child.cjs <files.json> <plugin dir | plain> <passes>`. */
const CHILD = path.join(__dirname, "compile-instructions-child.cjs");

/** Instructions of one process: the contender's untimed pass, then `measured` passes. */
async function instructions(files: string, contender: string, measured: number): Promise<number> {
  const { stderr } = await run(
    "valgrind",
    [
      "--tool=callgrind",
      "--callgrind-out-file=/dev/null",
      "node",
      "--predictable",
      "--predictable-gc-schedule",
      "--expose-gc",
      CHILD,
      files,
      contender,
      String(measured),
    ],
    { maxBuffer: 1 << 24 },
  );
  const match = /Collected : (\d+)/.exec(stderr);
  if (match === null) throw new Error(`callgrind printed no count for ${contender}:\n${stderr}`);
  return Number(match[1]);
}

/** Instructions per warm pass of `contender`. */
async function perPass(files: string, contender: string): Promise<number> {
  const [without, withPasses] = await Promise.all([
    instructions(files, contender, 0),
    instructions(files, contender, passes),
  ]);
  return (withPasses - without) / passes;
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "compile-instructions-"));
  try {
    const corpus = prepareCorpus(corpusName, tmp);
    const files = path.join(tmp, "files.json");
    fs.writeFileSync(files, JSON.stringify(corpus.files));
    const contenders: [string, string][] = [
      ["plain Babel", "plain"],
      ["Babel + plugin (dist/)", path.join(ROOT, "dist")],
    ];
    if (base !== undefined) contenders.push([`Babel + plugin (${base})`, path.resolve(base)]);
    console.log(
      `corpus ${corpusName}: ${corpus.files.length} files (${corpus.marked} marked), ${passes} measured passes, node ${process.version}, valgrind callgrind`,
    );
    const counts: number[] = [];
    for (const [name, contender] of contenders) {
      const count = await perPass(files, contender);
      counts.push(count);
      process.stderr.write(`${name}: ${(count / 1e9).toFixed(3)} G instructions per pass\n`);
    }
    console.log("\n| contender | instructions per pass | ratio to plain Babel |\n| --- | ---: | ---: |");
    contenders.forEach(([name], i) =>
      console.log(`| ${name} | ${(counts[i]! / 1e9).toFixed(3)} G | ${(counts[i]! / counts[0]!).toFixed(3)}x |`),
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

void main();
