/**
 * Argument checks and small helpers shared by the sync primitives. Internal.
 *
 * Validation messages use the runtime's one template:
 * "Expected `name` to be <what>, got `value` (type)".
 */
import { requireFrame } from "../core/cancel-scope";
import type { Frame } from "../core/frame";
import { describeValue } from "../core/validate";

/**
 * The rejection of an async method called outside `run()`: a `NoCurrentTaskError` naming the
 * method, as a rejected promise so that it fails the way async methods do.
 */
export function outsideTask(what: string): Promise<never> {
  try {
    requireFrame(what);
  } catch (error) {
    return Promise.reject(error);
  }
  throw new Error(`${what}: outsideTask() called inside a task`);
}

/** A rejected promise carrying the cancellation a checkpoint in `frame` raises. */
export function cancelled(frame: Frame): Promise<never> {
  return Promise.reject(frame.scope._cancelledError());
}

/** A count: an integer >= 0, or also Infinity when `infinite` allows it. */
export function checkCount(name: string, value: unknown, infinite: boolean): asserts value is number {
  const integer = typeof value === "number" && Number.isInteger(value);
  const unbounded = infinite && (value === Infinity || value === -Infinity);
  if (!integer && !unbounded) {
    throw new TypeError(
      `Expected \`${name}\` to be ${infinite ? "an integer or Infinity" : "an integer"}, got ${describeValue(value)}`,
    );
  }
  if ((value as number) < 0) throw new RangeError(`Expected \`${name}\` to be >= 0, got ${describeValue(value)}`);
}
