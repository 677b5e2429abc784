/**
 * Where a child's standard stream goes, as the caller says it ({@link StdioSpec}), and how the
 * options of `openProcess()` and `runProcess()` become the host's spawn request. Internal
 * except the types.
 */
import { checkBoolean, checkOptions, describeValue } from "../core/validate";
import { AsyncFile } from "../fs/async-file";
import type { FileHandle } from "../fs/host";
import { pathString, type PathLike } from "../fs/path-like";
import type { HostStdio, SpawnRequest } from "./host";

/**
 * Where one of the child's standard streams goes: `"pipe"` (a new pipe, read or written through
 * the `Process`'s stream), `"inherit"` (this process's own), `"ignore"` (`/dev/null`), one of
 * this process's file descriptors, or an open file (a `node:fs/promises` `FileHandle` or an
 * `AsyncFile`), which the child reads or writes directly.
 */
export type StdioSpec = "pipe" | "inherit" | "ignore" | number | FileHandle | AsyncFile<any>;

/** Options of `openProcess()` (and `runProcess()`). */
export interface ProcessOptions {
  /**
   * Where the child's stdin comes from.
   * @default "pipe"
   */
  stdin?: StdioSpec;
  /**
   * Where the child's stdout goes.
   * @default "pipe"
   */
  stdout?: StdioSpec;
  /**
   * Where the child's stderr goes; `"stdout"`: into the same stream as stdout (with `"pipe"`,
   * both arrive through `process.stdout`, in the order we read them, and `process.stderr` is null).
   * @default "pipe"
   */
  stderr?: StdioSpec | "stdout";
  /** The child's working directory. @default this process's */
  cwd?: PathLike;
  /**
   * The child's whole environment (it replaces ours; `undefined` values are dropped). A program
   * given as an array is looked up in this environment's `PATH`.
   * @default this process's environment
   */
  env?: Record<string, string | undefined>;
  /**
   * Start the child in a new session (POSIX `setsid()`, Node's `detached`), so that signals
   * sent to our process group do not reach it and it can be signalled as a group (`-pid`).
   * @default false
   */
  startNewSession?: boolean;
  // ≠AnyIO: numbers only: Node cannot look user and group names up.
  /** Run the child as this user id (POSIX; needs the privilege to switch). */
  user?: number;
  /** Run the child with this group id (POSIX; needs the privilege to switch). */
  group?: number;
  // ≠AnyIO: the descriptors become fds 3, 4, … in the child: Node cannot keep their numbers.
  /** This process's file descriptors to pass on; in the child they are fds 3, 4, … in this order. */
  passFds?: readonly number[];
}

export const PROCESS_OPTIONS = [
  "stdin",
  "stdout",
  "stderr",
  "cwd",
  "env",
  "startNewSession",
  "user",
  "group",
  "passFds",
] as const;

const STDIO_WORDS = ["pipe", "inherit", "ignore"];

function isFd(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

/** The host's form of a stdio spec. @throws TypeError for anything else. */
export function hostStdio(name: string, spec: unknown): HostStdio {
  if (typeof spec === "string" && STDIO_WORDS.includes(spec)) return spec as HostStdio;
  if (isFd(spec)) return spec;
  if (spec instanceof AsyncFile) return (spec.wrapped as FileHandle).fd;
  if (typeof spec === "object" && spec !== null && isFd((spec as { fd?: unknown }).fd)) {
    return (spec as { fd: number }).fd;
  }
  if (typeof spec === "number") {
    throw new RangeError(`Expected \`${name}\` to be a file descriptor (an integer >= 0), got ${describeValue(spec)}`);
  }
  throw new TypeError(
    `Expected \`${name}\` to be "pipe", "inherit", "ignore", a file descriptor, a FileHandle or an AsyncFile, ` +
      `got ${describeValue(spec)}`,
  );
}

function checkId(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number") {
    throw new TypeError(`Expected \`${name}\` to be an integer >= 0, got ${describeValue(value)}`);
  }
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`Expected \`${name}\` to be an integer >= 0, got ${describeValue(value)}`);
  }
  return value;
}

/** The environment to give the child: `undefined` values dropped. */
function environment(env: unknown): Record<string, string> | undefined {
  if (env === undefined) return undefined;
  if (typeof env !== "object" || env === null) {
    throw new TypeError(`Expected \`env\` to be an object of strings, got ${describeValue(env)}`);
  }
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (typeof value !== "string") {
      throw new TypeError(`Expected \`env.${key}\` to be a string or undefined, got ${describeValue(value)}`);
    }
    result[key] = value;
  }
  return result;
}

/** `command` checked: a non-empty string (a shell command line) or a non-empty array of strings. */
export function checkCommand(command: unknown): asserts command is string | readonly string[] {
  if (typeof command === "string") {
    if (command === "") throw new RangeError('Expected `command` to be a non-empty string, got `""` (string)');
    return;
  }
  if (!Array.isArray(command)) {
    throw new TypeError(
      `Expected \`command\` to be a string (run by the shell) or an array of strings, got ${describeValue(command)}`,
    );
  }
  if (command.length === 0) throw new RangeError("Expected `command` to be a non-empty array of strings, got `[]`");
  command.forEach((arg: unknown, index) => {
    if (typeof arg !== "string") {
      throw new TypeError(`Expected \`command[${index}]\` to be a string, got ${describeValue(arg)}`);
    }
  });
}

/**
 * The host's spawn request for `command` with `options` (already checked for unknown keys),
 * with `stdinDefault` when `options.stdin` is undefined.
 * @throws TypeError or RangeError for an invalid command or option.
 */
export function spawnRequest(
  command: string | readonly string[],
  options: ProcessOptions,
  stdinDefault: "pipe" | "ignore",
): { request: SpawnRequest; mergeStderr: boolean } {
  checkCommand(command);
  const stdin = hostStdio("stdin", options.stdin ?? stdinDefault);
  const stdout = hostStdio("stdout", options.stdout ?? "pipe");
  const mergeStderr = options.stderr === "stdout";
  // stderr into stdout: one pipe read through stdout when stdout is a pipe (the host merges the
  // two), otherwise the very same destination as stdout.
  const stderr = mergeStderr ? stdout : hostStdio("stderr", options.stderr ?? "pipe");
  const cwd = options.cwd === undefined ? undefined : pathString(options.cwd, "cwd");
  const startNewSession = options.startNewSession ?? false;
  checkBoolean("startNewSession", startNewSession);
  const passFds = options.passFds ?? [];
  if (!Array.isArray(passFds)) {
    throw new TypeError(`Expected \`passFds\` to be an array of file descriptors, got ${describeValue(passFds)}`);
  }
  passFds.forEach((fd: unknown, index) => {
    if (!isFd(fd)) {
      throw new TypeError(
        `Expected \`passFds[${index}]\` to be a file descriptor (an integer >= 0), got ${describeValue(fd)}`,
      );
    }
  });
  const shell = typeof command === "string";
  return {
    request: {
      file: shell ? command : command[0]!,
      args: shell ? [] : command.slice(1),
      shell,
      cwd,
      env: environment(options.env),
      stdio: [stdin, stdout, stderr, ...passFds],
      detached: startNewSession,
      uid: checkId("user", options.user),
      gid: checkId("group", options.group),
    },
    mergeStderr: mergeStderr && stdout === "pipe",
  };
}

/** Checks `options` of `openProcess()`-like calls: an object (or undefined) with known keys only. */
export function checkProcessOptions(options: unknown, known: readonly string[]): void {
  checkOptions(options, known);
}
