/**
 * The runtime's error classes, one per failure, each with a fixed message template.
 *
 * Every class sets `name` on its prototype rather than per instance: it costs nothing per
 * error, survives minifiers that rename classes, and is already in place when the `Error`
 * constructor formats the first line of `stack`.
 */

import { ExceptionGroup } from "./exception-group";

function nameErrorClass(cls: { prototype: Error }, name: string): void {
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, enumerable: false, configurable: true });
}

// ---------------------------------------------------------------------------------------------
// Cancellation

/**
 * Thrown at a checkpoint inside a cancelled cancel scope, to unwind the task up to that scope;
 * never create one yourself, and always rethrow it if you catch it.
 *
 * A cancel scope recognises the `Cancelled` errors it caused and swallows them on exit, so the
 * code after the scope continues normally. Catching one and not rethrowing it breaks that:
 * the task keeps running inside a scope that wanted it gone. Use {@link isCancelled} to tell
 * cancellation apart from failures in a `catch` block.
 *
 * @example
 * ```ts
 * try {
 *   await sleep(1000);
 * } catch (error) {
 *   if (isCancelled(error)) throw error;
 *   log(error);
 * }
 * ```
 */
export class Cancelled extends Error {
  static {
    nameErrorClass(this, "Cancelled");
  }

  /**
   * Works, but only for tests and ported code: the runtime makes its cancellations without
   * capturing a stack trace.
   *
   * @param message - defaults to "Cancelled by a cancel scope".
   */
  constructor(message = "Cancelled by a cancel scope") {
    super(message);
  }

  /**
   * Build a `Cancelled` without capturing a stack trace.
   *
   * Cancellation is level-triggered, so every checkpoint in a cancelled scope throws a fresh
   * `Cancelled`; capturing a stack for each costs several microseconds and the frames only
   * point into the runtime. `stack` is just the "Cancelled: message" line.
   *
   * @internal
   */
  static _create(message: string): Cancelled {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new Cancelled(message);
    } finally {
      // Engines without the V8 stack API have no such property; leave them as found.
      if (limit === undefined) delete (Error as { stackTraceLimit?: number }).stackTraceLimit;
      else Error.stackTraceLimit = limit;
    }
  }
}

/**
 * The class of the errors that cancellation throws: always {@link Cancelled}. Kept for code
 * ported from AnyIO, where the class depends on the event loop.
 *
 * @example
 * ```ts
 * const CancelledError = getCancelledExcClass();
 * if (error instanceof CancelledError) throw error;
 * ```
 */
export function getCancelledExcClass(): typeof Cancelled {
  return Cancelled;
}

/**
 * Whether `error` is cancellation rather than a failure: a {@link Cancelled}, or an
 * {@link ExceptionGroup} whose members, through any nested groups, are all `Cancelled`.
 *
 * A group mixing cancellations with other errors is a failure and gives `false`.
 *
 * @example
 * ```ts
 * try {
 *   await work();
 * } catch (error) {
 *   if (isCancelled(error)) throw error; // let the cancel scope handle it
 *   report(error);
 * }
 * ```
 */
export function isCancelled(error: unknown): boolean {
  if (error instanceof Cancelled) return true;
  if (!(error instanceof ExceptionGroup)) return false;
  return countCancelledLeaves(error) > 0;
}

// The number of leaves of `group` if all are Cancelled, -1 as soon as one is not.
function countCancelledLeaves(group: ExceptionGroup): number {
  let count = 0;
  for (const member of group.exceptions) {
    if (member instanceof Cancelled) {
      count += 1;
    } else if (member instanceof ExceptionGroup) {
      const nested = countCancelledLeaves(member);
      if (nested < 0) return -1;
      count += nested;
    } else {
      return -1;
    }
  }
  return count;
}

/**
 * Thrown when a `failAfter()`/`failAt()` scope reaches its deadline and cancels its body.
 *
 * @example
 * ```ts
 * try {
 *   await failAfter(500).run(() => fetchConfig());
 * } catch (error) {
 *   if (error instanceof TimeoutError) useDefaults();
 *   else throw error;
 * }
 * ```
 */
export class TimeoutError extends Error {
  static {
    nameErrorClass(this, "TimeoutError");
  }

  /** @param message - defaults to a sentence saying the deadline passed; `failAfter()`'s `reason` goes here. */
  constructor(message = "The operation did not finish before its deadline", options?: ErrorOptions) {
    super(message, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Resources and streams

/**
 * Thrown when a resource can no longer be used because of something outside this side's
 * control, such as the peer closing a connection or the other end of a stream going away.
 *
 * @example
 * ```ts
 * try {
 *   await stream.send(data);
 * } catch (error) {
 *   if (error instanceof BrokenResourceError) reconnect();
 *   else throw error;
 * }
 * ```
 */
export class BrokenResourceError extends Error {
  static {
    nameErrorClass(this, "BrokenResourceError");
  }

  /** @param message - defaults to a sentence saying the resource broke from outside. */
  constructor(
    message = "The resource is broken: its other end or underlying connection is gone",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Thrown when a task tries to use a resource that another task is using in a way that allows
 * only one user at a time, such as two tasks receiving from one byte stream.
 *
 * @example
 * ```ts
 * new BusyResourceError("reading from").message;
 * // "Another task is already reading from this resource"
 * ```
 */
export class BusyResourceError extends Error {
  static {
    nameErrorClass(this, "BusyResourceError");
  }

  /** What the other task is doing, as a verb phrase: "reading from", "writing to". */
  readonly action: string;

  /** @param action - what the other task is doing, e.g. "reading from" or "waiting on". */
  constructor(action: string) {
    super(`Another task is already ${action} this resource`);
    this.action = action;
  }
}

/**
 * Thrown when a resource is used after this side closed it.
 *
 * @example
 * ```ts
 * await send.aclose();
 * await send.send("late"); // throws ClosedResourceError
 * ```
 */
export class ClosedResourceError extends Error {
  static {
    nameErrorClass(this, "ClosedResourceError");
  }

  /** @param message - defaults to a sentence saying the resource was closed here. */
  constructor(message = "The resource was closed by this side and can no longer be used", options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Thrown by a receive operation when the other end has closed the stream and nothing is left
 * to read; the normal end of a stream, which async iteration treats as "done".
 *
 * @example
 * ```ts
 * try {
 *   const item = await receive.receive();
 * } catch (error) {
 *   if (!(error instanceof EndOfStream)) throw error;
 * }
 * ```
 */
export class EndOfStream extends Error {
  static {
    nameErrorClass(this, "EndOfStream");
  }

  /** @param message - defaults to a sentence saying the other end closed the stream. */
  constructor(message = "The stream has ended: the other end closed it", options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Thrown by a `*Nowait` method when the operation could only complete by waiting; call the
 * method without `Nowait` to wait instead.
 *
 * @example
 * ```ts
 * try {
 *   lock.acquireNowait();
 * } catch (error) {
 *   if (error instanceof WouldBlock) await lock.acquire();
 *   else throw error;
 * }
 * ```
 */
export class WouldBlock extends Error {
  static {
    nameErrorClass(this, "WouldBlock");
  }

  /** @param message - defaults to a sentence pointing at the waiting variant. */
  constructor(
    message = "The operation would block; use the variant without Nowait to wait for it",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Thrown by `receiveUntil()` when the delimiter did not appear within the allowed number of
 * bytes.
 *
 * @example
 * ```ts
 * new DelimiterNotFound(65536).message;
 * // "The delimiter was not found among the first 65536 bytes"
 * ```
 */
export class DelimiterNotFound extends Error {
  static {
    nameErrorClass(this, "DelimiterNotFound");
  }

  /** How many bytes were searched. */
  readonly maxBytes: number;

  /** @param maxBytes - the limit that was reached without finding the delimiter. */
  constructor(maxBytes: number) {
    super(`The delimiter was not found among the first ${maxBytes} bytes`);
    this.maxBytes = maxBytes;
  }
}

/**
 * Thrown by `receiveExactly()` and `receiveUntil()` when the stream ends before the requested
 * data arrived; the bytes read so far stay buffered.
 *
 * @example
 * ```ts
 * await buffered.receiveExactly(4); // throws IncompleteRead if only 2 bytes ever arrive
 * ```
 */
export class IncompleteRead extends Error {
  static {
    nameErrorClass(this, "IncompleteRead");
  }

  /** @param message - defaults to AnyIO's sentence. */
  constructor(message = "The stream was closed before the read operation could be completed", options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Thrown when a typed attribute is looked up on a stream or listener that does not provide
 * it and no default was given.
 *
 * @example
 * ```ts
 * stream.extra(SocketAttribute.remoteAddress); // throws TypedAttributeLookupError on a memory stream
 * stream.extra(SocketAttribute.remoteAddress, null); // null instead
 * ```
 */
export class TypedAttributeLookupError extends Error {
  static {
    nameErrorClass(this, "TypedAttributeLookupError");
  }

  /** @param message - defaults to a sentence suggesting a default value. */
  constructor(
    message = "Attribute not found; pass a default to extra() to allow it to be missing",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Thrown when a worker process used to run code in another process dies or misbehaves.
 *
 * @example
 * ```ts
 * try {
 *   await toProcess.runSync(crunch, data);
 * } catch (error) {
 *   if (error instanceof BrokenWorkerProcess) console.error("worker crashed", error.cause);
 *   else throw error;
 * }
 * ```
 */
export class BrokenWorkerProcess extends Error {
  static {
    nameErrorClass(this, "BrokenWorkerProcess");
  }

  /** @param message - defaults to a sentence saying the worker failed. */
  constructor(message = "The worker process exited unexpectedly or sent an invalid response", options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Thrown when connecting to a remote endpoint fails; `cause` holds the underlying error.
 *
 * @example
 * ```ts
 * throw new ConnectionFailed("error connecting to example.com:443: connection refused", { cause: error });
 * ```
 */
export class ConnectionFailed extends Error {
  static {
    nameErrorClass(this, "ConnectionFailed");
  }

  /** @param message - should name the endpoint; defaults to a generic sentence. */
  constructor(message = "The connection attempt failed", options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Thrown when this host cannot do what was asked: a browser asked to open a socket, a file or a
 * process; a platform that lacks the feature (UNIX sockets on Windows); an older Node without
 * the option; an optional native addon that is not installed. The message names the call and
 * says why (`"connectTcp() needs Node.js, Bun or Deno; browsers cannot open sockets"`).
 *
 * It is also what a call raises that AnyIO itself declines to carry out (`TLSStream.sendEof()`).
 *
 * @example
 * ```ts
 * try {
 *   await connectTcp("example.com", 80);
 * } catch (error) {
 *   if (error instanceof NotSupportedError) showOfflineMode();
 *   else throw error;
 * }
 * ```
 */
export class NotSupportedError extends Error {
  static {
    nameErrorClass(this, "NotSupportedError");
  }

  /** @param message - names the call and what the host lacks; defaults to a generic sentence. */
  constructor(message = "This host does not support the operation", options?: ErrorOptions) {
    super(message, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Tasks

/**
 * Thrown by `TaskHandle.result()` when the task threw; `cause` is the error the task threw.
 *
 * The original error is also reported by the task group, so awaiting the handle inside the
 * group does not hide the failure from it.
 *
 * @example
 * ```ts
 * try {
 *   await handle.result();
 * } catch (error) {
 *   if (error instanceof TaskFailed) console.error("task failed with", error.cause);
 *   else throw error;
 * }
 * ```
 */
export class TaskFailed extends Error {
  static {
    nameErrorClass(this, "TaskFailed");
  }

  /**
   * @param message - defaults to a sentence naming the cause, when there is one.
   * @param options - `cause` is the error the task threw.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message ?? withCause("The task failed", options), options);
  }
}

/**
 * Thrown by `TaskHandle.result()` when the task was cancelled instead of finishing; once the
 * task has ended, `cause` is the {@link Cancelled} that stopped it.
 *
 * It extends {@link TaskFailed}, so one `instanceof TaskFailed` check covers every way a task
 * can fail to produce a value.
 *
 * @example
 * ```ts
 * handle.cancel();
 * await handle.result(); // throws TaskCancelled
 * ```
 */
export class TaskCancelled extends TaskFailed {
  static {
    nameErrorClass(this, "TaskCancelled");
  }

  /** @param message - defaults to a sentence saying the task was cancelled. */
  constructor(message = "The task was cancelled before it finished", options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Thrown when asking for a task's outcome before the task has finished; wait for it first
 * with `TaskHandle.wait()` or `TaskHandle.result()`.
 *
 * @example
 * ```ts
 * throw new TaskNotFinished();
 * ```
 */
export class TaskNotFinished extends Error {
  static {
    nameErrorClass(this, "TaskNotFinished");
  }

  /** @param message - defaults to a sentence telling you to wait for the task first. */
  constructor(
    message = "The task has not finished yet; wait for it with wait() or result() first",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Thrown by functions that need the current task (such as `getCurrentTask()` or
 * `currentCancelScope()`) when called outside code run by `run()`.
 *
 * @example
 * ```ts
 * getCurrentTask(); // at module top level: throws NoCurrentTaskError
 * await run(() => getCurrentTask()); // fine
 * ```
 */
export class NoCurrentTaskError extends Error {
  static {
    nameErrorClass(this, "NoCurrentTaskError");
  }

  /** @param message - defaults to a sentence telling you to call from inside `run()`. */
  constructor(
    message = "No anyio-ts task is running here; call this from code started by run()",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * What `run()` rejects with when SIGINT (Ctrl+C) or SIGTERM stopped it: the signal cancelled the
 * whole run, every `finally` block and shielded cleanup ran, and then `run()` gave up, the way
 * Python's `asyncio.run()` raises `KeyboardInterrupt`. If nothing catches it, the process exits
 * with 130 (SIGINT) or 143 (SIGTERM), the codes of a process killed by that signal.
 *
 * @example
 * ```ts
 * try {
 *   await run(serve);
 * } catch (error) {
 *   if (!(error instanceof Interrupted)) throw error;
 *   console.log(`stopped by ${error.signal}`); // the process exits 0
 * }
 * ```
 */
export class Interrupted extends Error {
  static {
    nameErrorClass(this, "Interrupted");
  }

  /** The signal that stopped the run. */
  readonly signal: "SIGINT" | "SIGTERM";

  /**
   * @param signal - the signal that stopped the run.
   * @param message - defaults to a sentence naming the signal.
   */
  constructor(signal: "SIGINT" | "SIGTERM", message = `run() was interrupted by ${signal}`, options?: ErrorOptions) {
    super(message, options);
    this.signal = signal;
  }
}

function withCause(message: string, options: ErrorOptions | undefined): string {
  if (options === undefined || !("cause" in options)) return message;
  const cause = options.cause;
  if (cause instanceof Error) return `${message}: ${cause.name}: ${cause.message}`;
  try {
    return `${message}: ${String(cause)}`;
  } catch {
    return message;
  }
}

/**
 * Thrown by `toThread.runSync()` when its worker thread died before answering: `process.exit()`
 * in the worker, an uncaught error in its event loop, or its resource limits. `cause` holds the
 * exit code or the error. The worker is not reused.
 *
 * ≠AnyIO: a Python thread cannot die under its caller; a JavaScript worker thread can.
 *
 * @example
 * ```ts
 * try {
 *   await toThread.runSync(crunch, data);
 * } catch (error) {
 *   if (error instanceof BrokenWorkerThread) console.error("worker died", error.cause);
 *   else throw error;
 * }
 * ```
 */
export class BrokenWorkerThread extends Error {
  static {
    nameErrorClass(this, "BrokenWorkerThread");
  }

  /** @param message - defaults to a sentence saying the worker died. */
  constructor(message = "The worker thread died before it answered", options?: ErrorOptions) {
    super(message, options);
  }
}
