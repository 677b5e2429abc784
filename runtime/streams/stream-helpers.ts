/**
 * Small pieces shared by the stream wrappers (buffered, text, stapled) and the adapters:
 * argument checks and the async iterator over `receive()`. Internal.
 */
import { currentFrame, enterFrame, leaveFrame } from "../core/frame";
import { tagPrimitive } from "../core/primitive";
import { EndOfStream } from "../core/errors";
import { describeValue, formatList } from "../core/validate";

/**
 * What a wrapper or adapter needs of an object it is given: what to call it in messages and the
 * methods it will call. Checked at construction, so that a `null` or a wrong object fails at
 * the call that was given it rather than at the first receive.
 */
export interface Shape {
  /** An article and a noun: "a byte receive stream". */
  readonly kind: string;
  /** The methods that must be functions. */
  readonly methods: readonly string[];
}

/** Any receive side, object or byte: what `receive()`-based wrappers call. */
export const RECEIVE_STREAM: Shape = { kind: "a receive stream", methods: ["receive", "aclose"] };
/** Any send side, object or byte. */
export const SEND_STREAM: Shape = { kind: "a send stream", methods: ["send", "aclose"] };
export const BYTE_RECEIVE_STREAM: Shape = { kind: "a byte receive stream", methods: ["receive", "aclose"] };
export const BYTE_SEND_STREAM: Shape = { kind: "a byte send stream", methods: ["send", "aclose"] };
export const BYTE_STREAM: Shape = { kind: "a byte stream", methods: ["receive", "send", "sendEof", "aclose"] };
export const OBJECT_RECEIVE_STREAM: Shape = { kind: "an object receive stream", methods: ["receive", "aclose"] };
export const OBJECT_SEND_STREAM: Shape = { kind: "an object send stream", methods: ["send", "aclose"] };
export const CONNECTABLE: Shape = { kind: "a connectable", methods: ["connect"] };
export const ASYNC_RESOURCE: Shape = { kind: "an async resource", methods: ["aclose"] };
export const LISTENER: Shape = { kind: "a listener", methods: ["serve", "aclose"] };

/**
 * Returns `value` if it is an object with every method of `shape`.
 * @throws TypeError "Expected `receiveStream` to be a byte receive stream (an object with
 *   receive() and aclose()), got `null` (object)" otherwise.
 */
export function checkShape<T>(name: string, value: T, shape: Shape): T {
  if (typeof value === "object" && value !== null) {
    let complete = true;
    for (const method of shape.methods) {
      if (typeof (value as Record<string, unknown>)[method] !== "function") {
        complete = false;
        break;
      }
    }
    if (complete) return value;
  }
  const methods = formatList(shape.methods.map((method) => `${method}()`));
  throw new TypeError(
    `Expected \`${name}\` to be ${shape.kind} (an object with ${methods}), got ${describeValue(value)}`,
  );
}

/**
 * The error for a `value` that is not a positive integer (AnyIO's "max_bytes must be a positive
 * integer"), or undefined when it is one: a TypeError for a non-number, a RangeError otherwise.
 */
export function positiveIntegerError(value: unknown, name: string): TypeError | RangeError | undefined {
  if (typeof value !== "number")
    return new TypeError(`Expected \`${name}\` to be a positive integer, got ${describeValue(value)}`);
  if (!Number.isInteger(value) || value < 1)
    return new RangeError(`Expected \`${name}\` to be a positive integer, got ${describeValue(value)}`);
  return undefined;
}

/**
 * Throws unless `value` is a positive integer.
 * @throws TypeError if `value` is not a number; RangeError if it is not a positive integer.
 */
export function checkPositiveInteger(value: unknown, name: string): void {
  const error = positiveIntegerError(value, name);
  if (error !== undefined) throw error;
}

/** Runs `fn` synchronously with the caller's frame current (see {@link primitive}). */
export type InFrame = <R>(fn: () => R) => R;

/**
 * Runs the stream operation `operation`, turning a synchronous throw into a rejection, and tags
 * its promise as a runtime primitive's: compiled callers then await it without a race, so a
 * cancelled caller never abandons an operation that already took data (cancellation arrives
 * through the primitives the operation awaits instead).
 *
 * Plain async code keeps the caller's frame across its own awaits only where a context carrier
 * exists (not in browsers, and not under compiled callers), so the frame is captured here and
 * `inFrame` restores it around each call that needs it (checkpoints, the wrapped stream's
 * methods).
 */
export function primitive<T>(operation: (inFrame: InFrame) => Promise<T>): Promise<T> {
  const frame = currentFrame();
  const inFrame: InFrame = (fn) => {
    const previous = enterFrame(frame);
    try {
      return fn();
    } finally {
      leaveFrame(previous);
    }
  };
  let promise: Promise<T>;
  try {
    promise = operation(inFrame);
  } catch (error) {
    promise = Promise.reject(error);
  }
  return tagPrimitive(promise);
}

/**
 * An async iterator whose steps call `receive` and which ends (normally) where `receive` raises
 * `EndOfStream`. Leaving the loop early does not close the stream. Each step's promise is
 * tagged, so structured code awaits it without racing (an item is never lost to a race).
 */
export function iterateReceive<T>(receive: () => Promise<T>): AsyncIterableIterator<T> {
  const step = async (inFrame: InFrame): Promise<IteratorResult<T>> => {
    try {
      return { done: false, value: await inFrame(receive) };
    } catch (error) {
      if (error instanceof EndOfStream) return { done: true, value: undefined };
      throw error;
    }
  };
  const iterator: AsyncIterableIterator<T> = {
    next: () => primitive(step),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
