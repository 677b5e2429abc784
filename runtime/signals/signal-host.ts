/**
 * What the signal room needs from the host: the process's signal listeners and its exit. The
 * Node entry point installs runtime/platform/node/signals.ts; in a browser every call throws
 * NotSupportedError.
 */
import { Seam } from "../platform/seam";
import type { NodeSignal } from "../platform/node/signals";

export type { NodeSignal };

/** The host side of signals: Node's `process`, as seen from the main thread. */
export interface SignalHost {
  /** Whether this thread gets the process's signals: false in a worker thread. */
  readonly receivesSignals: boolean;
  /** `process.platform`. */
  readonly platform: string;
  /** The signal's number, or undefined for a name the host does not know. */
  signalNumber(signal: string): number | undefined;
  /** Adds `listener` for `signal` on the real process object. */
  addListener(signal: NodeSignal, listener: () => void): void;
  /** Removes it; once no listener remains, Node's default action is back. */
  removeListener(signal: NodeSignal, listener: () => void): void;
  /** How many listeners the real process object has for `signal`. */
  listenerCount(signal: NodeSignal): number;
  /** Sends `signal` to this process. */
  raise(signal: NodeSignal): void;
  /** Calls `fn` once, after the current event-loop turn (a ref'd `setImmediate`: it never outlives that turn). */
  afterTurn(fn: () => void): void;
  /**
   * Keeps the process alive until the returned function is called (a consumer waiting for a
   * signal must not let the event loop run dry: the host's own signal listeners do not hold it).
   */
  keepAlive(): () => void;
  /** Ends the process now with `code`. */
  exit(code: number): void;
  /**
   * Arranges that, if `error` reaches the host's uncaught-error handling (an unhandled rejection,
   * or the rejection of a module's top-level await), the process prints it and exits with `code`.
   */
  exitIfUncaught(error: Error, code: number): void;
}

/** The installed signal host. */
export const signalHost = new Seam<SignalHost>("browsers cannot receive signals");
