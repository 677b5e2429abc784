"use structured";
/**
 * `Process`: a running child program, as `openProcess()` returns it: its pid, its exit status
 * once it has exited, byte streams over its standard pipes, and `aclose()`, which never leaves
 * it running or unreaped.
 *
 * Invariants:
 * - The child is reaped when Node emits `'exit'` (libuv has waited for it); from then on
 *   `exitCode` is set and no signal is ever sent (its pid may belong to another process by then).
 * - `wait()` follows `'exit'`, not the end of the pipes: a grandchild that inherited them cannot
 *   hold it up.
 */
import { currentFrame, Waiter, yieldMacrotask } from "../rt";
import { CancelScope } from "../core/cancel-scope";
import { describeValue } from "../core/validate";
import { cancelled, outsideTask } from "../sync/checks";
import type { AsyncResource, ByteReceiveStream, ByteSendStream } from "../streams/types";
import { processHost, type ChildProcess, type ProcessHost } from "./host";
import type { ProcessReceiveStream, ProcessSendStream } from "./process-pipes";

/**
 * A child process started by `openProcess()`. It is yours to close: `await using process =
 * await openProcess(...)`, or `aclose()`, which closes its pipes and waits for it to exit (and
 * kills it if that wait is cancelled), so it is never orphaned and never left a zombie.
 *
 * @example
 * ```ts
 * await using process = await openProcess(["cat"]);
 * await process.stdin!.send(new TextEncoder().encode("hello"));
 * await process.stdin!.aclose();
 * console.log(new TextDecoder().decode(await process.stdout!.receive())); // "hello"
 * ```
 */
export class Process implements AsyncResource {
  /** The child's process id. */
  readonly pid: number;
  /** Writes the child's stdin; null unless `stdin` was `"pipe"`. */
  readonly stdin: ByteSendStream | null;
  /** Reads the child's stdout (and its stderr with `stderr: "stdout"`); null unless `stdout` was `"pipe"`. */
  readonly stdout: ByteReceiveStream | null;
  /** Reads the child's stderr; null unless `stderr` was `"pipe"`. */
  readonly stderr: ByteReceiveStream | null;
  private code: number | null = null;
  private signal: NodeJS.Signals | null = null;
  /** Tasks parked in `wait()` until the child exits. */
  private readonly waiters = new Set<Waiter<number>>();

  /** @internal Use `openProcess()`. */
  constructor(
    private readonly child: ChildProcess,
    host: ProcessHost,
    private readonly pipes: {
      readonly stdin: ProcessSendStream | null;
      readonly stdout: ProcessReceiveStream | null;
      readonly stderr: ProcessReceiveStream | null;
    },
  ) {
    // Only openProcess() makes one; in a browser even trying says why it cannot work.
    processHost.get("new Process()");
    this.pid = child.pid!;
    this.stdin = pipes.stdin;
    this.stdout = pipes.stdout;
    this.stderr = pipes.stderr;
    child.on("exit", (code: number | null, signal: NodeJS.Signals | null) => {
      this.signal = signal;
      this.code = code ?? -(host.signalNumber(signal ?? "") ?? 128);
      for (const waiter of this.waiters) waiter.wake(this.code);
      this.waiters.clear();
    });
  }

  /**
   * The exit code once the child has exited, `null` while it runs; `-N` after it was killed by
   * signal N (AnyIO's `returncode`). Never a checkpoint.
   */
  // ≠Node: Node reports null (and the signal name) after a signal; this is AnyIO's -N.
  get exitCode(): number | null {
    return this.code;
  }

  /** The signal that ended the child (`"SIGKILL"`...), or null. Never a checkpoint. */
  get signalCode(): NodeJS.Signals | null {
    return this.signal;
  }

  /**
   * Waits for the child to exit and returns its exit code (`-N` after signal N). It returns at
   * the child's exit even while a grandchild keeps the pipes open. This is a checkpoint, also
   * when the child has already exited.
   *
   * @example
   * ```ts
   * const code = await process.wait();
   * ```
   * @throws Cancelled when the task is cancelled first (the child keeps running).
   */
  wait(): Promise<number> {
    const frame = currentFrame();
    if (frame === undefined) return outsideTask("Process.wait()");
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const waiter: Waiter<number> = new Waiter<number>(frame, () => this.waiters.delete(waiter)).waitsFor(
      "operation",
      "a child process's exit",
    );
    const code = this.code;
    if (code !== null) yieldMacrotask(() => void waiter.wake(code));
    else this.waiters.add(waiter);
    return waiter.promise;
  }

  /**
   * Asks the child to end: SIGTERM (TerminateProcess on Windows). Does nothing once the child
   * has exited. Never a checkpoint.
   */
  terminate(): void {
    this.sendSignal("SIGTERM");
  }

  /** Kills the child: SIGKILL. Does nothing once the child has exited. Never a checkpoint. */
  kill(): void {
    this.sendSignal("SIGKILL");
  }

  /**
   * Sends `signal` (a name such as `"SIGINT"`, or a number) to the child. Does nothing once the
   * child has exited and was reaped, so a recycled pid is never signalled. Never a checkpoint.
   *
   * @throws TypeError for a signal that is neither a string nor an integer, or a name this host
   *   does not know (Node's `ERR_UNKNOWN_SIGNAL`).
   */
  sendSignal(signal: NodeJS.Signals | number): void {
    if (typeof signal !== "string" && !(typeof signal === "number" && Number.isInteger(signal))) {
      throw new TypeError(`Expected \`signal\` to be a signal name or number, got ${describeValue(signal)}`);
    }
    if (this.code !== null) return;
    this.child.kill(signal);
  }

  /**
   * Closes the child's pipes, then waits for it to exit. If that wait is cancelled (or fails),
   * the child is killed (SIGKILL) and waited for, shielded, before the error propagates: leaving
   * an `await using` block by cancellation never orphans the child (its `exitCode` is then
   * non-zero). Closing the pipes first lets a child blocked writing to a full pipe die of
   * SIGPIPE instead of deadlocking. Afterwards the streams raise `ClosedResourceError`.
   * This is a checkpoint while the child runs (the wait); once it has exited, closing only
   * closes the pipes, so closing again does nothing.
   *
   * @example
   * ```ts
   * const process = await openProcess(["sleep", "1"]);
   * try { ... } finally { await process.aclose(); }
   * ```
   * @throws Cancelled if the wait was cancelled (after the child was killed and reaped).
   */
  async aclose(): Promise<void> {
    // Synchronous, hence shielded: nothing here can be interrupted.
    this.pipes.stdin?.closeNow();
    this.pipes.stdout?.closeNow();
    this.pipes.stderr?.closeNow();
    // Already reaped: nothing to wait for (as AnyIO's wait() of an exited process, no yield).
    if (this.code !== null) return;
    try {
      await this.wait();
    } catch (error) {
      this.kill();
      {
        using _shield = new CancelScope({ shield: true });
        await this.wait();
      }
      throw error;
    }
  }

  /** Closes the process at the end of an `await using` block; see {@link aclose}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /** `Process 4242 (running)`, `Process 4242 (exited with 0)`. */
  toString(): string {
    return `Process ${this.pid} (${this.code === null ? "running" : `exited with ${this.code}`})`;
  }
}
