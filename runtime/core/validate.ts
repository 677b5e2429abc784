/**
 * Argument checks with one message template:
 * "Expected `name` to be <what>, got `value` (type)", and the value tests the runtime shares.
 */

/** A value as validation messages quote it: `` `"text"` (string) ``, `` `NaN` (number) ``. */
export function describeValue(value: unknown): string {
  return `\`${typeof value === "string" ? JSON.stringify(value) : String(value)}\` (${typeof value})`;
}

/** An error as messages quote it: `Name: message`, or the value itself when it is not an Error. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** An options argument: undefined or an object. */
export function checkOptions(value: unknown): void {
  if (value !== undefined && (typeof value !== "object" || value === null)) {
    throw new TypeError(`Expected \`options\` to be an object, got ${describeValue(value)}`);
  }
}

/** A boolean option. */
export function checkBoolean(name: string, value: unknown): asserts value is boolean {
  if (typeof value !== "boolean") throw new TypeError(`Expected \`${name}\` to be a boolean, got ${describeValue(value)}`);
}

/** A delay in milliseconds: a number that is not NaN, or null for "no delay limit". */
export function checkDelay(name: string, value: unknown): asserts value is number | null {
  if (value === null) return;
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(`Expected \`${name}\` to be a number of milliseconds or null, got ${describeValue(value)}`);
  }
}

/** A point in time on the run's clock: a number that is not NaN (±Infinity allowed). */
export function checkInstant(name: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(`Expected \`${name}\` to be a number (milliseconds on the currentTime() clock), got ${describeValue(value)}`);
  }
}

/** A function argument. */
export function checkFunction(name: string, value: unknown): asserts value is (...args: any[]) => unknown {
  if (typeof value !== "function") {
    throw new TypeError(`Expected \`${name}\` to be a function, got ${describeValue(value)}`);
  }
}

/** Whether `value` is a thenable: an object or function with a `then` method (promises included). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}
