"use structured";
/**
 * Connectables: a remote end described once and dialled on demand (`connect()`), for code that
 * takes "something to connect to" rather than a stream.
 */
import { ConnectionFailed, isCancelled, NotSupportedError } from "../core/errors";
import { checkOptions, describeValue } from "../core/validate";
import { TLS_HOSTNAME, TLSConnectable } from "../streams/tls-connectable";
import type { ByteStreamConnectable } from "../streams/types";
import { netHost } from "./host";
import type { IPSockAddr, PathLike } from "./ip";
import { checkPort } from "./resolution";
import { TLS_REQUEST_KEYS, tlsWrapOptions, type TLSRequest } from "./tls-request";
import type { SocketStream } from "./socket-stream";
import { connectTcp } from "./tcp";
import { connectUnix, socketPath } from "./unix";
import { FSPATH } from "../fs/path-like";
import type { UNIXSocketStream } from "./unix-socket-stream";

/** The message of a connect failure, with the underlying error's. */
function failureMessage(target: string, cause: unknown): string {
  return `error connecting to ${target}: ${cause instanceof Error ? cause.message : String(cause)}`;
}

/**
 * A TCP host and port to connect to with {@link connectTcp}.
 *
 * @example
 * ```ts
 * const connectable = new TCPConnectable("localhost", 8080);
 * await using stream = await connectable.connect();
 * ```
 */
export class TCPConnectable implements ByteStreamConnectable {
  /**
   * @param host - an address or a name.
   * @param port - from 1 to 65535.
   * @throws TypeError if `host` is not a string or `port` not a number; RangeError if `port` is
   *   out of range. NotSupportedError in browsers.
   */
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    netHost.get("new TCPConnectable()");
    if (typeof host !== "string") throw new TypeError(`Expected \`host\` to be a string, got ${describeValue(host)}`);
    checkPort(port, "port", 1);
  }

  /** The server name a TLS connection over this connectable verifies by default: its `host`. */
  get [TLS_HOSTNAME](): string {
    return this.host;
  }

  /**
   * Connects with `connectTcp(host, port)`. This is a checkpoint.
   *
   * @example
   * ```ts
   * const stream = await new TCPConnectable("127.0.0.1", 8080).connect();
   * ```
   * @throws ConnectionFailed("error connecting to host:port: …") with the underlying error as `cause`.
   */
  async connect(): Promise<SocketStream> {
    try {
      return await connectTcp(this.host, this.port);
    } catch (error) {
      if (isCancelled(error)) throw error;
      throw new ConnectionFailed(failureMessage(`${this.host}:${this.port}`, error), { cause: error });
    }
  }
}

/**
 * A UNIX socket path to connect to with {@link connectUnix}.
 *
 * @example
 * ```ts
 * await using stream = await new UNIXConnectable("/run/app.sock").connect();
 * ```
 */
export class UNIXConnectable implements ByteStreamConnectable {
  /**
   * @param path - the socket's path (a string, a `file:` URL or a `Path`).
   * @throws TypeError if `path` is not a path. NotSupportedError in browsers.
   */
  constructor(readonly path: PathLike) {
    netHost.get("new UNIXConnectable()");
    socketPath(path);
  }

  /**
   * Connects with `connectUnix(path)`. This is a checkpoint.
   *
   * @example
   * ```ts
   * const stream = await new UNIXConnectable("/run/app.sock").connect();
   * ```
   * @throws ConnectionFailed("error connecting to 'path': …") with the underlying error as `cause`.
   */
  async connect(): Promise<UNIXSocketStream> {
    try {
      return await connectUnix(this.path);
    } catch (error) {
      if (isCancelled(error) || error instanceof NotSupportedError) throw error;
      netHost.get("UNIXConnectable.connect()");
      const path = socketPath(this.path);
      throw new ConnectionFailed(failureMessage(`'${path}'`, error), { cause: error });
    }
  }
}

/** Whether `value` is a `[host, port]` pair. */
function isSockAddr(value: unknown): value is IPSockAddr {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "number";
}

/**
 * Makes a connectable of `remote`: a connectable is returned as it is, a `[host, port]` pair
 * becomes a {@link TCPConnectable}, a path (string, `file:` URL, `Path`) a {@link UNIXConnectable}.
 * With `tls` (or `tlsHostname`) that connectable is wrapped in a `TLSConnectable`, whose server
 * name defaults to the TCP host. Never a checkpoint.
 *
 * @example
 * ```ts
 * await using stream = await asConnectable(["localhost", 8080]).connect();
 * await using secure = await asConnectable(["example.com", 443], { tls: true }).connect();
 * ```
 * @throws TypeError("cannot convert … to a connectable") for anything else.
 * @throws NotSupportedError in browsers.
 */
export function asConnectable(
  remote: ByteStreamConnectable | IPSockAddr | PathLike,
  options: TLSRequest = {},
): ByteStreamConnectable {
  netHost.get("asConnectable()");
  checkOptions(options, TLS_REQUEST_KEYS);
  const tls = tlsWrapOptions(options);
  const plain = plainConnectable(remote);
  return tls === undefined ? plain : new TLSConnectable(plain, tls);
}

/** The connectable `remote` stands for, without TLS. */
function plainConnectable(remote: ByteStreamConnectable | IPSockAddr | PathLike): ByteStreamConnectable {
  netHost.get("asConnectable()");
  if (
    typeof remote === "object" &&
    remote !== null &&
    typeof (remote as ByteStreamConnectable).connect === "function"
  ) {
    return remote as ByteStreamConnectable;
  }
  if (isSockAddr(remote)) return new TCPConnectable(remote[0], remote[1]);
  if (typeof remote === "string" || remote instanceof URL) return new UNIXConnectable(remote);
  if (
    typeof remote === "object" &&
    remote !== null &&
    typeof (remote as { [FSPATH]?: unknown })[FSPATH] === "function"
  ) {
    return new UNIXConnectable(remote as PathLike);
  }
  throw new TypeError(`cannot convert ${describeValue(remote)} to a connectable`);
}
