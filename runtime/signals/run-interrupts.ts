/**
 * `run()`'s handling of SIGINT and SIGTERM, on top of the shared signal listeners: the core's
 * {@link InterruptHost}, installed by the Node entry point with the signal host.
 *
 * Removing a signal listener is dear on Node (the last one closes the signal's handle: tens of
 * microseconds, far more than a whole small `run()`), and test suites start thousands of runs one
 * after another. So when the last run stops listening, the listeners are removed one event-loop
 * turn later, unless a new run has started meanwhile. A signal that arrives in that turn gets
 * exactly what it would get with nothing installed: the listeners go at once and, if no other
 * listener of the signal remains, the signal is sent again, to meet Node's default action.
 *
 *   Invariant: `removal` is scheduled only while no run listens (`onSignal` is undefined), and
 *   the listeners are installed exactly while `stops` is set.
 */
import type { Interrupted } from "../core/errors";
import { installInterruptHost, type InterruptSignal } from "../core/interrupts";
import { signalHost, type SignalHost } from "./signal-host";
import { setInterruptHandler } from "./signal-registry";

const INTERRUPT_SIGNALS: readonly InterruptSignal[] = ["SIGINT", "SIGTERM"];

/** The core's handler while some run listens. */
let onSignal: ((signal: InterruptSignal) => void) | undefined;
/** Removes the listeners; set exactly while they are installed. */
let stops: Array<() => void> | undefined;
let removalScheduled = false;

function host(): SignalHost {
  return signalHost.get("run()");
}

/** The exit code of a process killed by `signal`, as a shell reports it: 128 + its number. */
function exitCodeOf(signal: InterruptSignal): number {
  return 128 + (host().signalNumber(signal) ?? (signal === "SIGINT" ? 2 : 15));
}

function uninstall(): void {
  const installed = stops;
  stops = undefined;
  if (installed !== undefined) for (const stop of installed) stop();
}

function dispatch(signal: InterruptSignal): void {
  if (onSignal !== undefined) {
    onSignal(signal);
    return;
  }
  // No run listens any more; the listeners were only waiting to be removed.
  uninstall();
  if (host().listenerCount(signal) === 0) host().raise(signal);
}

function removeIfIdle(): void {
  removalScheduled = false;
  if (onSignal === undefined) uninstall();
}

/** Makes `run()` listen through the installed signal host. */
export function installRunInterrupts(): void {
  installInterruptHost({
    listen(handler) {
      if (!host().receivesSignals) return undefined;
      onSignal = handler;
      stops ??= INTERRUPT_SIGNALS.map((signal) =>
        setInterruptHandler(signal, (received) => dispatch(received as InterruptSignal)),
      );
      return () => {
        if (onSignal !== handler) return;
        onSignal = undefined;
        if (removalScheduled) return;
        removalScheduled = true;
        host().afterTurn(removeIfIdle);
      };
    },
    exitNow(signal) {
      host().exit(exitCodeOf(signal));
    },
    exitIfUncaught(error: Interrupted) {
      host().exitIfUncaught(error, exitCodeOf(error.signal));
    },
  });
}
