/**
 * Node's TLS engine for runtime/streams/tls-stream.ts: a `tls.TLSSocket` whose "socket" is a
 * `Duplex` that only queues ciphertext (a memory pipe), so that the TLS stream, not Node, moves
 * the ciphertext to and from the transport stream, inside its own operations (the role AnyIO
 * gives to `ssl.MemoryBIO`).
 *
 * How Node drives the pipe (its `JSStreamSocket`): it reads the pipe in flowing mode and feeds
 * each chunk to the TLS layer synchronously (`'data'` → OpenSSL → plaintext pushed onto the
 * TLS socket in the same call), writes ciphertext with `write()` (corked, so one `writev`), and
 * completes a write one macrotask (`setImmediate`) after the pipe acknowledges it; only then
 * does OpenSSL hand over the ciphertext produced meanwhile. Hence `settling`.
 *
 * Telling close_notify from a bare transport EOF: both end the TLS socket's readable side the
 * same way. But OpenSSL ends it synchronously while it processes the record holding
 * close_notify, and the pipe is fed a transport EOF only after every chunk before it was
 * consumed; so at the moment the transport's EOF is fed, the readable side has already ended if
 * and only if the peer's close_notify came first.
 */
import { Duplex } from "node:stream";
import * as tls from "node:tls";
import * as net from "node:net";
import { domainToASCII } from "node:url";
import { Waiter, currentFrame } from "../../rt";
import { cancelled, outsideTask } from "../../sync/checks";
import { describeValue } from "../../core/validate";
import type { TLSEngine, TLSEngineEnd, TLSEngineOptions, TLSEngineSettings, TLSHost } from "../../streams/tls-host";
import { tlsHost } from "../../streams/tls-host";

/** Node's `tls.SecureContextOptions`, for the room's option types. */
export type NodeSecureContextOptions = tls.SecureContextOptions;
/** Node's `tls.SecureContext`, a prebuilt context (`tls.createSecureContext()`). */
export type NodeSecureContext = tls.SecureContext;
/** Node's `tls.PeerCertificate`, what `checkServerIdentity` is given. */
export type NodePeerCertificate = tls.PeerCertificate;

/** What the typed attributes report, read from the socket once the handshake completed. */
interface SessionAttributes {
  readonly alpnProtocol: string | null;
  readonly channelBinding: Uint8Array | null;
  readonly cipher: readonly [string, string, number];
  readonly peerCertificate: Readonly<Record<string, unknown>> | null;
  readonly tlsVersion: string;
}

/** A chunk of ciphertext the TLS layer wrote, and the callback that completes that write. */
interface Outgoing {
  readonly chunk: Uint8Array;
  readonly done: (error?: Error | null) => void;
}

/** A byte view of `data` that Node's streams accept without copying. */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** A plain `Uint8Array` view of a `Buffer` (the type our streams return). */
function asPlain(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * The secret key bits of a cipher suite, read from its name (Node reports none): AES_128,
 * CAMELLIA256, ARIA-128... carry the key size; ChaCha20 uses 256 bits, triple DES 112.
 */
export function secretBitsOf(cipherName: string): number {
  const name = cipherName.toUpperCase();
  const sized = /(?:AES|CAMELLIA|ARIA)[_-]?(128|192|256)/.exec(name);
  if (sized !== null) return Number(sized[1]);
  if (name.includes("CHACHA20")) return 256;
  if (name.includes("3DES") || name.includes("DES-CBC3")) return 112;
  return 0;
}

class NodeTLSEngine implements TLSEngine {
  readonly serverSide: boolean;
  established = false;
  private failed: Error | undefined = undefined;
  inputEnded = false;
  settling = false;
  private closeNotifyBeforeEof = false;
  private attributes: SessionAttributes | undefined = undefined;
  private readonly outgoing: Outgoing[] = [];
  private waiters: Waiter<void>[] = [];
  private readonly pipe: Duplex;
  private readonly socket: tls.TLSSocket;

  constructor(settings: TLSEngineSettings) {
    this.serverSide = settings.serverSide;
    const wake = this.poke;
    this.pipe = new Duplex({
      allowHalfOpen: true,
      // The TLS layer wants ciphertext: whoever waits for progress looks again.
      read: wake,
      write: (chunk: Buffer, _encoding, done) => {
        this.outgoing.push({ chunk: asPlain(chunk), done });
        wake();
      },
      writev: (chunks, done) => {
        const bytes = Buffer.concat(chunks.map(({ chunk }) => chunk as Buffer));
        this.outgoing.push({ chunk: asPlain(bytes), done });
        wake();
      },
      // The TLS layer's shutdown: close_notify was written before; the transport stays ours.
      final: (done) => {
        done();
        wake();
      },
    });
    this.pipe.on("error", () => {});
    const { options, hostname } = settings;
    const socket = settings.serverSide
      ? new tls.TLSSocket(this.pipe, {
          ...options,
          isServer: true,
          requestCert: options.requestCert ?? false,
          rejectUnauthorized: options.rejectUnauthorized ?? true,
          ALPNProtocols: options.ALPNProtocols as string[] | undefined,
          secureContext: options.secureContext,
          session: undefined,
        })
      : tls.connect({
          ...options,
          socket: this.pipe,
          host: hostname,
          servername: hostname !== undefined && net.isIP(hostname) === 0 ? hostname : undefined,
          ALPNProtocols: options.ALPNProtocols as string[] | undefined,
          session: options.session === undefined ? undefined : asBuffer(options.session),
          rejectUnauthorized: options.rejectUnauthorized ?? true,
          checkServerIdentity: options.checkServerIdentity ?? tls.checkServerIdentity,
        });
    this.socket = socket;
    socket.on("error", (error: Error) => this.fail(error));
    socket.on(settings.serverSide ? "secure" : "secureConnect", () => {
      if (settings.serverSide && options.requestCert === true && options.rejectUnauthorized !== false) {
        // Node's tls.Server checks the client's chain here (its verify callback accepts every
        // chain so that JavaScript decides); a bare TLSSocket leaves it to its owner.
        const verifyError = (socket as unknown as { _handle?: { verifyError(): Error | null } })._handle?.verifyError();
        if (verifyError) return this.fail(verifyError);
      }
      this.established = true;
      this.session();
      wake();
    });
    socket.on("readable", wake);
    socket.on("end", wake);
    socket.on("close", () => {
      if (!this.established && this.failure === undefined) {
        this.failed = Object.assign(new Error("The TLS connection was closed before the handshake completed"), {
          code: "ECONNRESET",
        });
      }
      wake();
    });
    // Registered after Node's own 'data' listener, so it runs once the TLS layer took the chunk.
    this.pipe.on("data", wake);
    this.pipe.on("finish", wake);
  }

  get failure(): Error | undefined {
    if (this.failed === undefined && !this.established && readableHasEnded(this.socket)) {
      // Node reports this only for clients, and only through a listener it adds in tls.connect().
      this.failed = Object.assign(new Error("The transport ended before the TLS handshake completed"), {
        code: "ECONNRESET",
      });
    }
    return this.failed;
  }

  get ended(): TLSEngineEnd {
    if (!readableHasEnded(this.socket) || this.socket.readableLength > 0) return "open";
    return this.inputEnded && !this.closeNotifyBeforeEof ? "ragged" : "closeNotify";
  }

  get wantsInput(): boolean {
    // A destroyed socket takes no more input (its error event may still be a tick away).
    return !this.inputEnded && this.pipe.readableLength === 0 && !this.socket.destroyed && !this.pipe.destroyed;
  }

  get shutdownSent(): boolean {
    return this.pipe.writableFinished || this.pipe.destroyed;
  }

  feed(chunk: Uint8Array): void {
    if (this.pipe.destroyed) return;
    this.pipe.push(asBuffer(chunk));
  }

  feedEof(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    this.closeNotifyBeforeEof = readableHasEnded(this.socket);
    if (!this.pipe.destroyed) this.pipe.push(null);
  }

  nextOutgoing(): Uint8Array | undefined {
    return this.outgoing[0]?.chunk;
  }

  outgoingSent(): void {
    const sent = this.outgoing.shift();
    if (sent === undefined) return;
    // Node completes the write a macrotask later and only then hands over what OpenSSL wrote
    // meanwhile: until then, more ciphertext may appear.
    this.settling = true;
    sent.done();
  }

  hasPlaintext(): boolean {
    return !this.socket.destroyed && this.socket.readableLength > 0;
  }

  readPlaintext(maxBytes: number): Uint8Array | undefined {
    const socket = this.socket;
    if (socket.destroyed || socket.readableLength === 0) return undefined;
    const chunk = socket.read() as Buffer | null;
    if (chunk === null || chunk.length === 0) return undefined;
    if (chunk.length > maxBytes) {
      socket.unshift(chunk.subarray(maxBytes));
      return asPlain(chunk.subarray(0, maxBytes));
    }
    return asPlain(chunk);
  }

  write(data: Uint8Array): () => boolean {
    let done = false;
    this.socket.write(asBuffer(data), (error) => {
      done = true;
      if (error) this.fail(error);
      else this.poke();
    });
    return () => done;
  }

  shutdown(): void {
    if (!this.socket.writableEnded && !this.socket.destroyed) this.socket.end();
  }

  fail(error: Error): void {
    this.failed ??= error;
    if (!this.socket.destroyed) this.socket.destroy();
    this.poke();
  }

  destroy(): void {
    if (!this.socket.destroyed) this.socket.destroy();
    if (!this.pipe.destroyed) this.pipe.destroy();
    this.outgoing.length = 0;
    this.poke();
  }

  readonly poke = (): void => {
    const waiters = this.waiters;
    if (waiters.length === 0) return;
    this.waiters = [];
    for (const waiter of waiters) waiter.wake();
  };

  progress(settle: boolean): Promise<void> {
    const frame = currentFrame();
    if (frame === undefined) return outsideTask("TLSStream");
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const waiter: Waiter<void> = new Waiter<void>(frame, () => {
      const index = this.waiters.indexOf(waiter);
      if (index >= 0) this.waiters.splice(index, 1);
    }).waitsFor("operation", "a TLS stream's progress");
    this.waiters.push(waiter);
    if (settle) {
      setImmediate(() => {
        this.settling = false;
        waiter.wake();
      });
    }
    return waiter.promise;
  }

  alpnProtocol(): string | null {
    return this.session().alpnProtocol;
  }

  channelBindingTlsUnique(): Uint8Array | null {
    return this.session().channelBinding;
  }

  cipher(): readonly [string, string, number] {
    return this.session().cipher;
  }

  peerCertificate(): Readonly<Record<string, unknown>> | null {
    return this.session().peerCertificate;
  }

  peerCertificateBinary(): Uint8Array | null {
    const raw = this.session().peerCertificate?.raw;
    return raw instanceof Uint8Array ? asPlain(raw as Buffer) : null;
  }

  tlsVersion(): string {
    return this.session().tlsVersion;
  }

  /**
   * The session's attributes, read once the handshake completed: Node drops them with the
   * socket's handle when the connection closes, and they stay readable after close.
   */
  private session(): SessionAttributes {
    if (this.attributes !== undefined) return this.attributes;
    const socket = this.socket;
    const protocol = socket.alpnProtocol;
    const finished = this.serverSide ? socket.getPeerFinished() : socket.getFinished();
    const cipher = socket.getCipher() as tls.CipherNameAndProtocol | null;
    const certificate = socket.getPeerCertificate(false) as tls.PeerCertificate | null | undefined;
    const attributes: SessionAttributes = {
      alpnProtocol: typeof protocol === "string" ? protocol : null,
      channelBinding: finished === undefined ? null : asPlain(finished),
      cipher: cipher === null ? ["", "", 0] : [cipher.name, cipher.version, secretBitsOf(cipher.name)],
      peerCertificate:
        certificate === null || certificate === undefined || Object.keys(certificate).length === 0
          ? null
          : (certificate as unknown as Readonly<Record<string, unknown>>),
      tlsVersion: socket.getProtocol() ?? "unknown",
    };
    if (this.established) this.attributes = attributes;
    return attributes;
  }

  sslObject(): unknown {
    return this.socket;
  }
}

/**
 * Whether the readable side of `socket` has seen its end (`push(null)`), which Node records at
 * once while `'end'` waits until the buffer is drained (`readableEnded`).
 */
function readableHasEnded(socket: tls.TLSSocket): boolean {
  if (socket.readableEnded) return true;
  const state = (socket as unknown as { _readableState?: { ended?: boolean } })._readableState;
  return state?.ended === true;
}

/** The name the server's certificate must match, in ASCII (UTS #46), or an IP literal unchanged. */
function asciiHostname(hostname: string): string {
  if (net.isIP(hostname) !== 0) return hostname;
  const ascii = domainToASCII(hostname);
  if (ascii === "")
    throw new RangeError(`Expected \`hostname\` to be a valid host name, got ${describeValue(hostname)}`);
  return ascii;
}

const host: TLSHost = {
  settings(options) {
    const { serverSide, hostname, ...rest } = options;
    if (serverSide) {
      if (rest.cert === undefined && rest.pfx === undefined && rest.secureContext === undefined) {
        throw new TypeError("A TLS server needs a certificate: give `cert` and `key`, `pfx`, or `secureContext`");
      }
      return { serverSide, hostname: undefined, options: rest as TLSEngineOptions };
    }
    if (hostname === undefined && rest.rejectUnauthorized !== false) {
      throw new TypeError("hostname is required to verify the server certificate");
    }
    return {
      serverSide,
      hostname: hostname === undefined ? undefined : asciiHostname(hostname),
      options: rest as TLSEngineOptions,
    };
  },
  createEngine(settings) {
    return new NodeTLSEngine(settings);
  },
};

tlsHost.install(host);
