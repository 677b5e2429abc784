"use structured";
/**
 * Opening UDP sockets: `createUdpSocket()` and `createConnectedUdpSocket()`. Structured code
 * (compiled by our transformer), so every await here is a checkpoint: a cancelled lookup is
 * abandoned, and a socket being opened is closed before the cancellation propagates.
 */
import { checkpoint } from "../core/checkpoint";
import { NotSupportedError } from "../core/errors";
import { ConnectedUDPSocket } from "./connected-udp-socket";
import { checkHost, checkPort, checkUdpOptions, type UdpSocketOptions } from "./udp-arguments";
import {
  udpHost,
  type DatagramOpenRequest,
  type DatagramTransport,
  type IpFamilyInput,
  type ResolvedAddress,
  type UdpHost,
} from "./udp-host";
import { UDPSocket } from "./udp-socket";

export type { UdpSocketOptions } from "./udp-arguments";

/**
 * Creates a UDP socket bound to `localHost`:`localPort`, able to send to and receive from any
 * address (AnyIO's `create_udp_socket`, with `family` moved into the options).
 *
 * `localHost` may be a name: it is resolved (for a datagram socket, passive, `ADDRCONFIG`) and
 * its first address decides the family. With only `family`, the socket binds the wildcard
 * address (`"0.0.0.0"` or `"::"`, which on most systems also receives IPv4 as
 * `"::ffff:a.b.c.d"`).
 *
 * This is a checkpoint, and the checkpoint comes first (after the argument checks): a
 * cancelled task opens nothing. If it fails or is cancelled after opening the socket, the
 * socket is closed before it rejects.
 *
 * @example
 * ```ts
 * await using server = await createUdpSocket({ localHost: "127.0.0.1", localPort: 5353 });
 * const [data, address] = await server.receive();
 * await server.send([data, address]);
 * ```
 * @throws TypeError ('Either "family" or "localHost" must be given') without either; TypeError
 *   or RangeError for an invalid option.
 * @throws NotSupportedError for `reusePort: true` on Node.js before 22.12, and in a browser.
 * @throws the resolver's error (`code` `"ENOTFOUND"`) if `localHost` does not resolve, and the
 *   host's error if binding fails (`code` `"EADDRINUSE"`, `"EADDRNOTAVAIL"`).
 * @throws Cancelled if the task is cancelled before the socket is open.
 */
export async function createUdpSocket(options?: UdpSocketOptions): Promise<UDPSocket> {
  const host = udpHost.get("createUdpSocket()");
  const { family, localHost, localPort, reusePort } = checkUdpOptions(options);
  if (family === 0 && localHost === undefined) throw new TypeError('Either "family" or "localHost" must be given');
  if (reusePort) checkReusePort(host, "createUdpSocket()");
  await checkpoint();
  let local: ResolvedAddress;
  if (localHost !== undefined) local = await lookupFirst(host, localHost, family);
  else local = wildcard(family === 6 ? 6 : 4);
  const transport = await open(host, {
    family: local.family,
    local: [local.address, localPort],
    remote: undefined,
    reusePort,
  });
  return new UDPSocket(transport);
}

/**
 * Creates a UDP socket connected to `remoteHost`:`remotePort` (AnyIO's
 * `create_connected_udp_socket`): `send()` goes there, and only datagrams from there are
 * received. `remoteHost` is resolved (restricted to `family`, or to `localHost`'s family when
 * it is given) and its first address is used.
 *
 * Without `localHost` and `localPort` the socket is bound by the connect (an ephemeral port on
 * the address the system routes from); `localPort` alone binds that port on the wildcard
 * address of the remote address's family.
 *
 * This is a checkpoint, and the checkpoint comes first (after the argument checks): a
 * cancelled task opens nothing. If it fails or is cancelled after opening the socket, the
 * socket is closed before it rejects.
 *
 * @example
 * ```ts
 * await using socket = await createConnectedUdpSocket("127.0.0.1", 5353);
 * await socket.send(new TextEncoder().encode("hello"));
 * const reply = await socket.receive();
 * ```
 * @throws TypeError or RangeError for an invalid argument (`remotePort` must be an integer from 1 to 65535).
 * @throws NotSupportedError for `reusePort: true` on Node.js before 22.12, and in a browser.
 * @throws the resolver's error (`code` `"ENOTFOUND"`) if a host does not resolve, and the
 *   host's error if binding or connecting fails.
 * @throws Cancelled if the task is cancelled before the socket is open.
 */
export async function createConnectedUdpSocket(
  remoteHost: string,
  remotePort: number,
  options?: UdpSocketOptions,
): Promise<ConnectedUDPSocket> {
  const host = udpHost.get("createConnectedUdpSocket()");
  const invalid = checkHost("remoteHost", remoteHost) ?? checkPort("remotePort", remotePort, 1);
  if (invalid !== undefined) throw invalid;
  const { family, localHost, localPort, reusePort } = checkUdpOptions(options);
  if (reusePort) checkReusePort(host, "createConnectedUdpSocket()");
  await checkpoint();
  let local: ResolvedAddress | undefined;
  if (localHost !== undefined) local = await lookupFirst(host, localHost, family);
  const remote = await lookupFirst(host, remoteHost, local?.family ?? family);
  if (local === undefined && localPort !== 0) local = wildcard(remote.family);
  const transport = await open(host, {
    family: remote.family,
    local: local === undefined ? undefined : [local.address, localPort],
    remote: [remote.address, remotePort],
    reusePort,
  });
  return new ConnectedUDPSocket(transport);
}

/**
 * The first address `name` resolves to for a datagram socket. The one place the room resolves
 * names: a general `getaddrinfo()` can take its place without changing the callers.
 */
async function lookupFirst(host: UdpHost, name: string, family: IpFamilyInput): Promise<ResolvedAddress> {
  return await host.lookup(name, family);
}

function wildcard(family: 4 | 6): ResolvedAddress {
  return { address: family === 6 ? "::" : "0.0.0.0", family };
}

function checkReusePort(host: UdpHost, call: string): void {
  const lacking = host.reusePortLacking();
  if (lacking !== undefined) throw new NotSupportedError(`${call} cannot use the \`reusePort\` option: ${lacking}`);
}

/**
 * Opens a socket, and closes it again if opening fails or the task is cancelled meanwhile (the
 * await below then raises `Cancelled` at once, and the `catch` closes what was opened).
 */
async function open(host: UdpHost, request: DatagramOpenRequest): Promise<DatagramTransport> {
  const opening = host.open(request);
  try {
    await opening.ready;
  } catch (error) {
    opening.transport.close();
    throw error;
  }
  return opening.transport;
}
