"use structured";
/**
 * `connectTcp()`: resolve, then race connection attempts (Happy Eyeballs), then hand the caller
 * the winning stream.
 */
import { cancelShieldedCheckpoint, checkpointIfCancelled } from "../core/checkpoint";
import { ConnectionFailed, isCancelled } from "../core/errors";
import { checkOptions, describeValue } from "../core/validate";
import { netHost, type StreamTransport } from "./host";
import { hostCall } from "./host-call";
import { orderTargets, raceAttempts, type Target } from "./happy-eyeballs";
import { checkPort, getaddrinfo } from "./resolution";
import { SocketStream } from "./socket-stream";
import { TLS_REQUEST_KEYS, tlsWrapOptions, type TLSRequest } from "./tls-request";
import { acloseForcefully } from "../streams/aclose-forcefully";
import type { TLSOptions } from "../streams/tls-options";
import { TLSStream } from "../streams/tls-stream";

/** Options of {@link connectTcp}. */
export interface ConnectTcpOptions extends TLSRequest {
  /**
   * The local address to bind to, or a name (resolved first; the family of its first address
   * then restricts the remote lookup).
   */
  localHost?: string;
  // ≠AnyIO: also allowed without localHost: the wildcard address of each attempt's family.
  /** The local port to bind to. */
  localPort?: number;
  /**
   * Milliseconds before the next connection attempt starts while the previous one is still
   * pending (Happy Eyeballs).
   * @default 250
   */
  happyEyeballsDelay?: number;
}

const CONNECT_TCP_OPTIONS = ["localHost", "localPort", "happyEyeballsDelay", ...TLS_REQUEST_KEYS] as const;

/** Closes an attempt's connection that nobody will use (cancelled meanwhile, or lost the race). */
const destroyTransport = (transport: StreamTransport): void => transport.destroy();

/**
 * Opens a TCP connection to `remoteHost` (an address or a name) on `remotePort`. A name is
 * resolved once, and its addresses are tried IPv6 first, then alternating families (RFC 8305
 * Happy Eyeballs): each attempt starts `happyEyeballsDelay` ms after the previous one or as soon
 * as it failed; the first to connect wins and the others are closed. The stream has
 * `TCP_NODELAY` on and is half-open capable (`sendEof()`).
 *
 * With `tls` (or `tlsHostname`) the connection is then wrapped with `TLSStream.wrap()` as a
 * client, verifying the server's certificate against `tlsHostname` (default: `remoteHost`), and
 * the result is a `TLSStream`. A handshake that fails or is cancelled closes the TCP connection
 * forcefully, and the call rejects with the TLS error (Node's, with its `code`).
 *
 * This is a checkpoint. A cancelled call has closed every socket it opened.
 *
 * @example
 * ```ts
 * await using stream = await connectTcp("localhost", 8080);
 * await stream.send(new TextEncoder().encode("ping"));
 * await using secure = await connectTcp("example.com", 443, { tls: { ALPNProtocols: ["http/1.1"] } });
 * ```
 * @throws ConnectionFailed("All connection attempts failed") when no attempt connected: its
 *   `cause` is the host's error (`code` `"ECONNREFUSED"`...), or an `ExceptionGroup` of them.
 * @throws Error the resolver's own error (`code` `"ENOTFOUND"`) when the name does not resolve.
 * @throws TypeError or RangeError for an invalid argument.
 * @throws NotSupportedError in browsers.
 */
export async function connectTcp(
  remoteHost: string,
  remotePort: number,
  options: ConnectTcpOptions & ({ tls: true | TLSOptions } | { tlsHostname: string }),
): Promise<TLSStream>;
export async function connectTcp(
  remoteHost: string,
  remotePort: number,
  options?: ConnectTcpOptions & { tls?: false; tlsHostname?: undefined },
): Promise<SocketStream>;
export async function connectTcp(
  remoteHost: string,
  remotePort: number,
  options?: ConnectTcpOptions,
): Promise<SocketStream | TLSStream>;
export async function connectTcp(
  remoteHost: string,
  remotePort: number,
  options: ConnectTcpOptions = {},
): Promise<SocketStream | TLSStream> {
  const host = netHost.get("connectTcp()");
  if (typeof remoteHost !== "string")
    throw new TypeError(`Expected \`remoteHost\` to be a string, got ${describeValue(remoteHost)}`);
  checkPort(remotePort, "remotePort", 1);
  checkOptions(options, CONNECT_TCP_OPTIONS);
  const tls = tlsWrapOptions(options);
  const { localHost, localPort, happyEyeballsDelay = 250 } = options;
  if (localHost !== undefined && typeof localHost !== "string") {
    throw new TypeError(`Expected \`localHost\` to be a string, got ${describeValue(localHost)}`);
  }
  if (localPort !== undefined) checkPort(localPort, "localPort");
  if (typeof happyEyeballsDelay !== "number") {
    throw new TypeError(
      `Expected \`happyEyeballsDelay\` to be a number >= 0, got ${describeValue(happyEyeballsDelay)}`,
    );
  }
  if (!(happyEyeballsDelay >= 0)) {
    throw new RangeError(
      `Expected \`happyEyeballsDelay\` to be a number >= 0, got ${describeValue(happyEyeballsDelay)}`,
    );
  }
  // No turn of the event loop here: the first thing done (a lookup, or the connection attempt)
  // checks for cancellation, and a connection always arrives in a later macrotask, so its wait is
  // the call's scheduling point (as a receive's wait for bytes is). A failure may come sooner
  // (Node reports a failed bind from process.nextTick): that path gives its turn itself.

  let localAddress: string | undefined;
  let family: 0 | 4 | 6 = 0;
  if (localHost !== undefined) {
    const [local] = await getaddrinfo(localHost, null, { type: "stream" });
    localAddress = local!.sockaddr[0];
    family = local!.family;
  }
  let targets: Target[];
  const literal = host.ipVersion(remoteHost);
  if (literal !== 0) {
    targets = [{ address: remoteHost, family: literal }];
  } else {
    const resolved = await getaddrinfo(remoteHost, remotePort, { family, type: "stream" });
    targets = orderTargets(resolved.map((info) => ({ address: info.sockaddr[0], family: info.family })));
  }
  const attempt = (target: Target): Promise<StreamTransport> =>
    hostCall<StreamTransport>(
      "connectTcp()",
      (done) =>
        host.connectTcp(
          { host: target.address, port: remotePort, family: target.family, localHost: localAddress, localPort },
          done,
        ),
      destroyTransport,
    );
  let transport: StreamTransport;
  if (targets.length === 1) {
    // One address (always, for an address literal): nothing to stagger or race, so no task group
    // and no async call of its own per connection. The attempt is the checkpoint.
    try {
      transport = await attempt(targets[0]!);
    } catch (error) {
      if (isCancelled(error)) throw error;
      await cancelShieldedCheckpoint();
      throw new ConnectionFailed("All connection attempts failed", { cause: error });
    }
    try {
      // A connection that arrived after the caller was cancelled is closed, not handed out (as
      // raceAttempts()'s task group does with a winner).
      await checkpointIfCancelled();
    } catch (error) {
      transport.destroy();
      throw error;
    }
  } else {
    transport = await raceAttempts(targets, happyEyeballsDelay, attempt, destroyTransport);
  }
  const stream = new SocketStream(transport);
  if (tls === undefined) return stream;
  // Invariant: from here on the stream is ours to close on every failure path.
  try {
    return await TLSStream.wrap(stream, { ...tls, hostname: tls.hostname ?? remoteHost });
  } catch (error) {
    await acloseForcefully(stream);
    throw error;
  }
}
