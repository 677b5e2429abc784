/**
 * The state shared by every end (and clone) of one memory object stream: the buffer, the open
 * counts, and the tasks parked in `send()` and `receive()`.
 * Internal; `memory.ts` holds the public ends.
 *
 * Invariants (between synchronous segments):
 * - Every node in `senders` / `receivers` holds a waiter that has not ended: a parked task that
 *   is cancelled leaves its queue in `onCancel`, before the cancellation is delivered, and
 *   whoever takes a node out of a queue ends its waiter in the same segment.
 * - A waiting receiver means an empty buffer and no waiting sender; a waiting sender means a
 *   full buffer and no waiting receiver. So at most one of the two queues is non-empty.
 * - An item is in exactly one place: a sender's hands, the buffer, a sender node, or a
 *   receiver's hands. It moves between them only together with the waiter that proves it (a
 *   sender's `send()` returns only once its item left its node; a receiver is handed an item
 *   only by waking its waiter, which a later cancellation cannot undo).
 */
import type { CancelScope } from "../core/cancel-scope";
import { BrokenResourceError, EndOfStream } from "../core/errors";
import type { Waiter } from "../core/waiter";
import { LinkedQueue, type Linked } from "../sync/wait-queue";

/** What {@link MemoryStreamState.take} returns when the buffer is empty but senders remain. */
export const BLOCKED: unique symbol = Symbol("blocked");
/** What {@link MemoryStreamState.take} returns when the buffer is empty and every send end is closed. */
export const ENDED: unique symbol = Symbol("ended");

/** The iterator result that ends a `for await` loop over a receive stream. */
const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true as const });

/**
 * The statistics of a memory object stream: the same record from either end and from every
 * clone (AnyIO's `MemoryObjectStreamStatistics`, in camelCase).
 */
export interface MemoryObjectStreamStatistics {
  /** Number of items stored in the buffer. */
  readonly currentBufferUsed: number;
  /** How many items the buffer can hold: an integer >= 0, or `Infinity`. */
  readonly maxBufferSize: number;
  /** Number of send ends (clones included) that are not closed. */
  readonly openSendStreams: number;
  /** Number of receive ends (clones included) that are not closed. */
  readonly openReceiveStreams: number;
  /** Number of tasks blocked in `send()`. */
  readonly tasksWaitingSend: number;
  /** Number of tasks blocked in `receive()` (or in a `for await` step). */
  readonly tasksWaitingReceive: number;
}

/** A task parked in `send()`, with the item it offers. */
class SenderNode implements Linked<SenderNode> {
  prev: SenderNode | null = null;
  next: SenderNode | null = null;
  queued = true;

  constructor(
    readonly waiter: Waiter<void>,
    readonly item: unknown,
  ) {}
}

/**
 * A task parked in `receive()`. `iterating` receivers (a `for await` step) are woken with an
 * iterator result instead of the bare item, so that iteration costs no extra promise per item.
 */
class ReceiverNode implements Linked<ReceiverNode> {
  prev: ReceiverNode | null = null;
  next: ReceiverNode | null = null;
  queued = true;

  constructor(
    readonly waiter: Waiter<any>,
    /** The scope the receiver parked in: a pending cancellation there means "skip me". */
    readonly scope: CancelScope,
    readonly iterating: boolean,
  ) {}
}

/**
 * A FIFO of items on a growable ring: O(1) at both ends, so an unbounded buffer holding a
 * million items costs no more per item than one holding ten (`Array.prototype.shift` is O(n)).
 */
class ItemDeque {
  private ring: unknown[] = new Array(8);
  private head = 0;
  length = 0;

  push(item: unknown): void {
    if (this.length === this.ring.length) this.grow();
    this.ring[(this.head + this.length) & (this.ring.length - 1)] = item;
    this.length++;
  }

  shift(): unknown {
    const item = this.ring[this.head];
    this.ring[this.head] = undefined; // drop the reference: the buffer must not keep items alive
    this.head = (this.head + 1) & (this.ring.length - 1);
    this.length--;
    // Give back the memory of a burst once the buffer is mostly empty again.
    if (this.ring.length > 1024 && this.length * 4 < this.ring.length) this.resize(this.ring.length >> 1);
    return item;
  }

  private grow(): void {
    this.resize(this.ring.length * 2);
  }

  private resize(size: number): void {
    const old = this.ring;
    const ring = new Array(size);
    for (let i = 0; i < this.length; i++) ring[i] = old[(this.head + i) & (old.length - 1)];
    this.ring = ring;
    this.head = 0;
  }
}

/** @internal The state behind one memory object stream (every end and clone shares it). */
export class MemoryStreamState {
  private readonly buffer = new ItemDeque();
  private readonly senders = new LinkedQueue<SenderNode>();
  private readonly receivers = new LinkedQueue<ReceiverNode>();
  openSendStreams = 0;
  openReceiveStreams = 0;

  constructor(readonly maxBufferSize: number) {}

  statistics(): MemoryObjectStreamStatistics {
    return Object.freeze({
      currentBufferUsed: this.buffer.length,
      maxBufferSize: this.maxBufferSize,
      openSendStreams: this.openSendStreams,
      openReceiveStreams: this.openReceiveStreams,
      tasksWaitingSend: this.senders.length,
      tasksWaitingReceive: this.receivers.length,
    });
  }

  get bufferUsed(): number {
    return this.buffer.length;
  }

  get tasksWaitingSend(): number {
    return this.senders.length;
  }

  get tasksWaitingReceive(): number {
    return this.receivers.length;
  }

  /**
   * The core of `sendNowait` once the handle checks passed: hands `item` to the first
   * waiting receiver without a pending cancellation, or buffers it if there is room. Returns
   * false (the item stays with the caller) when neither is possible.
   */
  offer(item: unknown): boolean {
    const receiver = this.nextReceiver();
    if (receiver !== null) {
      deliver(receiver, item);
      return true;
    }
    if (this.buffer.length < this.maxBufferSize) {
      this.buffer.push(item);
      return true;
    }
    return false;
  }

  /**
   * The rest of `send()` after its checkpoint and handle checks: delivers `item` as
   * {@link offer} does and wakes `waiter`, or parks it with the item. The sender is woken before
   * the receiver it served, so it resumes first, as the task that completed the operation does
   * in AnyIO.
   */
  sendOrPark(waiter: Waiter<void>, item: unknown): void {
    const receiver = this.nextReceiver();
    if (receiver !== null) {
      waiter.wake();
      deliver(receiver, item);
    } else if (this.buffer.length < this.maxBufferSize) {
      this.buffer.push(item);
      waiter.wake();
    } else {
      const node = new SenderNode(waiter, item);
      this.senders.append(node);
      waiter.onCancel = () => this.senders.remove(node);
    }
  }

  /**
   * The core of `receiveNowait` once the handle checks passed: first moves the oldest
   * waiting sender's item to the buffer's tail and releases that sender (its `send()` has
   * succeeded), then returns the buffer's head. Returns {@link ENDED} when nothing is left and
   * every send end is closed, {@link BLOCKED} when nothing is left yet.
   */
  take(): unknown {
    const sender = this.nextSender();
    if (sender !== null) {
      this.buffer.push(sender.item);
      sender.waiter.wake();
    }
    if (this.buffer.length > 0) return this.buffer.shift();
    return this.openSendStreams === 0 ? ENDED : BLOCKED;
  }

  /**
   * The rest of `receive()` (or of a `for await` step, when `iterating`) after its checkpoint
   * and handle checks: takes an item as {@link take} does and wakes `waiter` with it (the
   * receiver first, then the sender it released), ends it at the end of the stream, or parks it.
   */
  receiveOrPark(waiter: Waiter<any>, scope: CancelScope, iterating: boolean): void {
    const sender = this.nextSender();
    if (sender !== null) this.buffer.push(sender.item);
    if (this.buffer.length > 0) {
      const item = this.buffer.shift();
      waiter.wake(iterating ? { value: item, done: false } : item);
      sender?.waiter.wake();
    } else if (this.openSendStreams > 0) {
      const node = new ReceiverNode(waiter, scope, iterating);
      this.receivers.append(node);
      waiter.onCancel = () => this.receivers.remove(node);
    } else if (iterating) {
      waiter.wake(DONE);
    } else {
      waiter.fail(endOfStream());
    }
  }

  /**
   * The oldest waiting receiver that can take an item, out of its queue; null if none. A
   * receiver whose scope is being cancelled is dropped, not served: the item would
   * otherwise end up in a task that is unwinding. Its scope ends its waiter.
   */
  private nextReceiver(): ReceiverNode | null {
    for (let node = this.receivers.shift(); node !== null; node = this.receivers.shift()) {
      if (!node.scope._effectivelyCancelled && !node.waiter.settled) return node;
    }
    return null;
  }

  /** The oldest waiting sender, out of its queue; null if none. */
  private nextSender(): SenderNode | null {
    for (let node = this.senders.shift(); node !== null; node = this.senders.shift()) {
      // By the queue invariant its waiter has not ended; one that had must not deliver its item.
      if (!node.waiter.settled) return node;
    }
    return null;
  }

  /** One send end closed: after the last one, every waiting receiver gets the end. */
  sendEndClosed(): void {
    if (--this.openSendStreams > 0) return;
    for (let node = this.receivers.shift(); node !== null; node = this.receivers.shift()) {
      if (node.iterating) node.waiter.wake(DONE);
      else node.waiter.fail(endOfStream());
    }
  }

  /** One receive end closed: after the last one, every waiting sender fails and keeps its item. */
  receiveEndClosed(): void {
    if (--this.openReceiveStreams > 0) return;
    for (let node = this.senders.shift(); node !== null; node = this.senders.shift()) {
      node.waiter.fail(brokenResource());
    }
  }
}

/** Wakes a receiver taken out of its queue with `item` (an iterator result for a `for await` step). */
function deliver(receiver: ReceiverNode, item: unknown): void {
  receiver.waiter.wake(receiver.iterating ? { value: item, done: false } : item);
}

/** The error of a receive on a drained stream whose send ends are all closed. */
export function endOfStream(): EndOfStream {
  return new EndOfStream("Every send end of this memory object stream was closed and its buffer is empty");
}

/** The error of a send on a stream whose receive ends are all closed. */
export function brokenResource(): BrokenResourceError {
  return new BrokenResourceError(
    "Every receive end of this memory object stream was closed: nothing can receive the item",
  );
}
