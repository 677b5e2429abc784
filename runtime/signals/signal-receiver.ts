/**
 * `SignalReceiver`: the signals a program asked for, as an async iterable (AnyIO's
 * `open_signal_receiver`).
 *
 * Deliveries are queued in arrival order, unbounded, until a consumer takes them. A step of the
 * iteration is a checkpoint: it yields one macrotask first (cancellable), then takes the oldest
 * queued signal or parks until one arrives. A signal is taken off the queue only when a waiting
 * step is woken with it, so a step cancelled before that loses nothing.
 *
 *   Invariant: `waiting` holds the parked steps in the order they were asked for; a step is
 *   served only once it has yielded (`ready`), and steps become ready in that same order.
 *
 * While some step waits, the receiver keeps the process alive, as a pending timer or socket
 * would: a program whose only work is to wait for SIGTERM must not just end (Node's signal
 * listeners do not hold the event loop).
 */
import { currentFrame } from "../core/frame";
import { yieldMacrotask } from "../core/clock";
import { Waiter } from "../core/waiter";
import { cancelled, outsideTask } from "../sync/checks";
import { addReceiver } from "./signal-registry";
import { signalHost, type NodeSignal } from "./signal-host";

interface Step {
  readonly waiter: Waiter<IteratorResult<NodeSignal, undefined>>;
  ready: boolean;
}

const DONE: IteratorResult<NodeSignal, undefined> = Object.freeze({ value: undefined, done: true });

/**
 * The signals given to `openSignalReceiver()`, in the order they arrive: iterate it with
 * `for await`. Breaking out of the loop does not stop the receiving; `close()` (or the end of a
 * `using` block) does, and gives each signal back to Node's default action once no other
 * listener remains. Iterating a closed receiver ends at once.
 *
 * @example
 * ```ts
 * using signals = openSignalReceiver("SIGHUP", "SIGTERM");
 * for await (const signal of signals) {
 *   if (signal === "SIGHUP") await reloadConfig();
 *   else break;
 * }
 * ```
 */
export class SignalReceiver implements AsyncIterable<NodeSignal>, Disposable {
  private readonly queue: NodeSignal[] = [];
  private readonly waiting: Step[] = [];
  private readonly stops: Array<() => void>;
  private closed = false;
  private readonly signals: readonly NodeSignal[];
  /** Releases the hold on the process while a consumer waits (see {@link hold}). */
  private release: (() => void) | undefined;

  /** @internal Use `openSignalReceiver()`. */
  constructor(signals: readonly NodeSignal[]) {
    this.signals = signals;
    const deliver = (signal: NodeSignal): void => {
      if (this.closed) return;
      this.queue.push(signal);
      this.serve();
    };
    this.stops = [];
    try {
      for (const signal of signals) this.stops.push(addReceiver(signal, deliver));
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /**
   * An iterator over the signals as they arrive. Each step is a checkpoint; the iterator has no
   * `return()`, so leaving a `for await` loop leaves the receiver open.
   * @throws NoCurrentTaskError (from a step) outside `run()`.
   */
  [Symbol.asyncIterator](): AsyncIterator<NodeSignal> {
    return { next: () => this.step() as Promise<IteratorResult<NodeSignal>> };
  }

  /**
   * Stops receiving: removes this receiver's listeners (Node's default action comes back for a
   * signal nobody else listens to), drops the signals not taken yet, and ends the iteration of
   * every waiting consumer. Idempotent. Never a checkpoint.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const stop of this.stops) stop();
    this.queue.length = 0;
    this.serve();
  }

  /** Same as {@link close}: `using receiver = openSignalReceiver("SIGTERM")`. Never a checkpoint. */
  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return `<SignalReceiver ${this.closed ? "closed" : this.signals.join(",")} queued=${this.queue.length}>`;
  }

  private step(): Promise<IteratorResult<NodeSignal, undefined>> {
    const frame = currentFrame();
    if (frame === undefined) return outsideTask("Iterating a SignalReceiver");
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const step: Step = {
      waiter: new Waiter<IteratorResult<NodeSignal, undefined>>(frame, () => {
        const i = this.waiting.indexOf(step);
        if (i >= 0) this.waiting.splice(i, 1);
        this.hold();
      }).waitsFor("operation", "a signal"),
      ready: false,
    };
    this.waiting.push(step);
    this.hold();
    yieldMacrotask(() => {
      step.ready = true;
      this.serve();
    });
    return step.waiter.promise;
  }

  /** Hands queued signals (or the end, once closed) to the ready steps, oldest first. */
  private serve(): void {
    const waiting = this.waiting;
    while (waiting.length > 0 && waiting[0].ready) {
      if (this.queue.length > 0) {
        waiting.shift()!.waiter.wake({ value: this.queue.shift()!, done: false });
      } else if (this.closed) {
        waiting.shift()!.waiter.wake(DONE);
      } else {
        break;
      }
    }
    this.hold();
  }

  /** Holds the process alive exactly while some step waits. */
  private hold(): void {
    if (this.waiting.length > 0) {
      this.release ??= signalHost.get("openSignalReceiver()").keepAlive();
    } else if (this.release !== undefined) {
      const release = this.release;
      this.release = undefined;
      release();
    }
  }
}
