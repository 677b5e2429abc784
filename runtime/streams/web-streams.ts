/**
 * Adapters between our streams and WHATWG Web Streams (`ReadableStream`, `WritableStream`), both
 * ways, with backpressure kept: a Web consumer that stops reading stops our `receive()` calls,
 * and our `send()` waits while the `WritableStream` has no room.
 *
 *   toReadableStream(ours)    ReadableStream pulls ──► ours.receive()    cancel ──► ours.aclose()
 *   toWritableStream(ours)    write ──► ours.send()   close ──► sendEof()/aclose()   abort ──► aclose()
 *   fromReadableStream(web)   receive() ──► reader.read()   aclose() ──► reader.cancel()
 *   fromWritableStream(web)   send() ──► writer.ready, writer.write()   aclose() ──► writer.close()
 *
 * The `from*` adapters are our streams: their operations are checkpoints and cancellable. A
 * chunk already read from the reader when a receive is cancelled is kept for the next receive;
 * a send cancelled while waiting for room writes nothing. The `to*` adapters run our stream's
 * operations in the task and cancel scope that created them (Web Streams call back from outside
 * any task): cancelling that scope errors the Web stream.
 */
import type { Waiter } from "../rt";
import {
  DONE,
  asBytes,
  broken,
  callIn,
  captureFrame,
  checkHighWaterMark,
  closedAdapter,
  endOfForeignStream,
  iteratorOf,
  OperationSlot,
  type ReceiveSide,
  type SendSide,
} from "./adapter-support";
import { EndOfStream } from "../core/errors";
import { checkOptions } from "../core/validate";
import { checkShape, positiveIntegerError, RECEIVE_STREAM, SEND_STREAM, type Shape } from "./stream-helpers";
import { TypedAttributeProvider } from "./typed-attributes";
import type { ByteReceiveStream, ObjectReceiveStream, ObjectSendStream } from "./types";

/** What the `from*` adapters call on the Web stream they are given. */
const READABLE_STREAM: Shape = { kind: "a ReadableStream", methods: ["getReader"] };
const WRITABLE_STREAM: Shape = { kind: "a WritableStream", methods: ["getWriter"] };
/** The option keys of toReadableStream and toWritableStream; any other is a misspelt option. */
const ADAPTER_OPTIONS = ["highWaterMark"] as const;

type ReadOutcome = { ok: true; result: ReadableStreamReadResult<unknown> } | { ok: false; error: unknown };

// --- Web → ours: reading --------------------------------------------------------------------------

/** What reading from a `ReadableStream` shares between the object and the byte adapters. */
abstract class ReaderAdapter extends TypedAttributeProvider implements AsyncDisposable {
  protected readonly reader: ReadableStreamDefaultReader<unknown>;
  /** The read in progress. Invariant: it is cleared only by the receive that returns its result. */
  private pending: Promise<ReadOutcome> | undefined;
  /** Bytes read but not yet returned (a chunk larger than `maxBytes`). */
  private surplus: Uint8Array | undefined;
  private readonly operation: OperationSlot<any>;
  private ended = false;
  private failure: Error | undefined;
  private closed = false;

  constructor(
    readable: ReadableStream<unknown>,
    private readonly kind: string,
  ) {
    super();
    this.reader = checkShape("readable", readable, READABLE_STREAM).getReader();
    this.operation = new OperationSlot<any>(`${kind}.receive()`, "receiving from");
  }

  /**
   * Closes this stream and cancels the `ReadableStream` (its source's `cancel()` runs); a task
   * waiting in `receive()` gets `ClosedResourceError`. Closing again does nothing. Never a
   * checkpoint: it closes even when the task is cancelled.
   *
   * @example
   * ```ts
   * await using stream = fromReadableStream(response.body!); // aclose() at the end of the block
   * ```
   */
  aclose(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.surplus = undefined;
    this.operation.take()?.fail(closedAdapter(this.kind));
    return this.reader.cancel().then(
      () => this.reader.releaseLock(),
      () => undefined,
    );
  }

  /** Closes this stream at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /** @internal A receive (or, when `iterating`, a `for await` step) of at most `maxBytes` bytes. */
  protected receiveWith(iterating: boolean, maxBytes: number): Promise<any> {
    return this.operation.start((waiter) => this.step(waiter, iterating, maxBytes));
  }

  private finish(waiter: Waiter<any>, value: unknown, error?: Error): void {
    this.operation.settle(waiter, value, error);
  }

  private step(waiter: Waiter<any>, iterating: boolean, maxBytes: number): void {
    if (this.closed) return this.finish(waiter, undefined, closedAdapter(this.kind));
    if (this.surplus !== undefined) return this.finish(waiter, this.take(this.surplus, iterating, maxBytes));
    if (this.failure !== undefined) return this.finish(waiter, undefined, this.failure);
    if (this.ended) {
      if (iterating) return this.finish(waiter, DONE);
      return this.finish(waiter, undefined, endOfForeignStream("ReadableStream"));
    }
    const pending = (this.pending ??= this.reader.read().then(
      (result): ReadOutcome => ({ ok: true, result }),
      (error): ReadOutcome => ({ ok: false, error }),
    ));
    void pending.then((outcome) => {
      // Cancelled or closed meanwhile: the read stays pending for the next receive.
      if (waiter.settled) return;
      this.pending = undefined;
      if (!outcome.ok) this.failure = broken("ReadableStream", outcome.error);
      else if (outcome.result.done) this.ended = true;
      else if (this.bytes) {
        const chunk = asBytes(outcome.result.value);
        if (chunk.length > 0) this.surplus = chunk;
      } else {
        return this.finish(waiter, iterating ? { value: outcome.result.value, done: false } : outcome.result.value);
      }
      this.step(waiter, iterating, maxBytes);
    });
  }

  /** Takes at most `maxBytes` from `chunk`, keeping the rest for the next receive. */
  private take(chunk: Uint8Array, iterating: boolean, maxBytes: number): unknown {
    let value = chunk;
    if (chunk.length > maxBytes) {
      value = chunk.subarray(0, maxBytes);
      this.surplus = chunk.subarray(maxBytes);
    } else {
      this.surplus = undefined;
    }
    return iterating ? { value, done: false } : value;
  }

  /** Whether chunks are bytes, split to honour `maxBytes`. */
  protected abstract readonly bytes: boolean;
}

/**
 * An object receive stream reading from a Web `ReadableStream` (see {@link fromReadableStream}).
 * It holds the stream's reader (the stream is locked) until {@link aclose}.
 */
export class ReadableStreamReceiveStream<out T> extends ReaderAdapter implements ObjectReceiveStream<T> {
  protected readonly bytes = false;

  /** @internal Use {@link fromReadableStream}. */
  constructor(readable: ReadableStream<T>) {
    super(readable as ReadableStream<unknown>, "ReadableStreamReceiveStream");
  }

  /**
   * The next chunk of the `ReadableStream`, reading it only now (so a source that is not read
   * is not pulled: backpressure is kept).
   *
   * This is a checkpoint, and the checkpoint comes first. A receive cancelled while the read is
   * in progress leaves it in progress: the next receive returns its chunk, so nothing is lost.
   *
   * @example
   * ```ts
   * const stream = fromReadableStream(readable);
   * const first = await stream.receive();
   * ```
   * @throws EndOfStream once the `ReadableStream` is closed and drained.
   * @throws BrokenResourceError if the `ReadableStream` errored (the error is its `cause`).
   * @throws ClosedResourceError if this stream was closed (also while waiting).
   * @throws BusyResourceError if another task is already receiving.
   * @throws Cancelled if the task is cancelled before a chunk is returned.
   */
  receive(): Promise<T> {
    return this.receiveWith(false, Infinity);
  }

  /**
   * Iterates over the chunks; the loop ends where `receive()` would raise `EndOfStream`. Each
   * step is a checkpoint. Leaving the loop early does not close the stream.
   *
   * @example
   * ```ts
   * for await (const row of fromReadableStream(rows)) console.log(row);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return iteratorOf<T>(() => this.receiveWith(true, Infinity));
  }
}

/**
 * A byte receive stream reading from a Web `ReadableStream` of `Uint8Array` chunks (see
 * {@link fromReadableByteStream}). Empty chunks are skipped; a chunk larger than `maxBytes` is
 * returned in pieces.
 */
export class ReadableStreamByteReceiveStream extends ReaderAdapter implements ByteReceiveStream {
  protected readonly bytes = true;

  /** @internal Use {@link fromReadableByteStream}. */
  constructor(readable: ReadableStream<Uint8Array>) {
    super(readable as ReadableStream<unknown>, "ReadableStreamByteReceiveStream");
  }

  /**
   * Between 1 and `maxBytes` bytes: what is left of the last chunk read, or the next chunk of
   * the `ReadableStream` (read only now, so backpressure is kept); the surplus of a larger chunk
   * is kept for the next receive.
   *
   * This is a checkpoint, and the checkpoint comes first. A receive cancelled while the read is
   * in progress leaves it in progress: the next receive returns its bytes, so nothing is lost.
   *
   * @param maxBytes - the largest chunk to return, a positive integer.
   * @default maxBytes 65536
   * @example
   * ```ts
   * const body = fromReadableByteStream(response.body!);
   * const head = await body.receive(16); // at most 16 bytes; the rest stays for later
   * ```
   * @throws EndOfStream once the `ReadableStream` is closed and drained.
   * @throws BrokenResourceError if the `ReadableStream` errored (the error is its `cause`).
   * @throws ClosedResourceError if this stream was closed (also while waiting).
   * @throws BusyResourceError if another task is already receiving.
   * @throws TypeError if `maxBytes` is not a number; RangeError if it is not a positive integer.
   * @throws Cancelled if the task is cancelled before bytes are returned.
   */
  receive(maxBytes = 65536): Promise<Uint8Array> {
    const invalid = positiveIntegerError(maxBytes, "maxBytes");
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.receiveWith(false, maxBytes);
  }

  /**
   * Iterates over chunks of at most 65536 bytes; the loop ends at the end of the stream. Each
   * step is a checkpoint. Leaving the loop early does not close the stream.
   *
   * @example
   * ```ts
   * for await (const chunk of fromReadableByteStream(response.body!)) total += chunk.length;
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return iteratorOf<Uint8Array>(() => this.receiveWith(true, 65536));
  }
}

/**
 * Wraps a Web `ReadableStream` as an object receive stream: each `receive()` returns the next
 * chunk. The stream is locked to the adapter until `aclose()`, which cancels it. Never a
 * checkpoint.
 *
 * @example
 * ```ts
 * await using rows = fromReadableStream(readableOfRows);
 * for await (const row of rows) await save(row); // a slow save() slows the source down
 * ```
 * @throws TypeError if `readable` is not a `ReadableStream` (an object with `getReader()`) or is
 *   already locked.
 */
export function fromReadableStream<T>(readable: ReadableStream<T>): ReadableStreamReceiveStream<T> {
  return new ReadableStreamReceiveStream<T>(readable);
}

/**
 * Wraps a Web `ReadableStream` of `Uint8Array` chunks (such as `fetch()`'s `response.body`) as
 * a byte receive stream: `receive(maxBytes)` returns at most `maxBytes` bytes and keeps the
 * surplus of a larger chunk for the next call. The stream is locked to the adapter until
 * `aclose()`, which cancels it. Never a checkpoint.
 *
 * @example
 * ```ts
 * await using body = fromReadableByteStream(response.body!);
 * const buffered = new BufferedByteReceiveStream(body);
 * ```
 * @throws TypeError if `readable` is not a `ReadableStream` (an object with `getReader()`) or is
 *   already locked.
 */
export function fromReadableByteStream(readable: ReadableStream<Uint8Array>): ReadableStreamByteReceiveStream {
  return new ReadableStreamByteReceiveStream(readable);
}

// --- Web → ours: writing --------------------------------------------------------------------------

/**
 * An object send stream writing to a Web `WritableStream` (see {@link fromWritableStream}); it
 * is also a byte send stream when `T` is `Uint8Array`. It holds the stream's writer (the stream
 * is locked) until {@link aclose}.
 */
export class WritableStreamSendStream<in T> extends TypedAttributeProvider implements ObjectSendStream<T> {
  private readonly writer: WritableStreamDefaultWriter<T>;
  private readonly operation = new OperationSlot<void>("WritableStreamSendStream.send()", "sending to");
  private failure: Error | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;

  /** @internal Use {@link fromWritableStream}. */
  constructor(writable: WritableStream<T>) {
    super();
    this.writer = checkShape("writable", writable, WRITABLE_STREAM).getWriter();
    this.writer.closed.catch((error) => {
      this.failure ??= broken("WritableStream", error);
    });
  }

  /**
   * Waits until the `WritableStream` has room (its writer is `ready`: backpressure), then hands
   * `item` to it and returns; a failure of that write surfaces on the next `send()` or
   * `aclose()`.
   *
   * This is a checkpoint, and the checkpoint comes first. A send cancelled while waiting for
   * room writes nothing; a send that returned handed its item over.
   *
   * @example
   * ```ts
   * const out = fromWritableStream(writable);
   * for (const line of lines) await out.send(line); // waits while the sink is busy
   * await out.aclose();
   * ```
   * @throws BrokenResourceError if the `WritableStream` errored or was aborted (the error is its `cause`).
   * @throws ClosedResourceError if this stream was closed (also while waiting).
   * @throws BusyResourceError if another task is already sending.
   * @throws Cancelled if the task is cancelled before the item is handed over.
   */
  send(item: T): Promise<void> {
    return this.operation.start((waiter) => this.sendAfterCheckpoint(waiter, item));
  }

  /**
   * Closes the `WritableStream` gracefully (`writer.close()`: queued chunks are written first)
   * and waits for that; a task waiting in `send()` gets `ClosedResourceError`. Closing again
   * waits for the same close. A failing close is not reported: the stream is closed either way.
   * Never a checkpoint: it closes even when the task is cancelled.
   *
   * @example
   * ```ts
   * await using out = fromWritableStream(writable); // closed at the end of the block
   * ```
   */
  aclose(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closed = true;
    this.operation.take()?.fail(closedAdapter("WritableStreamSendStream"));
    const close = this.failure === undefined ? this.writer.close() : this.writer.abort(this.failure);
    this.closing = close.then(
      () => this.writer.releaseLock(),
      () => undefined,
    );
    return this.closing;
  }

  /** Closes this stream at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  private finish(waiter: Waiter<void>, error?: Error): void {
    this.operation.settle(waiter, undefined, error);
  }

  private sendAfterCheckpoint(waiter: Waiter<void>, item: T): void {
    if (this.closed) return this.finish(waiter, closedAdapter("WritableStreamSendStream"));
    if (this.failure !== undefined) return this.finish(waiter, this.failure);
    this.writer.ready.then(
      () => {
        if (waiter.settled) return; // cancelled or closed while waiting for room: nothing written
        if (this.failure !== undefined) return this.finish(waiter, this.failure);
        // Invariant: the item is handed over in the same step that ends the waiter.
        this.writer.write(item).catch((error) => {
          this.failure ??= broken("WritableStream", error);
        });
        this.finish(waiter);
      },
      (error) => {
        this.failure ??= broken("WritableStream", error);
        if (!waiter.settled) this.finish(waiter, this.failure);
      },
    );
  }
}

/**
 * Wraps a Web `WritableStream` as an object send stream (a byte send stream for a stream of
 * `Uint8Array`): `send()` waits while the stream has no room, so a slow sink slows the sender
 * down. The stream is locked to the adapter until `aclose()`, which closes it. Never a
 * checkpoint.
 *
 * @example
 * ```ts
 * await using out = fromWritableStream(new WritableStream<string>({ write: (line) => log(line) }));
 * await out.send("hello");
 * ```
 * @throws TypeError if `writable` is not a `WritableStream` (an object with `getWriter()`) or is
 *   already locked.
 */
export function fromWritableStream<T>(writable: WritableStream<T>): WritableStreamSendStream<T> {
  return new WritableStreamSendStream<T>(writable);
}

// --- Ours → Web -----------------------------------------------------------------------------------

/**
 * Options of {@link toReadableStream} and {@link toWritableStream}.
 */
export interface WebStreamAdapterOptions {
  /**
   * How many chunks the Web stream may hold beyond what its consumer asked for (its
   * `highWaterMark`). With 0, `toReadableStream` receives from our stream only when the consumer
   * reads.
   * @default 0 for toReadableStream, 1 for toWritableStream
   */
  highWaterMark?: number;
}

/**
 * A Web `ReadableStream` over one of our receive streams (object or byte): each chunk the
 * consumer reads is one `receive()`, made only when the consumer pulls (backpressure kept).
 * `EndOfStream` closes the `ReadableStream`; any other error errors it. Cancelling it
 * (`readable.cancel()`, or a consumer breaking out of its loop) closes our stream with
 * `aclose()`.
 *
 * Call it inside a task: our stream's operations run in that task and cancel scope, so
 * cancelling the scope errors the `ReadableStream` with `Cancelled`. Never a checkpoint.
 *
 * @example
 * ```ts
 * const [send, receive] = createMemoryObjectStream<Uint8Array>();
 * const response = new Response(toReadableStream(receive)); // streams what the tasks send
 * ```
 * @throws TypeError if `receiveStream` is not an object with `receive()` and `aclose()`,
 *   `options` is not an object or has a key other than `highWaterMark`, or `highWaterMark` is
 *   not a number.
 * @throws RangeError if `highWaterMark` is negative or NaN.
 * @throws NoCurrentTaskError outside {@link run}.
 */
export function toReadableStream<T>(
  receiveStream: ReceiveSide<T>,
  options: WebStreamAdapterOptions = {},
): ReadableStream<T> {
  checkShape("receiveStream", receiveStream, RECEIVE_STREAM);
  checkOptions(options, ADAPTER_OPTIONS);
  checkHighWaterMark(options.highWaterMark, false);
  const frame = captureFrame("toReadableStream()");
  return new ReadableStream<T>(
    {
      pull: (controller) =>
        callIn(frame, () => receiveStream.receive()).then(
          (chunk) => controller.enqueue(chunk),
          (error) => {
            if (error instanceof EndOfStream) controller.close();
            else controller.error(error);
          },
        ),
      cancel: () => receiveStream.aclose(),
    },
    { highWaterMark: options.highWaterMark ?? 0 },
  );
}

/**
 * A Web `WritableStream` over one of our send streams (object or byte): each chunk written is
 * one `send()`, and the next write waits for it (backpressure kept). `close()` finishes our
 * stream (`sendEof()` where it has one, such as a byte stream; otherwise `aclose()`); `abort()`
 * closes it with `aclose()`. An error from our stream errors the `WritableStream`.
 *
 * Call it inside a task: our stream's operations run in that task and cancel scope, so
 * cancelling the scope errors the `WritableStream` with `Cancelled`. Never a checkpoint.
 *
 * @example
 * ```ts
 * const [send, receive] = createMemoryObjectStream<Uint8Array>();
 * await response.body!.pipeTo(toWritableStream(send)); // the tasks receive the body
 * ```
 * @throws TypeError if `sendStream` is not an object with `send()` and `aclose()`, `options` is
 *   not an object or has a key other than `highWaterMark`, or `highWaterMark` is not a number.
 * @throws RangeError if `highWaterMark` is negative or NaN.
 * @throws NoCurrentTaskError outside {@link run}.
 */
export function toWritableStream<T>(sendStream: SendSide<T>, options: WebStreamAdapterOptions = {}): WritableStream<T> {
  checkShape("sendStream", sendStream, SEND_STREAM);
  checkOptions(options, ADAPTER_OPTIONS);
  checkHighWaterMark(options.highWaterMark, false);
  const frame = captureFrame("toWritableStream()");
  return new WritableStream<T>(
    {
      write: (chunk) => callIn(frame, () => sendStream.send(chunk)),
      close: () =>
        typeof sendStream.sendEof === "function"
          ? callIn(frame, () => sendStream.sendEof!())
          : callIn(frame, () => sendStream.aclose()),
      abort: () => callIn(frame, () => sendStream.aclose()),
    },
    { highWaterMark: options.highWaterMark ?? 1 },
  );
}
