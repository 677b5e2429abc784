/**
 * `CalledProcessError`: `runProcess()` with `check` saw the program fail.
 */
import type { ProcessSignal } from "./process-signal";

/**
 * Thrown by `runProcess()` (with `check`, the default) when the program exits with a non-zero
 * code or dies of a signal, after it was reaped; it carries the program's output.
 * The message is `Command ["ls","/nope"] returned non-zero exit status 2.`, or
 * `Command ["sleep","10"] died with SIGKILL.` after a signal.
 *
 * @example
 * ```ts
 * try {
 *   await runProcess(["ls", "/nope"]);
 * } catch (error) {
 *   if (error instanceof CalledProcessError) console.error(error.exitCode, new TextDecoder().decode(error.stderr!));
 * }
 * ```
 */
export class CalledProcessError extends Error {
  static {
    Object.defineProperty(this.prototype, "name", {
      value: "CalledProcessError",
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }

  /**
   * @param cmd - the command as given to `runProcess()`.
   * @param exitCode - the non-zero exit code; `-N` after death by signal N.
   * @param signalCode - the signal that ended it, if any.
   * @param stdout - what it wrote to stdout, or null when stdout was not piped.
   * @param stderr - what it wrote to stderr, or null when stderr was not piped.
   */
  constructor(
    readonly cmd: string | readonly string[],
    readonly exitCode: number,
    readonly signalCode: ProcessSignal | null,
    readonly stdout: Uint8Array | null = null,
    readonly stderr: Uint8Array | null = null,
  ) {
    super(
      signalCode !== null
        ? `Command ${JSON.stringify(cmd)} died with ${signalCode}.`
        : `Command ${JSON.stringify(cmd)} returned non-zero exit status ${exitCode}.`,
    );
  }
}
