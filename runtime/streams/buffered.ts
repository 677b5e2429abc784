/**
 * Buffered byte streams: a buffer in front of any byte source, for protocols that read exact
 * sizes or up to a delimiter (AnyIO's `anyio.streams.buffered`).
 *
 * Invariant: bytes leave the buffer only in the synchronous step that returns them to the
 * caller. Everything read from the wrapped stream goes into the buffer first (or straight to
 * the caller), so a receive that is cancelled or fails part-way (`IncompleteRead`) loses
 * nothing: the next receive sees every byte.
 */
import { checkpoint } from "../core/checkpoint";
import { ClosedResourceError, DelimiterNotFound, EndOfStream, IncompleteRead } from "../core/errors";
import { describeValue } from "../core/validate";
import {
  BYTE_RECEIVE_STREAM,
  BYTE_STREAM,
  CONNECTABLE,
  checkPositiveInteger,
  checkShape,
  iterateReceive,
  primitive,
  type InFrame,
} from "./stream-helpers";
import { TypedAttributeProvider, type TypedAttributeMap } from "./typed-attributes";
import type {
  AnyByteReceiveStream,
  AnyByteStream,
  ByteReceiveStream,
  ByteStream,
  ByteStreamConnectable,
  ObjectStreamConnectable,
} from "./types";

/** A growable window of bytes: appended at the end, taken from the start. */
class ByteBuffer {
  private data = new Uint8Array(0);
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  /** The buffered bytes, without copying (valid until the next change). */
  view(): Uint8Array {
    return this.data.subarray(this.start, this.end);
  }

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.end + chunk.length > this.data.length) {
      const needed = this.length + chunk.length;
      if (needed <= this.data.length >> 1) {
        this.data.copyWithin(0, this.start, this.end);
      } else {
        const grown = new Uint8Array(Math.max(needed, this.data.length * 2, 256));
        grown.set(this.view());
        this.data = grown;
      }
      this.end = this.length;
      this.start = 0;
    }
    this.data.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** Removes and returns (a copy of) the first `count` bytes. */
  take(count: number): Uint8Array {
    const taken = this.data.slice(this.start, this.start + count);
    this.discard(count);
    return taken;
  }

  discard(count: number): void {
    this.start = Math.min(this.start + count, this.end);
    if (this.start === this.end) this.start = this.end = 0;
  }

  /** Where `needle` (non-empty) first occurs at or after `from`, or -1. */
  indexOf(needle: Uint8Array, from: number): number {
    const haystack = this.view();
    const last = haystack.length - needle.length;
    for (let i = haystack.indexOf(needle[0]!, from); i !== -1 && i <= last; i = haystack.indexOf(needle[0]!, i + 1)) {
      let j = 1;
      while (j < needle.length && haystack[i + j] === needle[j]) j++;
      if (j === needle.length) return i;
    }
    return -1;
  }
}

function closedBuffered(): ClosedResourceError {
  return new ClosedResourceError("This buffered byte stream was closed and can no longer be used");
}

/**
 * Wraps any source of bytes (a {@link ByteReceiveStream}, or an object stream of `Uint8Array`
 * chunks) in a buffer, adding {@link receiveExactly} and {@link receiveUntil} for protocols
 * with length prefixes or line delimiters (AnyIO's `BufferedByteReceiveStream`). Bytes are
 * never lost: what a failed or cancelled read already took from the wrapped stream stays in
 * the buffer for the next read.
 *
 * Its typed attributes are the wrapped stream's. Async iterable over chunks, like any byte
 * receive stream.
 *
 * @example
 * ```ts
 * const buffered = new BufferedByteReceiveStream(connection);
 * const header = await buffered.receiveUntil(new TextEncoder().encode("\r\n\r\n"), 16384);
 * const length = new DataView((await buffered.receiveExactly(4)).buffer).getUint32(0);
 * const body = await buffered.receiveExactly(length);
 * ```
 * @throws TypeError from the constructor if `receiveStream` is not an object with `receive()` and `aclose()`.
 */
export class BufferedByteReceiveStream extends TypedAttributeProvider implements ByteReceiveStream {
  private readonly bytes = new ByteBuffer();
  private closed = false;

  /** @param receiveStream - the stream to read from; closing this wrapper closes it. */
  constructor(readonly receiveStream: AnyByteReceiveStream) {
    super();
    checkShape("receiveStream", receiveStream, BYTE_RECEIVE_STREAM);
  }

  /** A copy of the bytes currently in the buffer (read but not yet returned). Never a checkpoint. */
  get buffer(): Uint8Array {
    return this.bytes.view().slice();
  }

  /** The wrapped stream's typed attributes. Never a checkpoint. */
  override get extraAttributes(): TypedAttributeMap {
    return this.receiveStream.extraAttributes;
  }

  /**
   * Appends `data` to the buffer: the next receives return it before anything from the
   * wrapped stream (for example bytes read ahead by a protocol detector). Never a checkpoint.
   *
   * @example
   * ```ts
   * buffered.feedData(peeked); // put back what was read to sniff the protocol
   * ```
   * @throws TypeError if `data` is not a `Uint8Array` or an iterable of byte values.
   */
  feedData(data: Uint8Array | Iterable<number>): void {
    if (data instanceof Uint8Array) {
      this.bytes.append(data);
    } else if (data !== null && typeof data === "object" && Symbol.iterator in data) {
      this.bytes.append(Uint8Array.from(data));
    } else {
      throw new TypeError(`Expected \`data\` to be a Uint8Array or an iterable of bytes, got ${describeValue(data)}`);
    }
  }

  /**
   * Up to `maxBytes` bytes: from the buffer if it holds any, otherwise one chunk from the
   * wrapped stream (a longer chunk from an object stream is split, the rest buffered).
   *
   * This is a checkpoint, also when served from the buffer; a cancelled receive takes nothing.
   *
   * @example
   * ```ts
   * for (;;) process(await buffered.receive(4096));
   * ```
   * @throws EndOfStream if the buffer is empty and the wrapped stream has ended.
   * @throws ClosedResourceError if this stream was closed.
   * @throws TypeError if `maxBytes` is not a number; RangeError if it is not a positive integer.
   */
  receive(maxBytes = 65536): Promise<Uint8Array> {
    return primitive(async (inFrame) => {
      checkPositiveInteger(maxBytes, "maxBytes");
      return this.receiveSome(maxBytes, inFrame);
    });
  }

  /**
   * Exactly `nbytes` bytes, reading from the wrapped stream until the buffer holds them.
   *
   * This is a checkpoint. If the stream ends first (`IncompleteRead`) or the task is cancelled,
   * the bytes read so far stay in the buffer.
   *
   * @example
   * ```ts
   * const [length] = await buffered.receiveExactly(1);
   * const payload = await buffered.receiveExactly(length!);
   * ```
   * @throws IncompleteRead if the wrapped stream ends before `nbytes` bytes arrived.
   * @throws ClosedResourceError if this stream was closed.
   * @throws RangeError if `nbytes` is not an integer >= 0.
   */
  receiveExactly(nbytes: number): Promise<Uint8Array> {
    return primitive(async (inFrame) => {
      if (typeof nbytes !== "number" || !Number.isInteger(nbytes) || nbytes < 0) {
        throw new RangeError(`Expected \`nbytes\` to be an integer >= 0, got ${describeValue(nbytes)}`);
      }
      this.checkOpen();
      if (this.bytes.length >= nbytes) {
        await inFrame(checkpoint);
        this.checkOpen();
      }
      while (this.bytes.length < nbytes) this.bytes.append(await this.readMore(inFrame, nbytes - this.bytes.length));
      return this.bytes.take(nbytes);
    });
  }

  /**
   * The bytes before the first occurrence of `delimiter`, reading from the wrapped stream until
   * it appears; the delimiter is consumed, not returned. Each new chunk is searched only where
   * a match could start (overlapping the previous chunk by the delimiter's length), so long
   * reads stay linear. A delimiter found in a chunk that takes the buffer past `maxBytes` is
   * still returned, so the result may be longer than `maxBytes`.
   *
   * This is a checkpoint. On any error or cancellation the bytes read so far stay in the buffer.
   *
   * @example
   * ```ts
   * const line = new TextDecoder().decode(await buffered.receiveUntil(new Uint8Array([10]), 8192));
   * ```
   * @throws DelimiterNotFound if `maxBytes` bytes are buffered without the delimiter.
   * @throws IncompleteRead if the wrapped stream ends before the delimiter arrived.
   * @throws ClosedResourceError if this stream was closed.
   * @throws RangeError if `delimiter` is empty or `maxBytes` is not a positive integer.
   */
  receiveUntil(delimiter: Uint8Array, maxBytes: number): Promise<Uint8Array> {
    return primitive(async (inFrame) => {
      if (!(delimiter instanceof Uint8Array)) {
        throw new TypeError(`Expected \`delimiter\` to be a Uint8Array, got ${describeValue(delimiter)}`);
      }
      if (delimiter.length === 0) throw new RangeError("Expected `delimiter` to be non-empty, got an empty Uint8Array");
      checkPositiveInteger(maxBytes, "maxBytes");
      this.checkOpen();
      let searchFrom = 0;
      let checkpointed = false;
      for (;;) {
        const index = this.bytes.indexOf(delimiter, searchFrom);
        if (index >= 0) {
          if (!checkpointed) {
            await inFrame(checkpoint);
            this.checkOpen();
            checkpointed = true;
            searchFrom = 0; // another task may have read meanwhile: search again
            continue;
          }
          const found = this.bytes.take(index);
          this.bytes.discard(delimiter.length);
          return found;
        }
        if (this.bytes.length >= maxBytes) throw new DelimiterNotFound(maxBytes);
        const chunk = await this.readMore(inFrame);
        checkpointed = true;
        searchFrom = Math.max(this.bytes.length - delimiter.length + 1, 0);
        this.bytes.append(chunk);
      }
    });
  }

  /**
   * Closes this stream and the wrapped one; receives then raise `ClosedResourceError`. Closing
   * again closes the wrapped stream again (which does nothing for well-behaved streams). This
   * is a checkpoint if the wrapped stream's `aclose()` is.
   *
   * @example
   * ```ts
   * await using buffered = new BufferedByteReceiveStream(connection);
   * ```
   */
  aclose(): Promise<void> {
    this.closed = true;
    // A runtime primitive: a cancelled compiled caller waits for the wrapped stream's close
    // instead of leaving it running behind its back.
    return primitive(() => this.receiveStream.aclose());
  }

  /** Closes the stream at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /**
   * Iterates over chunks: each step is a {@link receive} with the default size; the loop ends
   * at the end of the stream. Each step is a checkpoint. Leaving the loop does not close it.
   *
   * @example
   * ```ts
   * for await (const chunk of buffered) sink.write(chunk);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return iterateReceive(() => this.receive());
  }

  override toString(): string {
    return `<${this.constructor.name} ${this.closed ? "closed" : "open"} buffered=${this.bytes.length}>`;
  }

  private checkOpen(): void {
    if (this.closed) throw closedBuffered();
  }

  private async receiveSome(maxBytes: number, inFrame: InFrame): Promise<Uint8Array> {
    this.checkOpen();
    if (this.bytes.length > 0) {
      await inFrame(checkpoint);
      this.checkOpen();
      if (this.bytes.length > 0) return this.bytes.take(Math.min(maxBytes, this.bytes.length));
    }
    for (;;) {
      // An object stream ignores the argument and may hand over a longer (or empty) chunk.
      const chunk = await inFrame(() => this.receiveStream.receive(maxBytes));
      if (this.bytes.length > 0) {
        // Bytes were fed meanwhile: keep the order by going through the buffer.
        this.bytes.append(chunk);
        return this.bytes.take(Math.min(maxBytes, this.bytes.length));
      }
      if (chunk.length === 0) continue;
      if (chunk.length <= maxBytes) return chunk;
      this.bytes.append(chunk.subarray(maxBytes));
      return chunk.slice(0, maxBytes);
    }
  }

  /** One chunk from the wrapped stream, with its end turned into `IncompleteRead`. */
  private async readMore(inFrame: InFrame, maxBytes?: number): Promise<Uint8Array> {
    try {
      return await inFrame(() => this.receiveStream.receive(maxBytes));
    } catch (error) {
      if (error instanceof EndOfStream) throw new IncompleteRead(undefined, { cause: error });
      throw error;
    }
  }
}

/**
 * A {@link BufferedByteReceiveStream} over a two-way stream: receives go through the buffer,
 * sends and `sendEof()` pass straight through (AnyIO's `BufferedByteStream`).
 *
 * @example
 * ```ts
 * const stream = new BufferedByteStream(connection);
 * await stream.send(new TextEncoder().encode("PING\n"));
 * const reply = await stream.receiveUntil(new Uint8Array([10]), 1024);
 * ```
 * @throws TypeError from the constructor if `stream` is not an object with `receive()`, `send()`,
 *   `sendEof()` and `aclose()`.
 */
export class BufferedByteStream extends BufferedByteReceiveStream implements ByteStream {
  /** @param stream - the stream to wrap; closing this wrapper closes it. */
  constructor(readonly stream: AnyByteStream) {
    super(checkShape("stream", stream, BYTE_STREAM));
  }

  /**
   * Sends `data` on the wrapped stream. This is a checkpoint if the wrapped stream's `send()`
   * is (it should be).
   *
   * @example
   * ```ts
   * await stream.send(new Uint8Array([1, 2, 3]));
   * ```
   * @throws ClosedResourceError if the wrapped stream was closed.
   * @throws BrokenResourceError if the wrapped stream broke.
   */
  send(data: Uint8Array): Promise<void> {
    return primitive(() => this.stream.send(data));
  }

  /**
   * Finishes the sending side of the wrapped stream. This is a checkpoint if the wrapped
   * stream's `sendEof()` is.
   *
   * @example
   * ```ts
   * await stream.sendEof(); // the peer sees the end of the stream; we can still receive
   * ```
   */
  sendEof(): Promise<void> {
    return primitive(() => this.stream.sendEof());
  }
}

/**
 * Wraps a byte stream connectable so that every stream it connects is a
 * {@link BufferedByteStream} (AnyIO's `BufferedConnectable`), with `receiveExactly()` and
 * `receiveUntil()` at hand.
 *
 * @example
 * ```ts
 * const endpoint = new BufferedConnectable(tcpEndpoint);
 * await using stream = await endpoint.connect();
 * const greeting = await stream.receiveUntil(new Uint8Array([10]), 1024);
 * ```
 * @throws TypeError from the constructor if `connectable` is not an object with `connect()`.
 */
export class BufferedConnectable implements ByteStreamConnectable {
  /** @param connectable - connects the streams to wrap. */
  constructor(readonly connectable: ByteStreamConnectable | ObjectStreamConnectable<Uint8Array>) {
    checkShape("connectable", connectable, CONNECTABLE);
  }

  /**
   * Connects a stream with the wrapped connectable and wraps it. This is a checkpoint if the
   * wrapped connectable's `connect()` is.
   *
   * @example
   * ```ts
   * await using stream = await endpoint.connect();
   * ```
   * @throws ConnectionFailed (or what the wrapped `connect()` raises) if it cannot connect.
   */
  connect(): Promise<BufferedByteStream> {
    return primitive(async () => new BufferedByteStream(await this.connectable.connect()));
  }
}
