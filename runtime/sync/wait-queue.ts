/**
 * The FIFO queue of parked tasks behind every synchronization primitive. Internal.
 *
 * The sync primitives import the core modules directly rather than through `rt.ts`: `rt.ts`
 * loads the Node context carrier (`node:async_hooks`) for its side effect, and the browser entry
 * point, which exports these primitives too, must not pull that in.
 */
import type { Waiter } from "../core/waiter";

/** One parked request: its waiter, and for a CapacityLimiter the borrower it asked for. */
export class WaitNode<T> {
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
 * A FIFO of parked requests with O(1) removal from anywhere, so that a cancelled waiter leaves
 * the queue at once (a withdrawn request must never be granted, and must not linger: a loop of
 * timed-out acquires on a lock held for hours would otherwise grow the queue without bound).
 *
 * Invariant: every node in the queue holds a waiter that has not ended. The primitives keep it
 * by removing a node in its waiter's `onCancel`, which runs before the cancellation is delivered.
 */
export class WaitQueue<T> {
  private head: WaitNode<T> | null = null;
  private tail: WaitNode<T> | null = null;
  /** Number of queued nodes. */
  length = 0;

  /** Appends `waiter` and makes its cancellation withdraw it (plus `onCancel`, if given). */
  push(waiter: Waiter<T>, borrower?: object, onCancel?: (node: WaitNode<T>) => void): WaitNode<T> {
    const node = new WaitNode(waiter, borrower);
    node.prev = this.tail;
    if (this.tail !== null) this.tail.next = node;
    else this.head = node;
    this.tail = node;
    this.length++;
    waiter.onCancel = () => {
      this.remove(node);
      onCancel?.(node);
    };
    return node;
  }

  /** Removes and returns the oldest node, or null when empty. */
  shift(): WaitNode<T> | null {
    const node = this.head;
    if (node !== null) this.remove(node);
    return node;
  }

  /** Takes `node` out of the queue; harmless if it already left. */
  remove(node: WaitNode<T>): void {
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
