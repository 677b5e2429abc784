/**
 * `anyio-ts/fast-check`: property tests of structured code with fast-check.
 *
 * A separate entry point, so that `anyio-ts` and `anyio-ts/jest` load without fast-check
 * installed: this is the only module of the package that imports it (an optional peer
 * dependency).
 *
 * Every run of a property is a fresh `run()` on a fresh clock (by default an autojump
 * `MockClock`): nothing carries over from one run to the next and no real time is measured, so
 * a failing case replays exactly, fast-check's shrinking converges, and `fc.assert`'s reported
 * `seed` and `path` reproduce the failure.
 *
 * @packageDocumentation
 */
import fc from "fast-check";
import { describeValue } from "../rt";
import {
  DEFAULT_TEST_SETTINGS,
  resolveTestSettings,
  runTestBody,
  type StructuredRunOptions,
  type TestSettings,
} from "./test-run";

/**
 * Options of {@link structuredProperty}: those of a structured test (see
 * {@link StructuredRunOptions}), applied to each run of the property; `clock` defaults to
 * `"autojump"`.
 */
export type StructuredPropertyOptions = StructuredRunOptions;

/** Each run gets a fresh autojump clock unless told otherwise. */
const PROPERTY_DEFAULTS: TestSettings = { ...DEFAULT_TEST_SETTINGS, clock: "autojump" };

/** The arbitraries and predicate of a property, as `fc.asyncProperty` takes them. */
type PropertyArgs<Ts extends [unknown, ...unknown[]]> = [
  ...arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  predicate: (...values: Ts) => boolean | void | Promise<boolean | void>,
];

/**
 * An async property, like `fc.asyncProperty(...arbitraries, predicate)`, whose predicate runs
 * as the root task of its own `run()`: it can open task groups and cancel scopes, sleep and
 * time out. Each run of the property is a structured test of its own: on a fresh clock (an
 * autojump `MockClock` unless `options.clock` says otherwise, so sleeps take no real time),
 * under a deadline, and failing if it leaks tasks, timers, sockets or child processes.
 *
 * As with fast-check, the predicate fails a run by throwing or by returning `false`. Check the
 * property with `fc.assert` (or `fc.check`) as usual; shrinking and replay work because each
 * run is deterministic.
 *
 * @param args - Optionally {@link StructuredPropertyOptions} first, then the arbitraries, then
 *   the predicate, which receives one generated value per arbitrary.
 * @throws TypeError when the predicate is missing or an option is invalid (an unknown key
 *   included: a misspelt option).
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { moveOnAfter, sleep, currentTime } from "anyio-ts";
 * import { structuredProperty } from "anyio-ts/fast-check";
 *
 * test("moveOnAfter(t) ends a longer sleep at exactly t", async () => {
 *   await fc.assert(
 *     structuredProperty(fc.nat(100_000), fc.nat(100_000), async (timeout, nap) => {
 *       const scope = moveOnAfter(timeout);
 *       await scope.run(() => sleep(timeout + nap + 1));
 *       expect(currentTime()).toBe(timeout);
 *     }),
 *   );
 * });
 * ```
 */
export function structuredProperty<Ts extends [unknown, ...unknown[]]>(
  ...args: PropertyArgs<Ts>
): fc.IAsyncPropertyWithHooks<Ts>;
export function structuredProperty<Ts extends [unknown, ...unknown[]]>(
  options: StructuredPropertyOptions,
  ...args: PropertyArgs<Ts>
): fc.IAsyncPropertyWithHooks<Ts>;
export function structuredProperty(...args: unknown[]): fc.IAsyncPropertyWithHooks<[unknown, ...unknown[]]> {
  const first = args[0];
  // A null first argument is a mistaken options object (no arbitrary is null): rejected as one.
  const hasOptions = first === null || (typeof first === "object" && !(first instanceof fc.Arbitrary));
  const settings = resolveTestSettings(hasOptions ? first : undefined, PROPERTY_DEFAULTS);
  const rest = hasOptions ? args.slice(1) : args;
  const predicate = rest.at(-1);
  if (typeof predicate !== "function") {
    throw new TypeError(
      `Expected the last argument of structuredProperty() to be the predicate (a function), got ${describeValue(predicate)}`,
    );
  }
  const arbitraries = rest.slice(0, -1) as fc.Arbitrary<unknown>[];
  const wrapped = async (...values: unknown[]): Promise<boolean | void> => {
    const verdict = await runTestBody("a run of the property", () => predicate(...values), settings);
    return verdict === false ? false : undefined;
  };
  return (fc.asyncProperty as (...all: unknown[]) => fc.IAsyncPropertyWithHooks<[unknown, ...unknown[]]>)(
    ...arbitraries,
    wrapped,
  );
}
