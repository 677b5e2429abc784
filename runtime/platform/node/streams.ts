/**
 * Adapters between our streams and Node streams (`Readable`, `Writable`, `Duplex`), both ways,
 * with backpressure kept: our `receive()` takes only what the `Readable` has buffered up to its
 * `highWaterMark` (`read()`), our `send()` waits for `'drain'` once `write()` returned false,
 * and the Node streams we build call our stream only when Node asks (`_read`, `_write`).
 *
 * Errors of the Node stream become `BrokenResourceError` (with the Node error as `cause`) on our
 * side; closing our side destroys (or ends) the Node stream, and destroying the Node stream we
 * built closes our stream. Only the Node entry point exports this file: it imports `node:stream`.
 */
import { Duplex, Readable, Writable } from "node:stream";
import type { Frame, Waiter } from "../../rt";
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
} from "../../streams/adapter-support";
import { EndOfStream } from "../../core/errors";
import { checkBoolean, checkOptions } from "../../core/validate";
import {
  BYTE_STREAM,
  checkShape,
  positiveIntegerError,
  RECEIVE_STREAM,
  SEND_STREAM,
  type Shape,
} from "../../streams/stream-helpers";
import { TypedAttributeProvider } from "../../streams/typed-attributes";
import type { ByteStream, ObjectReceiveStream, ObjectSendStream } from "../../streams/types";

/** What the `fromNode*` adapters call on the Node stream they are given. */
const NODE_READABLE: Shape = { kind: "a Node Readable", methods: ["read", "unshift", "on", "destroy"] };
const NODE_WRITABLE: Shape = { kind: "a Node Writable", methods: ["write", "end", "on"] };
const NODE_DUPLEX: Shape = { kind: "a Node Duplex", methods: ["read", "unshift", "write", "end", "on", "destroy"] };
// The option keys each function accepts; checkOptions rejects any other (a misspelt option).
const FROM_READABLE_OPTIONS = ["bytes"] as const;
const TO_NODE_OPTIONS = ["objectMode", "highWaterMark"] as const;

// --- Node → ours ----------------------------------------------------------------------------------

/**
 * What the reading and the writing side of a Node stream share: one operation at a time, whose
 * step runs after the checkpoint and again at each Node event until it settles.
 */
abstract class NodeSide<T> {
  /** Re-runs the step of the operation in progress; set while it waits for a Node event. */
  private retry: (() => void) | undefined;
  protected readonly operation: OperationSlot<T>;
  protected failure: Error | undefined;
  protected closed = false;

  constructor(
    protected readonly kind: string,
    operation: string,
    action: string,
  ) {
    this.operation = new OperationSlot<T>(`${kind}.${operation}`, action, () => {
      this.retry = undefined;
    });
  }

  /** How errors name the Node stream: a `Duplex` by its class, otherwise by this side's role. */
  protected nodeName(role: "Readable" | "Writable"): string {
    return `Node ${this.kind.startsWith("NodeDuplex") ? "Duplex" : role}`;
  }

  /** What the Node stream's events call: the waiting operation looks again (once; it re-arms itself). */
  protected readonly poke = (): void => {
    const retry = this.retry;
    this.retry = undefined;
    retry?.();
  };

  /** Fails the operation in progress with `error`; later operations fail as closed. */
  close(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.retry = undefined;
    this.operation.take()?.fail(error);
  }

  /** Ends the operation in progress: with `error` if given, otherwise with `value`. */
  protected finish(waiter: Waiter<T>, value: T, error?: Error): void {
    this.operation.settle(waiter, value, error);
  }

  /** Runs `step` again at the next event of the Node stream. */
  protected retryOnEvent(step: () => void): void {
    this.retry = step;
  }
}

/** Reading side of a Node stream: paused mode, `read()` only inside a receive. */
class NodeReader extends NodeSide<any> {
  private ended = false;

  constructor(
    readonly readable: Readable,
    kind: string,
  ) {
    super(kind, "receive()", "receiving from");
    // Permanent listeners: 'readable' keeps the stream in paused mode (data waits in its buffer,
    // up to its highWaterMark, until a receive reads it); 'error' never goes unhandled.
    readable.on("readable", this.poke);
    readable.on("end", () => {
      this.ended = true;
      this.poke();
    });
    readable.on("error", (error) => {
      this.failure ??= broken(this.nodeName("Readable"), error);
      this.poke();
    });
    readable.on("close", this.poke);
  }

  receive(iterating: boolean, maxBytes: number | undefined): Promise<any> {
    return this.operation.start((waiter) => this.step(waiter, iterating, maxBytes));
  }

  private step(waiter: Waiter<any>, iterating: boolean, maxBytes: number | undefined): void {
    if (waiter.settled) return;
    if (this.closed) return this.finish(waiter, undefined, closedAdapter(this.kind));
    const readable = this.readable;
    // Invariant: read() runs only in the step that ends the waiter, so a cancelled receive has
    // taken nothing out of the Node stream.
    const chunk: unknown = readable.destroyed ? null : readable.read();
    if (chunk !== null) {
      let value = chunk;
      if (maxBytes !== undefined) {
        let bytes = asBytes(chunk);
        if (bytes.length === 0) return this.step(waiter, iterating, maxBytes);
        if (bytes.length > maxBytes) {
          readable.unshift(Buffer.from(bytes.buffer, bytes.byteOffset + maxBytes, bytes.length - maxBytes));
          bytes = bytes.subarray(0, maxBytes);
        }
        value = bytes;
      }
      return this.finish(waiter, iterating ? { value, done: false } : value);
    }
    if (this.failure !== undefined) return this.finish(waiter, undefined, this.failure);
    if (this.ended || readable.readableEnded) {
      if (iterating) return this.finish(waiter, DONE);
      return this.finish(waiter, undefined, endOfForeignStream(`Node ${this.kind}`));
    }
    if (readable.destroyed) {
      const cause = readable.errored ?? new Error("the stream was destroyed before it ended");
      this.failure = broken(this.nodeName("Readable"), cause);
      return this.finish(waiter, undefined, this.failure);
    }
    this.retryOnEvent(() => this.step(waiter, iterating, maxBytes));
  }
}

/** Writing side of a Node stream: `write()` only when it has room, `'drain'` otherwise. */
class NodeWriter extends NodeSide<void> {
  private ending: Promise<void> | undefined;

  constructor(
    readonly writable: Writable,
    kind: string,
  ) {
    super(kind, "send()", "sending to");
    writable.on("drain", this.poke);
    writable.on("error", (error) => {
      this.failure ??= broken(this.nodeName("Writable"), error);
      this.poke();
    });
    writable.on("close", this.poke);
  }

  send(item: unknown): Promise<void> {
    return this.operation.start((waiter) => this.step(waiter, item));
  }

  /** Ends the writable side (`end()`), waiting for `'finish'` (or a failure, or destruction). */
  end(): Promise<void> {
    if (this.ending !== undefined) return this.ending;
    this.close(closedAdapter(this.kind));
    const writable = this.writable;
    this.ending = new Promise<void>((resolve) => {
      if (writable.writableFinished || writable.destroyed) return resolve();
      const done = () => {
        writable.off("finish", done);
        writable.off("close", done);
        writable.off("error", done);
        resolve();
      };
      writable.on("finish", done);
      writable.on("close", done);
      writable.on("error", done);
      writable.end();
    });
    return this.ending;
  }

  private step(waiter: Waiter<void>, item: unknown): void {
    if (waiter.settled) return;
    if (this.closed) return this.finish(waiter, undefined, closedAdapter(this.kind));
    const writable = this.writable;
    if (this.failure !== undefined) return this.finish(waiter, undefined, this.failure);
    if (writable.destroyed || writable.writableEnded) {
      const cause = writable.errored ?? new Error("the stream was destroyed or ended");
      this.failure = broken(this.nodeName("Writable"), cause);
      return this.finish(waiter, undefined, this.failure);
    }
    if (writable.writableNeedDrain) return this.retryOnEvent(() => this.step(waiter, item));
    // Invariant: the item is handed over in the same step that ends the waiter; a send
    // cancelled while waiting for 'drain' wrote nothing.
    writable.write(item);
    this.finish(waiter, undefined);
  }
}

/**
 * An object or byte receive stream reading from a Node `Readable` (see {@link fromNodeReadable}).
 */
export class NodeReadableReceiveStream<out T = Uint8Array>
  extends TypedAttributeProvider
  implements ObjectReceiveStream<T>
{
  private readonly reader: NodeReader;

  /** @internal Use {@link fromNodeReadable}. */
  constructor(
    /** The Node stream this one reads from. Reading it directly as well would steal chunks. */
    readonly readable: Readable,
    private readonly bytes: boolean,
  ) {
    super();
    checkShape("readable", readable, NODE_READABLE);
    this.reader = new NodeReader(readable, "NodeReadableReceiveStream");
  }

  /**
   * The next chunk the `Readable` has buffered, waiting for one if needed; in byte mode at most
   * `maxBytes` bytes (the surplus goes back with `unshift()`). The `Readable` is read only here,
   * so it fills its buffer up to its `highWaterMark` and then stops its source (backpressure).
   *
   * This is a checkpoint, and the checkpoint comes first. A cancelled receive has read nothing.
   *
   * @param maxBytes - in byte mode, the largest chunk to return, a positive integer.
   * @default maxBytes 65536
   * @example
   * ```ts
   * const input = fromNodeReadable(fs.createReadStream("data.bin"));
   * const chunk = await input.receive(1024);
   * ```
   * @throws EndOfStream once the `Readable` ended and is drained.
   * @throws BrokenResourceError if it emitted `'error'` (the error is its `cause`) or was destroyed before its end.
   * @throws ClosedResourceError if this stream was closed (also while waiting).
   * @throws BusyResourceError if another task is already receiving.
   * @throws TypeError if `maxBytes` is not a number; RangeError if it is not a positive integer.
   * @throws Cancelled if the task is cancelled before a chunk is returned.
   */
  receive(maxBytes = 65536): Promise<T> {
    if (!this.bytes) return this.reader.receive(false, undefined);
    const invalid = positiveIntegerError(maxBytes, "maxBytes");
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.reader.receive(false, maxBytes);
  }

  /**
   * Iterates over the chunks (in byte mode, of at most 65536 bytes); the loop ends at the end of
   * the `Readable`. Each step is a checkpoint. Leaving the loop early does not close the stream.
   *
   * @example
   * ```ts
   * for await (const chunk of fromNodeReadable(process.stdin)) handle(chunk);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return iteratorOf<T>(() => this.reader.receive(true, this.bytes ? 65536 : undefined));
  }

  /**
   * Closes this stream and destroys the `Readable`; a task waiting in `receive()` gets
   * `ClosedResourceError`. Closing again does nothing. Never a checkpoint.
   *
   * @example
   * ```ts
   * await using input = fromNodeReadable(socket);
   * ```
   */
  aclose(): Promise<void> {
    this.reader.close(closedAdapter("NodeReadableReceiveStream"));
    if (!this.readable.destroyed) this.readable.destroy();
    return Promise.resolve();
  }

  /** Closes this stream at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
}

/**
 * An object or byte send stream writing to a Node `Writable` (see {@link fromNodeWritable}).
 */
export class NodeWritableSendStream<in T = Uint8Array> extends TypedAttributeProvider implements ObjectSendStream<T> {
  private readonly writer: NodeWriter;

  /** @internal Use {@link fromNodeWritable}. */
  constructor(
    /** The Node stream this one writes to. */
    readonly writable: Writable,
  ) {
    super();
    checkShape("writable", writable, NODE_WRITABLE);
    this.writer = new NodeWriter(writable, "NodeWritableSendStream");
  }

  /**
   * Writes `item` with `write()`, first waiting for `'drain'` if an earlier `write()` returned
   * false (backpressure). A failure of that write surfaces on the next `send()`.
   *
   * This is a checkpoint, and the checkpoint comes first. A send cancelled while waiting for
   * `'drain'` wrote nothing; one that returned handed its item to the `Writable`.
   *
   * @example
   * ```ts
   * const out = fromNodeWritable(fs.createWriteStream("out.bin"));
   * await out.send(new Uint8Array([1, 2, 3]));
   * await out.aclose();
   * ```
   * @throws BrokenResourceError if the `Writable` emitted `'error'` (the error is its `cause`), or was destroyed or ended by someone else.
   * @throws ClosedResourceError if this stream was closed (also while waiting).
   * @throws BusyResourceError if another task is already sending.
   * @throws Cancelled if the task is cancelled before the item is handed over.
   */
  send(item: T): Promise<void> {
    return this.writer.send(item);
  }

  /**
   * Ends the `Writable` (`end()`: buffered data is flushed) and waits for `'finish'`, `'close'`
   * or `'error'`; a task waiting in `send()` gets `ClosedResourceError`. Closing again waits for
   * the same end. Never a checkpoint: it ends the stream even when the task is cancelled.
   *
   * @example
   * ```ts
   * await using out = fromNodeWritable(socket);
   * ```
   */
  aclose(): Promise<void> {
    return this.writer.end();
  }

  /** Closes this stream at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
}

/**
 * A byte stream over a Node `Duplex` such as a `net.Socket` (see {@link fromNodeDuplex}):
 * receiving reads its readable side, sending writes its writable side, `sendEof()` ends the
 * writable side only (half-close).
 */
export class NodeDuplexByteStream extends TypedAttributeProvider implements ByteStream {
  private readonly reader: NodeReader;
  private readonly writer: NodeWriter;

  /** @internal Use {@link fromNodeDuplex}. */
  constructor(
    /** The Node stream this one reads from and writes to. */
    readonly duplex: Duplex,
  ) {
    super();
    checkShape("duplex", duplex, NODE_DUPLEX);
    this.reader = new NodeReader(duplex, "NodeDuplexByteStream");
    this.writer = new NodeWriter(duplex, "NodeDuplexByteStream");
  }

  /**
   * At most `maxBytes` bytes from the readable side, as {@link NodeReadableReceiveStream.receive}.
   * This is a checkpoint.
   *
   * @default maxBytes 65536
   * @example
   * ```ts
   * const reply = await stream.receive();
   * ```
   * @throws EndOfStream once the readable side ended.
   * @throws BrokenResourceError if the `Duplex` failed (the error is its `cause`).
   * @throws ClosedResourceError if this stream was closed.
   * @throws BusyResourceError if another task is already receiving.
   * @throws TypeError if `maxBytes` is not a number; RangeError if it is not a positive integer.
   */
  receive(maxBytes = 65536): Promise<Uint8Array> {
    const invalid = positiveIntegerError(maxBytes, "maxBytes");
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.reader.receive(false, maxBytes);
  }

  /**
   * Writes `data` to the writable side, as {@link NodeWritableSendStream.send}. This is a
   * checkpoint.
   *
   * @example
   * ```ts
   * await stream.send(new TextEncoder().encode("ping"));
   * ```
   * @throws BrokenResourceError if the `Duplex` failed (the error is its `cause`).
   * @throws ClosedResourceError if this stream was closed or its sending side finished.
   * @throws BusyResourceError if another task is already sending.
   */
  send(data: Uint8Array): Promise<void> {
    return this.writer.send(data);
  }

  /**
   * Ends the writable side (`end()`) and waits for `'finish'`; the readable side stays open.
   * Calling it again does nothing. Never a checkpoint.
   *
   * @example
   * ```ts
   * await stream.send(request);
   * await stream.sendEof(); // the peer sees the end; we can still receive its reply
   * ```
   */
  sendEof(): Promise<void> {
    return this.writer.end();
  }

  /**
   * Iterates over chunks of at most 65536 bytes until the readable side ends. Each step is a
   * checkpoint.
   *
   * @example
   * ```ts
   * for await (const chunk of fromNodeDuplex(socket)) handle(chunk);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return iteratorOf<Uint8Array>(() => this.reader.receive(true, 65536));
  }

  /**
   * Closes both directions and destroys the `Duplex`; tasks waiting in `receive()` or `send()`
   * get `ClosedResourceError`. Closing again does nothing. Never a checkpoint. Use
   * {@link sendEof} first for a graceful end.
   *
   * @example
   * ```ts
   * await using stream = fromNodeDuplex(socket);
   * ```
   */
  aclose(): Promise<void> {
    this.reader.close(closedAdapter("NodeDuplexByteStream"));
    this.writer.close(closedAdapter("NodeDuplexByteStream"));
    if (!this.duplex.destroyed) this.duplex.destroy();
    return Promise.resolve();
  }

  /** Closes this stream at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
}

/** Options of {@link fromNodeReadable}. */
export interface FromNodeReadableOptions {
  /**
   * Whether chunks are bytes: then `receive(maxBytes)` returns `Uint8Array`s of at most
   * `maxBytes` bytes. Otherwise each `receive()` returns what one `read()` returns.
   * @default !readable.readableObjectMode
   */
  bytes?: boolean;
}

/**
 * Wraps a Node `Readable` as our receive stream: a byte stream for a byte `Readable`, an object
 * stream for one in object mode. The adapter puts the `Readable` in paused mode and reads it
 * only inside `receive()`, so a slow receiver stops the source once the `Readable`'s buffer
 * reaches its `highWaterMark`. Never a checkpoint.
 *
 * @example
 * ```ts
 * await using input = fromNodeReadable(fs.createReadStream("big.log"));
 * for await (const chunk of input) await process(chunk);
 * ```
 * @throws TypeError if `readable` is not a Node `Readable` (an object with `read()`, `unshift()`,
 *   `on()` and `destroy()`), `options` is not an object or has a key other than `bytes`, or
 *   `bytes` is not a boolean.
 */
export function fromNodeReadable<T = Uint8Array>(
  readable: Readable,
  options: FromNodeReadableOptions = {},
): NodeReadableReceiveStream<T> {
  checkShape("readable", readable, NODE_READABLE);
  checkOptions(options, FROM_READABLE_OPTIONS);
  const { bytes = !readable.readableObjectMode } = options;
  checkBoolean("bytes", bytes);
  return new NodeReadableReceiveStream<T>(readable, bytes);
}

/**
 * Wraps a Node `Writable` as our send stream (bytes, or objects for a `Writable` in object
 * mode): `send()` waits for `'drain'` whenever the `Writable` is over its `highWaterMark`.
 * Never a checkpoint.
 *
 * @example
 * ```ts
 * await using out = fromNodeWritable(fs.createWriteStream("copy.log"));
 * for await (const chunk of input) await out.send(chunk);
 * ```
 * @throws TypeError if `writable` is not a Node `Writable` (an object with `write()`, `end()` and `on()`).
 */
export function fromNodeWritable<T = Uint8Array>(writable: Writable): NodeWritableSendStream<T> {
  return new NodeWritableSendStream<T>(writable);
}

/**
 * Wraps a Node `Duplex` (a `net.Socket`, a `stream.PassThrough`...) as our byte stream, with
 * the backpressure of {@link fromNodeReadable} and {@link fromNodeWritable}. Never a checkpoint.
 *
 * @example
 * ```ts
 * await using stream = fromNodeDuplex(net.connect(7, "localhost"));
 * await stream.send(new TextEncoder().encode("echo"));
 * console.log(await stream.receive());
 * ```
 * @throws TypeError if `duplex` is not a Node `Duplex` (an object with `read()`, `unshift()`,
 *   `write()`, `end()`, `on()` and `destroy()`).
 */
export function fromNodeDuplex(duplex: Duplex): NodeDuplexByteStream {
  return new NodeDuplexByteStream(duplex);
}

// --- Ours → Node ----------------------------------------------------------------------------------

/** Options of {@link toNodeReadable}, {@link toNodeWritable} and {@link toNodeDuplex}. */
export interface NodeStreamAdapterOptions {
  /**
   * Whether the Node stream carries objects rather than bytes (Node's `objectMode`).
   * @default false
   */
  objectMode?: boolean;
  /**
   * The Node stream's `highWaterMark`: how much it buffers ahead of its consumer (in bytes, or
   * in objects in object mode).
   * @default Node's default
   */
  highWaterMark?: number;
}

/**
 * Checks the options of a `toNode*` adapter and turns them into Node's.
 * @throws TypeError if `options` is not an object or has an unknown key, `objectMode` is not a
 *   boolean or `highWaterMark` not a number; RangeError if `highWaterMark` is not an integer >= 0.
 */
function nodeOptions(options: NodeStreamAdapterOptions): { objectMode: boolean; highWaterMark?: number } {
  checkOptions(options, TO_NODE_OPTIONS);
  checkBoolean("objectMode", options.objectMode ?? false);
  checkHighWaterMark(options.highWaterMark, true);
  const result: { objectMode: boolean; highWaterMark?: number } = { objectMode: options.objectMode ?? false };
  if (options.highWaterMark !== undefined) result.highWaterMark = options.highWaterMark;
  return result;
}

/** `_read` for a Node stream over our receive stream: one receive per call, pushed when it arrives. */
function reading<T>(receiveStream: ReceiveSide<T>, frame: Frame, objectMode: boolean) {
  let busyReading = false;
  return function (this: Readable): void {
    if (busyReading) return;
    busyReading = true;
    callIn(frame, () => receiveStream.receive()).then(
      (chunk) => {
        busyReading = false;
        if (!this.destroyed) this.push(objectMode ? chunk : asBytes(chunk));
      },
      (error) => {
        busyReading = false;
        if (this.destroyed) return;
        if (error instanceof EndOfStream) this.push(null);
        else this.destroy(error as Error);
      },
    );
  };
}

/**
 * A Node `Readable` over our receive stream (object or byte): Node calls `_read` when its
 * buffer is below its `highWaterMark`, and each call makes one `receive()` (backpressure kept).
 * `EndOfStream` ends the `Readable`; another error destroys it with that error. Destroying the
 * `Readable` closes our stream with `aclose()`.
 *
 * Call it inside a task: our stream's operations run in that task and cancel scope, so
 * cancelling the scope destroys the `Readable` with `Cancelled`. Never a checkpoint.
 *
 * @example
 * ```ts
 * const [send, receive] = createMemoryObjectStream<Uint8Array>(4);
 * toNodeReadable(receive).pipe(fs.createWriteStream("out.bin"));
 * ```
 * @throws TypeError if `receiveStream` is not an object with `receive()` and `aclose()`,
 *   `options` is not an object or has a key other than `objectMode` and `highWaterMark`,
 *   `objectMode` is not a boolean or `highWaterMark` not a number.
 * @throws RangeError if `highWaterMark` is not an integer >= 0.
 * @throws NoCurrentTaskError outside {@link run}.
 */
export function toNodeReadable<T>(receiveStream: ReceiveSide<T>, options: NodeStreamAdapterOptions = {}): Readable {
  checkShape("receiveStream", receiveStream, RECEIVE_STREAM);
  const settings = nodeOptions(options);
  const frame = captureFrame("toNodeReadable()");
  return new Readable({
    ...settings,
    read: reading(receiveStream, frame, settings.objectMode),
    destroy: closingOnDestroy(receiveStream),
  });
}

/** `final` for a Node stream over ours: runs `finish` in the adapter's task, then tells Node how it went. */
function finishingWith(frame: Frame, finish: () => Promise<void>) {
  return (callback: (error?: Error | null) => void): void => {
    callIn(frame, finish).then(
      () => callback(),
      (error) => callback(error as Error),
    );
  };
}

/** `destroy` for a Node stream over ours: closes our stream, and passes Node's error on whatever the close did. */
function closingOnDestroy(stream: { aclose(): Promise<void> }) {
  return (error: Error | null, callback: (error?: Error | null) => void): void => {
    stream.aclose().then(
      () => callback(error),
      () => callback(error),
    );
  };
}

/** `_write` for a Node stream over our send stream: one send per chunk, acknowledged when it returns. */
function writing<T>(sendStream: SendSide<T>, frame: Frame, objectMode: boolean) {
  return (chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void => {
    const item = (objectMode ? chunk : asBytes(chunk)) as T;
    callIn(frame, () => sendStream.send(item)).then(
      () => callback(),
      (error) => callback(error as Error),
    );
  };
}

/**
 * A Node `Writable` over our send stream (object or byte): each chunk written is one `send()`,
 * and Node holds later chunks (and `write()` returns false past the `highWaterMark`) until it
 * returns, so backpressure reaches the Node producer. `end()` closes our stream with `aclose()`
 * once every chunk was sent; an error from our stream destroys the `Writable` with it;
 * destroying the `Writable` closes our stream.
 *
 * Call it inside a task: our stream's operations run in that task and cancel scope. Never a
 * checkpoint.
 *
 * @example
 * ```ts
 * const [send, receive] = createMemoryObjectStream<Uint8Array>();
 * fs.createReadStream("in.bin").pipe(toNodeWritable(send));
 * ```
 * @throws TypeError if `sendStream` is not an object with `send()` and `aclose()`, `options` is
 *   not an object or has a key other than `objectMode` and `highWaterMark`, `objectMode` is not a
 *   boolean or `highWaterMark` not a number.
 * @throws RangeError if `highWaterMark` is not an integer >= 0.
 * @throws NoCurrentTaskError outside {@link run}.
 */
export function toNodeWritable<T>(sendStream: SendSide<T>, options: NodeStreamAdapterOptions = {}): Writable {
  checkShape("sendStream", sendStream, SEND_STREAM);
  const settings = nodeOptions(options);
  const frame = captureFrame("toNodeWritable()");
  return new Writable({
    ...settings,
    write: writing(sendStream, frame, settings.objectMode),
    final: finishingWith(frame, () => sendStream.aclose()),
    destroy: closingOnDestroy(sendStream),
  });
}

/**
 * A Node `Duplex` over our byte stream: reading receives (as {@link toNodeReadable}), writing
 * sends (as {@link toNodeWritable}), `end()` calls our `sendEof()` (half-close; the readable
 * side stays open), and destroying the `Duplex` closes our stream with `aclose()`.
 *
 * Call it inside a task: our stream's operations run in that task and cancel scope. Never a
 * checkpoint.
 *
 * @example
 * ```ts
 * const duplex = toNodeDuplex(tcpStream);
 * duplex.pipe(parser).pipe(duplex); // hand our stream to a Node library
 * ```
 * @throws TypeError if `byteStream` is not an object with `receive()`, `send()`, `sendEof()` and
 *   `aclose()`, `options` is not an object or has a key other than `objectMode` and
 *   `highWaterMark`, `objectMode` is not a boolean or `highWaterMark` not a number.
 * @throws RangeError if `highWaterMark` is not an integer >= 0.
 * @throws NoCurrentTaskError outside {@link run}.
 */
export function toNodeDuplex(
  byteStream: ReceiveSide<Uint8Array> & SendSide<Uint8Array> & { sendEof(): Promise<void> },
  options: NodeStreamAdapterOptions = {},
): Duplex {
  checkShape("byteStream", byteStream, BYTE_STREAM);
  const settings = nodeOptions(options);
  const frame = captureFrame("toNodeDuplex()");
  return new Duplex({
    ...settings,
    allowHalfOpen: true,
    read: reading(byteStream, frame, settings.objectMode),
    write: writing(byteStream, frame, settings.objectMode),
    final: finishingWith(frame, () => byteStream.sendEof()),
    destroy: closingOnDestroy(byteStream),
  });
}
