/**
 * Globbing a tree: `Path.rglob("*.ts")` against tinyglobby's `glob("**\/*.ts")` and Node's own
 * `fs.promises.glob` (Node 22 and later; absent on Node 20), over one generated tree of 20,000
 * files (200 directories of 100 files, half of them `.ts`) in the temporary directory, in one
 * run. The tree is removed at the end.
 *
 *   node --import tsx bench/glob.ts            # anyio-ts from runtime/*.ts (its structured modules uncompiled)
 *   node --import tsx bench/glob.ts --dist     # anyio-ts from dist/, compiled (run `npm run build` first)
 *   node --import tsx bench/glob.ts --quick    # one round
 *
 * What each does for the same answer (the 10,000 `.ts` paths):
 * - anyio-ts: a lazy walk of directory handles (`fs.opendir`, 128 entries per read), each step a
 *   cancellation point holding a token of the run's default limiter, each match a `Path`.
 * - tinyglobby: fdir's `fs.readdir(withFileTypes)` crawl and picomatch, collected into an array of strings.
 * - fs.promises.glob: Node's own matcher and walk, an async iterator of strings.
 * - plain opendir walk: the same directory handles walked by hand with no matcher, no
 *   checkpoints and no `Path`s: what the handles alone cost.
 *
 * Figures: each round times every contender once (interleaved, so load elsewhere spreads over
 * all); the figure is the median over the rounds. "vs tinyglobby" is the contender's time
 * divided by tinyglobby's.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

type AnyIO = typeof import("../runtime/index");

const args = new Set(process.argv.slice(2));
const ROUNDS = args.has("--quick") ? 1 : 7;
const DIRS = [20, 10];
const FILES_PER_DIR = 100;
const EXPECTED = (DIRS[0]! * DIRS[1]! * FILES_PER_DIR) / 2;

function makeTree(root: string): void {
  for (let a = 0; a < DIRS[0]!; a++) {
    for (let b = 0; b < DIRS[1]!; b++) {
      const dir = path.join(root, `pkg${a}`, `mod${b}`);
      fs.mkdirSync(dir, { recursive: true });
      for (let f = 0; f < FILES_PER_DIR; f++)
        fs.writeFileSync(path.join(dir, `file${f}.${f % 2 === 0 ? "ts" : "js"}`), "");
    }
  }
}

/**
 * The floor of a walk over directory handles: `fs.promises.opendir` with the same read-ahead,
 * depth-first, names tested with `endsWith` and counted; no matcher, no checkpoints, no paths.
 */
async function opendirWalk(root: string): Promise<number> {
  let count = 0;
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    for await (const entry of await fs.promises.opendir(dir, { bufferSize: 128 })) {
      if (entry.isDirectory()) pending.push(path.join(dir, entry.name));
      else if (entry.name.endsWith(".ts")) count++;
    }
  }
  return count;
}

interface Contender {
  name: string;
  /** Globs the tree; resolves to the number of matches. */
  run(root: string): Promise<number>;
}

async function main(): Promise<void> {
  const anyio: AnyIO = args.has("--dist")
    ? require(path.resolve(__dirname, "../dist/runtime/index.js"))
    : await import("../runtime/index");
  const { glob: tinyglob } = await import("tinyglobby");
  const nodeGlob = (fs.promises as { glob?: (pattern: string, options: { cwd: string }) => AsyncIterable<string> })
    .glob;

  const contenders: Contender[] = [
    {
      name: "anyio-ts Path.rglob",
      run: (root) =>
        anyio.run(async () => {
          let count = 0;
          for await (const _ of new anyio.Path(root).rglob("*.ts")) count++;
          return count;
        }),
    },
    { name: "tinyglobby", run: async (root) => (await tinyglob("**/*.ts", { cwd: root, dot: true })).length },
    { name: "plain opendir walk", run: (root) => opendirWalk(root) },
  ];
  if (nodeGlob !== undefined) {
    contenders.push({
      name: "fs.promises.glob",
      run: async (root) => {
        let count = 0;
        for await (const _ of nodeGlob("**/*.ts", { cwd: root })) count++;
        return count;
      },
    });
  }

  const root = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-bench-glob-"));
  try {
    makeTree(root);
    const times = new Map<string, number[]>(contenders.map((contender) => [contender.name, []]));
    for (const contender of contenders) await contender.run(root); // warm the page cache and the JIT
    for (let round = 0; round < ROUNDS; round++) {
      for (const contender of contenders) {
        const start = performance.now();
        const count = await contender.run(root);
        times.get(contender.name)!.push(performance.now() - start);
        if (count !== EXPECTED) throw new Error(`${contender.name} found ${count} files, expected ${EXPECTED}`);
      }
    }
    const median = (values: number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
    const base = median(times.get("tinyglobby")!);
    console.log(
      `node ${process.version}; anyio-ts from ${args.has("--dist") ? "dist/" : "runtime/ (tsx, uncompiled)"}; ` +
        `${DIRS[0]! * DIRS[1]! * FILES_PER_DIR} files in ${DIRS[0]! * DIRS[1]!} directories, ${EXPECTED} matches; ` +
        `median of ${ROUNDS} rounds; load average ${os
          .loadavg()
          .map((load) => load.toFixed(2))
          .join(" ")}`,
    );
    console.log("contender              median ms   vs tinyglobby");
    for (const contender of contenders) {
      const ms = median(times.get(contender.name)!);
      console.log(`${contender.name.padEnd(22)} ${ms.toFixed(1).padStart(9)}   ${(ms / base).toFixed(2)}x`);
    }
    if (nodeGlob === undefined)
      console.log(`fs.promises.glob       absent (Node ${process.versions.node}; it arrived in Node 22)`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
