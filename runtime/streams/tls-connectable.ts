"use structured";
/**
 * `TLSConnectable`: connects with another connectable, then does the client side of the TLS
 * handshake (AnyIO's `TLSConnectable`).
 */
import { describeValue } from "../core/validate";
import { CONNECTABLE, checkShape } from "./stream-helpers";
import { tlsHost, type TLSEngineSettings } from "./tls-host";
import { checkTLSOptions, type TLSWrapOptions } from "./tls-options";
import { TLSStream } from "./tls-stream";
import type { ByteStreamConnectable, ObjectStreamConnectable } from "./types";

/**
 * What a connectable implements to say which server name it reaches (`TCPConnectable` gives its
 * `host`): {@link TLSConnectable} verifies the server's certificate against it when its options
 * give no `hostname`.
 */
export const TLS_HOSTNAME: unique symbol = Symbol.for("anyio-ts.tlsHostname") as never;

/** The server name to verify when the options give none: the one the inner connectable reaches, if it knows one. */
export function defaultTLSHostname(
  connectable: ByteStreamConnectable | ObjectStreamConnectable<Uint8Array>,
): string | undefined {
  const named = (connectable as { [TLS_HOSTNAME]?: unknown })[TLS_HOSTNAME];
  return typeof named === "string" ? named : undefined;
}

/**
 * A connectable for TLS connections (AnyIO's `TLSConnectable`): `connect()` connects with the
 * inner connectable and wraps the stream with {@link TLSStream.wrap} as a client.
 *
 * @example
 * ```ts
 * const connectable = new TLSConnectable(inner, { hostname: "example.com", ALPNProtocols: ["h2"] });
 * await using stream = await connectable.connect();
 * ```
 * @throws TypeError from the constructor if `connectable` has no `connect()`, an option has the
 *   wrong type or `serverSide` is true, or no `hostname` is known while `rejectUnauthorized` is
 *   not false ("hostname is required to verify the server certificate").
 * @throws NotSupportedError from the constructor in browsers.
 */
export class TLSConnectable implements ByteStreamConnectable {
  /** Whether the connections do the TLS closing handshake. */
  readonly standardCompatible: boolean;
  /** The name the server's certificate must match (ASCII), if any. */
  readonly hostname: string | undefined;
  private readonly settings: TLSEngineSettings;

  /**
   * @param connectable - connects the transport.
   * @param options - the client's TLS settings, `hostname` and closing rules.
   */
  constructor(
    readonly connectable: ByteStreamConnectable | ObjectStreamConnectable<Uint8Array>,
    options: Omit<TLSWrapOptions, "serverSide"> = {},
  ) {
    const host = tlsHost.get("new TLSConnectable()");
    checkShape("connectable", connectable, CONNECTABLE);
    checkTLSOptions(options, "options");
    const {
      serverSide,
      hostname = defaultTLSHostname(connectable),
      standardCompatible = true,
      ...rest
    } = options as TLSWrapOptions;
    if (serverSide === true) {
      throw new TypeError(
        `Expected \`serverSide\` to be false or omitted for a TLSConnectable, got ${describeValue(serverSide)}`,
      );
    }
    this.standardCompatible = standardCompatible;
    this.settings = host.settings({ ...rest, serverSide: false, hostname });
    this.hostname = this.settings.hostname;
  }

  /**
   * Connects with the inner connectable, then does the TLS handshake.
   *
   * This is a checkpoint. A failed or cancelled handshake closes the connected stream first.
   *
   * @example
   * ```ts
   * const stream = await connectable.connect();
   * ```
   * @throws ConnectionFailed (or whatever the inner connectable raises) if connecting failed.
   * @throws Error Node's handshake or verification error (see {@link TLSStream.wrap}).
   */
  async connect(): Promise<TLSStream> {
    const stream = await this.connectable.connect();
    return await TLSStream.handshake(stream, this.settings, this.standardCompatible);
  }
}
