/**
 * How `run()` turns Ctrl+C (SIGINT) and SIGTERM into cancellation, as AnyIO turns SIGINT into
 * `KeyboardInterrupt`: the first such signal cancels the root scope of every run that listens,
 * so every `finally` block and shielded cleanup runs, and each of those runs then rejects with
 * `Interrupted`. A second SIGINT while they unwind ends the process at once.
 *
 * The core knows nothing of processes: the host (runtime/platform/node/signals.ts, through the
 * signal room) installs an {@link InterruptHost}. Without one (browsers, or a host that cannot
 * listen, such as a worker thread) runs simply do not listen.
 *
 *   Invariant: the host listens exactly while at least one run with signals on is running, and
 *   runs share that one listener (nested or concurrent runs never install twice).
 */
import { enterFrame, leaveFrame } from "./frame";
import type { Interrupted } from "./errors";
import type { TaskHandle } from "./task";

/** The signals `run()` turns into cancellation. */
export type InterruptSignal = "SIGINT" | "SIGTERM";

/** What the host offers `run()` for signals. */
export interface InterruptHost {
  /**
   * Starts calling `onSignal` for every SIGINT and SIGTERM the process gets (except those the
   * program receives itself with a signal receiver). Returns the function that stops it, or
   * undefined when this thread cannot receive signals (then nothing was installed).
   */
  listen(onSignal: (signal: InterruptSignal) => void): (() => void) | undefined;
  /** Ends the process now, with the exit code of a process killed by `signal`. */
  exitNow(signal: InterruptSignal): void;
  /** Arranges that the process exits as if killed by the signal if `error` is never caught. */
  exitIfUncaught(error: Interrupted): void;
}

let host: InterruptHost | undefined;

/** Installs the host's signal handling (once, from the host's module). */
export function installInterruptHost(next: InterruptHost): void {
  host = next;
}

/** One listening run: its root task, and the signal that interrupted it, once one has. */
export class RunInterrupt {
  signal: InterruptSignal | undefined = undefined;

  constructor(readonly root: TaskHandle<unknown>) {}
}

/** The runs listening now, oldest first. */
const listening = new Set<RunInterrupt>();
let stopListening: (() => void) | undefined;

/**
 * Makes the run whose root task is `root` listen for SIGINT and SIGTERM; undefined when the host
 * cannot deliver them. Pair with {@link disarmInterrupts} when the run ends.
 */
export function armInterrupts(root: TaskHandle<unknown>): RunInterrupt | undefined {
  if (host === undefined) return undefined;
  if (listening.size === 0) {
    stopListening = host.listen(onSignal);
    if (stopListening === undefined) return undefined;
  }
  const entry = new RunInterrupt(root);
  listening.add(entry);
  return entry;
}

/** The run of `entry` has ended: the last one to end removes the host's listener. */
export function disarmInterrupts(entry: RunInterrupt): void {
  if (!listening.delete(entry) || listening.size !== 0) return;
  const stop = stopListening;
  stopListening = undefined;
  stop?.();
}

/** The host hands a listening run's `Interrupted` rejection over to the uncaught-error check. */
export function reportInterrupted(error: Interrupted): void {
  host?.exitIfUncaught(error);
}

function onSignal(signal: InterruptSignal): void {
  let unwinding = false;
  for (const entry of listening) if (entry.signal !== undefined) unwinding = true;
  if (unwinding) {
    // Ctrl+C pressed twice: the user does not want to wait for the cleanup.
    if (signal === "SIGINT") host!.exitNow(signal);
    return;
  }
  // A signal handler runs outside every task: the cancel is nobody's doing.
  const previous = enterFrame(undefined);
  try {
    for (const entry of listening) {
      entry.signal = signal;
      entry.root._ownScope().cancel(`interrupted by ${signal}`);
    }
  } finally {
    leaveFrame(previous);
  }
}
