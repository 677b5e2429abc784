/**
 * `run()`'s handling of SIGINT and SIGTERM, on top of the shared signal listeners: the core's
 * {@link InterruptHost}, installed by the Node entry point with the signal host.
 */
import type { Interrupted } from "../core/errors";
import { installInterruptHost, type InterruptSignal } from "../core/interrupts";
import { signalHost } from "./signal-host";
import { setInterruptHandler } from "./signal-registry";

const INTERRUPT_SIGNALS: readonly InterruptSignal[] = ["SIGINT", "SIGTERM"];

/** The exit code of a process killed by `signal`, as a shell reports it: 128 + its number. */
function exitCodeOf(signal: InterruptSignal): number {
  return 128 + (signalHost.get("run()").signalNumber(signal) ?? (signal === "SIGINT" ? 2 : 15));
}

/** Makes `run()` listen through the installed signal host. */
export function installRunInterrupts(): void {
  installInterruptHost({
    listen(onSignal) {
      if (!signalHost.get("run()").receivesSignals) return undefined;
      const stops = INTERRUPT_SIGNALS.map((signal) =>
        setInterruptHandler(signal, (received) => onSignal(received as InterruptSignal)),
      );
      return () => {
        for (const stop of stops) stop();
      };
    },
    exitNow(signal) {
      signalHost.get("run()").exit(exitCodeOf(signal));
    },
    exitIfUncaught(error: Interrupted) {
      signalHost.get("run()").exitIfUncaught(error, exitCodeOf(error.signal));
    },
  });
}
