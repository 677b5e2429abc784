/**
 * Running one test body the structured way: in a fresh run, on the clock the test asked for,
 * under a deadline, and checked for leaks when it ends. `structuredTest` (anyio-ts/jest) and
 * `structuredProperty` (anyio-ts/fast-check) are thin shells around {@link runTestBody}.
 *
 *   run (on the test's clock)
 *   └─ limit: failAfter(timeout), or, on a mock clock, a scope a real-time watchdog cancels
 *      └─ region: a scope around everything the body starts
 *         ├─ the body, its await raced against `limit` (a hang ends as a TimeoutError)
 *         └─ then: tasks still alive under `region` are leaks; cancel them and let them unwind
 *   then: host resources created meanwhile and still alive are leaks (leaks.ts)
 *
 * When the deadline passes, the task tree (every task's await chain and what it waits on) is
 * taken just before the deadline cancels anything, and the TimeoutError carries it.
 *
 * Plain code on purpose, but for {@link raceBody}: a plain body called from here runs inside the
 * context carrier, so it keeps its task after its own awaits.
 */
import {
  CancelScope,
  TimeoutError,
  checkpoint,
  currentTime,
  failAfter,
  formatTaskTree,
  getCurrentTask,
  getRunningTasks,
  runWith,
  type Clock,
  type TaskInfo,
} from "../index";
import {
  atDeadline,
  callInFrame,
  checkBoolean,
  checkOptions,
  currentRun,
  describeValue,
  requireFrame,
  runningCalls,
  taskTreeOf,
} from "../rt";
import { readableFailure } from "./failure";
import { ResourceLeakError, trackResources, type LeakedResource, type TrackedLeak } from "./leaks";
import { MockClock } from "./mock-clock";

/**
 * The clock a structured test runs on:
 *
 * - `"real"`: real time, like `run()`.
 * - `"autojump"`: a fresh `MockClock` that jumps to the next deadline whenever every task is
 *   blocked (`new MockClock({ autojumpThreshold: 0 })`); sleeps and timeouts take no real time.
 * - `"manual"`: a fresh `MockClock` that moves only through `currentMockClock().advance(ms)`.
 * - a `Clock` object (such as a `MockClock` you configured): that clock.
 */
export type TestClock = "real" | "autojump" | "manual" | Clock;

/** Options of a structured test or property run. */
export interface StructuredRunOptions {
  /**
   * The deadline in milliseconds of *real* time: when it passes, the body is cancelled, its
   * `finally` blocks run, and the test fails with `TimeoutError`. On the real clock this is a
   * `failAfter` around the body (so `currentEffectiveDeadline()` shows it); on a mock clock it
   * is a watchdog on the host's timers, so that virtual sleeps of any length are allowed.
   * `null` or `Infinity` means no deadline of ours.
   *
   * @default 5000
   */
  timeout?: number | null;
  /**
   * The clock of the run, see {@link TestClock}.
   *
   * @default "real" for `structuredTest`, `"autojump"` for `structuredProperty`
   */
  clock?: TestClock;
  /**
   * Whether the test fails with a `ResourceLeakError` when tasks, timers, sockets, listeners,
   * file handles or child processes it started are still alive when it ends. Turn it off for a
   * test that hands such a resource to an `afterEach` hook on purpose.
   *
   * @default true
   */
  checkLeaks?: boolean;
}

/** @internal Validated options, with every default applied. */
export interface TestSettings {
  readonly timeout: number | null;
  readonly clock: TestClock;
  readonly checkLeaks: boolean;
}

const DEFAULT_TIMEOUT_MS = 5000;
/** The keys of {@link StructuredRunOptions}; any other is a misspelt option. */
const RUN_OPTIONS = ["timeout", "clock", "checkLeaks"] as const;

/**
 * @internal Checks `options` and fills in what is missing from `defaults`.
 * @throws TypeError naming the first bad option, or an unknown key.
 */
export function resolveTestSettings(options: unknown, defaults: TestSettings): TestSettings {
  if (options === undefined) return defaults;
  checkOptions(options, RUN_OPTIONS);
  const {
    timeout = defaults.timeout,
    clock = defaults.clock,
    checkLeaks = defaults.checkLeaks,
  } = options as StructuredRunOptions;
  if (timeout !== null && !(typeof timeout === "number" && timeout >= 0)) {
    throw new TypeError(`Expected \`timeout\` to be a number >= 0 or null, got ${describeValue(timeout)}`);
  }
  if (!isTestClock(clock)) {
    throw new TypeError(
      `Expected \`clock\` to be "real", "autojump", "manual" or a clock object (with a now() method), got ${describeValue(clock)}`,
    );
  }
  checkBoolean("checkLeaks", checkLeaks);
  return { timeout, clock, checkLeaks };
}

/** @internal The settings of a test that sets nothing. */
export const DEFAULT_TEST_SETTINGS: TestSettings = { timeout: DEFAULT_TIMEOUT_MS, clock: "real", checkLeaks: true };

/**
 * @internal Runs `fn` as the body of a structured test (see the file comment) and resolves to
 * its value. `what` names the test in messages (`test "adds up"`).
 *
 * @throws whatever the body threw (an `ExceptionGroup` made readable, see failure.ts).
 * @throws TimeoutError when the deadline passed.
 * @throws ResourceLeakError when the body left tasks or host resources alive.
 */
export async function runTestBody<T>(what: string, fn: () => T | Promise<T>, settings: TestSettings): Promise<T> {
  const { timeout, checkLeaks } = settings;
  const clock = clockFor(settings.clock);
  const limited = timeout !== null && timeout !== Infinity;
  const reason = `${what} exceeded its ${timeout} ms deadline`;
  let timedOut = false;
  let limit: CancelScope;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  /** The run, once it started (for the task tree). */
  let running: object | undefined;
  /** The task tree as it was when the deadline passed, before anything was cancelled. */
  let dump: string | undefined;
  const takeDump = (): void => {
    if (running !== undefined && dump === undefined) dump = formatTaskTree(taskTreeOf(running));
  };
  if (clock === undefined) {
    limit = failAfter(limited ? timeout : null, { reason });
  } else {
    limit = new CancelScope();
    if (limited) {
      watchdog = setTimeout(() => {
        timedOut = true;
        takeDump();
        limit.cancel(reason);
      }, timeout);
    }
  }
  // Started after the watchdog, so that timer is never among the test's resources.
  const tracker = checkLeaks ? trackResources() : undefined;
  let leakedTasks: LeakedResource[] = [];
  let value: T | undefined;
  let failed = false;
  let failure: unknown;
  try {
    // No signal handling of ours: Ctrl+C must stop the test runner, not cancel one test.
    value = await runWith({ clock, signals: false }, () => {
      running = currentRun("a structured test");
      // Set before `limit` is entered, at the instant its deadline will be: fires first.
      if (clock === undefined && limited) atDeadline(currentTime() + timeout, takeDump);
      return limit.run(() => {
        const region = new CancelScope();
        return region.run(async () => {
          let result: T | undefined;
          let bodyFailed = false;
          let bodyError: unknown;
          try {
            result = await raceBody(fn);
          } catch (error) {
            bodyFailed = true;
            bodyError = error;
          }
          leakedTasks = [...(await reapTasks(region)), ...strayCalls()];
          if (bodyFailed) throw bodyError;
          return result;
        });
      });
    });
  } catch (error) {
    failed = true;
    failure = error;
  } finally {
    if (watchdog !== undefined) clearTimeout(watchdog);
  }
  const resources: TrackedLeak[] = tracker !== undefined ? await tracker.stop() : [];
  for (const leak of resources) leak.dispose();
  if (failed) throw withDump(readableFailure(failure), dump);
  if (timedOut) throw withDump(new TimeoutError(reason), dump);
  if (leakedTasks.length > 0 || resources.length > 0) {
    const error = new ResourceLeakError(
      what,
      [...leakedTasks, ...resources].map(({ kind, type, description, createdAt }) => ({
        kind,
        type,
        description,
        createdAt,
      })),
    );
    // Jest shows the code frame of the first frame: where the first leaked resource was made.
    const frames = resources.find((leak) => leak.frames.length > 0)?.frames;
    if (frames !== undefined) error.stack = `${error.name}: ${error.message}\n${frames.join("\n")}`;
    throw error;
  }
  return value as T;
}

/**
 * A TimeoutError with the task tree taken when the deadline passed appended to its message (and
 * to the message its stack starts with, which Jest prints); any other error as it is.
 */
function withDump(error: unknown, dump: string | undefined): unknown {
  if (dump === undefined || !(error instanceof TimeoutError)) return error;
  const before = error.message;
  error.message = `${before}\n\nTasks when the deadline passed:\n${dump}`;
  if (typeof error.stack === "string" && error.stack.includes(before)) {
    error.stack = error.stack.replace(before, error.message);
  }
  return error;
}

/**
 * Calls the body in the current frame (through the context carrier when it is plain code) and
 * awaits it as structured code does: raced against cancellation, so a body stuck on a foreign
 * promise still ends when the test's deadline passes.
 */
async function raceBody<T>(fn: () => T | Promise<T>): Promise<T> {
  "use structured";
  return await callInFrame(requireFrame("a structured test"), fn, []);
}

/** How many event-loop turns leaked tasks get to unwind after they were cancelled. */
const REAP_TURNS = 100;

/**
 * Tasks of the run still alive when the body returned are leaks: the body's task groups have
 * all exited, so these hang under a group that never will (a scope or group entered through
 * `anyio-ts/rt` and never exited). Cancels them through `region` and gives them a moment to
 * unwind, so the run can end.
 */
async function reapTasks(region: CancelScope): Promise<LeakedResource[]> {
  const self = getCurrentTask();
  const others = getRunningTasks().filter((task) => task !== self);
  if (others.length === 0) return [];
  const leaks = others.map(describeTask);
  region.cancel("the test ended while this task was still running");
  await new CancelScope({ shield: true }).run(async () => {
    for (let turn = 0; turn < REAP_TURNS && getRunningTasks().length > 1; turn++) await checkpoint();
  });
  return leaks;
}

/**
 * Compiled async functions of the run still running once the body returned, in a task that has
 * ended or in the test's own: calls started and never awaited (`work();`), or that outlived the
 * code awaiting them. (Those in tasks still running are reported with their task.)
 */
function strayCalls(): LeakedResource[] {
  const self = requireFrame("a structured test").task;
  return runningCalls(self._runner)
    .filter((task) => task === self || (task.status !== "pending" && task.status !== "cancelling"))
    .map((task) => ({
      kind: "call",
      type: "Call",
      description: `a compiled async function still running, called in task '${task.name}' (id ${task.id})`,
      createdAt: undefined,
    }));
}

function describeTask(task: TaskInfo): LeakedResource {
  return { kind: "task", type: "Task", description: `task '${task.name}' (id ${task.id})`, createdAt: undefined };
}

/** The clock to run on: `undefined` for the real one, a fresh MockClock per run for the modes. */
function clockFor(option: TestClock): Clock | undefined {
  switch (option) {
    case "real":
      return undefined;
    case "autojump":
      return new MockClock({ autojumpThreshold: 0 });
    case "manual":
      return new MockClock();
    default:
      return option;
  }
}

function isTestClock(value: unknown): value is TestClock {
  if (value === "real" || value === "autojump" || value === "manual") return true;
  return typeof value === "object" && value !== null && typeof (value as Clock).now === "function";
}
