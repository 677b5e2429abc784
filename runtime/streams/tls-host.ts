/**
 * What the TLS streams need from the host: a TLS engine that encrypts and decrypts without
 * touching any transport itself. `TLSStream` moves the engine's ciphertext to and from its
 * transport stream (any of our byte streams) inside its own operations, in the caller's task and
 * cancel scope, as AnyIO's `TLSStream` drives an `ssl.SSLObject` over memory BIOs.
 *
 * Node's implementation lives in runtime/platform/node/tls.ts; browsers have none, so every TLS
 * call there throws `NotSupportedError`.
 */
import { Seam } from "../platform/seam";
import type { TLSOptions } from "./tls-options";

/** The TLS settings an engine is made from (see {@link TLSOptions}). */
export type TLSEngineOptions = TLSOptions;

/** Where an engine's readable side stands. */
export type TLSEngineEnd =
  /** still open */
  | "open"
  /** the peer sent close_notify */
  | "closeNotify"
  /** the transport ended without close_notify (a ragged EOF) */
  | "ragged";

/**
 * One TLS connection's state machine. Every method is synchronous and never a checkpoint; the
 * only wait is {@link progress}, which parks the calling task until the engine changes.
 *
 * Invariant: ciphertext moves only through {@link feed}/{@link feedEof} (in) and
 * {@link nextOutgoing}/{@link outgoingSent} (out); the engine never does I/O of its own.
 */
export interface TLSEngine {
  /** Whether this is the server side. */
  readonly serverSide: boolean;
  /** Whether the handshake has completed (and, on the client, the peer was verified). */
  readonly established: boolean;
  /** The error that ended the connection (a handshake or verification error is Node's own), if any. */
  readonly failure: Error | undefined;
  /** How the readable side ended, if it did; "open" while plaintext may still come. */
  readonly ended: TLSEngineEnd;
  /** Whether the engine has consumed all ciphertext fed to it and may need more to progress. */
  readonly wantsInput: boolean;
  /** Whether {@link feedEof} was called. */
  readonly inputEnded: boolean;
  /** Whether the engine may still produce ciphertext after the last chunk was sent (one macrotask of settling). */
  readonly settling: boolean;

  /** Hands the engine ciphertext received from the transport. */
  feed(chunk: Uint8Array): void;
  /** Tells the engine the transport has ended. */
  feedEof(): void;
  /** The oldest ciphertext not yet sent, without taking it. */
  nextOutgoing(): Uint8Array | undefined;
  /** The chunk {@link nextOutgoing} returned has been sent: drop it and tell the TLS layer. */
  outgoingSent(): void;
  /** Whether decrypted plaintext is waiting to be read. */
  hasPlaintext(): boolean;
  /** Plaintext already decrypted, at most `maxBytes`, or undefined when there is none. */
  readPlaintext(maxBytes: number): Uint8Array | undefined;
  /** Encrypts `data`; the returned function says whether all of its ciphertext has been sent. */
  write(data: Uint8Array): () => boolean;
  /** Starts the closing handshake (sends close_notify after pending data); idempotent. */
  shutdown(): void;
  /** Whether the closing handshake's close_notify has been sent. */
  readonly shutdownSent: boolean;
  /** Marks the connection failed with `error` (unless it already failed) and wakes every waiter. */
  fail(error: Error): void;
  /** Tears the TLS layer down without any closing handshake; idempotent. */
  destroy(): void;
  /** Wakes every task parked in {@link progress} (the stream's own state changed). */
  poke(): void;
  /**
   * Parks the calling task until the engine changes (ciphertext to send, plaintext, the end of
   * the handshake, an end or failure) or {@link poke} is called: a runtime operation's promise,
   * raising `Cancelled` when the caller's scope is cancelled. With `settle`, it also wakes one
   * macrotask later, after the TLS layer has taken back the chunks just sent.
   */
  progress(settle: boolean): Promise<void>;

  /** The typed attributes of {@link TLSAttribute} except `standardCompatible`. */
  alpnProtocol(): string | null;
  channelBindingTlsUnique(): Uint8Array | null;
  cipher(): readonly [string, string, number];
  peerCertificate(): Readonly<Record<string, unknown>> | null;
  peerCertificateBinary(): Uint8Array | null;
  tlsVersion(): string;
  /** The host's TLS socket object. */
  sslObject(): unknown;
}

/** What a TLS engine is made from, once the options were checked. */
export interface TLSEngineSettings {
  readonly serverSide: boolean;
  /** Client side: the name to verify (already IDNA-converted); undefined when verification is off and none was given. */
  readonly hostname: string | undefined;
  readonly options: TLSEngineOptions;
}

/** What the host provides to the TLS room. */
export interface TLSHost {
  /**
   * Checks `options` as far as the host can (the certificate fields are the host's) and converts
   * the hostname to ASCII (UTS #46).
   * @throws TypeError for a server without a certificate, or a client that verifies without a hostname.
   */
  settings(options: TLSEngineOptions & { serverSide: boolean; hostname: string | undefined }): TLSEngineSettings;
  /** Starts a TLS engine: a client starts its handshake at once (its ClientHello is the first outgoing chunk). */
  createEngine(settings: TLSEngineSettings): TLSEngine;
}

/** The host's TLS implementation, installed by the Node entry point. */
export const tlsHost = new Seam<TLSHost>("browsers cannot open TLS connections");
