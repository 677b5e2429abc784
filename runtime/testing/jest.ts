"use structured";
/**
 * `anyio-ts/jest`: helpers for testing structured code with Jest.
 *
 * This module never imports Jest: it takes `test` from the global scope when a helper is called,
 * so it loads anywhere and works with any runner that provides Jest's global `test`.
 *
 * Structured code (compiled by the anyio-ts transformer, like the runtime's other modules above
 * the core). The user's body is called from an unstructured callback: `scope.run()` then runs it
 * inside the context carrier when it is plain code, so it keeps its task after its awaits.
 *
 * @packageDocumentation
 */
import { failAfter, run } from "../index";

/** Options for {@link structuredTest}. */
export interface StructuredTestOptions {
  /**
   * The test's deadline in milliseconds, enforced inside the test with `failAfter`: when it
   * passes, the body is cancelled, its `finally` blocks run, and the test fails with
   * `TimeoutError`. `null` or `Infinity` means no deadline of ours (Jest's own timeout still
   * applies). Jest's timeout for the test is set a little above this deadline, so the structured
   * cancellation, not Jest, reports the timeout.
   *
   * @default 5000
   */
  timeout?: number | null;
}

/** The part of Jest's global `test` that this module uses. */
type GlobalTest = (name: string, fn: () => Promise<void>, timeout?: number) => void;

const DEFAULT_TIMEOUT_MS = 5000;
/** How much longer Jest waits than our own deadline, so the body can unwind and report. */
const JEST_GRACE_MS = 1000;

/**
 * Registers a Jest test whose body runs inside anyio-ts's `run()`, the way Trio and AnyIO's
 * pytest plugins run `async def` tests: the body is the root task, so it can open task groups and
 * cancel scopes directly, and the test ends only when every task it started has finished.
 *
 * The body runs under `failAfter(options.timeout)`: a body still running at the deadline is
 * cancelled and the test fails with `TimeoutError`, after its cleanup has run.
 *
 * Call it where you would call `test`, at the top level of a test file or inside `describe`.
 *
 * @param name - The test's name, as for Jest's `test`.
 * @param fn - The test body. It may be async; whatever it returns is ignored.
 * @param options - See {@link StructuredTestOptions}.
 * @throws `Error` when no global `test` function exists (not running under Jest).
 * @throws `TypeError` when `options.timeout` is not a number >= 0 or `null`.
 *
 * @example
 * ```ts
 * import { createTaskGroup, sleep } from "anyio-ts";
 * import { structuredTest } from "anyio-ts/jest";
 *
 * structuredTest("children finish before the group exits", async () => {
 *   const done: string[] = [];
 *   await createTaskGroup().run((tg) => {
 *     tg.startSoon(async () => { await sleep(10); done.push("slow"); });
 *     tg.startSoon(async () => { done.push("fast"); });
 *   });
 *   expect(done).toEqual(["fast", "slow"]);
 * }, { timeout: 1000 });
 * ```
 */
export function structuredTest(
  name: string,
  fn: () => unknown,
  options: StructuredTestOptions = {},
): void {
  const timeout = options.timeout === undefined ? DEFAULT_TIMEOUT_MS : options.timeout;
  if (timeout !== null && !(typeof timeout === "number" && timeout >= 0)) {
    throw new TypeError(
      `Expected \`timeout\` to be a number >= 0 or null, got \`${String(timeout)}\` (${typeof timeout})`,
    );
  }
  const test = (globalThis as { test?: unknown }).test;
  if (typeof test !== "function") {
    throw new Error(
      "structuredTest() registers a Jest test, but there is no global `test` function: " +
        "call it from a test file run by Jest",
    );
  }
  const limited = timeout !== null && timeout !== Infinity;
  const body = async (): Promise<void> => {
    await run(() =>
      failAfter(limited ? timeout : null, {
        reason: `test "${name}" exceeded its ${timeout} ms deadline`,
      }).run(async () => {
        "use unstructured";
        await fn();
      }),
    );
  };
  (test as GlobalTest)(name, body, limited ? timeout + JEST_GRACE_MS : undefined);
}
