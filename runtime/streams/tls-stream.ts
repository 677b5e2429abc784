"use structured";
/**
 * `TLSStream`: TLS over any of our byte streams (AnyIO's `anyio.streams.tls.TLSStream`).
 *
 * The host's TLS engine (tls-host.ts) does the cryptography and never touches the transport;
 * every operation of the stream moves the ciphertext itself, in the caller's task and cancel
 * scope: it sends what the engine wrote, and receives from the transport only while the engine
 * has consumed everything and still needs more. So cancelling an operation cancels the transport
 * operation it waits in, and nothing runs in the background.
 *
 * Invariant: at most one task receives from the transport and at most one sends to it at a time
 * (`pulling`, `flushing`); a chunk of ciphertext leaves the engine's queue only once the
 * transport's `send()` returned.
 */
import { checkpoint, checkpointIfCancelled } from "../core/checkpoint";
import {
  BrokenResourceError,
  BusyResourceError,
  ClosedResourceError,
  EndOfStream,
  NotSupportedError,
  isCancelled,
} from "../core/errors";
import { describeValue } from "../core/validate";
import { requireFrame } from "../rt";
import { BYTE_STREAM, checkPositiveInteger, checkShape, iterateReceive } from "./stream-helpers";
import { tlsHost, type TLSEngine, type TLSEngineEnd, type TLSEngineSettings } from "./tls-host";
import { checkTLSOptions, type TLSWrapOptions } from "./tls-options";
import { TLSAttribute, TypedAttributeProvider, type TypedAttributeMap } from "./typed-attributes";
import type { AnyByteStream, ByteStream } from "./types";
import { closeForcefully } from "./close-forcefully";

/** The error after our own `aclose()`. */
function closedTLSStream(): ClosedResourceError {
  return new ClosedResourceError("This TLSStream was closed and can no longer be used");
}

/** The error a ragged EOF becomes on a standard-compatible stream. */
function raggedEof(): BrokenResourceError {
  return new BrokenResourceError(
    "The TLS peer ended the transport without close_notify (pass standardCompatible: false to accept that as the end of the stream)",
  );
}

/**
 * A TLS connection over a byte stream (AnyIO's `TLSStream`): `send()` encrypts, `receive()`
 * decrypts, the typed attributes describe the session ({@link TLSAttribute}). Made by
 * {@link TLSStream.wrap}, which does the handshake. The stream owns its transport: do not use
 * the transport while it is wrapped; `aclose()` closes it.
 *
 * @example
 * ```ts
 * const tcp = fromNodeDuplex(net.connect(443, "example.com"));
 * await using stream = await TLSStream.wrap(tcp, { hostname: "example.com" });
 * await stream.send(new TextEncoder().encode("GET / HTTP/1.0\r\nHost: example.com\r\n\r\n"));
 * console.log(new TextDecoder().decode(await stream.receive()));
 * ```
 */
export class TLSStream extends TypedAttributeProvider implements ByteStream {
  private closed = false;
  private receiving = false;
  private sending = false;
  private pulling = false;
  private flushing = false;

  private constructor(
    /** The stream the ciphertext travels on; owned by this stream. */
    readonly transportStream: AnyByteStream,
    /** Whether the closing handshake is done (see {@link TLSWrapOptions.standardCompatible}). */
    readonly standardCompatible: boolean,
    private readonly engine: TLSEngine,
  ) {
    super();
  }

  /**
   * Wraps `transportStream` in TLS and does the handshake: the client side verifies the
   * server's chain (against Node's root certificates plus `ca`) and that its certificate is for
   * `hostname`; the server side verifies a client certificate when `requestCert` is set. The
   * stream returned owns the transport.
   *
   * This is a checkpoint. A failed or cancelled handshake closes the transport (forcefully)
   * before it rejects. ≠AnyIO: AnyIO leaves a half-handshaken transport to its caller.
   *
   * @param transportStream - a byte stream, or an object stream of `Uint8Array`s.
   * @param options - the TLS settings and the connection's side, name and closing rules.
   * @example
   * ```ts
   * // client
   * const stream = await TLSStream.wrap(transport, { hostname: "localhost", ca: caPem });
   * // server
   * const stream = await TLSStream.wrap(accepted, { cert: certPem, key: keyPem });
   * ```
   * @throws Error Node's handshake or verification error, with its `code`
   *   (`"ERR_TLS_CERT_ALTNAME_INVALID"`, `"DEPTH_ZERO_SELF_SIGNED_CERT"`, `"UNABLE_TO_VERIFY_LEAF_SIGNATURE"`...).
   * @throws BrokenResourceError if the transport failed during the handshake; an `Error` with
   *   `code` `"ECONNRESET"` if it ended during the handshake.
   * @throws TypeError if `transportStream` is not a byte stream, an option has the wrong type,
   *   a client that verifies has no `hostname` ("hostname is required to verify the server
   *   certificate"), or a server has no `cert`, `pfx` or `secureContext`; these leave the
   *   transport untouched.
   * @throws NotSupportedError in browsers.
   * @throws NoCurrentTaskError outside {@link run}.
   * @throws Cancelled if the task is cancelled (the transport is then closed).
   */
  static async wrap(transportStream: AnyByteStream, options: TLSWrapOptions = {}): Promise<TLSStream> {
    const host = tlsHost.get("TLSStream.wrap()");
    requireFrame("TLSStream.wrap()");
    checkShape("transportStream", transportStream, BYTE_STREAM);
    checkTLSOptions(options, "options");
    const { serverSide = options.hostname === undefined, hostname, standardCompatible = true, ...rest } = options;
    const settings = host.settings({ ...rest, serverSide, hostname });
    return await TLSStream.handshake(transportStream, settings, standardCompatible);
  }

  /** @internal The handshake of {@link wrap}, with settings already checked (TLSListener checks them once). */
  static async handshake(
    transportStream: AnyByteStream,
    settings: TLSEngineSettings,
    standardCompatible: boolean,
  ): Promise<TLSStream> {
    let engine: TLSEngine | undefined;
    try {
      await checkpoint();
      engine = tlsHost.get("TLSStream.wrap()").createEngine(settings);
      const stream = new TLSStream(transportStream, standardCompatible, engine);
      const established = engine;
      await stream.pump(() => established.established, true);
      return stream;
    } catch (error) {
      engine?.destroy();
      await closeForcefully(transportStream);
      throw error;
    }
  }

  /**
   * The transport's attributes plus every {@link TLSAttribute}. Never a checkpoint.
   *
   * @example
   * ```ts
   * stream.extra(TLSAttribute.tlsVersion); // "TLSv1.3"
   * stream.extra(TLSAttribute.alpnProtocol); // "h2", or null
   * ```
   */
  override get extraAttributes(): TypedAttributeMap {
    const engine = this.engine;
    return {
      ...this.transportStream.extraAttributes,
      [TLSAttribute.alpnProtocol]: () => engine.alpnProtocol(),
      [TLSAttribute.channelBindingTlsUnique]: () => engine.channelBindingTlsUnique(),
      [TLSAttribute.cipher]: () => engine.cipher(),
      [TLSAttribute.peerCertificate]: () => engine.peerCertificate(),
      [TLSAttribute.peerCertificateBinary]: () => engine.peerCertificateBinary(),
      [TLSAttribute.serverSide]: () => engine.serverSide,
      // Node does not expose the ciphers the client offered.
      [TLSAttribute.sharedCiphers]: () => null,
      [TLSAttribute.sslObject]: () => engine.sslObject(),
      [TLSAttribute.standardCompatible]: () => this.standardCompatible,
      [TLSAttribute.tlsVersion]: () => engine.tlsVersion(),
    };
  }

  /**
   * At most `maxBytes` bytes of decrypted data, receiving ciphertext from the transport as
   * needed.
   *
   * This is a checkpoint. A cancelled receive took no plaintext (ciphertext it received stays
   * decrypted for the next one).
   *
   * @default maxBytes 65536
   * @example
   * ```ts
   * const reply = await stream.receive();
   * ```
   * @throws EndOfStream once the peer sent close_notify, or (with `standardCompatible: false`)
   *   ended the transport without it.
   * @throws BrokenResourceError if the transport ended without close_notify (standard
   *   compatible), failed, or the TLS layer failed (the error is its `cause`).
   * @throws ClosedResourceError after {@link aclose}.
   * @throws BusyResourceError if another task is already receiving.
   * @throws TypeError if `maxBytes` is not a number; RangeError if it is not a positive integer.
   */
  async receive(maxBytes = 65536): Promise<Uint8Array> {
    checkPositiveInteger(maxBytes, "maxBytes");
    requireFrame("TLSStream.receive()");
    if (this.closed) throw closedTLSStream();
    if (this.receiving) throw new BusyResourceError("receiving from");
    this.receiving = true;
    try {
      // The checkpoint: raise first if cancelled; yield now only if nothing below will (every
      // wait of the pump yields, and receiving from the transport is itself a checkpoint).
      await checkpointIfCancelled();
      const engine = this.engine;
      if (engine.hasPlaintext() || engine.ended !== "open" || engine.failure !== undefined) await checkpoint();
      await this.pump(() => engine.hasPlaintext() || engine.ended !== "open", true);
      const data = engine.readPlaintext(maxBytes);
      if (data !== undefined) return data;
      if (engine.ended === "ragged" && this.standardCompatible) throw raggedEof();
      throw new EndOfStream("The TLS peer closed the connection");
    } finally {
      this.receiving = false;
    }
  }

  /**
   * Encrypts `data` and sends it, returning once the transport took all of its ciphertext.
   *
   * This is a checkpoint. A send cancelled after it started leaves its data queued, to go
   * before any later data; one cancelled while the transport was sending breaks the stream
   * (what the transport took of a TLS record cannot be known).
   *
   * @example
   * ```ts
   * await stream.send(new TextEncoder().encode("ping"));
   * ```
   * @throws BrokenResourceError if the transport or the TLS layer failed.
   * @throws ClosedResourceError after {@link aclose}.
   * @throws BusyResourceError if another task is already sending.
   * @throws TypeError if `data` is not a `Uint8Array`.
   */
  async send(data: Uint8Array): Promise<void> {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(`Expected \`data\` to be a Uint8Array, got ${describeValue(data)}`);
    }
    requireFrame("TLSStream.send()");
    if (this.closed) throw closedTLSStream();
    if (this.sending) throw new BusyResourceError("writing to");
    this.sending = true;
    try {
      // The checkpoint: raise first if cancelled; the yield comes with the transport's send.
      await checkpointIfCancelled();
      if (this.engine.failure !== undefined) throw this.failureError();
      if (data.length === 0) return await checkpoint();
      const written = this.engine.write(data);
      await this.pump(written, false);
    } finally {
      this.sending = false;
    }
  }

  /**
   * Always rejects: TLS has no half-close that Node can send (AnyIO's `send_eof()` refuses it
   * too). Never a checkpoint.
   *
   * @example
   * ```ts
   * await stream.sendEof(); // NotSupportedError
   * ```
   * @throws NotSupportedError "sendEof() requires at least TLSv1.3; current session uses
   *   TLSv1.2" before TLS 1.3, "sendEof() has not yet been implemented for TLS streams" otherwise.
   */
  sendEof(): Promise<never> {
    const version = this.engine.tlsVersion();
    const match = /^TLSv(\d+)(?:\.(\d+))?/.exec(version);
    if (match !== null && (Number(match[1]) < 1 || (Number(match[1]) === 1 && Number(match[2] ?? 0) < 3))) {
      return Promise.reject(
        new NotSupportedError(`sendEof() requires at least TLSv1.3; current session uses ${version}`),
      );
    }
    return Promise.reject(new NotSupportedError("sendEof() has not yet been implemented for TLS streams"));
  }

  /**
   * Always rejects. ≠AnyIO: AnyIO's `unwrap()` does the closing handshake and returns the
   * transport with the bytes read past it; Node's TLS layer cannot hand its transport back.
   * Use {@link aclose}. Never a checkpoint.
   *
   * @example
   * ```ts
   * await stream.unwrap(); // NotSupportedError
   * ```
   * @throws NotSupportedError always.
   */
  unwrap(): Promise<[transportStream: AnyByteStream, leftover: Uint8Array]> {
    return Promise.reject(
      new NotSupportedError(
        "TLSStream.unwrap() is not supported: Node's TLS layer cannot hand the transport stream back",
      ),
    );
  }

  /**
   * Closes the TLS connection and its transport. With `standardCompatible` (the default) it
   * first does the closing handshake: it sends close_notify and waits for the peer's (data
   * still arriving is discarded); otherwise it just closes the transport. Closing again does
   * nothing.
   *
   * This is a checkpoint when it does the closing handshake. In a cancelled scope, or when the
   * handshake fails, the transport is closed forcefully and the error raised.
   *
   * @example
   * ```ts
   * await using stream = await TLSStream.wrap(transport, { hostname: "localhost" });
   * ```
   * @throws BrokenResourceError if (standard compatible) the peer ended the transport without
   *   close_notify, or the transport failed during the closing handshake.
   * @throws Cancelled if the task is cancelled during the closing handshake (the transport is
   *   then closed).
   */
  async aclose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const engine = this.engine;
    engine.poke();
    if (this.standardCompatible && engine.established && engine.failure === undefined) {
      try {
        if (engine.ended === "ragged") throw raggedEof();
        engine.shutdown();
        await this.pump(
          () => {
            while (engine.readPlaintext(65536) !== undefined);
            return engine.shutdownSent && engine.ended !== "open";
          },
          true,
          true,
        );
        // (Read again: the pump changed it.)
        if ((engine.ended as TLSEngineEnd) === "ragged") throw raggedEof();
      } catch (error) {
        engine.destroy();
        await closeForcefully(this.transportStream);
        // The peer closed properly first: that our close_notify found the transport gone is no failure.
        if (engine.ended === "closeNotify" && error instanceof BrokenResourceError) return;
        throw error;
      }
    }
    engine.destroy();
    await this.transportStream.aclose();
  }

  /** Closes the stream at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /**
   * Iterates over decrypted chunks (of at most 65536 bytes) until the peer closes. Each step is
   * a checkpoint.
   *
   * @example
   * ```ts
   * for await (const chunk of stream) sink.push(chunk);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return iterateReceive(() => this.receive());
  }

  /** What an operation raises once the engine failed: a transport failure or the TLS layer's error, as `BrokenResourceError`. */
  private failureError(): Error {
    const failure = this.engine.failure!;
    if (!this.engine.established) return failure;
    if (failure instanceof BrokenResourceError || failure instanceof ClosedResourceError) return failure;
    return new BrokenResourceError(`The TLS connection failed: ${failure.message}`, { cause: failure });
  }

  /**
   * Moves ciphertext until `ready()`: sends what the engine wrote, lets the engine settle after
   * a send, and (if `pull`) receives from the transport while the engine has consumed all it
   * was given. `ready` is asked only when nothing is left to send. Unless `closing` (the pump of
   * aclose() itself), a local aclose() ends it with ClosedResourceError.
   */
  private async pump(ready: () => boolean, pull: boolean, closing = false): Promise<void> {
    const engine = this.engine;
    for (;;) {
      if (this.closed && !closing) throw closedTLSStream();
      if (engine.nextOutgoing() !== undefined && !this.flushing) {
        await this.flush();
        continue;
      }
      if (engine.settling) {
        await engine.progress(true);
        continue;
      }
      if (engine.nextOutgoing() === undefined && ready()) return;
      if (engine.failure !== undefined) throw this.failureError();
      if (pull && !this.pulling && engine.wantsInput && engine.ended === "open") {
        await this.pullOnce();
        continue;
      }
      await engine.progress(false);
    }
  }

  /** Sends the engine's queued ciphertext to the transport, in order. */
  private async flush(): Promise<void> {
    const engine = this.engine;
    this.flushing = true;
    try {
      for (let chunk = engine.nextOutgoing(); chunk !== undefined; chunk = engine.nextOutgoing()) {
        // A send cancelled before it started sent nothing: the chunk stays queued.
        await checkpointIfCancelled();
        try {
          await this.transportStream.send(chunk);
        } catch (error) {
          // Whether the transport took part of the chunk cannot be known: the record stream is broken.
          const broken = isCancelled(error)
            ? new BrokenResourceError("A send of TLS data to the transport stream was cancelled midway")
            : this.transportError(error);
          engine.fail(broken);
          throw isCancelled(error) ? error : broken;
        }
        engine.outgoingSent();
      }
    } finally {
      this.flushing = false;
      engine.poke();
    }
  }

  /** Receives one chunk of ciphertext from the transport and feeds it to the engine. */
  private async pullOnce(): Promise<void> {
    const engine = this.engine;
    this.pulling = true;
    let chunk: Uint8Array;
    try {
      chunk = await this.transportStream.receive();
    } catch (error) {
      if (error instanceof EndOfStream) {
        engine.feedEof();
        return;
      }
      if (isCancelled(error)) throw error;
      const broken = this.transportError(error);
      engine.fail(broken);
      throw broken;
    } finally {
      this.pulling = false;
      engine.poke();
    }
    engine.feed(chunk);
  }

  /** A failure of the transport stream, as this stream reports it. */
  private transportError(error: unknown): Error {
    if (error instanceof ClosedResourceError && this.closed) return closedTLSStream();
    if (error instanceof BrokenResourceError) return error;
    const detail = error instanceof Error ? error.message : String(error);
    return new BrokenResourceError(`The transport stream failed: ${detail}`, { cause: error });
  }
}
