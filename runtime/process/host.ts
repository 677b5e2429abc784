/**
 * What the process room needs from the host: starting a program (`node:child_process`), one
 * readable fed by two pipes, signal numbers, and the worker processes of `toProcess.runSync()`.
 * The Node entry point installs the implementation (platform/node/process.ts); in a browser
 * every process function throws `NotSupportedError` naming the call ("openProcess() needs
 * Node.js, Bun or Deno; browsers cannot start processes").
 *
 * The room works on Node's own `ChildProcess`, `Readable` and `Writable` objects (typed here,
 * imported by no module of the room at run time): their events are the whole protocol.
 */
import { Seam } from "../platform/seam";
import type { ChildProcess, Readable, Writable } from "../platform/node/process";

export type { ChildProcess, Readable, Writable };

/** A standard stream of the child as the host takes it: a new pipe, ours, none, or a file descriptor. */
export type HostStdio = "pipe" | "inherit" | "ignore" | number;

/** A program to start, already checked and normalised by the room. */
export interface SpawnRequest {
  /** The program, or the shell command line when {@link shell} is true. */
  readonly file: string;
  readonly args: readonly string[];
  /** Run {@link file} through the shell (`sh -c`, `cmd.exe`). */
  readonly shell: boolean;
  readonly cwd: string | undefined;
  /** The whole environment of the child; `undefined`: this process's. */
  readonly env: Readonly<Record<string, string>> | undefined;
  /** stdin, stdout, stderr, then the descriptors that become fds 3, 4, … in the child. */
  readonly stdio: readonly HostStdio[];
  /** A new session (`setsid()`). */
  readonly detached: boolean;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
}

/** The host's process operations. */
export interface ProcessHost {
  /**
   * Starts the program. A program that cannot start (`ENOENT`, `EACCES`) is reported by the
   * child's `'error'` event, one tick later; bad arguments throw synchronously (Node's errors).
   */
  spawn(request: SpawnRequest): ChildProcess;
  /** One readable fed by both, in the order their chunks arrive, that ends once both ended. */
  merge(first: Readable, second: Readable): Readable;
  /** The number of a signal name (`"SIGKILL"` → 9), `undefined` for a name this host lacks. */
  signalNumber(signal: string): number | undefined;
  /**
   * Starts a worker process for `toProcess.runSync()`: the worker entry, with Node's
   * `"advanced"` (structured clone) serialization on its IPC channel, this process's
   * `execArgv`, stdout and stderr inherited.
   */
  forkWorker(): ChildProcess;
  /** `value` serialized by structured clone (`v8.serialize`); throws `DataCloneError`. */
  serialize(value: unknown): Uint8Array;
  /** `os.availableParallelism()`. */
  availableParallelism(): number;
  /** Kills `child` with SIGKILL if it is still alive when this process exits; returns how to forget it. */
  killAtExit(child: ChildProcess): () => void;
}

/** The process room's host; installed by the Node entry point. */
export const processHost = new Seam<ProcessHost>("browsers cannot start processes");
