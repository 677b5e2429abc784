/**
 * `openSignalReceiver()`: start receiving signals (AnyIO's `open_signal_receiver`).
 */
import { NotSupportedError } from "../core/errors";
import { describeValue } from "../core/validate";
import { signalHost, type NodeSignal } from "./signal-host";
import { SignalReceiver } from "./signal-receiver";

/** The only signals Windows lets a process receive. */
const WINDOWS_SIGNALS: ReadonlySet<string> = new Set(["SIGINT", "SIGBREAK", "SIGHUP", "SIGWINCH"]);

/**
 * Starts receiving `signals` and returns the receiver to iterate; close it (or `using`) to stop.
 * Until then every delivery of these signals is queued for it, in order, and none of them has
 * Node's default action: SIGINT and SIGTERM received this way no longer stop `run()` either, the
 * program decides. Other listeners of the same signals keep receiving them too. Synchronous, and
 * it needs no task; iterating it does. Never a checkpoint.
 *
 * `SIGUSR1` works, but Node reserves it for its inspector.
 *
 * @param signals - signal names, such as `"SIGTERM"` or `"SIGHUP"` (repeats are received once).
 * @example
 * ```ts
 * await run(async () => {
 *   using signals = openSignalReceiver("SIGTERM", "SIGINT");
 *   await createTaskGroup().run(async (tg) => {
 *     tg.startSoon(serve);
 *     for await (const signal of signals) {
 *       console.log(`got ${signal}, shutting down`);
 *       tg.cancel();
 *       break;
 *     }
 *   });
 * });
 * ```
 * @throws TypeError when a signal is not a signal name the host knows.
 * @throws NotSupportedError in a browser, in a worker thread (Node delivers signals to the main
 *   thread only), for SIGKILL and SIGSTOP (no process can catch them), and on Windows for anything
 *   but SIGINT, SIGBREAK, SIGHUP and SIGWINCH.
 */
export function openSignalReceiver(...signals: NodeSignal[]): SignalReceiver {
  const host = signalHost.get("openSignalReceiver()");
  if (!host.receivesSignals) {
    throw new NotSupportedError(
      "openSignalReceiver() needs the main thread: Node delivers signals to the main thread only, never to a worker thread",
    );
  }
  const distinct: NodeSignal[] = [];
  signals.forEach((signal, i) => {
    if (typeof signal !== "string" || host.signalNumber(signal) === undefined) {
      throw new TypeError(
        `Expected \`signals[${i}]\` to be a signal name such as "SIGTERM", got ${describeValue(signal)}`,
      );
    }
    if (signal === "SIGKILL" || signal === "SIGSTOP") {
      throw new NotSupportedError(`openSignalReceiver() cannot receive ${signal}: no process can catch it`);
    }
    if (host.platform === "win32" && !WINDOWS_SIGNALS.has(signal)) {
      throw new NotSupportedError(
        `openSignalReceiver() cannot receive ${signal} on Windows; only SIGINT, SIGBREAK, SIGHUP and SIGWINCH can be received there`,
      );
    }
    if (!distinct.includes(signal)) distinct.push(signal);
  });
  return new SignalReceiver(distinct);
}
