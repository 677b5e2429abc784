/**
 * `ExceptionGroup`: several errors raised together, as a task group reports its children's
 * failures. Modelled on Python's `ExceptionGroup` (PEP 654), built on JavaScript's
 * `AggregateError` so that tools which already understand `AggregateError` show the members.
 *
 * This file imports nothing from the rest of the runtime: `errors.ts` depends on it, never the
 * other way round.
 */

/**
 * Any class, used to select errors by type in {@link ExceptionGroup.split} and
 * {@link ExceptionGroup.subgroup}; matching is `instanceof`.
 *
 * @example
 * ```ts
 * const byType: ErrorClass = RangeError;
 * ```
 */
// `any` is required here: a constructor type with `unknown[]` parameters would reject classes
// whose constructors take specific arguments (contravariance).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ErrorClass = abstract new (...args: any[]) => unknown;

/** The condition accepted by {@link ExceptionGroup.split} and {@link ExceptionGroup.subgroup}. */
type Condition = ((error: unknown) => boolean) | ErrorClass;

/**
 * Several errors that happened together, such as the failures of the tasks in one task group.
 *
 * Like Python's `ExceptionGroup`: the members are in {@link ExceptionGroup.exceptions} (also in
 * `errors`, inherited from `AggregateError`), groups may nest, and {@link ExceptionGroup.split}
 * and {@link ExceptionGroup.subgroup} pick members out by class or predicate while keeping the
 * nesting. A group is never empty.
 *
 * @example
 * ```ts
 * try {
 *   await createTaskGroup().run((tg) => { tg.startSoon(failsWithRangeError); });
 * } catch (error) {
 *   if (!(error instanceof ExceptionGroup)) throw error;
 *   const [rangeErrors, others] = error.split(RangeError);
 *   if (others) throw others;
 *   console.log("handled", rangeErrors?.exceptions.length);
 * }
 * ```
 */
export class ExceptionGroup extends AggregateError {
  static {
    // On the prototype, not per instance: it costs nothing per group and is already in place
    // when the Error constructor formats the first line of `stack`.
    Object.defineProperty(this.prototype, "name", {
      value: "ExceptionGroup",
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }

  /**
   * The members of the group, in the order they were given; frozen, never empty. Members may
   * themselves be groups.
   */
  declare readonly exceptions: readonly unknown[];

  /**
   * Create a group from a message and a non-empty array of errors (anything that was thrown).
   *
   * @param message - describes what the errors have in common, e.g. "unhandled errors in a TaskGroup".
   * @param exceptions - the members; copied and frozen.
   * @throws {TypeError} if `message` is not a string or `exceptions` is not an array.
   * @throws {RangeError} if `exceptions` is empty.
   * @example
   * ```ts
   * const group = new ExceptionGroup("two things failed", [new Error("a"), new TypeError("b")]);
   * group.exceptions.length; // 2
   * ```
   */
  constructor(message: string, exceptions: unknown[]) {
    if (typeof message !== "string") {
      throw new TypeError(`Expected \`message\` to be a string, got \`${describe(message)}\` (${typeName(message)})`);
    }
    if (!Array.isArray(exceptions)) {
      throw new TypeError(
        `Expected \`exceptions\` to be an array, got \`${describe(exceptions)}\` (${typeName(exceptions)})`,
      );
    }
    if (exceptions.length === 0) {
      throw new RangeError("Expected `exceptions` to be a non-empty array, got an empty array");
    }
    const members = Object.freeze(exceptions.slice());
    super(members, message);
    // Non-enumerable so that inspectors do not print every member twice (they already show
    // AggregateError's `errors`).
    Object.defineProperty(this, "exceptions", {
      value: members,
      writable: false,
      enumerable: false,
      configurable: true,
    });
  }

  /**
   * Divide the group into the part that matches `predicate` and the rest, keeping the nesting.
   *
   * `predicate` is a class (errors are tested with `instanceof`) or a function returning a
   * boolean. It is tried on this group first: if the group itself matches, the result is
   * `[this, undefined]`. Otherwise it is tried on each member, descending into nested groups the
   * same way. Each side is built with {@link ExceptionGroup.derive} and keeps the original
   * group's `cause` and `stack`; nested groups left empty are dropped, and a side with nothing in
   * it is `undefined`. A group whose members all land on one side is returned as is (same
   * object), not copied; this differs from Python, which copies, and lets callers see cheaply
   * that nothing was removed.
   *
   * A function counts as a class when it is written with `class`, is `Error` or inherits from
   * it, or has a prototype carrying methods; any other function is called as a predicate.
   *
   * @returns `[match, rest]`.
   * @throws {TypeError} if `predicate` is neither a function nor a class.
   * @example
   * ```ts
   * const group = new ExceptionGroup("failed", [new RangeError("a"), new Error("b")]);
   * const [ranges, rest] = group.split(RangeError);
   * ranges?.exceptions; // [RangeError: a]
   * rest?.exceptions;   // [Error: b]
   * const [cancelled, other] = group.split((e) => e instanceof Cancelled);
   * ```
   */
  split(predicate: Condition): [ExceptionGroup | undefined, ExceptionGroup | undefined] {
    return splitGroup(this, toMatcher(predicate), true);
  }

  /**
   * The part of the group that matches `predicate`, keeping the nesting, or `undefined` if
   * nothing matches; the first half of {@link ExceptionGroup.split}.
   *
   * @returns the matching part: `this` when everything matches, `undefined` when nothing does.
   * @throws {TypeError} if `predicate` is neither a function nor a class.
   * @example
   * ```ts
   * const group = new ExceptionGroup("failed", [new RangeError("a"), new Error("b")]);
   * group.subgroup(RangeError)?.exceptions; // [RangeError: a]
   * group.subgroup((e) => e instanceof SyntaxError); // undefined
   * ```
   */
  subgroup(predicate: Condition): ExceptionGroup | undefined {
    return splitGroup(this, toMatcher(predicate), false)[0];
  }

  /**
   * Build a group like this one around other members; {@link ExceptionGroup.split} and
   * {@link ExceptionGroup.subgroup} call it for every group they produce.
   *
   * The default keeps the message and returns a plain `ExceptionGroup` without copying `cause`
   * or `stack` (split and subgroup copy those themselves). A subclass whose constructor takes
   * other arguments, or that should survive a split as its own class, overrides it.
   *
   * @param exceptions - the members of the new group; must not be empty.
   * @throws {RangeError} if `exceptions` is empty.
   * @example
   * ```ts
   * class RequestErrors extends ExceptionGroup {
   *   constructor(readonly url: string, errors: unknown[]) { super(`requests to ${url} failed`, errors); }
   *   override derive(exceptions: unknown[]) { return new RequestErrors(this.url, exceptions); }
   * }
   * ```
   */
  derive(exceptions: unknown[]): ExceptionGroup {
    return new ExceptionGroup(this.message, exceptions);
  }
}

/**
 * Take the only member out of a group of one, repeatedly through nested groups of one; return
 * anything else (a plain error, a group of several, a non-error) unchanged.
 *
 * Task groups always report failures as an `ExceptionGroup`, even a single failure; this is
 * the helper for code that only cares about that single failure.
 *
 * @example
 * ```ts
 * try {
 *   await createTaskGroup().run((tg) => { tg.startSoon(fetchPage); });
 * } catch (error) {
 *   const inner = unwrapExceptionGroup(error);
 *   if (inner instanceof HttpError) return retry();
 *   throw error;
 * }
 * ```
 */
export function unwrapExceptionGroup(error: unknown): unknown {
  let current = error;
  while (current instanceof ExceptionGroup && current.exceptions.length === 1) {
    current = current.exceptions[0];
  }
  return current;
}

// ---------------------------------------------------------------------------------------------

type Matcher = (error: unknown) => boolean;

function toMatcher(predicate: Condition): Matcher {
  if (typeof predicate !== "function") {
    throw new TypeError(
      `Expected \`predicate\` to be a function or an error class, got \`${describe(predicate)}\` (${typeName(predicate)})`,
    );
  }
  if (looksLikeClass(predicate)) {
    const cls = predicate as ErrorClass;
    return (error) => error instanceof cls;
  }
  const test = predicate as (error: unknown) => boolean;
  return (error) => Boolean(test(error));
}

// Classes and predicates are both functions, and calling a class throws, so the two are told
// apart by shape. Arrow functions and methods have no prototype; plain `function` predicates
// have a prototype holding only `constructor` and inheriting straight from Object.prototype.
function looksLikeClass(fn: Condition): boolean {
  const proto: unknown = (fn as { prototype?: unknown }).prototype;
  if (proto === null || typeof proto !== "object") return false;
  if (fn === Error || proto instanceof Error) return true;
  if (/^class\b/.test(Function.prototype.toString.call(fn))) return true;
  if (Object.getPrototypeOf(proto) !== Object.prototype) return true;
  return Object.getOwnPropertyNames(proto).length > 1;
}

// Invariant: a returned group is either `group` itself (its members all went to that side,
// each unchanged) or a fresh group from `group.derive` carrying `group`'s cause and stack.
function splitGroup(
  group: ExceptionGroup,
  matches: Matcher,
  wantRest: boolean,
): [ExceptionGroup | undefined, ExceptionGroup | undefined] {
  if (matches(group)) return [group, undefined];
  const matched: unknown[] = [];
  const rest: unknown[] = [];
  for (const member of group.exceptions) {
    if (member instanceof ExceptionGroup) {
      const [m, r] = splitGroup(member, matches, wantRest);
      if (m !== undefined) matched.push(m);
      if (r !== undefined) rest.push(r);
    } else if (matches(member)) {
      matched.push(member);
    } else if (wantRest) {
      rest.push(member);
    }
  }
  return [rebuild(group, matched), wantRest ? rebuild(group, rest) : undefined];
}

function rebuild(group: ExceptionGroup, members: unknown[]): ExceptionGroup | undefined {
  if (members.length === 0) return undefined;
  const original = group.exceptions;
  if (members.length === original.length && members.every((member, i) => member === original[i])) {
    return group;
  }
  const derived = group.derive(members);
  if (Object.prototype.hasOwnProperty.call(group, "cause")) {
    Object.defineProperty(derived, "cause", {
      value: group.cause,
      writable: true,
      enumerable: false,
      configurable: true,
    });
  }
  if (group.stack !== undefined) {
    Object.defineProperty(derived, "stack", {
      value: group.stack,
      writable: true,
      enumerable: false,
      configurable: true,
    });
  }
  return derived;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
