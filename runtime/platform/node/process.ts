/**
 * The process room's host on Node: `node:child_process` for programs and worker processes,
 * `node:stream` to merge stderr into stdout, `node:os` for signal numbers and the core count,
 * `node:v8` for the structured clone that worker calls use. Installed for its side effect by
 * the Node entry point.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough, type Readable, type Writable } from "node:stream";
import * as v8 from "node:v8";
import { NotSupportedError } from "../../core/errors";
import { processHost, type ProcessHost, type SpawnRequest } from "../../process/host";

export type { ChildProcess, Readable, Writable };

/**
 * The worker process entry: plain JavaScript, shipped next to this module in `workers/`. Looked
 * up only when a worker starts: an ES module bundle of the runtime has no `__dirname` (and no
 * worker file beside it), and must still load.
 */
function workerEntry(): string {
  if (typeof __dirname !== "string") {
    throw new NotSupportedError(
      "toProcess.runSync() needs the runtime's worker entry (runtime/platform/node/workers/process-worker.cjs) " +
        "beside it; this copy of anyio-ts was bundled without it. Import anyio-ts from node_modules instead.",
    );
  }
  return path.join(__dirname, "workers", "process-worker.cjs");
}

/** Children to kill if this process exits while they live (worker processes). */
const atExit = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAll(): void {
  for (const child of atExit) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
  atExit.clear();
}

const host: ProcessHost = {
  spawn(request: SpawnRequest): ChildProcess {
    const options = {
      cwd: request.cwd,
      env: request.env as NodeJS.ProcessEnv | undefined,
      stdio: [...request.stdio] as ("pipe" | "inherit" | "ignore" | number)[],
      detached: request.detached,
      uid: request.uid,
      gid: request.gid,
      windowsHide: true,
    };
    const child = request.shell
      ? spawn(request.file, { ...options, shell: true })
      : spawn(request.file, [...request.args], options);
    // Invariant: every child has an 'error' listener for its whole life (a failed spawn, a
    // failed kill): the room reads the outcome from its own listeners, never from a crash.
    child.on("error", () => {});
    return child;
  },

  merge(first: Readable, second: Readable): Readable {
    const merged = new PassThrough();
    let open = 2;
    const ended = (): void => {
      if (--open === 0) merged.end();
    };
    for (const source of [first, second]) {
      source.on("end", ended);
      source.on("error", (error) => merged.destroy(error));
      source.pipe(merged, { end: false });
    }
    // Closing the merged stream closes both pipes.
    merged.on("close", () => {
      first.destroy();
      second.destroy();
    });
    return merged;
  },

  signalNumber(signal: string): number | undefined {
    return (os.constants.signals as Record<string, number | undefined>)[signal];
  },

  forkWorker(): ChildProcess {
    const child = fork(workerEntry(), [], {
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      execArgv: process.execArgv,
    });
    child.on("error", () => {});
    return child;
  },

  serialize(value: unknown): Uint8Array {
    try {
      return v8.serialize(value);
    } catch (error) {
      // v8 reports a plain Error; structured clone's own DataCloneError says the same thing.
      structuredClone(value);
      throw error;
    }
  },

  availableParallelism(): number {
    return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length || 2;
  },

  killAtExit(child: ChildProcess): () => void {
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on("exit", killAll);
    }
    atExit.add(child);
    return () => atExit.delete(child);
  },
};

processHost.install(host);
