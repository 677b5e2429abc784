/**
 * The signal room's host (runtime/signals/signal-host.ts) on Node, Bun and Deno: listeners on the
 * real `process` object, and `run()`'s handling of SIGINT and SIGTERM. Imported for its effect
 * by the Node entry point.
 *
 * Under a test runner that hands each module a sandboxed copy of `process` (Jest does), listeners
 * added to the copy never hear a signal: the real object is the main context's global `process`,
 * which `vm.runInThisContext` reaches.
 */
import { constants } from "node:os";
import { runInThisContext } from "node:vm";
import { isMainThread } from "node:worker_threads";
import { signalHost, type SignalHost } from "../../signals/signal-host";
import { installRunInterrupts } from "../../signals/run-interrupts";
import { outsideFrames } from "../../core/frame";

/** A signal name, as Node spells it. */
export type NodeSignal = NodeJS.Signals;

function realProcess(): NodeJS.Process {
  try {
    const main = runInThisContext("typeof process === 'object' ? process : undefined") as NodeJS.Process | undefined;
    if (main !== undefined && typeof main.on === "function") return main;
  } catch {
    // A host without vm contexts: the module's own `process` is the real one there.
  }
  return process;
}

const host = realProcess();

/** Interrupted errors `run()` rejected with and that nobody has caught yet, as far as we know. */
const pendingInterrupts = new WeakMap<Error, number>();
let monitoring = false;

/**
 * The host's report of an error nobody caught (an unhandled rejection in Node's default mode, a
 * rejected top-level await): if it is a run's Interrupted, print it and exit with the signal's
 * code instead of Node's 1. A monitor changes nothing for any other error.
 */
function onUncaught(error: unknown): void {
  if (typeof error !== "object" || error === null) return;
  const code = pendingInterrupts.get(error as Error);
  if (code === undefined) return;
  host.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  host.exit(code);
}

const nodeSignals: SignalHost = {
  receivesSignals: isMainThread,
  platform: host.platform,
  signalNumber(signal) {
    return Object.prototype.hasOwnProperty.call(constants.signals, signal)
      ? constants.signals[signal as NodeSignal]
      : undefined;
  },
  addListener(signal, listener) {
    // Outside every task's frame: the signal's handle calls back in the context it was made in.
    outsideFrames(() => host.on(signal, listener));
  },
  removeListener(signal, listener) {
    host.removeListener(signal, listener);
  },
  listenerCount(signal) {
    return host.listenerCount(signal);
  },
  raise(signal) {
    host.kill(host.pid, signal);
  },
  afterTurn(fn) {
    setImmediate(fn);
  },
  keepAlive() {
    const timer = setInterval(() => {}, 0x3fffffff);
    return () => clearInterval(timer);
  },
  exit(code) {
    host.exit(code);
  },
  exitIfUncaught(error, code) {
    pendingInterrupts.set(error, code);
    if (monitoring) return;
    // Installed once, at the first interrupt, and never removed: a monitor neither keeps the
    // process alive nor changes what happens to any other error.
    monitoring = true;
    if (host.versions.bun === undefined) {
      host.on("uncaughtExceptionMonitor", onUncaught);
      return;
    }
    // Bun reports an unhandled rejection to no monitor: listen for the rejection itself, and
    // give any other reason back to the host's default (thrown from here, it ends the process).
    host.on("unhandledRejection", (reason: unknown) => {
      onUncaught(reason);
      if (host.listenerCount("unhandledRejection") === 1) throw reason;
    });
  },
};

signalHost.install(nodeSignals);
installRunInterrupts();
