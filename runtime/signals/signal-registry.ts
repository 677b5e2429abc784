/**
 * The one process listener per signal that every receiver and `run()` share.
 *
 * A signal some receiver listens for goes to every such receiver, in the order they were opened,
 * and is not turned into cancellation: a program that receives SIGINT or SIGTERM itself decides
 * what they mean. Otherwise SIGINT and SIGTERM go to `run()`'s interrupt handler, if a run
 * listens.
 *
 *   Invariant: a process listener for a signal is installed exactly while the signal has a
 *   receiver or the interrupt handler; removing the last one gives Node's default action back.
 */
import { signalHost, type NodeSignal } from "./signal-host";

interface Subscribers {
  /** Receivers' delivery functions, oldest first. */
  receivers: Array<(signal: NodeSignal) => void>;
  interrupt: ((signal: NodeSignal) => void) | undefined;
  readonly listener: () => void;
}

const bySignal = new Map<NodeSignal, Subscribers>();

function subscribersOf(signal: NodeSignal): Subscribers {
  let entry = bySignal.get(signal);
  if (entry === undefined) {
    const created: Subscribers = {
      receivers: [],
      interrupt: undefined,
      listener: () => {
        // A copy: a receiver closed while this delivery runs still gets it (it was sent first).
        const receivers = created.receivers.slice();
        if (receivers.length > 0) for (const deliver of receivers) deliver(signal);
        else created.interrupt?.(signal);
      },
    };
    entry = created;
    bySignal.set(signal, entry);
    signalHost.get("openSignalReceiver()").addListener(signal, entry.listener);
  }
  return entry;
}

function release(signal: NodeSignal, entry: Subscribers): void {
  if (entry.receivers.length > 0 || entry.interrupt !== undefined) return;
  bySignal.delete(signal);
  signalHost.get("openSignalReceiver()").removeListener(signal, entry.listener);
}

/** Delivers every `signal` to `deliver` until the returned function is called. */
export function addReceiver(signal: NodeSignal, deliver: (signal: NodeSignal) => void): () => void {
  const entry = subscribersOf(signal);
  entry.receivers.push(deliver);
  return () => {
    const i = entry.receivers.indexOf(deliver);
    if (i < 0) return;
    entry.receivers.splice(i, 1);
    release(signal, entry);
  };
}

/** Sends every `signal` no receiver takes to `handler` until the returned function is called. */
export function setInterruptHandler(signal: NodeSignal, handler: (signal: NodeSignal) => void): () => void {
  const entry = subscribersOf(signal);
  entry.interrupt = handler;
  return () => {
    if (entry.interrupt !== handler) return;
    entry.interrupt = undefined;
    release(signal, entry);
  };
}
