/**
 * Time: the monotonic clock, the timer heap behind every sleep and deadline, and the
 * macrotask yield that `checkpoint()` uses.
 *
 * All sleeps and scope deadlines of a run share one heap and at most one host timer, armed for
 * the earliest deadline. That keeps cancelling many sleepers cheap (a heap removal each) and
 * gives a single place for a mock clock to take over.
 */

/** A source of monotonic time in milliseconds. */
export interface Clock {
  now(): number;
}

/** The real monotonic clock (`performance.now()`). */
export const realClock: Clock = { now: () => performance.now() };

/** A scheduled callback; `index` is its place in the heap, -1 once it has fired or been removed. */
export interface TimerEntry {
  deadline: number;
  seq: number;
  index: number;
  fire(): void;
}

// setTimeout takes a signed 32-bit delay; longer ones fire at once.
const MAX_HOST_DELAY = 2 ** 31 - 1;

/** A min-heap of deadlines driven by one host timer. */
export class Timers {
  private readonly heap: TimerEntry[] = [];
  private seq = 0;
  private host: ReturnType<typeof setTimeout> | undefined;
  private hostDeadline = Infinity;
  private firing = false;

  constructor(readonly clock: Clock = realClock) {}

  get size(): number {
    return this.heap.length;
  }

  /** The earliest pending deadline, or `Infinity`. */
  nextDeadline(): number {
    return this.heap.length > 0 ? this.heap[0].deadline : Infinity;
  }

  /** Calls `fire` once the clock reaches `deadline`. */
  add(deadline: number, fire: () => void): TimerEntry {
    return this.schedule({ deadline, seq: 0, fire, index: -1 }, deadline);
  }

  /**
   * Schedules an entry the caller allocated (a sleeping waiter is its own entry, which saves a
   * closure and an object per sleep); calls its `fire()` at `deadline`.
   */
  schedule<E extends TimerEntry>(entry: E, deadline: number): E {
    entry.deadline = deadline;
    entry.seq = this.seq++;
    entry.index = this.heap.length;
    this.heap.push(entry);
    this.siftUp(entry.index);
    if (entry.index === 0 && !this.firing) this.arm();
    return entry;
  }

  /** Forgets `entry`; harmless if it already fired or was removed. */
  remove(entry: TimerEntry): void {
    const i = entry.index;
    if (i < 0) return;
    entry.index = -1;
    const last = this.heap.pop()!;
    if (last !== entry) {
      this.heap[i] = last;
      last.index = i;
      this.siftDown(i);
      this.siftUp(last.index);
    }
    if (i === 0 && !this.firing) this.arm();
  }

  /** Fires every entry whose deadline has been reached, in deadline order. */
  fireDue(): void {
    const now = this.clock.now();
    this.firing = true;
    try {
      while (this.heap.length > 0 && this.heap[0].deadline <= now) {
        const entry = this.heap[0];
        this.remove(entry);
        entry.fire();
      }
    } finally {
      this.firing = false;
      this.arm();
    }
  }

  /** Cancels the host timer; the heap must be empty by then for nothing to be lost. */
  dispose(): void {
    if (this.host !== undefined) clearTimeout(this.host);
    this.host = undefined;
    this.hostDeadline = Infinity;
  }

  private arm(): void {
    const deadline = this.nextDeadline();
    if (deadline === this.hostDeadline) return;
    if (this.host !== undefined) clearTimeout(this.host);
    this.host = undefined;
    this.hostDeadline = deadline;
    if (deadline === Infinity) return;
    // Host timers may fire a little early against performance.now(); fireDue re-arms then.
    const delay = Math.min(MAX_HOST_DELAY, Math.max(0, Math.ceil(deadline - this.clock.now())));
    this.host = setTimeout(this.onHostTimer, delay);
  }

  private readonly onHostTimer = (): void => {
    this.host = undefined;
    this.hostDeadline = Infinity;
    this.fireDue();
  };

  private less(a: TimerEntry, b: TimerEntry): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const entry = heap[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(entry, heap[parent])) break;
      heap[i] = heap[parent];
      heap[i].index = i;
      i = parent;
    }
    heap[i] = entry;
    entry.index = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const entry = heap[i];
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.less(heap[right], heap[left]) ? right : left;
      if (!this.less(heap[child], entry)) break;
      heap[i] = heap[child];
      heap[i].index = i;
      i = child;
    }
    heap[i] = entry;
    entry.index = i;
  }
}

/**
 * Runs `fn` in a later macrotask: after pending I/O callbacks and timers had their turn, which is
 * what makes `checkpoint()` a real scheduling point rather than a microtask hop.
 */
export const yieldMacrotask: (fn: () => void) => void = (() => {
  const g = globalThis as any;
  if (typeof g.setImmediate === "function") return (fn: () => void) => void g.setImmediate(fn);
  if (typeof g.MessageChannel === "function") {
    const queue: Array<() => void> = [];
    const channel = new g.MessageChannel();
    channel.port1.onmessage = () => queue.shift()!();
    return (fn: () => void) => {
      queue.push(fn);
      channel.port2.postMessage(undefined);
    };
  }
  return (fn: () => void) => void setTimeout(fn, 0);
})();
