"use structured";
/**
 * `TLSListener`: a listener whose connections are TLS streams (AnyIO's `TLSListener`): it wraps
 * another listener and does the server side of the handshake on each accepted stream, under a
 * timeout, before the handler sees it.
 */
import { CancelScope, failAfter } from "../core/cancel-scope";
import { isCancelled } from "../core/errors";
import type { TaskGroup } from "../core/task-group";
import { checkBoolean, checkFunction, checkOptions, describeValue } from "../core/validate";
import { checkShape, LISTENER } from "./stream-helpers";
import { tlsHost, type TLSEngineSettings } from "./tls-host";
import { checkTLSOptions, type TLSOptions } from "./tls-options";
import { closeForcefully } from "./close-forcefully";
import { TLSStream } from "./tls-stream";
import { TLSAttribute, TypedAttributeProvider, type TypedAttributeMap } from "./typed-attributes";
import type { AnyByteStream, Listener, ListenerHandler } from "./types";

/** The options of {@link TLSListener} beside the TLS settings. */
export interface TLSListenerOptions {
  /**
   * Whether the connections do the TLS closing handshake (see `TLSWrapOptions.standardCompatible`).
   * @default true
   */
  standardCompatible?: boolean;
  /**
   * How long a client may take to complete the handshake, in milliseconds.
   * @default 30000
   */
  handshakeTimeout?: number;
}

const LISTENER_OPTIONS = ["standardCompatible", "handshakeTimeout"] as const;

/**
 * Serves TLS connections: each stream the wrapped listener accepts is wrapped with
 * {@link TLSStream.wrap} (server side) within `handshakeTimeout`, then given to the handler.
 * A failed handshake goes to {@link TLSListener.handleHandshakeError} and serving continues.
 * Typed attributes: the wrapped listener's plus `TLSAttribute.standardCompatible`.
 *
 * @example
 * ```ts
 * const listener = new TLSListener(tcpListener, { cert, key }, { handshakeTimeout: 10_000 });
 * await listener.serve(async (stream) => {
 *   await using _ = stream;
 *   await stream.send(await stream.receive()); // echo one chunk
 * });
 * ```
 * @throws TypeError from the constructor if `listener` is not a listener, an option has the
 *   wrong type, or `tlsOptions` has no `cert`, `pfx` or `secureContext`.
 * @throws RangeError from the constructor if `handshakeTimeout` is negative or NaN.
 * @throws NotSupportedError from the constructor in browsers.
 */
export class TLSListener<T extends AnyByteStream = AnyByteStream>
  extends TypedAttributeProvider
  implements Listener<TLSStream>
{
  /** Whether the connections do the TLS closing handshake. */
  readonly standardCompatible: boolean;
  /** How long a client may take to complete the handshake, in milliseconds. */
  readonly handshakeTimeout: number;
  private readonly settings: TLSEngineSettings;

  /**
   * @param listener - the listener whose streams carry the TLS connections.
   * @param tlsOptions - the server's TLS settings: a certificate (`cert` and `key`, `pfx`, or
   *   `secureContext`), and `requestCert`/`ca` to ask for client certificates.
   * @param options - the closing rules and the handshake timeout.
   */
  constructor(
    readonly listener: Listener<T>,
    tlsOptions: TLSOptions,
    options: TLSListenerOptions = {},
  ) {
    super();
    const host = tlsHost.get("new TLSListener()");
    checkShape("listener", listener, LISTENER);
    checkTLSOptions(tlsOptions, "tlsOptions");
    checkOptions(options, LISTENER_OPTIONS);
    const { standardCompatible = true, handshakeTimeout = 30000 } = options;
    checkBoolean("standardCompatible", standardCompatible);
    if (typeof handshakeTimeout !== "number") {
      throw new TypeError(`Expected \`handshakeTimeout\` to be a number >= 0, got ${describeValue(handshakeTimeout)}`);
    }
    if (!(handshakeTimeout >= 0)) {
      throw new RangeError(`Expected \`handshakeTimeout\` to be a number >= 0, got ${describeValue(handshakeTimeout)}`);
    }
    this.standardCompatible = standardCompatible;
    this.handshakeTimeout = handshakeTimeout;
    const {
      serverSide: _side,
      hostname: _name,
      standardCompatible: _compatible,
      ...rest
    } = (tlsOptions ?? {}) as TLSOptions & {
      serverSide?: unknown;
      hostname?: unknown;
      standardCompatible?: unknown;
    };
    this.settings = host.settings({ ...rest, serverSide: true, hostname: undefined });
  }

  /**
   * What happens to a handshake that failed or timed out: closes `stream` forcefully, reports
   * the error with `console.error("Error during TLS handshake", error)` unless it is a
   * cancellation, and rethrows only a cancellation (so serving goes on). `serve()` calls it
   * through the listener's class, so a subclass can override it to log differently.
   *
   * This is a checkpoint if closing the stream is.
   *
   * @example
   * ```ts
   * class QuietTLSListener extends TLSListener {
   *   static override async handleHandshakeError(error: unknown, stream: AnyByteStream) {
   *     await stream.aclose();
   *     metrics.count("tls-handshake-failure");
   *   }
   * }
   * ```
   * @throws Cancelled if `error` is a cancellation.
   */
  static async handleHandshakeError(error: unknown, stream: AnyByteStream): Promise<void> {
    await closeForcefully(stream);
    if (isCancelled(error)) throw error;
    console.error("Error during TLS handshake", error);
  }

  /** The wrapped listener's typed attributes plus `TLSAttribute.standardCompatible`. Never a checkpoint. */
  override get extraAttributes(): TypedAttributeMap {
    return { ...this.listener.extraAttributes, [TLSAttribute.standardCompatible]: () => this.standardCompatible };
  }

  /**
   * Serves connections with `handler`, each one a {@link TLSStream} that has completed its
   * handshake; the handler owns it. Runs until cancelled or the wrapped listener fails (it
   * never returns normally). This is a checkpoint.
   *
   * @param handler - called with each TLS stream, in `taskGroup` (or the wrapped listener's own).
   * @example
   * ```ts
   * await listener.serve(async (stream) => {
   *   await using _ = stream;
   *   console.log(stream.extra(TLSAttribute.tlsVersion));
   * });
   * ```
   * @throws TypeError if `handler` is not a function.
   */
  async serve(handler: ListenerHandler<TLSStream>, taskGroup?: TaskGroup): Promise<void> {
    checkFunction("handler", handler);
    const handshake = async (stream: T): Promise<void> => {
      let tlsStream: TLSStream;
      try {
        using _timeout = failAfter(this.handshakeTimeout, { reason: "The TLS handshake timed out" });
        tlsStream = await TLSStream.handshake(stream, this.settings, this.standardCompatible);
      } catch (error) {
        await (this.constructor as typeof TLSListener).handleHandshakeError(error, stream);
        return;
      }
      // Through a scope's run(), so that a handler the transformer did not compile keeps its
      // task and scope across its awaits (the runtime's context carrier).
      await new CancelScope().run(() => handler(tlsStream));
    };
    await this.listener.serve(handshake, taskGroup);
  }

  /**
   * Closes the wrapped listener. This is a checkpoint if its `aclose()` is.
   *
   * @example
   * ```ts
   * await listener.aclose();
   * ```
   */
  async aclose(): Promise<void> {
    await this.listener.aclose();
  }

  /** Closes the listener at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
}
