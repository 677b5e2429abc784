/**
 * `CompletedProcess`: what `runProcess()` returns about a program that has finished.
 */
import type { ProcessSignal } from "./process-signal";

/**
 * A program that `runProcess()` ran to its end: the command, how it ended, and what it wrote to
 * the pipes. Never a checkpoint (plain data).
 *
 * @example
 * ```ts
 * const result = await runProcess(["git", "rev-parse", "HEAD"]);
 * console.log(result.exitCode, new TextDecoder().decode(result.stdout!).trim());
 * ```
 */
export class CompletedProcess {
  /**
   * @param args - the command as given to `runProcess()`.
   * @param exitCode - the exit code; `-N` after death by signal N.
   * @param signalCode - the signal that ended it, if any.
   * @param stdout - everything it wrote to stdout, or null when stdout was not piped.
   * @param stderr - everything it wrote to stderr, or null when stderr was not piped.
   */
  constructor(
    readonly args: string | readonly string[],
    readonly exitCode: number,
    readonly signalCode: ProcessSignal | null,
    readonly stdout: Uint8Array | null,
    readonly stderr: Uint8Array | null,
  ) {}
}
