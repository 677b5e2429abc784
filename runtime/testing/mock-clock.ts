/**
 * `MockClock`: a clock for tests that moves only when told to, or that jumps to the next
 * deadline as soon as every task is blocked. Trio's `trio.testing.MockClock` is the model.
 *
 * Virtual time is `virtualBase + rate × (real time since realBase)`; every change of rate or
 * jump rebases it, so the clock never goes backwards.
 *
 * Autojump watches the run from outside, one macrotask at a time (the same turn that
 * `checkpoint()` yields to):
 *
 *   poll ─► some task not parked in a runtime operation? ─► busy: poll again (backing off)
 *        ─► activity changed since the last poll?         ─► poll again next turn
 *        ─► quiet for a whole turn (and autojumpThreshold real ms) ─► jump to the next deadline
 *
 * A whole quiet turn is what tells "parked for good" from "parked in a checkpoint that is about
 * to resume": a checkpoint's wake-up runs within one turn and counts as activity. A task blocked
 * in `waitAllTasksBlocked()` wakes every turn, so it keeps the clock still until it returns
 * (Trio's rule: `waitAllTasksBlocked` takes priority over autojump).
 */
import type { Clock, ClockDriver, ClockRun } from "../core/clock";
import { checkOptions, currentClock, describeValue, requireFrame, yieldMacrotask } from "../rt";

/** The keys of {@link MockClockOptions}; any other is a misspelt option. */
const MOCK_CLOCK_OPTIONS = ["rate", "autojumpThreshold"] as const;

/** Options of {@link MockClock}. */
export interface MockClockOptions {
  /**
   * How many virtual milliseconds pass per real millisecond. `0` freezes time between jumps;
   * `1` follows real time (plus any jumps); `10` runs ten times faster than real time.
   *
   * @default 0
   */
  rate?: number;
  /**
   * Jump to the next deadline once every task has been blocked for this many *real*
   * milliseconds. `0` jumps as soon as every task is blocked; `Infinity` never jumps (time then
   * moves only through {@link MockClock.advance} and `rate`).
   *
   * Raise it above zero when tests do real I/O while a deadline is pending: a task waiting for
   * a socket counts as blocked, and with `0` the clock would jump past the deadline before the
   * data arrives.
   *
   * @default Infinity
   */
  autojumpThreshold?: number;
}

/**
 * A clock that tests control, for a run started with `runWith({ clock }, fn)` or a
 * `structuredTest(name, fn, { clock })`. It starts at 0; `currentTime()`, `sleep()`, every
 * deadline and every timeout of the run follow it.
 *
 * - Manual: `new MockClock()` stands still until {@link advance} moves it; timers and deadlines
 *   that become due fire at once, inside `advance()`.
 * - Autojump: `new MockClock({ autojumpThreshold: 0 })` jumps to the next deadline whenever
 *   every task of the run is blocked, so a test of a 60-second timeout takes milliseconds and
 *   `currentTime()` still reads exactly 60000 afterwards.
 * - `rate`: virtual time also flows with real time, `rate` times as fast.
 *
 * Blocked means parked in a runtime operation (a sleep, a lock, an event, a task handle, a
 * race of a foreign promise in structured code). A plain (uncompiled) `await` of a foreign
 * promise counts as running, so real I/O awaited from plain code holds the clock still.
 *
 * A clock drives one run at a time; after that run ended, it may drive another (its time goes
 * on from where it was).
 *
 * @example
 * ```ts
 * const clock = new MockClock({ autojumpThreshold: 0 });
 * await runWith({ clock }, async () => {
 *   const scope = moveOnAfter(60_000);
 *   await scope.run(() => sleepForever());
 *   currentTime(); // 60000, reached in a few milliseconds of real time
 * });
 * ```
 * @throws TypeError when `options` is not an object or has a key other than `rate` and
 *   `autojumpThreshold`, or an option is not a number >= 0 (and `rate` not finite).
 */
export class MockClock implements Clock {
  private virtualBase = 0;
  private realBase: number;
  private currentRate = 0;
  private threshold = Infinity;
  private driver: MockClockDriver | undefined;

  constructor(options: MockClockOptions = {}) {
    checkOptions(options, MOCK_CLOCK_OPTIONS);
    this.realBase = performance.now();
    const { rate = 0, autojumpThreshold = Infinity } = options;
    this.rate = rate;
    this.autojumpThreshold = autojumpThreshold;
  }

  /** The current virtual time in milliseconds. Never a checkpoint. */
  now(): number {
    if (this.currentRate === 0) return this.virtualBase;
    return this.virtualBase + this.currentRate * (performance.now() - this.realBase);
  }

  /**
   * Virtual milliseconds per real millisecond; settable at any time (time already passed is
   * kept).
   *
   * @default 0
   * @throws TypeError when set to something other than a finite number >= 0.
   */
  get rate(): number {
    return this.currentRate;
  }

  /**
   * Sets how fast the clock runs against real time (0 stops it).
   * @throws TypeError when `value` is not a finite number >= 0.
   */
  set rate(value: number) {
    checkNonNegative("rate", value, false);
    this.virtualBase = this.now();
    this.realBase = performance.now();
    this.currentRate = value;
    this.driver?.update();
  }

  /**
   * Real milliseconds that every task must stay blocked before the clock jumps to the next
   * deadline; `Infinity` turns autojump off. Settable at any time.
   *
   * @default Infinity
   * @throws TypeError when set to something other than a number >= 0.
   */
  get autojumpThreshold(): number {
    return this.threshold;
  }

  /**
   * Sets how long every task must have been blocked before the clock jumps to the next deadline.
   * @throws TypeError when `value` is not a number >= 0.
   */
  set autojumpThreshold(value: number) {
    checkNonNegative("autojumpThreshold", value, true);
    this.threshold = value;
    this.driver?.update();
  }

  /**
   * Moves the clock `ms` milliseconds forward. Sleeps and deadlines that become due fire before
   * it returns: sleepers are woken (they resume at their next turn) and scopes whose deadline
   * passed are cancelled. Trio calls this `jump()`. Never a checkpoint.
   *
   * @example
   * ```ts
   * const scope = moveOnAfter(1000);
   * currentMockClock().advance(1000);
   * scope.cancelCalled; // true
   * ```
   * @throws TypeError when `ms` is not a finite number >= 0 (time cannot go backwards).
   */
  advance(ms: number): void {
    checkNonNegative("ms", ms, false);
    this.virtualBase += ms;
    this.driver?.timeChanged();
  }

  /** @internal Sets the virtual time to `time` if that is later; what an autojump does. */
  _jumpTo(time: number): void {
    const now = this.now();
    if (time > now) this.virtualBase += time - now;
  }

  /**
   * Called by the runtime when a run starts on this clock (see `Clock.attach`); not for user code.
   * @throws Error when the clock already drives another run.
   */
  attach(run: ClockRun): ClockDriver {
    if (this.driver !== undefined) {
      throw new Error(
        "This MockClock already drives a run: a clock drives one run at a time; create a MockClock per run " +
          "(a clock may drive another run once its run has ended)",
      );
    }
    this.driver = new MockClockDriver(this, run, () => (this.driver = undefined));
    return this.driver;
  }

  toString(): string {
    const mode = this.threshold === Infinity ? "manual" : `autojump after ${this.threshold} ms`;
    return `<MockClock time=${this.now()} rate=${this.currentRate} ${mode}>`;
  }
}

/**
 * The {@link MockClock} of the current run, for tests that move time by hand:
 * `currentMockClock().advance(1000)`. Never a checkpoint.
 *
 * @example
 * ```ts
 * structuredTest("the reminder fires after a minute", async () => {
 *   const fired = new Event();
 *   await createTaskGroup().run(async (tg) => {
 *     tg.startSoon(async () => { await sleep(60_000); fired.set(); });
 *     await waitAllTasksBlocked();
 *     currentMockClock().advance(60_000);
 *     await fired.wait();
 *   });
 * }, { clock: "manual" });
 * ```
 * @throws NoCurrentTaskError outside `run()`.
 * @throws Error when the run's clock is not a MockClock.
 */
export function currentMockClock(): MockClock {
  requireFrame("currentMockClock()");
  const clock = currentClock();
  if (!(clock instanceof MockClock)) {
    throw new Error(
      "currentMockClock(): this run does not use a MockClock; start it with `runWith({ clock: new MockClock() }, fn)` " +
        'or pass `{ clock: "manual" }` (or "autojump") to structuredTest',
    );
  }
  return clock;
}

/** After this many busy polls in a row, autojump polls on a timer instead of every turn. */
const BUSY_POLLS_BEFORE_BACKOFF = 50;
/** The longest pause between polls while some task waits for something outside the runtime. */
const MAX_BUSY_POLL_MS = 16;

/** One run driven by a MockClock: wakes its timers when virtual time reaches them. */
class MockClockDriver implements ClockDriver {
  private deadline = Infinity;
  private detached = false;
  /** The real-time host timer used when `rate > 0`. */
  private rateTimer: ReturnType<typeof setTimeout> | undefined;
  // Autojump polling.
  private polling = false;
  private pollPending = false;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private lastActivity = -1;
  private quietSince = 0;
  private busyPolls = 0;

  constructor(
    private readonly clock: MockClock,
    private readonly run: ClockRun,
    private readonly onDetach: () => void,
  ) {}

  arm(deadline: number): void {
    this.deadline = deadline;
    this.update();
  }

  detach(): void {
    this.detached = true;
    this.polling = false;
    if (this.rateTimer !== undefined) clearTimeout(this.rateTimer);
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    this.rateTimer = this.pollTimer = undefined;
    this.onDetach();
  }

  /** The clock jumped: fire what became due, then re-plan. */
  timeChanged(): void {
    if (this.detached) return;
    this.run.fireDue();
    this.update();
  }

  /** Re-plans the host timer and the polling after a change of deadline, rate or threshold. */
  update(): void {
    if (this.detached) return;
    if (this.rateTimer !== undefined) clearTimeout(this.rateTimer);
    this.rateTimer = undefined;
    const rate = this.clock.rate;
    if (rate > 0 && this.deadline !== Infinity) {
      const delay = Math.max(0, Math.ceil((this.deadline - this.clock.now()) / rate));
      this.rateTimer = setTimeout(this.onRateTimer, Math.min(delay, 2 ** 31 - 1));
    }
    this.polling = this.clock.autojumpThreshold !== Infinity && this.deadline !== Infinity;
    if (this.polling) {
      this.lastActivity = -1;
      this.schedulePoll(0);
    }
  }

  private readonly onRateTimer = (): void => {
    this.rateTimer = undefined;
    this.run.fireDue();
    // A host timer may fire a little early: if nothing was due, fireDue did not re-arm us.
    this.update();
  };

  private schedulePoll(delay: number): void {
    if (this.pollPending) return;
    this.pollPending = true;
    if (delay <= 0) yieldMacrotask(this.poll);
    else this.pollTimer = setTimeout(this.poll, delay);
  }

  private readonly poll = (): void => {
    this.pollPending = false;
    this.pollTimer = undefined;
    if (this.detached || !this.polling) return;
    const run = this.run;
    if (!run.allBlocked()) {
      // Some task waits for something the runtime cannot see (or is about to start): check
      // again, less often the longer that lasts.
      this.lastActivity = -1;
      this.busyPolls++;
      const over = this.busyPolls - BUSY_POLLS_BEFORE_BACKOFF;
      this.schedulePoll(over <= 0 ? 0 : Math.min(over, MAX_BUSY_POLL_MS));
      return;
    }
    this.busyPolls = 0;
    const activity = run.activity;
    const realNow = performance.now();
    if (activity !== this.lastActivity) {
      this.lastActivity = activity;
      this.quietSince = realNow;
      this.schedulePoll(0);
      return;
    }
    const waited = realNow - this.quietSince;
    const threshold = this.clock.autojumpThreshold;
    if (waited < threshold) {
      this.schedulePoll(Math.ceil(threshold - waited));
      return;
    }
    this.lastActivity = -1;
    this.clock._jumpTo(run.nextDeadline());
    this.timeChanged();
  };
}

function checkNonNegative(name: string, value: unknown, allowInfinity: boolean): asserts value is number {
  if (typeof value !== "number" || !(value >= 0) || (!allowInfinity && value === Infinity)) {
    const what = allowInfinity ? "a number >= 0" : "a finite number >= 0";
    throw new TypeError(`Expected \`${name}\` to be ${what}, got ${describeValue(value)}`);
  }
}
