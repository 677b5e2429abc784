"use structured";
/**
 * `createTcpListener()`: one listener per local address, all on one port, served as one
 * `MultiListener`.
 */
import { checkpoint } from "../core/checkpoint";
import { NotSupportedError } from "../core/errors";
import { ExceptionGroup } from "../core/exception-group";
import { checkBoolean, checkOptions, describeValue } from "../core/validate";
import { MultiListener } from "../streams/multi-listener";
import { netHost, type ListenerTransport, type NetHost, type TcpListenTarget } from "./host";
import { hostCall } from "./host-call";
import { checkFamily, checkPort, getaddrinfo } from "./resolution";
import { MAX_BACKLOG, SocketListener } from "./socket-listener";
import type { SocketStream } from "./socket-stream";

/** Options of {@link createTcpListener}. */
export interface TcpListenerOptions {
  /** The address or name to listen on; omitted: every interface. */
  localHost?: string;
  /**
   * The port; 0 picks a free one, the same for every listener.
   * @default 0
   */
  localPort?: number;
  /**
   * Which IP version to listen on when `localHost` is omitted or a name: 4, 6, or 0 for both.
   * @default 0
   */
  family?: 0 | 4 | 6;
  /**
   * How many incoming connections may wait for `accept()` (capped at 65536).
   * @default 65536
   */
  backlog?: number;
  /**
   * Whether several sockets may listen on one address and port (SO_REUSEPORT); needs Node ≥ 22.12.
   * @default false
   */
  reusePort?: boolean;
}

const TCP_LISTENER_OPTIONS = ["localHost", "localPort", "family", "backlog", "reusePort"] as const;

/** The errors of binding one address that mean "this host has no IPv6". */
const NO_IPV6 = new Set(["EAFNOSUPPORT", "EADDRNOTAVAIL", "EINVAL"]);

/** Checks a `backlog` option and caps it. */
export function checkBacklog(backlog: unknown): number {
  if (typeof backlog !== "number")
    throw new TypeError(`Expected \`backlog\` to be a positive integer, got ${describeValue(backlog)}`);
  if (!Number.isInteger(backlog) || backlog < 1)
    throw new RangeError(`Expected \`backlog\` to be a positive integer, got ${describeValue(backlog)}`);
  return Math.min(backlog, MAX_BACKLOG);
}

function listen(host: NetHost, target: TcpListenTarget): Promise<ListenerTransport> {
  return hostCall<ListenerTransport>(
    "createTcpListener()",
    (done) => host.listenTcp(target, done),
    (listener) => listener.close(),
  );
}

/**
 * Listens for TCP connections and returns the listeners as one `MultiListener`.
 *
 * - `localHost` omitted, `family` 0: one dual-stack listener on `"::"` where the host has IPv6
 *   (IPv4 peers then appear as `"::ffff:a.b.c.d"`), else one on `"0.0.0.0"`; `family` 4 or 6:
 *   `"0.0.0.0"` or `"::"` (IPv6 only).
 * - `localHost` given: one listener per address it resolves to (passive lookup, configured
 *   families only), all on one port. With port 0 the first listener's port is reused for the
 *   rest; if another program holds it on a later address, every listener is closed and the
 *   addresses are tried again in rotated order, once per address.
 *
 * This is a checkpoint. A failed or cancelled call has closed every listener it opened.
 *
 * @example
 * ```ts
 * await using listener = await createTcpListener({ localHost: "127.0.0.1" });
 * const port = listener.extra(SocketAttribute.localPort);
 * ```
 * @throws Error("Could not create N listeners with a consistent port") when the retries ran out
 *   (its `cause` is an `ExceptionGroup` of the bind errors).
 * @throws Error the host's error (`code` `"EADDRINUSE"`, `"EACCES"`...) of any other bind failure.
 * @throws NotSupportedError for `reusePort` on Node older than 22.12, and in browsers.
 * @throws TypeError or RangeError for an invalid option.
 */
export async function createTcpListener(options: TcpListenerOptions = {}): Promise<MultiListener<SocketStream>> {
  const host = netHost.get("createTcpListener()");
  checkOptions(options, TCP_LISTENER_OPTIONS);
  const { localHost, localPort = 0, family = 0, backlog: requestedBacklog = MAX_BACKLOG, reusePort = false } = options;
  if (localHost !== undefined && typeof localHost !== "string") {
    throw new TypeError(`Expected \`localHost\` to be a string, got ${describeValue(localHost)}`);
  }
  checkPort(localPort, "localPort");
  checkFamily(family);
  const backlog = checkBacklog(requestedBacklog);
  checkBoolean("reusePort", reusePort);
  if (reusePort && !host.reusePortSupported) {
    throw new NotSupportedError(
      `createTcpListener() option \`reusePort\` needs Node.js 22.12 or later; this is ${host.version}`,
    );
  }
  await checkpoint();

  const make = (transport: ListenerTransport) => new SocketListener<SocketStream>(transport, backlog);
  if (localHost === undefined) {
    if (family === 0) {
      try {
        return new MultiListener([
          make(await listen(host, { host: "::", port: localPort, ipv6Only: false, backlog, reusePort })),
        ]);
      } catch (error) {
        if (!NO_IPV6.has((error as { code?: string }).code ?? "")) throw error;
      }
    }
    const wildcard = family === 6 ? "::" : "0.0.0.0";
    return new MultiListener([
      make(await listen(host, { host: wildcard, port: localPort, ipv6Only: family === 6, backlog, reusePort })),
    ]);
  }

  const resolved = await getaddrinfo(localHost, localPort, { family, type: "stream", flags: host.addrconfigFlag });
  const addresses = [...new Map(resolved.map((info) => [info.sockaddr[0], info.family] as const)).entries()];
  const errors: unknown[] = [];
  for (let round = 0; round < addresses.length; round++) {
    const order = [...addresses.slice(round), ...addresses.slice(0, round)];
    const opened: ListenerTransport[] = [];
    let port = localPort;
    try {
      for (const [address, version] of order) {
        const transport = await listen(host, { host: address, port, ipv6Only: version === 6, backlog, reusePort });
        opened.push(transport);
        if (port === 0) port = (transport.addresses.local as readonly [string, number])[1];
      }
      return new MultiListener(opened.map(make));
    } catch (error) {
      for (const transport of opened) transport.close();
      // Only a port picked by the first listener may be taken elsewhere: retry for that alone.
      if (localPort !== 0 || opened.length === 0 || (error as { code?: string }).code !== "EADDRINUSE") throw error;
      errors.push(error);
    }
  }
  throw new Error(`Could not create ${addresses.length} listeners with a consistent port`, {
    cause: new ExceptionGroup("Several bind attempts failed", errors),
  });
}
