"use structured";
// Subprocesses with anyio-ts: run a command and read its output, talk to an interactive
// process, see a timeout kill and reap a child, and spread CPU work over worker processes.
// Run it with `npm run example -- examples/subprocesses.ts`.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  CalledProcessError,
  createTaskGroup,
  moveOnAfter,
  openProcess,
  run,
  runProcess,
  toProcess,
  workerFunction,
} from "anyio-ts";

const decoder = new TextDecoder();

/** examples/primes-worker.cjs: beside this file, or (when `npm run example` runs a compiled copy) under the working directory. */
function workerModule(): string {
  const beside = path.join(__dirname, "primes-worker.cjs");
  return fs.existsSync(beside) ? beside : path.resolve("examples", "primes-worker.cjs");
}

/** Runs the whole tour; returns what it printed, line by line (the example's test reads it). */
export async function subprocessTour(print: (line: string) => void = console.log): Promise<void> {
  // 1. Run a command to its end and collect its output. An array runs without a shell.
  const node = await runProcess([process.execPath, "--version"]);
  print(`node says ${decoder.decode(node.stdout!).trim()} (exit code ${node.exitCode})`);

  // A string runs through the shell; `input` is written to its stdin.
  const counted = await runProcess("wc -w", { input: "one two three" });
  print(`wc counted ${decoder.decode(counted.stdout!).trim()} words`);

  // A failing command raises CalledProcessError, with what it wrote.
  try {
    await runProcess("echo 'no such thing' >&2; exit 3");
  } catch (error) {
    if (!(error instanceof CalledProcessError)) throw error;
    print(`failed with ${error.exitCode}: ${decoder.decode(error.stderr!).trim()}`);
  }

  // 2. An interactive process: send a line, read the answer, close its input.
  {
    await using cat = await openProcess(["cat"]);
    await cat.stdin!.send(new TextEncoder().encode("ping"));
    print(`cat answered ${decoder.decode(await cat.stdout!.receive())}`);
    await cat.stdin!.aclose();
    print(`cat exited with ${await cat.wait()}`);
  }

  // 3. A timeout cancels runProcess: the child is killed (SIGKILL) and reaped before the scope
  // ends, so nothing is left running.
  {
    using _timeout = moveOnAfter(200);
    await runProcess(["sleep", "10"]);
  }
  print("the sleeper was killed after 200 ms and reaped");

  // 4. CPU-bound work in worker processes, one per core (the default limiter).
  // A worker module is named by an absolute path (or file: URL): the worker imports it itself.
  const countPrimes = workerFunction<(from: number, to: number) => number>(workerModule(), "countPrimes");
  const slices = 4;
  const size = 200_000;
  const counts: number[] = [];
  {
    await using tg = createTaskGroup();
    for (let i = 0; i < slices; i++) {
      tg.startSoon(async () => {
        counts[i] = await toProcess.runSync(countPrimes, i * size, (i + 1) * size);
      });
    }
  }
  print(`${counts.reduce((a, b) => a + b, 0)} primes below ${slices * size}, counted in worker processes`);
  // When run() ends, every worker process is killed and reaped.
}

if (require.main === module) {
  run(() => subprocessTour()).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
