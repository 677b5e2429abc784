/**
 * `run()`: the entry point that turns an async function into the root task of a run, and
 * `runWith()`, the same with options (the clock the run measures time with).
 */
import type { Clock } from "./clock";
import { contextInUse, inheritContext, rootContext } from "./context";
import { Cancelled, Interrupted } from "./errors";
import { ExceptionGroup } from "./exception-group";
import { callInFrame, currentFrame, isStructured } from "./frame";
import { armInterrupts, disarmInterrupts, reportInterrupted } from "./interrupts";
import { installed, taskSpawned, taskStarted } from "./instruments";
import { formatTaskTree, runEnded, runStarted, taskTreeOf } from "./introspection";
import { Runner } from "./runner";
import { TaskHandle, taskScope } from "./task";
import { checkBoolean, checkFunction, checkOptions, describeValue } from "./validate";
import { emitWarning } from "./warnings";

const RUN_OPTIONS = ["clock", "signals", "dumpOnSignal"] as const;

/** Signals that `dumpOnSignal` cannot take: stop signals, the run's own, and the inspector's. */
const RESERVED_SIGNALS = new Set(["SIGINT", "SIGTERM", "SIGKILL", "SIGSTOP", "SIGUSR1"]);

/** Options of {@link runWith}. */
export interface RunOptions {
  /**
   * The clock the run measures time with: `currentTime()`, `sleep()`, `sleepUntil()` and every
   * deadline and timeout inside the run follow it. Pass a `MockClock` (from `anyio-ts/jest`) to
   * control time in tests. A clock drives one run at a time.
   *
   * @default the real monotonic clock (`performance.now()`)
   */
  clock?: Clock;
  /**
   * Whether SIGINT (Ctrl+C) and SIGTERM stop the run: on the main thread of Node, Bun and Deno,
   * the first one cancels the whole run, lets every `finally` block and shielded cleanup run,
   * and then the run rejects with `Interrupted`; a second SIGINT meanwhile exits at once. With
   * `false` the run installs nothing and signals keep Node's default action (or the program's
   * own listeners). Test helpers run with `false`, so that Ctrl+C stops the test runner.
   *
   * @default true
   */
  signals?: boolean;
  /**
   * A signal (such as `"SIGUSR2"`) that prints the task tree to stderr while the run runs, like a
   * JVM's thread dump on SIGQUIT: every live task, its await chain with source positions, its
   * cancel scopes and what it waits on (see `formatTaskTree()`). `kill -USR2 <pid>` then shows
   * what a hung program is doing without stopping it. Node, Bun and Deno only; the listener is
   * removed when the run ends. Not `SIGINT`/`SIGTERM` (they stop the run), `SIGKILL`/`SIGSTOP`
   * (they cannot be caught) or `SIGUSR1` (Node's inspector).
   *
   * @default undefined (no signal prints anything)
   * @example
   * ```ts
   * await runWith({ dumpOnSignal: "SIGUSR2" }, main); // then: kill -USR2 <pid>
   * ```
   */
  dumpOnSignal?: string;
}

/**
 * Runs `fn(...args)` as the root task of a new run and resolves to its value.
 *
 * Everything structured (task groups, cancel scopes, timeouts, sync primitives) must happen
 * inside a run. Runs do not nest: inside one, start concurrent work with a task group. Not a
 * checkpoint: it is called from outside any run. Time is measured on the real clock; see
 * {@link runWith} for another one.
 *
 * On the main thread of Node, Bun and Deno, while the run is running, the first SIGINT (Ctrl+C)
 * or SIGTERM cancels the whole run: every `finally` block and shielded cleanup runs, and then
 * `run()` rejects with {@link Interrupted} (uncaught, the process exits with 130 or 143, as a
 * process killed by the signal would). A second SIGINT while the run unwinds exits at once. A
 * signal the program receives with its own `openSignalReceiver()` is left to it. Nothing stays
 * installed once `run()` has settled (the listeners go one event-loop turn later, in case another
 * run follows; a signal in that turn gets Node's default action); `runWith({ signals: false }, fn)`
 * installs nothing at all.
 *
 * @example
 * ```ts
 * await run(async () => {
 *   await createTaskGroup().run(async (tg) => { tg.startSoon(main); });
 * });
 * ```
 * @throws Error when called from inside a running task.
 * @throws Interrupted when SIGINT or SIGTERM stopped the run.
 */
export function run<T, A extends unknown[]>(fn: (...args: A) => T | Promise<T>, ...args: A): Promise<T> {
  return startRun(undefined, true, fn, args);
}

/**
 * Like {@link run}, with options: runs `fn(...args)` as the root task of a new run and
 * resolves to its value. `run(fn, ...args)` keeps AnyIO's shape; this is the variant that takes
 * what Trio's `trio.run()` takes as keyword arguments, such as the clock. Not a checkpoint: it
 * is called from outside any run.
 *
 * @param options - see {@link RunOptions}.
 * @example
 * ```ts
 * import { runWith, sleep, currentTime } from "anyio-ts";
 * import { MockClock } from "anyio-ts/jest";
 *
 * // An hour of sleeping, done as soon as every task is blocked.
 * const clock = new MockClock({ autojumpThreshold: 0 });
 * const elapsed = await runWith({ clock }, async () => {
 *   await sleep(3_600_000);
 *   return currentTime(); // 3600000
 * });
 * ```
 * @throws TypeError when `options` is not an object, has a key other than `clock`, `signals` and
 *   `dumpOnSignal`, `options.clock` is not a clock, `options.signals` is not a boolean, or
 *   `options.dumpOnSignal` is not a signal name.
 * @throws RangeError when `options.dumpOnSignal` is a signal it cannot take (see {@link RunOptions}).
 * @throws Error when called from inside a running task, or when the clock already drives another run.
 * @throws Interrupted when SIGINT or SIGTERM stopped the run (see {@link run}).
 */
export function runWith<T, A extends unknown[]>(
  options: RunOptions,
  fn: (...args: A) => T | Promise<T>,
  ...args: A
): Promise<T> {
  if (typeof options !== "object" || options === null) {
    return Promise.reject(new TypeError(`Expected \`options\` to be an object, got ${describeValue(options)}`));
  }
  try {
    checkOptions(options, RUN_OPTIONS);
  } catch (error) {
    return Promise.reject(error);
  }
  const { clock, signals = true, dumpOnSignal } = options;
  if (clock !== undefined && (typeof clock !== "object" || clock === null || typeof clock.now !== "function")) {
    return Promise.reject(
      new TypeError(
        `Expected \`options.clock\` to be a clock (an object with a now() method) or undefined, got ${describeValue(clock)}`,
      ),
    );
  }
  try {
    checkBoolean("options.signals", signals);
    checkDumpSignal(dumpOnSignal);
  } catch (error) {
    return Promise.reject(error);
  }
  return startRun(clock, signals, fn, args, dumpOnSignal);
}

function checkDumpSignal(signal: unknown): void {
  if (signal === undefined) return;
  if (typeof signal !== "string" || !/^SIG[A-Z0-9]+$/.test(signal)) {
    throw new TypeError(
      `Expected \`options.dumpOnSignal\` to be a signal name such as "SIGUSR2", got ${describeValue(signal)}`,
    );
  }
  if (RESERVED_SIGNALS.has(signal)) {
    throw new RangeError(
      `Expected \`options.dumpOnSignal\` to be a signal the run does not use, got \`${signal}\` (string): use "SIGUSR2"`,
    );
  }
}

/** The host's `process`, where there is one (Node, Bun, Deno), for `dumpOnSignal`. */
interface SignalProcess {
  on(signal: string, listener: () => void): unknown;
  off(signal: string, listener: () => void): unknown;
  stderr: { write(text: string): unknown };
  getBuiltinModule?(name: string): unknown;
}

/**
 * The process object that hears signals. Under a test runner that hands each module a sandboxed
 * copy of `process` (Jest does), listeners on the copy never hear one: the real object is the
 * main context's `process`, which `vm.runInThisContext` reaches. The core imports no host module
 * (it loads in browsers), so `vm` comes from `process.getBuiltinModule` where Node has it.
 */
function signalProcess(own: SignalProcess): SignalProcess {
  try {
    const vm = own.getBuiltinModule?.("node:vm") as { runInThisContext(code: string): unknown } | undefined;
    const main = vm?.runInThisContext("typeof process === 'object' ? process : undefined") as SignalProcess | undefined;
    if (main !== undefined && typeof main.on === "function" && typeof main.off === "function") return main;
  } catch {
    // No vm contexts here: the module's own `process` is the real one.
  }
  return own;
}

/** Prints `runner`'s task tree on `signal` until the returned function is called; undefined without a host. */
function listenForDumps(signal: string, runner: Runner): (() => void) | undefined {
  const own = (globalThis as { process?: Partial<SignalProcess> }).process;
  if (typeof own?.on !== "function" || typeof own.off !== "function" || own.stderr === undefined) return undefined;
  const stderr = own.stderr;
  const host = signalProcess(own as SignalProcess);
  const print = (): void => void stderr.write(`${formatTaskTree(taskTreeOf(runner))}\n`);
  host.on(signal, print);
  return () => void host.off(signal, print);
}

async function startRun<T, A extends unknown[]>(
  clock: Clock | undefined,
  signals: boolean,
  fn: (...args: A) => T | Promise<T>,
  args: A,
  dumpOnSignal?: string,
): Promise<T> {
  checkFunction("fn", fn);
  if (!isStructured(fn)) warnIfNotCompiled(fn);
  if (currentFrame() !== undefined) {
    throw new Error("run() cannot be called inside a running task; start concurrent work with a task group instead");
  }
  const runner = new Runner(clock);
  const root = new TaskHandle<T>(runner, fn.name || "run");
  root._frame = taskScope()._enter(root, null);
  // The root task's body runs as soon as it exists.
  if (installed.list.length !== 0) {
    taskSpawned(root);
    taskStarted(root);
  }
  // The root task starts with a copy of the thread's context.
  if (contextInUse) inheritContext(root, rootContext);
  runner.addTask(root);
  runStarted(runner);
  const stopDumps = dumpOnSignal === undefined ? undefined : listenForDumps(dumpOnSignal, runner);
  const interrupt = signals ? armInterrupts(root) : undefined;
  let value: T;
  try {
    value = await callInFrame(root._frame, fn, args);
    root._finish(true, value);
  } catch (error) {
    root._finish(false, error);
    if (interrupt?.signal === undefined || !isOnlyCancellation(error)) throw error;
    throw interrupted(interrupt.signal, error);
  } finally {
    runEnded(runner);
    stopDumps?.();
    // Resources that live as long as the run (worker threads and processes) are released before it settles.
    const closing = runner.close();
    if (closing !== undefined) await closing;
    if (interrupt !== undefined) disarmInterrupts(interrupt);
  }
  if (interrupt?.signal !== undefined) throw interrupted(interrupt.signal, undefined);
  return value;
}

/**
 * The rejection of a run a signal stopped: the run's own cancellation (if it ended with one) is
 * its cause. A failure other than cancellation is raised as it is instead (Python's rule: an
 * interrupt that ended in a real error reports that error).
 */
function interrupted(signal: "SIGINT" | "SIGTERM", cancellation: unknown): Interrupted {
  const error = new Interrupted(signal, undefined, cancellation === undefined ? undefined : { cause: cancellation });
  reportInterrupted(error);
  return error;
}

function isOnlyCancellation(error: unknown): boolean {
  if (error instanceof Cancelled) return true;
  return error instanceof ExceptionGroup && error.split(Cancelled)[1] === undefined;
}

/**
 * A `"use structured"` directive at the start of a function body (after any other directives),
 * in a function's source text: the body of an arrow or a function, right after `)` or `=>`.
 */
const STRUCTURED_BODY = /(?:\)|=>)\s*\{\s*(?:(["'])(?:(?!\1)[^\n])*\1\s*;?\s*)*?(["'])use structured\2\s*(?:;|\}|$)/m;

let warnedNotCompiled = false;

/**
 * Warns once per process when `run()` is handed a function that asks to be structured but was not
 * compiled: its awaits are not checkpoints and its `using` scopes do not open, which otherwise
 * shows only as scopes that never cancel.
 */
function warnIfNotCompiled(fn: Function): void {
  if (warnedNotCompiled) return;
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return;
  }
  if (!STRUCTURED_BODY.test(source)) return;
  warnedNotCompiled = true;
  emitWarning(
    "RuntimeWarning",
    `run() was given ${fn.name ? `the function '${fn.name}'` : "a function"} whose body starts with "use structured" ` +
      "but that the anyio-ts transformer did not compile: its awaits are not checkpoints and its `using` scopes and task " +
      "groups do not open. Add the transformer to the build (the ts-patch plugin `anyio-ts/transformer` or the Babel " +
      "plugin `anyio-ts/babel`).",
  );
}
