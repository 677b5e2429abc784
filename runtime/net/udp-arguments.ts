/**
 * The argument checks of the UDP room, in the runtime's template ("Expected `port` to be an
 * integer from 1 to 65535, got `0` (number)"): a `TypeError` for a wrong type, a `RangeError`
 * for a wrong value. Internal.
 */
import { checkBoolean, checkOptions, describeValue } from "../core/validate";
import type { IpFamilyInput } from "./udp-host";

/** Options of {@link createUdpSocket} and {@link createConnectedUdpSocket}. */
export interface UdpSocketOptions {
  /**
   * The address family: `4` (IPv4), `6` (IPv6), or `0` to let `localHost` (or, for a connected
   * socket, `remoteHost`) decide. {@link createUdpSocket} needs `family` or `localHost`.
   * @default 0
   */
  family?: 0 | 4 | 6;
  /**
   * The local address to bind to: an IP address or a name (resolved; its first address decides
   * the family). Omitted: the wildcard address of the family (`"0.0.0.0"` or `"::"`).
   */
  localHost?: string;
  /**
   * The local port to bind to.
   * @default 0 (the system picks a free port)
   */
  localPort?: number;
  /**
   * Set `SO_REUSEPORT`, so that several sockets can bind the same address and port. Needs
   * Node.js 22.12 or later; on older hosts `true` throws `NotSupportedError`.
   * @default false
   */
  reusePort?: boolean;
}

/** {@link UdpSocketOptions} checked, with defaults applied. */
export interface CheckedUdpOptions {
  readonly family: IpFamilyInput;
  readonly localHost: string | undefined;
  readonly localPort: number;
  readonly reusePort: boolean;
}

const UDP_OPTIONS = ["family", "localHost", "localPort", "reusePort"] as const;

/**
 * Checks `options` and applies the defaults.
 * @throws TypeError for an unknown option or a value of the wrong type; RangeError for a value out of range.
 */
export function checkUdpOptions(options: UdpSocketOptions | undefined): CheckedUdpOptions {
  checkOptions(options, UDP_OPTIONS);
  const { family = 0, localHost, localPort = 0, reusePort = false } = options ?? {};
  if (typeof family !== "number")
    throw new TypeError(`Expected \`family\` to be 0, 4 or 6, got ${describeValue(family)}`);
  if (family !== 0 && family !== 4 && family !== 6) {
    throw new RangeError(`Expected \`family\` to be 0, 4 or 6, got ${describeValue(family)}`);
  }
  if (localHost !== undefined) throwIf(checkHost("localHost", localHost));
  throwIf(checkPort("localPort", localPort, 0));
  checkBoolean("reusePort", reusePort);
  return { family, localHost, localPort, reusePort };
}

function throwIf(error: Error | undefined): void {
  if (error !== undefined) throw error;
}

/** The error for a host that is not a non-empty string, or undefined. */
export function checkHost(name: string, value: unknown): TypeError | RangeError | undefined {
  if (typeof value !== "string")
    return new TypeError(`Expected \`${name}\` to be a string, got ${describeValue(value)}`);
  if (value === "") return new RangeError(`Expected \`${name}\` to be a non-empty string, got ${describeValue(value)}`);
  return undefined;
}

/** The error for a port that is not an integer from `min` (0 or 1) to 65535, or undefined. */
export function checkPort(name: string, value: unknown, min: 0 | 1): TypeError | RangeError | undefined {
  const what = `an integer from ${min} to 65535`;
  if (typeof value !== "number")
    return new TypeError(`Expected \`${name}\` to be ${what}, got ${describeValue(value)}`);
  if (!Number.isInteger(value) || value < min || value > 65535) {
    return new RangeError(`Expected \`${name}\` to be ${what}, got ${describeValue(value)}`);
  }
  return undefined;
}

/** The error for data that is not a `Uint8Array` (a Node `Buffer` is one), or undefined. */
export function checkBytes(name: string, value: unknown): TypeError | undefined {
  if (value instanceof Uint8Array) return undefined;
  return new TypeError(`Expected \`${name}\` to be a Uint8Array, got ${describeValue(value)}`);
}
