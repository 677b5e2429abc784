/**
 * The stream interfaces (AnyIO's `anyio.abc` streams): what sockets, processes, files, TLS and
 * the in-memory streams have in common, so wrappers (buffered, text, stapled, TLS) and adapters
 * (Web and Node streams) work with any of them.
 *
 * Two families: object streams carry whole items of one type; byte streams carry bytes whose
 * chunking means nothing (a `send()` of 10 bytes may arrive as two `receive()`s). Every stream
 * and listener is an async resource (`aclose()`, `await using`) and a
 * {@link TypedAttributeProvider}.
 *
 * Contracts every implementation keeps:
 * - `receive()` raises `EndOfStream` once the other side has finished sending, and the async
 *   iteration ends there instead; a byte stream's `receive()` never returns an empty chunk.
 * - After the local `aclose()`, operations raise `ClosedResourceError`; when the other side or
 *   the transport fails, `BrokenResourceError`.
 * - `send()` and `receive()` are checkpoints; `aclose()` closes even when cancelled.
 */
import type { TaskGroup } from "../core/task-group";
import type { TypedAttributeProvider } from "./typed-attributes";

/**
 * Something that must be closed: `aclose()` releases it, and `await using` calls `aclose()` at
 * the end of the block (AnyIO's `AsyncResource`).
 *
 * @example
 * ```ts
 * await using stream = new StapledObjectStream(send, receive); // aclose() at the end of the block
 * ```
 */
export interface AsyncResource extends AsyncDisposable {
  /**
   * Closes the resource; closing it again does nothing. Implementations may checkpoint, but
   * close the resource even when the task is cancelled.
   */
  aclose(): Promise<void>;
}

/**
 * The receiving side of a stream of items that may be lost or reordered (datagrams). Async
 * iterable: the loop ends where `receive()` would raise `EndOfStream`.
 *
 * @example
 * ```ts
 * for await (const [packet, address] of udpSocket) handle(packet, address);
 * ```
 */
export interface UnreliableObjectReceiveStream<out T> extends AsyncResource, TypedAttributeProvider, AsyncIterable<T> {
  /**
   * The next item. This is a checkpoint.
   * @throws EndOfStream if the other side has finished sending.
   * @throws ClosedResourceError if this side was closed.
   * @throws BrokenResourceError if the stream broke.
   */
  receive(): Promise<T>;
}

/** The sending side of a stream of items that may be lost or reordered (datagrams). *
 * @example
 * ```ts
 * await udpSocket.send(packet); // may never arrive
 * ```
 */
export interface UnreliableObjectSendStream<in T> extends AsyncResource, TypedAttributeProvider {
  /**
   * Sends `item`. This is a checkpoint.
   * @throws ClosedResourceError if this side was closed.
   * @throws BrokenResourceError if the other side is gone or the stream broke.
   */
  send(item: T): Promise<void>;
}

/** Both sides of a stream of items that may be lost or reordered (a UDP socket). *
 * @example
 * ```ts
 * async function ping(socket: UnreliableObjectStream<Uint8Array>) {
 *   await socket.send(new Uint8Array([1]));
 *   return await socket.receive();
 * }
 * ```
 */
export interface UnreliableObjectStream<T> extends UnreliableObjectReceiveStream<T>, UnreliableObjectSendStream<T> {}

/**
 * The receiving side of a reliable, ordered stream of items: every item sent arrives, once, in
 * order. A memory object stream's receive end is one.
 *
 * @example
 * ```ts
 * async function drain<T>(stream: ObjectReceiveStream<T>): Promise<T[]> {
 *   const items: T[] = [];
 *   for await (const item of stream) items.push(item);
 *   return items;
 * }
 * ```
 */
export interface ObjectReceiveStream<out T> extends UnreliableObjectReceiveStream<T> {}

/** The sending side of a reliable, ordered stream of items. *
 * @example
 * ```ts
 * async function produce(stream: ObjectSendStream<number>) {
 *   for (let i = 0; i < 10; i++) await stream.send(i);
 *   await stream.aclose();
 * }
 * ```
 */
export interface ObjectSendStream<in T> extends UnreliableObjectSendStream<T> {}

/** Both sides of a reliable, ordered stream of items, with a way to finish the sending side. *
 * @example
 * ```ts
 * async function request(stream: ObjectStream<string>, question: string) {
 *   await stream.send(question);
 *   await stream.sendEof();
 *   return await stream.receive();
 * }
 * ```
 */
export interface ObjectStream<T> extends ObjectReceiveStream<T>, ObjectSendStream<T> {
  /**
   * Finishes the sending side while the receiving side stays open: the other side's
   * `receive()` then raises `EndOfStream`. Calling it again does nothing. This is a checkpoint
   * in most implementations.
   */
  sendEof(): Promise<void>;
}

/**
 * The receiving side of a byte stream: chunks of bytes whose boundaries carry no meaning. Async
 * iterable over its chunks (each step a `receive()` with the default size).
 *
 * @example
 * ```ts
 * async function readAll(stream: ByteReceiveStream): Promise<number> {
 *   let total = 0;
 *   for await (const chunk of stream) total += chunk.length;
 *   return total;
 * }
 * ```
 */
export interface ByteReceiveStream extends AsyncResource, TypedAttributeProvider, AsyncIterable<Uint8Array> {
  /**
   * Between 1 and `maxBytes` bytes, as soon as some are available; never an empty chunk. This
   * is a checkpoint.
   * @param maxBytes - the largest chunk to return; a positive integer, 65536 by default.
   * @throws EndOfStream if the other side has finished sending.
   * @throws ClosedResourceError if this side was closed.
   * @throws BrokenResourceError if the stream broke.
   * @throws TypeError if `maxBytes` is not a number; RangeError if it is not a positive integer.
   */
  receive(maxBytes?: number): Promise<Uint8Array>;
}

/** The sending side of a byte stream. *
 * @example
 * ```ts
 * await stdin.send(new TextEncoder().encode("input\n"));
 * ```
 */
export interface ByteSendStream extends AsyncResource, TypedAttributeProvider {
  /**
   * Sends all of `data` (a `Uint8Array`; a Node `Buffer` is one). This is a checkpoint.
   * @throws ClosedResourceError if this side was closed.
   * @throws BrokenResourceError if the other side is gone or the stream broke.
   */
  send(data: Uint8Array): Promise<void>;
}

/** Both sides of a byte stream (a TCP connection), with a way to finish the sending side. *
 * @example
 * ```ts
 * async function echo(stream: ByteStream) {
 *   for await (const chunk of stream) await stream.send(chunk);
 *   await stream.sendEof();
 * }
 * ```
 */
export interface ByteStream extends ByteReceiveStream, ByteSendStream {
  /**
   * Finishes the sending side (half-close) while the receiving side stays open. Calling it
   * again does nothing.
   */
  sendEof(): Promise<void>;
}

/** Anything that yields bytes: a byte receive stream, or an object stream of `Uint8Array`s. */
export type AnyByteReceiveStream = ObjectReceiveStream<Uint8Array> | ByteReceiveStream;
/** Anything that takes bytes: a byte send stream, or an object stream of `Uint8Array`s. */
export type AnyByteSendStream = ObjectSendStream<Uint8Array> | ByteSendStream;
/** Both directions of bytes: a byte stream, or an object stream of `Uint8Array`s. */
export type AnyByteStream = ObjectStream<Uint8Array> | ByteStream;
/** Anything that yields possibly unreliable chunks of bytes. */
export type AnyUnreliableByteReceiveStream = UnreliableObjectReceiveStream<Uint8Array> | ByteReceiveStream;
/** Anything that takes possibly unreliable chunks of bytes. */
export type AnyUnreliableByteSendStream = UnreliableObjectSendStream<Uint8Array> | ByteSendStream;
/** Both directions of possibly unreliable chunks of bytes. */
export type AnyUnreliableByteStream = UnreliableObjectStream<Uint8Array> | ByteStream;

/** What a listener calls with each incoming connection; it owns the stream and should close it. */
export type ListenerHandler<T> = (stream: T) => Promise<unknown> | unknown;

/**
 * Accepts incoming connections (a TCP server socket, several of them in a `MultiListener`) and
 * hands each to a handler (AnyIO's `Listener`).
 *
 * @example
 * ```ts
 * await listener.serve(async (stream) => {
 *   await using _ = stream;
 *   await stream.send(new TextEncoder().encode("hello\n"));
 * });
 * ```
 */
export interface Listener<out T> extends AsyncResource, TypedAttributeProvider {
  /**
   * Accepts connections forever, starting `handler(stream)` for each in `taskGroup` (or in a
   * task group of its own). Never returns normally: it ends with the error that stopped it
   * (for example `ClosedResourceError` once the listener is closed, or a handler's error
   * propagated through the task group) or with cancellation. This is a checkpoint.
   */
  serve(handler: ListenerHandler<T>, taskGroup?: TaskGroup): Promise<void>;
}

/** Opens object streams on demand (a client endpoint; AnyIO's `ObjectStreamConnectable`). *
 * @example
 * ```ts
 * await using stream = await connectable.connect();
 * ```
 */
export interface ObjectStreamConnectable<T> {
  /**
   * Opens a new stream. This is a checkpoint.
   * @throws ConnectionFailed if it cannot.
   */
  connect(): Promise<ObjectStream<T>>;
}

/** Opens byte streams on demand (a client endpoint; AnyIO's `ByteStreamConnectable`). *
 * @example
 * ```ts
 * await using stream = await connectable.connect();
 * ```
 */
export interface ByteStreamConnectable {
  /**
   * Opens a new stream. This is a checkpoint.
   * @throws ConnectionFailed if it cannot.
   */
  connect(): Promise<ByteStream>;
}
