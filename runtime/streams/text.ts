/**
 * Text streams: strings over a byte stream, decoded and encoded on the way (AnyIO's
 * `anyio.streams.text`).
 *
 * Decoding is incremental (`TextDecoder` in streaming mode): a character split across chunks
 * is carried over until its last byte arrives, so `receive()` only ever returns whole
 * characters. Encoding uses `TextEncoder`, which only produces UTF-8; pass an `encode` function
 * for any other encoding.
 */
import { TypedAttributeProvider, type TypedAttributeMap } from "./typed-attributes";
import { EndOfStream } from "../core/errors";
import { checkOptions, describeValue } from "../core/validate";
import {
  BYTE_RECEIVE_STREAM,
  BYTE_SEND_STREAM,
  BYTE_STREAM,
  CONNECTABLE,
  checkShape,
  iterateReceive,
  primitive,
} from "./stream-helpers";
import type {
  AnyByteReceiveStream,
  AnyByteSendStream,
  AnyByteStream,
  ByteStreamConnectable,
  ObjectReceiveStream,
  ObjectSendStream,
  ObjectStream,
  ObjectStreamConnectable,
} from "./types";

/**
 * What to do with bytes that are not valid in the encoding: `"strict"` raises a `TypeError`
 * (the error `TextDecoder` raises), `"replace"` decodes them as U+FFFD. When sending, a lone
 * surrogate in the string raises under `"strict"` and becomes U+FFFD under `"replace"`.
 */
export type TextErrors = "strict" | "replace";

/** Options of {@link TextReceiveStream}. */
export interface TextReceiveStreamOptions {
  /**
   * Any encoding label `TextDecoder` knows ("utf-8", "utf-16le", "shift_jis", "latin1", ...).
   * @default "utf-8"
   */
  encoding?: string;
  /**
   * How to handle invalid bytes.
   * @default "strict"
   */
  errors?: TextErrors;
}

/** Options of {@link TextSendStream}. */
export interface TextSendStreamOptions {
  /**
   * The encoding to send in. Without `encode`, only "utf-8" (and its aliases "utf8",
   * "unicode-1-1-utf-8") is possible, since `TextEncoder` only encodes UTF-8.
   * @default "utf-8"
   */
  encoding?: string;
  /**
   * How to handle lone surrogates (strings that are not well-formed UTF-16).
   * @default "strict"
   */
  errors?: TextErrors;
  /** Encodes one string: supply it for encodings other than UTF-8 (for example `iconv-lite`'s `encode`). */
  encode?: (text: string) => Uint8Array;
}

/** Options of {@link TextStream}: both directions' options, sharing `encoding` and `errors`. */
export interface TextStreamOptions extends TextReceiveStreamOptions, TextSendStreamOptions {}

// The option keys each class accepts; checkOptions rejects any other (a misspelt option).
const RECEIVE_OPTIONS = ["encoding", "errors"] as const;
const SEND_OPTIONS = ["encoding", "errors", "encode"] as const;

function checkErrors(errors: unknown): TextErrors {
  if (errors !== "strict" && errors !== "replace") {
    const message = `Expected \`errors\` to be "strict" or "replace", got ${describeValue(errors)}`;
    throw typeof errors === "string" ? new RangeError(message) : new TypeError(message);
  }
  return errors;
}

function checkEncoding(encoding: unknown): asserts encoding is string {
  if (typeof encoding !== "string") {
    throw new TypeError(`Expected \`encoding\` to be a string, got ${describeValue(encoding)}`);
  }
}

/**
 * A `TextDecoder` for `encoding`.
 * @throws RangeError naming the `encoding` option if `TextDecoder` does not support it.
 */
function decoderFor(encoding: string, fatal: boolean): TextDecoder {
  checkEncoding(encoding);
  try {
    return new TextDecoder(encoding, { fatal });
  } catch (error) {
    throw new RangeError(
      `Expected \`encoding\` to be an encoding TextDecoder supports, got ${describeValue(encoding)}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * The function that encodes strings for sending: `encode` when given, otherwise `TextEncoder`'s
 * (UTF-8 only).
 * @throws TypeError if `encoding` is not a string or `encode` not a function; RangeError for an
 *   encoding other than UTF-8 without `encode`.
 */
function encoderFor(encoding: string, encode: unknown): (text: string) => Uint8Array {
  checkEncoding(encoding);
  if (encode !== undefined) {
    if (typeof encode !== "function") {
      throw new TypeError(`Expected \`encode\` to be a function, got ${describeValue(encode)}`);
    }
    return encode as (text: string) => Uint8Array;
  }
  if (!UTF8_LABELS.has(encoding.trim().toLowerCase())) {
    throw new RangeError(
      `TextEncoder only encodes UTF-8, got encoding ${describeValue(encoding)}; ` +
        "pass an `encode` function to send in another encoding",
    );
  }
  const encoder = new TextEncoder();
  return (text) => encoder.encode(text);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UTF8_LABELS = new Set(["utf-8", "utf8", "unicode-1-1-utf-8"]);

/**
 * Receives strings from a byte stream, decoding them with any encoding `TextDecoder` supports
 * (AnyIO's `TextReceiveStream`). Each `receive()` returns the characters that are complete so
 * far (never an empty string); the bytes of a character split across chunks wait for the rest.
 * Its typed attributes are the transport's.
 *
 * @example
 * ```ts
 * const text = new TextReceiveStream(process.stdout, { encoding: "utf-8" });
 * for await (const piece of text) output += piece;
 * ```
 * @throws TypeError from the constructor if `transportStream` is not an object with `receive()`
 *   and `aclose()`, or `options` is not an object, has a key other than `encoding` and `errors`,
 *   or `encoding` or `errors` is not a string.
 * @throws RangeError from the constructor if the encoding is unknown or `errors` is a string
 *   other than "strict" and "replace".
 */
export class TextReceiveStream extends TypedAttributeProvider implements ObjectReceiveStream<string> {
  /** The encoding's canonical name (as `TextDecoder` reports it, such as "utf-8"). */
  readonly encoding: string;
  /** How invalid bytes are handled. */
  readonly errors: TextErrors;
  private decoder: TextDecoder;

  /**
   * @param transportStream - the bytes to decode; closing this stream closes it.
   * @param options - the encoding (default "utf-8") and error handling (default "strict").
   */
  constructor(
    readonly transportStream: AnyByteReceiveStream,
    options: TextReceiveStreamOptions = {},
  ) {
    super();
    checkShape("transportStream", transportStream, BYTE_RECEIVE_STREAM);
    checkOptions(options, RECEIVE_OPTIONS);
    this.errors = checkErrors(options.errors ?? "strict");
    this.decoder = decoderFor(options.encoding ?? "utf-8", this.errors === "strict");
    this.encoding = this.decoder.encoding;
  }

  /** The transport's typed attributes. Never a checkpoint. */
  override get extraAttributes(): TypedAttributeMap {
    return this.transportStream.extraAttributes;
  }

  /**
   * The next complete characters: reads chunks until at least one character decodes. At the
   * end of the transport, an incomplete character left over raises under `"strict"` and comes
   * out as U+FFFD under `"replace"`.
   *
   * This is a checkpoint. A cancelled receive loses nothing: bytes already read but not yet
   * decoded stay in the decoder.
   *
   * @example
   * ```ts
   * const greeting = await text.receive();
   * ```
   * @throws EndOfStream if the transport has ended and no characters are left.
   * @throws TypeError under `"strict"` if the bytes are not valid in the encoding.
   * @throws ClosedResourceError if the transport was closed.
   */
  receive(): Promise<string> {
    return primitive(async (inFrame) => {
      for (;;) {
        let chunk: Uint8Array;
        try {
          chunk = await inFrame(() => this.transportStream.receive());
        } catch (error) {
          if (!(error instanceof EndOfStream)) throw error;
          const rest = this.decode(undefined); // flushes; throws on a truncated character under "strict"
          if (rest !== "") return rest;
          throw error;
        }
        const text = this.decode(chunk);
        if (text !== "") return text;
      }
    });
  }

  /** Decodes a chunk in streaming mode, or flushes the decoder (`chunk` undefined). */
  private decode(chunk: Uint8Array | undefined): string {
    try {
      return chunk === undefined ? this.decoder.decode() : this.decoder.decode(chunk, { stream: true });
    } catch (error) {
      // TextDecoder's own TypeError (possibly from another realm): one message, our class.
      throw new TypeError(
        `The received bytes are not valid ${this.encoding}; pass \`errors: "replace"\` to decode them as U+FFFD`,
        { cause: error },
      );
    }
  }

  /**
   * Closes the transport and forgets any partly received character. This is a checkpoint if
   * the transport's `aclose()` is.
   *
   * @example
   * ```ts
   * await text.aclose();
   * ```
   */
  aclose(): Promise<void> {
    // A runtime primitive: a cancelled compiled caller waits for the transport's close instead
    // of leaving it running behind its back.
    return primitive(async () => {
      try {
        await this.transportStream.aclose();
      } finally {
        this.decoder = new TextDecoder(this.encoding, { fatal: this.errors === "strict" });
      }
    });
  }

  /** Closes the stream at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /**
   * Iterates over the decoded pieces until the end of the transport. Each step is a checkpoint.
   *
   * @example
   * ```ts
   * for await (const piece of text) output += piece;
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<string> {
    return iterateReceive(() => this.receive());
  }
}

/**
 * Sends strings on a byte stream, encoding each one (AnyIO's `TextSendStream`). UTF-8 by
 * default; for other encodings, pass an `encode` function. Its typed attributes are the
 * transport's.
 *
 * @example
 * ```ts
 * const text = new TextSendStream(process.stdin);
 * await text.send("héllo\n");
 * ```
 * @throws TypeError from the constructor if `transportStream` is not an object with `send()` and
 *   `aclose()`, or `options` is not an object, has a key other than `encoding`, `errors` and
 *   `encode`, `encoding` or `errors` is not a string, or `encode` not a function.
 * @throws RangeError from the constructor for an encoding other than UTF-8 without `encode`,
 *   or `errors` other than "strict" and "replace".
 */
export class TextSendStream extends TypedAttributeProvider implements ObjectSendStream<string> {
  /** The encoding's name, as given. */
  readonly encoding: string;
  /** How lone surrogates are handled. */
  readonly errors: TextErrors;
  private readonly encode: (text: string) => Uint8Array;

  /**
   * @param transportStream - where the bytes go; closing this stream closes it.
   * @param options - the encoding (default "utf-8"), error handling (default "strict"), and an
   *   `encode` function for encodings other than UTF-8.
   */
  constructor(
    readonly transportStream: AnyByteSendStream,
    options: TextSendStreamOptions = {},
  ) {
    super();
    checkShape("transportStream", transportStream, BYTE_SEND_STREAM);
    checkOptions(options, SEND_OPTIONS);
    this.errors = checkErrors(options.errors ?? "strict");
    this.encoding = options.encoding ?? "utf-8";
    this.encode = encoderFor(this.encoding, options.encode);
  }

  /** The transport's typed attributes. Never a checkpoint. */
  override get extraAttributes(): TypedAttributeMap {
    return this.transportStream.extraAttributes;
  }

  /**
   * Encodes `text` and sends the bytes on the transport. This is a checkpoint.
   *
   * @example
   * ```ts
   * await text.send("line\n");
   * ```
   * @throws TypeError if `text` is not a string, or under `"strict"` if it holds a lone surrogate.
   * @throws ClosedResourceError if the transport was closed.
   * @throws BrokenResourceError if the transport broke.
   */
  send(text: string): Promise<void> {
    return primitive(() => {
      if (typeof text !== "string") throw new TypeError(`Expected \`text\` to be a string, got ${describeValue(text)}`);
      if (this.errors === "strict" && LONE_SURROGATE.test(text)) {
        throw new TypeError(`Cannot encode ${describeValue(text)} in ${this.encoding}: it holds a lone surrogate`);
      }
      return this.transportStream.send(this.encode(text));
    });
  }

  /**
   * Closes the transport. This is a checkpoint if the transport's `aclose()` is.
   *
   * @example
   * ```ts
   * await text.aclose();
   * ```
   */
  aclose(): Promise<void> {
    return this.transportStream.aclose();
  }

  /** Closes the stream at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
}

/**
 * Strings both ways over one byte stream: a {@link TextReceiveStream} and a
 * {@link TextSendStream} on the same transport (AnyIO's `TextStream`). Typed attributes are
 * merged, the receiving side winning.
 *
 * @example
 * ```ts
 * const chat = new TextStream(connection);
 * await chat.send("hello\n");
 * console.log(await chat.receive());
 * ```
 * @throws TypeError from the constructor if `transportStream` is not an object with `receive()`,
 *   `send()`, `sendEof()` and `aclose()`, or for `options` as {@link TextSendStream}'s.
 * @throws RangeError from the constructor as {@link TextReceiveStream} and {@link TextSendStream} do.
 */
export class TextStream extends TypedAttributeProvider implements ObjectStream<string> {
  private readonly receiveStream: TextReceiveStream;
  private readonly sendStream: TextSendStream;

  /**
   * @param transportStream - the two-way byte stream; closing this stream closes it.
   * @param options - as for {@link TextReceiveStream} and {@link TextSendStream}.
   */
  constructor(
    readonly transportStream: AnyByteStream,
    options: TextStreamOptions = {},
  ) {
    super();
    checkShape("transportStream", transportStream, BYTE_STREAM);
    checkOptions(options, SEND_OPTIONS);
    const { encoding, errors } = options;
    this.receiveStream = new TextReceiveStream(transportStream, { encoding, errors });
    this.sendStream = new TextSendStream(transportStream, options);
  }

  /** Both sides' typed attributes, the receiving side winning. Never a checkpoint. */
  override get extraAttributes(): TypedAttributeMap {
    return { ...this.sendStream.extraAttributes, ...this.receiveStream.extraAttributes };
  }

  /**
   * The next complete characters (see {@link TextReceiveStream.receive}). This is a checkpoint.
   *
   * @example
   * ```ts
   * const reply = await chat.receive();
   * ```
   * @throws EndOfStream if the transport has ended and no characters are left.
   * @throws TypeError under `"strict"` if the bytes are not valid in the encoding.
   */
  receive(): Promise<string> {
    return this.receiveStream.receive();
  }

  /**
   * Encodes and sends `text` (see {@link TextSendStream.send}). This is a checkpoint.
   *
   * @example
   * ```ts
   * await chat.send("bye\n");
   * ```
   * @throws TypeError under `"strict"` if `text` holds a lone surrogate.
   */
  send(text: string): Promise<void> {
    return this.sendStream.send(text);
  }

  /**
   * Finishes the transport's sending side; receiving continues. This is a checkpoint if the
   * transport's `sendEof()` is.
   *
   * @example
   * ```ts
   * await chat.sendEof();
   * ```
   */
  sendEof(): Promise<void> {
    return primitive(() => this.transportStream.sendEof());
  }

  /**
   * Closes the sending side, then the receiving side (both close the transport). This is a
   * checkpoint if the transport's `aclose()` is.
   *
   * @example
   * ```ts
   * await using chat = new TextStream(connection);
   * ```
   */
  aclose(): Promise<void> {
    return primitive(async (inFrame) => {
      try {
        await this.sendStream.aclose();
      } finally {
        await inFrame(() => this.receiveStream.aclose());
      }
    });
  }

  /** Closes the stream at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /**
   * Iterates over the decoded pieces until the end of the transport. Each step is a checkpoint.
   *
   * @example
   * ```ts
   * for await (const piece of chat) console.log(piece);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<string> {
    return iterateReceive(() => this.receive());
  }
}

/**
 * Wraps a byte stream connectable so that every stream it connects is a {@link TextStream}
 * (AnyIO's `TextConnectable`).
 *
 * @example
 * ```ts
 * const endpoint = new TextConnectable(tcpEndpoint, { encoding: "utf-8" });
 * await using chat = await endpoint.connect();
 * await chat.send("hello\n");
 * ```
 * @throws TypeError from the constructor if `connectable` is not an object with `connect()`, or
 *   for `options` as {@link TextStream}'s.
 * @throws RangeError from the constructor as {@link TextStream}'s does.
 */
export class TextConnectable implements ObjectStreamConnectable<string> {
  /**
   * @param connectable - connects the byte streams to wrap.
   * @param options - as for {@link TextStream}.
   */
  constructor(
    readonly connectable: ByteStreamConnectable | ObjectStreamConnectable<Uint8Array>,
    private readonly options: TextStreamOptions = {},
  ) {
    // Fail at construction rather than at the first connect().
    checkShape("connectable", connectable, CONNECTABLE);
    checkOptions(options, SEND_OPTIONS);
    checkErrors(options.errors ?? "strict");
    decoderFor(options.encoding ?? "utf-8", false);
    encoderFor(options.encoding ?? "utf-8", options.encode);
  }

  /**
   * Connects a byte stream with the wrapped connectable and wraps it. This is a checkpoint if the
   * wrapped connectable's `connect()` is.
   *
   * @example
   * ```ts
   * await using chat = await endpoint.connect();
   * ```
   * @throws ConnectionFailed (or what the wrapped `connect()` raises) if it cannot connect.
   */
  connect(): Promise<TextStream> {
    return primitive(async () => new TextStream(await this.connectable.connect(), this.options));
  }
}
