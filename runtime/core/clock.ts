/**
 * Time: the monotonic clock, the timer heap behind every sleep and deadline, and the
 * macrotask yield that `checkpoint()` uses.
 *
 * All sleeps and scope deadlines of a run share one heap and at most one host timer, armed for
 * the earliest deadline. That keeps cancelling many sleepers cheap (a heap removal each) and
 * gives a single place for a mock clock to take over: a clock with an `attach` method replaces
 * the host timer with its own {@link ClockDriver}, and fires the run's timers when its own
 * notion of time reaches them (see runtime/testing/mock-clock.ts).
 */

/**
 * A source of monotonic time in milliseconds: what `currentTime()`, `sleep()` and every
 * deadline of a run measure against. `runWith({ clock }, fn)` starts a run on a given clock;
 * `run()` uses the real one.
 *
 * A clock that only has `now()` is read, and the run waits for its deadlines with a host timer
 * (`setTimeout`), so `now()` must advance at the pace of real time. A clock that does not (a
 * mock clock) implements `attach()` and wakes the run itself.
 *
 * @example
 * ```ts
 * // Real time, counted from the start of the run.
 * const start = performance.now();
 * const fromZero: Clock = { now: () => performance.now() - start };
 * await runWith({ clock: fromZero }, async () => { await sleep(10); currentTime(); // about 10 });
 * ```
 */
export interface Clock {
  /** The current time in milliseconds; never decreases. */
  now(): number;
  /**
   * Called once when a run starts on this clock, before its first task runs: the clock takes
   * over waking the run's timers, and returns the driver the run reports to. Optional.
   */
  attach?(run: ClockRun): ClockDriver;
}

/** What a run offers the clock that drives it (see {@link Clock.attach}). */
export interface ClockRun {
  /** Bumped on every task start, finish and wake-up: unchanged across a turn means nothing ran. */
  readonly activity: number;
  /** True when every task of the run is parked in a runtime operation and none is about to start. */
  allBlocked(): boolean;
  /** The earliest pending deadline, or `Infinity`. */
  nextDeadline(): number;
  /** Fires every timer whose deadline the clock has reached. Harmless to call at any time. */
  fireDue(): void;
}

/** A clock's handle on one run it drives (see {@link Clock.attach}). */
export interface ClockDriver {
  /** The run's earliest deadline is now `deadline` (`Infinity`: none); call `fireDue()` once it is reached. */
  arm(deadline: number): void;
  /** The run has ended: forget it and stop any host timer kept for it. */
  detach(): void;
}

/** The real monotonic clock (`performance.now()`). */
export const realClock: Clock = { now: () => performance.now() };

/**
 * A scheduled callback; `index` is its place in the heap, -1 once it has fired or been removed.
 * Its deadline is kept by the heap ({@link Timers.deadlineOf}), not by the entry.
 */
export interface TimerEntry {
  index: number;
  fire(): void;
  /** Called instead of `fire()` when the run ends first (see {@link Timers.close}). */
  abandon?(): void;
}

// setTimeout takes a signed 32-bit delay; longer ones fire at once.
const MAX_HOST_DELAY = 2 ** 31 - 1;

/** `setTimeout(fn, delay)` for any delay: a longer one than the host takes is a chain of timers. */
export function setLongTimeout(fn: () => void, delay: number): void {
  if (delay > MAX_HOST_DELAY) setTimeout(() => setLongTimeout(fn, delay - MAX_HOST_DELAY), MAX_HOST_DELAY);
  else setTimeout(fn, delay);
}

/**
 * A min-heap of deadlines driven by one host timer.
 *
 * Entries sit in `heap`; the deadline and the sequence number (which keeps equal deadlines in
 * the order they were scheduled) of the entry at position `i` sit at `i` in two arrays of plain
 * numbers moved along with it (V8 keeps an array of numbers unboxed, 8 bytes an element). A
 * fractional deadline in a field of the entry would cost every sleeping task a boxed number
 * (16 bytes) besides the field.
 *
 *   Invariant: for every `i < heap.length`, `heap[i].index === i`, and `keys[i]`/`seqs[i]` are
 *   that entry's deadline and sequence number.
 */
export class Timers {
  private readonly heap: TimerEntry[] = [];
  private readonly keys: number[] = [];
  private readonly seqs: number[] = [];
  private seq = 0;
  private host: ReturnType<typeof setTimeout> | undefined;
  private hostDeadline = Infinity;
  private firing = false;
  /** Set when the clock drives the timers itself; then there is no host timer of ours. */
  private driver: ClockDriver | undefined;

  constructor(readonly clock: Clock = realClock) {}

  /** Hands the waking of these timers to `driver` (a clock that {@link Clock.attach attached}). */
  drive(driver: ClockDriver): void {
    this.dispose();
    this.driver = driver;
    this.arm();
  }

  get size(): number {
    return this.heap.length;
  }

  /** The earliest pending deadline, or `Infinity`. */
  nextDeadline(): number {
    return this.heap.length > 0 ? this.keys[0]! : Infinity;
  }

  /** The deadline `entry` is scheduled for, or undefined when it is not scheduled (fired, removed). */
  deadlineOf(entry: TimerEntry): number | undefined {
    const i = entry.index;
    return i >= 0 && this.heap[i] === entry ? this.keys[i] : undefined;
  }

  /** Calls `fire` once the clock reaches `deadline`. */
  add(deadline: number, fire: () => void): TimerEntry {
    return this.schedule({ fire, index: -1 }, deadline);
  }

  /**
   * Schedules an entry the caller allocated (a sleeping waiter is its own entry, which saves a
   * closure and an object per sleep); calls its `fire()` at `deadline`.
   */
  schedule<E extends TimerEntry>(entry: E, deadline: number): E {
    const i = this.heap.length;
    this.heap.push(entry);
    this.keys.push(deadline);
    this.seqs.push(this.seq++);
    entry.index = i;
    this.siftUp(i);
    if (entry.index === 0 && !this.firing) this.arm();
    return entry;
  }

  /** Forgets `entry`; harmless if it already fired or was removed. */
  remove(entry: TimerEntry): void {
    const i = entry.index;
    if (i < 0) return;
    entry.index = -1;
    const last = this.heap.pop()!;
    const key = this.keys.pop()!;
    const seq = this.seqs.pop()!;
    if (last !== entry) {
      this.heap[i] = last;
      this.keys[i] = key;
      this.seqs[i] = seq;
      last.index = i;
      this.siftDown(i);
      this.siftUp(last.index);
    }
    if (i === 0 && !this.firing) this.arm();
  }

  /**
   * Fires every entry whose deadline has been reached, in deadline order. A call made while
   * entries are firing (a mock clock advanced by a timer's callback) returns at once: the loop
   * in progress reads the clock again before it stops, and picks up what became due.
   */
  fireDue(): void {
    if (this.firing) return;
    this.firing = true;
    try {
      let now = this.clock.now();
      while (this.heap.length > 0) {
        if (this.keys[0]! > now && this.keys[0]! > (now = this.clock.now())) break;
        const entry = this.heap[0]!;
        this.remove(entry);
        entry.fire();
      }
    } finally {
      this.firing = false;
      this.arm();
    }
  }

  /**
   * The run has ended: stops the host timer (or detaches the clock) and abandons every entry left:
   * none of them will ever fire.
   */
  close(): void {
    this.dispose();
    const left = this.heap.splice(0);
    this.keys.length = this.seqs.length = 0;
    for (const entry of left) {
      entry.index = -1;
      entry.abandon?.();
    }
  }

  /** Cancels the host timer, or detaches the driving clock; entries left in the heap never fire. */
  dispose(): void {
    if (this.host !== undefined) clearTimeout(this.host);
    this.host = undefined;
    this.hostDeadline = Infinity;
    const driver = this.driver;
    this.driver = undefined;
    driver?.detach();
  }

  private arm(): void {
    const deadline = this.nextDeadline();
    if (deadline === this.hostDeadline) return;
    if (this.driver !== undefined) {
      this.hostDeadline = deadline;
      this.driver.arm(deadline);
      return;
    }
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

  /** Whether the entry at `a` comes before the one at `b`. */
  private less(a: number, b: number): boolean {
    const keys = this.keys;
    return keys[a]! < keys[b]! || (keys[a] === keys[b] && this.seqs[a]! < this.seqs[b]!);
  }

  /** Moves the entry at `from` (with its deadline and number) to `to`. */
  private move(from: number, to: number): void {
    const entry = this.heap[from]!;
    this.heap[to] = entry;
    this.keys[to] = this.keys[from]!;
    this.seqs[to] = this.seqs[from]!;
    entry.index = to;
  }

  private siftUp(i: number): void {
    const entry = this.heap[i]!;
    const key = this.keys[i]!;
    const seq = this.seqs[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const k = this.keys[parent]!;
      if (!(key < k || (key === k && seq < this.seqs[parent]!))) break;
      this.move(parent, i);
      i = parent;
    }
    this.heap[i] = entry;
    this.keys[i] = key;
    this.seqs[i] = seq;
    entry.index = i;
  }

  private siftDown(i: number): void {
    const n = this.heap.length;
    const entry = this.heap[i]!;
    const key = this.keys[i]!;
    const seq = this.seqs[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.less(right, left) ? right : left;
      const k = this.keys[child]!;
      if (!(k < key || (k === key && this.seqs[child]! < seq))) break;
      this.move(child, i);
      i = child;
    }
    this.heap[i] = entry;
    this.keys[i] = key;
    this.seqs[i] = seq;
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

/**
 * Runs `fn` once the current burst of microtasks has drained, promise chains of any length
 * included, but before the host moves on to timers and I/O (and, on Node, before it reports
 * unhandled rejections): `process.nextTick` called from a microtask runs exactly there. Hosts
 * without it get a macrotask.
 */
export const afterMicrotasks: (fn: () => void) => void = (() => {
  const host = (globalThis as { process?: { nextTick?: (fn: () => void) => void } }).process;
  if (typeof host?.nextTick === "function") {
    const nextTick = host.nextTick.bind(host);
    return (fn: () => void) => nextTick(fn);
  }
  return yieldMacrotask;
})();
