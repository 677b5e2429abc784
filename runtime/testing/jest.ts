"use structured";
/**
 * `anyio-ts/jest`: helpers for testing structured code with Jest, the way AnyIO's and Trio's
 * pytest plugins run async tests.
 *
 * This module never imports Jest: it takes `test` and `describe` from the global scope when a
 * helper is called, so it loads anywhere and works with any runner that provides Jest's
 * globals. It never imports fast-check either: property tests live in `anyio-ts/fast-check`.
 *
 * Structured code (compiled by the anyio-ts transformer, like the runtime's other modules above
 * the core); the body of a test is called from plain code in test-run.ts, so a plain body keeps
 * its task after its awaits.
 *
 * @packageDocumentation
 */
import { checkFunction, describeValue } from "../rt";
import {
  DEFAULT_TEST_SETTINGS,
  resolveTestSettings,
  runTestBody,
  type StructuredRunOptions,
  type TestSettings,
} from "./test-run";

export { MockClock, currentMockClock } from "./mock-clock";
export type { MockClockOptions } from "./mock-clock";
export { assertCheckpoints, assertNoCheckpoints } from "./checkpoints";
export { ResourceLeakError } from "./leaks";
export type { LeakedResource, LeakKind } from "./leaks";
export { freeTcpPort, freeUdpPort } from "./ports";
export type { TestClock, StructuredRunOptions } from "./test-run";

/** Options of {@link structuredTest} and {@link structuredDescribe}: see {@link StructuredRunOptions}. */
export type StructuredTestOptions = StructuredRunOptions;

/** The part of Jest's global `test` that this module uses. */
type GlobalTest = (name: string, fn: () => Promise<void>, timeout?: number) => void;
/** The part of Jest's global `describe` that this module uses. */
type GlobalDescribe = (name: string, fn: () => void) => void;

/** How much longer Jest waits than our own deadline, so the body can unwind and report. */
const JEST_GRACE_MS = 1000;

/** The defaults set by the `structuredDescribe` blocks being collected, innermost last. */
const describeDefaults: TestSettings[] = [];

/**
 * Registers a Jest test whose body runs inside anyio-ts's `run()`, the way Trio and AnyIO's
 * pytest plugins run `async def` tests: the body is the root task, so it can open task groups and
 * cancel scopes directly, and the test ends only when every task it started has finished.
 *
 * - **Deadline.** The body runs under a deadline (`options.timeout`, 5 s by default): a body
 *   still running then is cancelled, its cleanup runs, and the test fails with `TimeoutError`.
 *   Jest's own timeout for the test is set a little above it, so the structured cancellation,
 *   not Jest, reports the hang.
 * - **Clock.** `options.clock` picks the run's clock: `"autojump"` makes sleeps and timeouts
 *   take no real time, `"manual"` lets the test move time with `currentMockClock().advance()`.
 * - **Leaks.** The test fails with a {@link ResourceLeakError} naming each culprit (and where it
 *   was created) if a task, timer, socket, listener, file handle or child process it started is
 *   still alive when it ends.
 * - **Readable failures.** When a child task fails, the test fails with that task's own error
 *   (and stack) rather than the task group's `ExceptionGroup`; several failures come as one
 *   `AggregateError` listing each.
 *
 * Call it where you would call `test`: at the top level of a test file or inside `describe` or
 * {@link structuredDescribe}. Leak detection watches the whole process while a test runs, so do
 * not combine it with `test.concurrent`.
 *
 * @param name - The test's name, as for Jest's `test`.
 * @param fn - The test body. It may be async; whatever it returns is ignored.
 * @param options - See {@link StructuredTestOptions}; unset ones come from the enclosing
 *   {@link structuredDescribe}, then from the defaults.
 * @throws `Error` when no global `test` function exists (not running under Jest).
 * @throws `TypeError` when `name` is not a string, `fn` not a function, or an option is invalid:
 *   `options` not an object, an unknown key (a misspelt option), `timeout` not a number >= 0 or
 *   `null`...
 *
 * @example
 * ```ts
 * import { createTaskGroup, currentTime, moveOnAfter, sleepForever } from "anyio-ts";
 * import { structuredTest } from "anyio-ts/jest";
 *
 * structuredTest("a one-minute timeout gives up after exactly one minute", async () => {
 *   const scope = moveOnAfter(60_000);
 *   await scope.run(() => sleepForever());
 *   expect(scope.cancelledCaught).toBe(true);
 *   expect(currentTime()).toBe(60_000); // in a few milliseconds of real time
 * }, { clock: "autojump" });
 * ```
 */
export function structuredTest(name: string, fn: () => unknown, options?: StructuredTestOptions): void {
  if (typeof name !== "string") {
    throw new TypeError(`Expected \`name\` to be a string, got ${describeValue(name)}`);
  }
  checkFunction("fn", fn);
  const settings = resolveTestSettings(options, innermostDefaults());
  const test = jestGlobal<GlobalTest>("test", "structuredTest() registers a Jest test");
  const { timeout } = settings;
  const limited = timeout !== null && timeout !== Infinity;
  const body = async (): Promise<void> => {
    await runTestBody(`test "${name}"`, fn, settings);
  };
  test(name, body, limited ? timeout + JEST_GRACE_MS : undefined);
}

/**
 * Registers a Jest `describe` block whose {@link structuredTest}s share `options`: the clock,
 * deadline and leak checking of every structured test inside it (nested blocks may override
 * some; a test's own options override them all). Plain `test`s inside it are unaffected.
 *
 * @param name - The block's name, as for Jest's `describe`.
 * @param fn - Registers the block's tests; called at once, synchronously, like `describe`'s.
 * @param options - Defaults for the structured tests inside; see {@link StructuredTestOptions}.
 * @throws `Error` when no global `describe` function exists (not running under Jest).
 * @throws `TypeError` when `name` is not a string, `fn` not a function, or an option is invalid
 *   (as for {@link structuredTest}).
 *
 * @example
 * ```ts
 * structuredDescribe("retry policy", () => {
 *   structuredTest("waits 1 s, then 2 s, then 4 s", async () => { ... });
 *   structuredTest("gives up after a minute", async () => { ... });
 * }, { clock: "autojump" });
 * ```
 */
export function structuredDescribe(name: string, fn: () => void, options?: StructuredTestOptions): void {
  if (typeof name !== "string") {
    throw new TypeError(`Expected \`name\` to be a string, got ${describeValue(name)}`);
  }
  checkFunction("fn", fn);
  const settings = resolveTestSettings(options, innermostDefaults());
  const describe = jestGlobal<GlobalDescribe>("describe", "structuredDescribe() registers a Jest describe block");
  describe(name, () => {
    describeDefaults.push(settings);
    try {
      fn();
    } finally {
      describeDefaults.pop();
    }
  });
}

/** The defaults of the innermost `structuredDescribe` being collected, or the global ones. */
function innermostDefaults(): TestSettings {
  return describeDefaults.at(-1) ?? DEFAULT_TEST_SETTINGS;
}

/**
 * Jest's global `name` function, looked up when a helper is called (this module never imports
 * Jest). `purpose` starts the message when there is none.
 * @throws Error when no such global function exists (not running under Jest).
 */
function jestGlobal<F>(name: "test" | "describe", purpose: string): F {
  const found = (globalThis as Record<string, unknown>)[name];
  if (typeof found !== "function") {
    throw new Error(`${purpose}, but there is no global \`${name}\` function: call it from a test file run by Jest`);
  }
  return found as F;
}
