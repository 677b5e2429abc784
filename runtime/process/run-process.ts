"use structured";
/**
 * `runProcess()`: runs a program to its end and collects its output, as AnyIO's `run_process`.
 *
 * Invariant: the child is reaped before the call settles, whatever happens: normally (after
 * `wait()`), on an error (the task group's failure closes it), and on cancellation (`aclose()`
 * kills it with SIGKILL and waits, shielded, before `Cancelled` propagates).
 */
import { checkpoint } from "../core/checkpoint";
import { createTaskGroup } from "../core/task-group";
import { checkBoolean, describeValue } from "../core/validate";
import type { ByteReceiveStream } from "../streams/types";
import { CalledProcessError } from "./called-process-error";
import { CompletedProcess } from "./completed-process";
import { processHost } from "./host";
import { startProcess } from "./open-process";
import { checkProcessOptions, PROCESS_OPTIONS, spawnRequest, type ProcessOptions } from "./stdio-spec";

/** Options of `runProcess()`. */
export interface RunProcessOptions extends ProcessOptions {
  /**
   * Bytes written to the child's stdin, which is then closed (a string is sent as UTF-8).
   * Excludes `stdin`.
   */
  input?: Uint8Array | string;
  /**
   * Throw `CalledProcessError` when the program exits with a non-zero code.
   * @default true
   */
  check?: boolean;
}
// ≠AnyIO: stdin defaults to "ignore" (the child reads an empty input), not to our own stdin:
// a program run for its output should not take the terminal's input from us.

const RUN_PROCESS_OPTIONS = [...PROCESS_OPTIONS, "input", "check"] as const;

/**
 * Runs `command` to its end and returns its exit status and output. stdout and stderr are
 * piped and collected concurrently (so a chatty child cannot block on a full pipe), `input` is
 * written to stdin, and the call returns once the child has exited. A string runs through the
 * shell; an array runs the program directly (see `openProcess()`).
 *
 * This is a checkpoint. If the task is cancelled, the child is killed (SIGKILL) and reaped
 * before `Cancelled` propagates: no zombie and no orphan remain. Grandchildren are not killed
 * (start the child with `startNewSession` and signal `-pid` yourself).
 *
 * @param command - a shell command line, or the program and its arguments.
 * @param options - see {@link RunProcessOptions}; stdin defaults to `"ignore"`.
 * @example
 * ```ts
 * const { stdout } = await runProcess(["git", "status", "--short"]);
 * const reversed = await runProcess("rev", { input: "hello" }); // stdout: "olleh\n"
 * ```
 * @throws CalledProcessError with `check` (the default) when the exit code is not 0.
 * @throws Error the host's error when the program cannot start (`code` `"ENOENT"`, `"EACCES"`).
 * @throws TypeError "only one of stdin and input is allowed", or for an invalid command or option.
 * @throws NotSupportedError in a browser.
 */
export async function runProcess(
  command: string | readonly string[],
  options: RunProcessOptions = {},
): Promise<CompletedProcess> {
  const host = processHost.get("runProcess()");
  checkProcessOptions(options, RUN_PROCESS_OPTIONS);
  const { input, check = true } = options;
  if (input !== undefined && options.stdin !== undefined) {
    throw new TypeError("only one of stdin and input is allowed");
  }
  if (input !== undefined && typeof input !== "string" && !(input instanceof Uint8Array)) {
    throw new TypeError(`Expected \`input\` to be a Uint8Array or a string, got ${describeValue(input)}`);
  }
  checkBoolean("check", check);
  const { request, mergeStderr } = spawnRequest(command, options, input === undefined ? "ignore" : "pipe");
  const data = typeof input === "string" ? new TextEncoder().encode(input) : input;
  await checkpoint();
  const process = await startProcess(host, request, mergeStderr);
  let stdout: Uint8Array | null = null;
  let stderr: Uint8Array | null = null;
  try {
    await using tg = createTaskGroup();
    if (process.stdout !== null) {
      tg.startSoon(async () => {
        stdout = await drain(process.stdout!);
      });
    }
    if (process.stderr !== null) {
      tg.startSoon(async () => {
        stderr = await drain(process.stderr!);
      });
    }
    if (process.stdin !== null) {
      tg.startSoon(async () => {
        try {
          if (data !== undefined && data.length > 0) await process.stdin!.send(data);
        } catch {
          // A child that exits without reading its input closes the pipe: not our failure.
        } finally {
          await process.stdin!.aclose();
        }
      });
    }
    await process.wait();
  } finally {
    // On every path (also cancellation): kill-and-reap if the wait above did not finish.
    await process.aclose();
  }
  const exitCode = process.exitCode!;
  if (check && exitCode !== 0) {
    throw new CalledProcessError(command, exitCode, process.signalCode, stdout, stderr);
  }
  return new CompletedProcess(command, exitCode, process.signalCode, stdout, stderr);
}

/** Everything `stream` yields until its end, as one array. */
async function drain(stream: ByteReceiveStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    length += chunk.length;
  }
  if (chunks.length === 1) return chunks[0]!;
  const result = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    result.set(chunk, offset);
    offset += chunk.length;
  }
  return result;
}
