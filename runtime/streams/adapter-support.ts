/**
 * What the Web and Node stream adapters share: one operation at a time, started as a checkpoint
 * with one waiter for the whole call (the shape memory.ts uses), running our streams' operations
 * from foreign callbacks, and the error and argument rules. Internal; no `node:` import here, so
 * the browser bundle can load it.
 *
 * Invariant: an adapter moves data between the two sides only in the synchronous step that
 * wakes the operation's waiter. A cancelled operation has therefore moved nothing, and one that
 * moved something returns it (no lost results: a cancellation never undoes a delivered result).
 */
import { callInFrame, currentFrame, requireFrame, Waiter, yieldMacrotask, type Frame } from "../rt";
import { BrokenResourceError, BusyResourceError, ClosedResourceError, EndOfStream } from "../core/errors";
import { describeValue } from "../core/validate";
import { cancelled, outsideTask } from "../sync/checks";
import { positiveIntegerError } from "./stream-helpers";

/** What a `for await` step resolves to at the end of the stream. */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * The one operation in progress on one side of an adapter (a receive, or a send); a second one
 * is refused with `BusyResourceError`.
 */
export class OperationSlot<T> {
  /** The waiter of the operation in progress. */
  private current: Waiter<T> | undefined = undefined;
  /** Built once rather than per operation: it runs when an operation is cancelled. */
  private readonly withdraw: () => void;

  /**
   * @param operation - the call an error outside a task names ("ReadableStreamReceiveStream.receive()").
   * @param action - what a busy error says the other task is doing ("receiving from").
   * @param onCancel - withdraws the rest of a cancelled operation (removes listeners).
   */
  constructor(
    private readonly operation: string,
    private readonly action: string,
    onCancel?: () => void,
  ) {
    this.withdraw = () => {
      this.current = undefined;
      onCancel?.();
    };
  }

  /**
   * Starts an operation that is a checkpoint: rejects with `BusyResourceError` while another
   * one is in progress, and at once when the task is already cancelled; otherwise records a
   * waiter as the operation in progress and runs `body(waiter)` one macrotask later, unless the
   * waiter was cancelled meanwhile. Returns the waiter's own promise, so compiled code awaits it
   * as a runtime primitive, without a racing wrapper.
   */
  start(body: (waiter: Waiter<T>) => void): Promise<T> {
    if (this.current !== undefined) return Promise.reject(new BusyResourceError(this.action));
    const frame = currentFrame();
    if (frame === undefined) return outsideTask(this.operation);
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const waiter = new Waiter<T>(frame, this.withdraw).waitsFor("operation", this.operation);
    this.current = waiter;
    yieldMacrotask(() => {
      if (!waiter.settled) body(waiter);
    });
    return waiter.promise;
  }

  /** Ends the operation in progress (`waiter`): with `error` if given, otherwise with `value`. */
  settle(waiter: Waiter<T>, value: T, error?: Error): void {
    this.current = undefined;
    if (error !== undefined) waiter.fail(error);
    else waiter.wake(value);
  }

  /** Forgets the operation in progress and returns its waiter (to fail it on close), if any. */
  take(): Waiter<T> | undefined {
    const waiting = this.current;
    this.current = undefined;
    return waiting;
  }
}

/** The frame an adapter created by foreign-facing code runs our stream's operations in. */
export function captureFrame(what: string): Frame {
  return requireFrame(what);
}

/**
 * Calls `fn` (an operation on one of our streams) from a foreign callback, with `frame` current
 * so that it checkpoints and parks in that task and scope. A synchronous throw becomes a
 * rejection.
 */
export function callIn<T>(frame: Frame, fn: () => Promise<T>): Promise<T> {
  try {
    return Promise.resolve(callInFrame(frame, fn, []));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `BrokenResourceError` for a failure of the foreign side, with the original as `cause`. */
export function broken(side: string, cause: unknown): BrokenResourceError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new BrokenResourceError(`The ${side} failed: ${detail}`, { cause });
}

/** The error of an operation on an adapter that was closed locally. */
export function closedAdapter(kind: string): ClosedResourceError {
  return new ClosedResourceError(`This ${kind} was closed and can no longer be used`);
}

/** The error of a receive once the foreign side has ended. */
export function endOfForeignStream(side: string): EndOfStream {
  return new EndOfStream(`The ${side} has ended`);
}

/** `chunk` as a plain `Uint8Array` view (a Node `Buffer` becomes a view on the same memory). */
export function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) {
    return chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  if (typeof chunk === "string") return new TextEncoder().encode(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError(`Expected a chunk of bytes (Uint8Array), got ${describeValue(chunk)}`);
}

/** An async iterator whose steps are `step()` calls resolving to iterator results. */
export function iteratorOf<T>(step: () => Promise<IteratorResult<T>>): AsyncIterableIterator<T> {
  const iterator: AsyncIterableIterator<T> = {
    next: step,
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/**
 * Checks the `highWaterMark` option of the `to*` adapters: a number >= 0 (`Infinity` allowed)
 * for a Web stream, an integer >= 0 for a Node stream (Node's own rule).
 * @throws TypeError if it is not a number; RangeError if it is out of range.
 */
export function checkHighWaterMark(value: unknown, integer: boolean): void {
  if (value === undefined) return;
  const what = integer ? "an integer >= 0" : "a number >= 0";
  if (typeof value !== "number")
    throw new TypeError(`Expected \`highWaterMark\` to be ${what}, got ${describeValue(value)}`);
  if (!(value >= 0) || (integer && !Number.isInteger(value))) {
    throw new RangeError(`Expected \`highWaterMark\` to be ${what}, got ${describeValue(value)}`);
  }
}

/** The minimal receive side the `to*` adapters need: what every object or byte receive stream has. */
export interface ReceiveSide<T> {
  receive(): Promise<T>;
  aclose(): Promise<void>;
}

/** The minimal send side the `to*` adapters need: what every object or byte send stream has. */
export interface SendSide<T> {
  send(item: T): Promise<void>;
  aclose(): Promise<void>;
  sendEof?(): Promise<void>;
}
