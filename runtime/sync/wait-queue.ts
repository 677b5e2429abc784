/**
 * The FIFO queues of parked tasks behind every synchronization primitive and the memory object
 * streams. Internal.
 */
import type { Waiter } from "../core/waiter";

/**
 * What a {@link LinkedQueue} links: the links live in the node itself, so that a node leaves
 * its queue in O(1) from anywhere.
 */
export interface Linked<N> {
  prev: N | null;
  next: N | null;
  /** Whether the node is still in its queue. */
  queued: boolean;
}

/**
 * A FIFO of intrusive nodes with O(1) removal from anywhere, so that a cancelled waiter leaves
 * its queue at once (a withdrawn request must never be granted, and must not linger: a loop of
 * timed-out acquires on a lock held for hours would otherwise grow the queue without bound).
 * Shared by the sync primitives ({@link WaitQueue}) and the memory object streams.
 */
export class LinkedQueue<N extends Linked<N>> {
  private head: N | null = null;
  private tail: N | null = null;
  /** Number of queued nodes. */
  length = 0;

  /** Appends `node` (a fresh node, `queued` true and unlinked). */
  append(node: N): void {
    node.prev = this.tail;
    if (this.tail !== null) this.tail.next = node;
    else this.head = node;
    this.tail = node;
    this.length++;
  }

  /** Removes and returns the oldest node, or null when empty. */
  shift(): N | null {
    const node = this.head;
    if (node !== null) this.remove(node);
    return node;
  }

  /** Takes `node` out of the queue; harmless if it already left. */
  remove(node: N): void {
    if (!node.queued) return;
    node.queued = false;
    if (node.prev !== null) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next !== null) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = node.next = null;
    this.length--;
  }
}

/** One parked request: its waiter, and for a CapacityLimiter the borrower it asked for. */
export class WaitNode<T> implements Linked<WaitNode<T>> {
  /** @internal */ prev: WaitNode<T> | null = null;
  /** @internal */ next: WaitNode<T> | null = null;
  /** @internal Whether the node is still in its queue. */
  queued = true;

  constructor(
    readonly waiter: Waiter<T>,
    /** An explicit borrower (CapacityLimiter.acquireOnBehalfOf); undefined means the waiter's task. */
    readonly borrower?: object,
  ) {}
}

/**
 * The queue of parked requests behind a sync primitive.
 *
 * Invariant: every node in the queue holds a waiter that has not ended. The primitives keep it
 * by removing a node in its waiter's `onCancel`, which runs before the cancellation is delivered.
 */
export class WaitQueue<T> extends LinkedQueue<WaitNode<T>> {
  /** Appends `waiter` and makes its cancellation withdraw it (plus `onCancel`, if given). */
  push(waiter: Waiter<T>, borrower?: object, onCancel?: (node: WaitNode<T>) => void): WaitNode<T> {
    const node = new WaitNode(waiter, borrower);
    this.append(node);
    waiter.onCancel = () => {
      this.remove(node);
      onCancel?.(node);
    };
    return node;
  }

  /** Wakes the oldest waiter with `value` and returns its node, or null when nobody waits. */
  wakeFirst(value: T): WaitNode<T> | null {
    // Invariant (above): every queued waiter can still be woken; the loop only guards it.
    for (let node = this.shift(); node !== null; node = this.shift()) {
      if (node.waiter.wake(value)) return node;
    }
    return null;
  }

  /** Wakes every waiter with `value`, oldest first. */
  wakeAll(value: T): void {
    for (let node = this.shift(); node !== null; node = this.shift()) node.waiter.wake(value);
  }
}
