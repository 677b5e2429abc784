"use structured";
/**
 * Name resolution: `getaddrinfo()` and `getnameinfo()` over the host's resolver.
 */
import { checkpoint } from "../core/checkpoint";
import { checkOptions, describeValue } from "../core/validate";
import type { IPSockAddr } from "./ip";
import { netHost } from "./host";

/** One resolved address, as getaddrinfo(3) returns it. */
export interface AddrInfo {
  /** The IP version: 4 or 6. */
  readonly family: 4 | 6;
  /** The socket type the entry is for. */
  readonly type: "stream" | "dgram";
  /** The protocol number: 6 (TCP) for `"stream"`, 17 (UDP) for `"dgram"`. */
  readonly proto: number;
  /** Always `""`: Node's resolver does not return canonical names. */
  readonly canonname: string;
  // ≠AnyIO: a [host, port] pair for both families instead of a 2- or 4-tuple.
  /** The address and port. */
  readonly sockaddr: IPSockAddr;
}

/** Options of {@link getaddrinfo}. */
export interface GetaddrinfoOptions {
  /**
   * Which IP version to return: 4, 6, or 0 for both.
   * @default 0
   */
  family?: 0 | 4 | 6;
  /**
   * Which socket type to return entries for; without it every address appears twice,
   * `"stream"` then `"dgram"`.
   */
  type?: "stream" | "dgram";
  /**
   * Resolver flags: Node's `dns.ADDRCONFIG | dns.V4MAPPED | dns.ALL`.
   * @default 0
   */
  flags?: number;
}

const GETADDRINFO_OPTIONS = ["family", "type", "flags"] as const;
const PROTO = { stream: 6, dgram: 17 } as const;

/** Checks an IP address family option: 0, 4 or 6. */
export function checkFamily(value: unknown, name = "family"): asserts value is 0 | 4 | 6 {
  if (typeof value !== "number")
    throw new TypeError(`Expected \`${name}\` to be 0, 4 or 6, got ${describeValue(value)}`);
  if (value !== 0 && value !== 4 && value !== 6)
    throw new RangeError(`Expected \`${name}\` to be 0, 4 or 6, got ${describeValue(value)}`);
}

/** Checks a port number: an integer from `min` to 65535. */
export function checkPort(value: unknown, name: string, min = 0): asserts value is number {
  if (typeof value !== "number")
    throw new TypeError(`Expected \`${name}\` to be an integer from ${min} to 65535, got ${describeValue(value)}`);
  if (!Number.isInteger(value) || value < min || value > 65535) {
    throw new RangeError(`Expected \`${name}\` to be an integer from ${min} to 65535, got ${describeValue(value)}`);
  }
}

/** The port of a `getaddrinfo` call: a number, a numeric string, or null for 0. */
function portNumber(port: unknown): number {
  if (port === null) return 0;
  if (typeof port === "string") {
    if (!/^\d+$/.test(port)) {
      throw new RangeError(
        `Expected \`port\` to be a port number (service names are not supported), got ${describeValue(port)}`,
      );
    }
    port = Number(port);
  }
  checkPort(port, "port");
  return port;
}

/**
 * Resolves `host` to its addresses, in the resolver's order, as getaddrinfo(3) does: one entry
 * per address and socket type. `host` `null` gives the wildcard addresses (`"::"`, then
 * `"0.0.0.0"`). A non-ASCII name is converted with UTS #46 (IDNA 2008) first; an IPv6 scope
 * stays as `%scope`.
 *
 * This is a checkpoint. A cancelled lookup is abandoned (the resolver runs to its end in the
 * host's thread pool, and its result is dropped).
 *
 * @param port - a number, a numeric string, or `null` (0). Service names ("http") are not supported.
 * @example
 * ```ts
 * const [first] = await getaddrinfo("localhost", 80, { type: "stream" });
 * console.log(first.sockaddr); // ["::1", 80] or ["127.0.0.1", 80]
 * ```
 * @throws Error the resolver's own error (`code` `"ENOTFOUND"`, `"EAI_AGAIN"`...) when the lookup fails.
 * @throws TypeError or RangeError for an invalid argument (a service name for `port` is a RangeError).
 * @throws NotSupportedError in browsers.
 */
export async function getaddrinfo(
  host: string | null,
  port: number | string | null,
  options: GetaddrinfoOptions = {},
): Promise<AddrInfo[]> {
  const resolver = netHost.get("getaddrinfo()");
  if (host !== null && typeof host !== "string")
    throw new TypeError(`Expected \`host\` to be a string or null, got ${describeValue(host)}`);
  const portValue = portNumber(port);
  checkOptions(options, GETADDRINFO_OPTIONS);
  const { family = 0, type, flags = 0 } = options;
  checkFamily(family);
  if (type !== undefined && type !== "stream" && type !== "dgram") {
    throw new TypeError(`Expected \`type\` to be "stream" or "dgram", got ${describeValue(type)}`);
  }
  if (typeof flags !== "number" || !Number.isInteger(flags) || flags < 0) {
    throw new TypeError(`Expected \`flags\` to be an integer >= 0, got ${describeValue(flags)}`);
  }
  await checkpoint();
  let addresses: Array<{ address: string; family: 4 | 6 }>;
  if (host === null) {
    addresses = [
      { address: "::", family: 6 as const },
      { address: "0.0.0.0", family: 4 as const },
    ].filter((entry) => family === 0 || entry.family === family);
  } else {
    const ascii = resolver.ipVersion(host) !== 0 || /^[\x00-\x7f]*$/.test(host) ? host : resolver.toAscii(host) || host;
    addresses = await resolver.lookup(ascii, family, flags);
  }
  const types: Array<"stream" | "dgram"> = type === undefined ? ["stream", "dgram"] : [type];
  const result: AddrInfo[] = [];
  for (const { address, family: version } of addresses) {
    for (const kind of types) {
      result.push({ family: version, type: kind, proto: PROTO[kind], canonname: "", sockaddr: [address, portValue] });
    }
  }
  return result;
}

// ≠AnyIO: no `flags`: Node's dns.lookupService takes none.
/**
 * Looks up the host name and service name of an address and port (reverse resolution).
 * This is a checkpoint; a cancelled lookup is abandoned.
 *
 * @example
 * ```ts
 * const [host, service] = await getnameinfo(["127.0.0.1", 22]); // ["localhost", "ssh"]
 * ```
 * @throws Error the resolver's own error (`code` `"ENOTFOUND"`...) when the lookup fails.
 * @throws TypeError if `sockaddr` is not a `[host, port]` pair.
 * @throws NotSupportedError in browsers.
 */
export async function getnameinfo(sockaddr: IPSockAddr): Promise<[host: string, service: string]> {
  const resolver = netHost.get("getnameinfo()");
  if (!Array.isArray(sockaddr) || typeof sockaddr[0] !== "string" || typeof sockaddr[1] !== "number") {
    throw new TypeError(`Expected \`sockaddr\` to be a [host, port] pair, got ${describeValue(sockaddr)}`);
  }
  checkPort(sockaddr[1], "sockaddr[1]");
  await checkpoint();
  return await resolver.lookupService(sockaddr[0], sockaddr[1]);
}
