/**
 * Stapled streams: one two-way stream made of a send stream and a receive stream (AnyIO's
 * `anyio.streams.stapled`), such as the two ends of two memory object streams, or a process's
 * stdin and stdout.
 */
import {
  BYTE_RECEIVE_STREAM,
  BYTE_SEND_STREAM,
  OBJECT_RECEIVE_STREAM,
  OBJECT_SEND_STREAM,
  checkPositiveInteger,
  checkShape,
  iterateReceive,
  primitive,
} from "./stream-helpers";
import { TypedAttributeProvider, type TypedAttributeMap } from "./typed-attributes";
import type {
  ByteReceiveStream,
  ByteSendStream,
  ByteStream,
  ObjectReceiveStream,
  ObjectSendStream,
  ObjectStream,
} from "./types";

/** Closes `send`, then `receive` even if closing `send` failed. */
function closeBoth(send: { aclose(): Promise<void> }, receive: { aclose(): Promise<void> }): Promise<void> {
  return primitive(async (inFrame) => {
    try {
      await send.aclose();
    } finally {
      await inFrame(() => receive.aclose());
    }
  });
}

/**
 * A two-way byte stream that sends on one byte stream and receives from another (AnyIO's
 * `StapledByteStream`). `sendEof()` closes the send stream. Typed attributes come from both,
 * the receive stream winning when both offer one.
 *
 * @example
 * ```ts
 * const stream = new StapledByteStream(child.stdin, child.stdout);
 * await stream.send(request);
 * const reply = await stream.receive();
 * ```
 * @throws TypeError from the constructor if `sendStream` is not an object with `send()` and
 *   `aclose()`, or `receiveStream` not one with `receive()` and `aclose()`.
 */
export class StapledByteStream extends TypedAttributeProvider implements ByteStream {
  /**
   * @param sendStream - where `send()` goes.
   * @param receiveStream - where `receive()` reads from.
   */
  constructor(
    readonly sendStream: ByteSendStream,
    readonly receiveStream: ByteReceiveStream,
  ) {
    super();
    checkShape("sendStream", sendStream, BYTE_SEND_STREAM);
    checkShape("receiveStream", receiveStream, BYTE_RECEIVE_STREAM);
  }

  /** Both streams' typed attributes, the receive stream winning. Never a checkpoint. */
  override get extraAttributes(): TypedAttributeMap {
    return { ...this.sendStream.extraAttributes, ...this.receiveStream.extraAttributes };
  }

  /**
   * Up to `maxBytes` bytes from the receive stream. This is a checkpoint if the receive stream's
   * `receive()` is.
   *
   * @example
   * ```ts
   * const chunk = await stream.receive(1024);
   * ```
   * @throws EndOfStream if the receive stream has ended.
   * @throws TypeError if `maxBytes` is not a number; RangeError if it is not a positive integer.
   */
  receive(maxBytes = 65536): Promise<Uint8Array> {
    return primitive(() => {
      checkPositiveInteger(maxBytes, "maxBytes");
      return this.receiveStream.receive(maxBytes);
    });
  }

  /**
   * Sends `data` on the send stream. This is a checkpoint if the send stream's `send()` is.
   *
   * @example
   * ```ts
   * await stream.send(new TextEncoder().encode("ping"));
   * ```
   * @throws ClosedResourceError if the send stream was closed (also by {@link sendEof}).
   */
  send(data: Uint8Array): Promise<void> {
    return primitive(() => this.sendStream.send(data));
  }

  /**
   * Closes the send stream, so the other side sees the end; receiving continues. Calling it
   * again does nothing more. This is a checkpoint if the send stream's `aclose()` is.
   *
   * @example
   * ```ts
   * await stream.sendEof();
   * ```
   */
  sendEof(): Promise<void> {
    return this.sendStream.aclose();
  }

  /**
   * Closes the send stream, then the receive stream (also when closing the first one failed).
   * This is a checkpoint if their `aclose()` are.
   *
   * @example
   * ```ts
   * await using stream = new StapledByteStream(send, receive);
   * ```
   */
  aclose(): Promise<void> {
    return closeBoth(this.sendStream, this.receiveStream);
  }

  /** Closes both streams at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /**
   * Iterates over the received chunks until the receive stream ends. Each step is a checkpoint.
   *
   * @example
   * ```ts
   * for await (const chunk of stream) sink.write(chunk);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return iterateReceive(() => this.receive());
  }
}

/**
 * A two-way object stream that sends on one object stream and receives from another (AnyIO's
 * `StapledObjectStream`): two memory object streams stapled crosswise make a pair of connected
 * in-process "sockets". `sendEof()` closes the send stream. Typed attributes come from both,
 * the receive stream winning.
 *
 * @example
 * ```ts
 * const [toServer, serverInbox] = createMemoryObjectStream<string>();
 * const [toClient, clientInbox] = createMemoryObjectStream<string>();
 * const client = new StapledObjectStream(toServer, clientInbox);
 * const server = new StapledObjectStream(toClient, serverInbox);
 * ```
 * @throws TypeError from the constructor if `sendStream` is not an object with `send()` and
 *   `aclose()`, or `receiveStream` not one with `receive()` and `aclose()`.
 */
export class StapledObjectStream<T> extends TypedAttributeProvider implements ObjectStream<T> {
  /**
   * @param sendStream - where `send()` goes.
   * @param receiveStream - where `receive()` reads from.
   */
  constructor(
    readonly sendStream: ObjectSendStream<T>,
    readonly receiveStream: ObjectReceiveStream<T>,
  ) {
    super();
    checkShape("sendStream", sendStream, OBJECT_SEND_STREAM);
    checkShape("receiveStream", receiveStream, OBJECT_RECEIVE_STREAM);
  }

  /** Both streams' typed attributes, the receive stream winning. Never a checkpoint. */
  override get extraAttributes(): TypedAttributeMap {
    return { ...this.sendStream.extraAttributes, ...this.receiveStream.extraAttributes };
  }

  /**
   * The next item from the receive stream. This is a checkpoint if the receive stream's `receive()` is.
   *
   * @example
   * ```ts
   * const message = await stream.receive();
   * ```
   * @throws EndOfStream if the receive stream has ended.
   */
  receive(): Promise<T> {
    return primitive(() => this.receiveStream.receive());
  }

  /**
   * Sends `item` on the send stream. This is a checkpoint if the send stream's `send()` is.
   *
   * @example
   * ```ts
   * await stream.send({ kind: "ping" });
   * ```
   * @throws ClosedResourceError if the send stream was closed (also by {@link sendEof}).
   * @throws BrokenResourceError if the other side is gone.
   */
  send(item: T): Promise<void> {
    return primitive(() => this.sendStream.send(item));
  }

  /**
   * Sends `item` without waiting, if the send stream can (a memory object stream can). Never a
   * checkpoint.
   *
   * @example
   * ```ts
   * stream.sendNowait(event); // from a callback, with a buffered memory object stream
   * ```
   * @throws TypeError if the send stream has no `sendNowait()`.
   * @throws WouldBlock, ClosedResourceError, BrokenResourceError as the send stream's `sendNowait()` does.
   */
  sendNowait(item: T): void {
    const target = this.sendStream as ObjectSendStream<T> & { sendNowait?: unknown };
    if (typeof target.sendNowait !== "function") {
      throw new TypeError(
        `The send stream (${target.constructor?.name ?? typeof target}) has no sendNowait() method; use send() instead`,
      );
    }
    (target.sendNowait as (item: T) => void)(item);
  }

  /**
   * Closes the send stream, so the other side sees the end; receiving continues. Calling it
   * again does nothing more. This is a checkpoint if the send stream's `aclose()` is.
   *
   * @example
   * ```ts
   * await stream.sendEof();
   * ```
   */
  sendEof(): Promise<void> {
    return this.sendStream.aclose();
  }

  /**
   * Closes the send stream, then the receive stream (also when closing the first one failed).
   * This is a checkpoint if their `aclose()` are.
   *
   * @example
   * ```ts
   * await using stream = new StapledObjectStream(send, receive);
   * ```
   */
  aclose(): Promise<void> {
    return closeBoth(this.sendStream, this.receiveStream);
  }

  /** Closes both streams at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /**
   * Iterates over the received items until the receive stream ends. Each step is a checkpoint.
   *
   * @example
   * ```ts
   * for await (const message of stream) handle(message);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return iterateReceive(() => this.receive());
  }
}
