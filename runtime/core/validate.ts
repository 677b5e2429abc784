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

/**
 * An options argument: undefined, or an object whose own enumerable keys are all in `known`.
 *
 * Checked on every call that takes options (`new CancelScope(opts)`, `moveOnAfter(ms, opts)`),
 * so the passing path only walks the keys: nothing is allocated unless an error is thrown.
 *
 * @param known - every option the caller accepts; a module-level constant, not a fresh array.
 * @param name - the parameter as messages name it.
 * @throws TypeError if `value` is neither undefined nor an object ("Expected `options` to be an
 *   object or undefined, got `null` (object)"), or has a key outside `known` (see {@link unknownOptionError}).
 */
export function checkOptions(value: unknown, known: readonly string[], name = "options"): void {
  if (value === undefined) return;
  if (typeof value !== "object" || value === null) {
    throw new TypeError(`Expected \`${name}\` to be an object or undefined, got ${describeValue(value)}`);
  }
  for (const key in value) {
    if (!known.includes(key) && Object.prototype.hasOwnProperty.call(value, key)) {
      throw unknownOptionError(key, known, name);
    }
  }
}

/**
 * The error for an option key the caller does not know, naming the closest known key when one
 * is within two edits (a typo): "Unknown option `shieldd` in `options`: did you mean `shield`?
 * The options are `deadline` and `shield`", otherwise "Unknown option `colour` in `options`.
 * The options are `deadline` and `shield`".
 */
export function unknownOptionError(key: string, known: readonly string[], name = "options"): TypeError {
  const suggestion = closestWithin(key, known, 2);
  const list =
    known.length === 0
      ? `\`${name}\` takes no options`
      : known.length === 1
        ? `The only option is \`${known[0]}\``
        : `The options are ${formatList(known.map((option) => `\`${option}\``))}`;
  return new TypeError(
    `Unknown option \`${key}\` in \`${name}\`` +
      (suggestion !== undefined ? `: did you mean \`${suggestion}\`? ` : ". ") +
      list,
  );
}

/** `a`, `a and b`, `a, b and c`: the way messages list alternatives. */
export function formatList(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** The candidate nearest to `word` (case-insensitive edit distance, the first on a tie), if within `limit` edits. */
function closestWithin(word: string, candidates: readonly string[], limit: number): string | undefined {
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`: optimal string
 * alignment distance, so `sheild` is one edit from `shield`.
 */
function editDistance(a: string, b: string): number {
  // Rows i-2, i-1 and i of the (a.length+1) × (b.length+1) table.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        distance = Math.min(distance, before[j - 2]! + 1);
      current[j] = distance;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length]!;
}

/** A boolean option. */
export function checkBoolean(name: string, value: unknown): asserts value is boolean {
  if (typeof value !== "boolean")
    throw new TypeError(`Expected \`${name}\` to be a boolean, got ${describeValue(value)}`);
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
    throw new TypeError(
      `Expected \`${name}\` to be a number (milliseconds on the currentTime() clock), got ${describeValue(value)}`,
    );
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
