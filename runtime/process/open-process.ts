"use structured";
/**
 * `openProcess()`: starts a program and hands over a {@link Process} once it runs.
 *
 * Invariants:
 * - A cancelled task spawns nothing (the checkpoint comes first).
 * - The call settles only after Node's `'spawn'` (the program runs) or `'error'` (it could not
 *   start: nothing runs, and the pipes Node made are destroyed).
 * - A cancellation that arrives while the program starts is acted on once it runs: the child
 *   is killed and reaped before `Cancelled` propagates, so a cancelled call leaves nothing.
 */
import { CancelScope } from "../core/cancel-scope";
import { checkpoint, checkpointIfCancelled } from "../core/checkpoint";
import { processHost, type ChildProcess, type ProcessHost, type SpawnRequest } from "./host";
import { Process } from "./process";
import { ProcessReceiveStream, ProcessSendStream } from "./process-pipes";
import { checkProcessOptions, PROCESS_OPTIONS, spawnRequest, type ProcessOptions } from "./stdio-spec";

/**
 * Starts `command` as a child process and returns it once it runs. A string runs through the
 * shell (`sh -c` on POSIX, `cmd.exe` on Windows); an array runs the program directly, looked up
 * in the `PATH` of the child's environment, with the rest as its arguments. The process is
 * yours: close it with `aclose()` or `await using`, which never leaves it orphaned.
 *
 * This is a checkpoint, and the checkpoint comes first: a cancelled task starts nothing. If the
 * task is cancelled while the program starts, the child is killed and reaped before `Cancelled`
 * propagates.
 *
 * @param command - a shell command line, or the program and its arguments.
 * @param options - see {@link ProcessOptions}.
 * @example
 * ```ts
 * await using process = await openProcess(["python3", "-i"], { stderr: "stdout" });
 * await process.stdin!.send(new TextEncoder().encode("print(6 * 7)\n"));
 * ```
 * @throws Error the host's error when the program cannot start (`code` `"ENOENT"`, `"EACCES"`).
 * @throws TypeError or RangeError for an invalid command or option.
 * @throws NotSupportedError in a browser.
 */
export async function openProcess(command: string | readonly string[], options: ProcessOptions = {}): Promise<Process> {
  const host = processHost.get("openProcess()");
  checkProcessOptions(options, PROCESS_OPTIONS);
  const { request, mergeStderr } = spawnRequest(command, options, "pipe");
  await checkpoint();
  return await startProcess(host, request, mergeStderr);
}

/** @internal Spawns `request` (after the caller's checkpoint) and returns the running process. */
export async function startProcess(host: ProcessHost, request: SpawnRequest, mergeStderr: boolean): Promise<Process> {
  const child = host.spawn(request);
  let failure: Error | undefined;
  {
    // Invariant: whatever happens to the task, we learn whether a child runs before leaving.
    using _shield = new CancelScope({ shield: true });
    failure = await started(child);
  }
  if (failure !== undefined) {
    for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
    throw failure;
  }
  let stdout: ProcessReceiveStream | null = null;
  let stderr: ProcessReceiveStream | null = null;
  if (mergeStderr && child.stdout !== null && child.stderr !== null) {
    stdout = new ProcessReceiveStream(host.merge(child.stdout, child.stderr), "stdout");
  } else {
    if (child.stdout !== null) stdout = new ProcessReceiveStream(child.stdout, "stdout");
    if (child.stderr !== null) stderr = new ProcessReceiveStream(child.stderr, "stderr");
  }
  const stdin = child.stdin === null ? null : new ProcessSendStream(child.stdin);
  const process = new Process(child, host, { stdin, stdout, stderr });
  try {
    await checkpointIfCancelled();
  } catch (error) {
    // Cancelled while it started: kill and reap it before the cancellation propagates.
    process.kill();
    try {
      await process.aclose(); // raises the same cancellation once the child is reaped
    } catch {
      // The cancellation is rethrown below.
    }
    throw error;
  }
  return process;
}

/** Resolves at `'spawn'` (to undefined) or at an `'error'` before it (to that error). */
function started(child: ChildProcess): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const onSpawn = (): void => {
      child.off("error", onError);
      resolve(undefined);
    };
    const onError = (error: Error): void => {
      child.off("spawn", onSpawn);
      resolve(error);
    };
    child.once("spawn", onSpawn);
    child.once("error", onError);
  });
}
