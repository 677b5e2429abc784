"use structured";
/**
 * `UDPSocket`: an unconnected UDP socket as an unreliable object stream of `[data, [host, port]]`
 * packets. Structured code (compiled by our transformer): `fromSocket()` awaits its checkpoint.
 */
import { checkpoint } from "../core/checkpoint";
import { describeValue } from "../core/validate";
import { SocketAttribute, type TypedAttributeMap } from "../streams/typed-attributes";
import { DatagramSocket } from "./datagram-socket";
import type { IPSockAddr } from "./ip";
import { DatagramEndpoint } from "./datagram-endpoint";
import { checkBytes, checkHost, checkPort } from "./udp-arguments";
import { udpHost, type DatagramTransport, type DgramSocket } from "./udp-host";

/**
 * A datagram and the address it came from or goes to: `[data, [host, port]]`. The same shape
 * in and out, so an echo server sends back what it received with a new payload.
 *
 * @example
 * ```ts
 * const [data, [host, port]] = await socket.receive();
 * const packet: UDPPacket = [new TextEncoder().encode("pong"), [host, port]];
 * await socket.send(packet);
 * ```
 */
export type UDPPacket = readonly [data: Uint8Array, address: IPSockAddr];

function packetOf(data: Uint8Array, host: string, port: number): UDPPacket {
  return [data, [host, port]];
}

/**
 * A UDP socket that can send to and receive from any address (AnyIO's `UDPSocket`). Create one
 * with {@link createUdpSocket}, or wrap a bound `dgram.Socket` with {@link UDPSocket.fromSocket}.
 *
 * Datagrams that arrive while no `receive()` waits are queued, at most 100 (then the oldest is
 * dropped). Receiving never ends the stream: `for await` over the socket stops only by
 * cancellation or an error. One task at a time may receive, and one may send.
 *
 * Attributes ({@link SocketAttribute}): `family`, `localAddress`, `localPort` and `rawSocket`
 * (the `dgram.Socket`, for multicast and broadcast options).
 *
 * @example
 * ```ts
 * await using socket = await createUdpSocket({ localHost: "127.0.0.1", localPort: 9999 });
 * for await (const [data, address] of socket) {
 *   await socket.send([data.reverse(), address]); // echo, reversed
 * }
 * ```
 */
export class UDPSocket extends DatagramSocket<UDPPacket, DatagramEndpoint<UDPPacket>> {
  /** @internal Use {@link createUdpSocket} or {@link UDPSocket.fromSocket}. */
  constructor(transport: DatagramTransport) {
    udpHost.get("new UDPSocket()");
    super(new DatagramEndpoint<UDPPacket>(transport, "UDPSocket", packetOf, false));
  }

  /**
   * Wraps a bound, unconnected `dgram.Socket` (made by other code) and takes ownership of it:
   * closing the `UDPSocket` closes it. Leave no `'message'` listener of your own on it.
   *
   * This is a checkpoint, after the argument checks: a cancelled call takes nothing over (the
   * socket stays yours).
   *
   * @example
   * ```ts
   * const raw = dgram.createSocket("udp4");
   * raw.bind(0, "127.0.0.1", async () => {
   *   await using socket = await UDPSocket.fromSocket(raw);
   * });
   * ```
   * @throws TypeError if `socket` is not a `dgram.Socket`, is not bound, is connected, or was closed.
   * @throws NotSupportedError in a browser.
   */
  static async fromSocket(socket: DgramSocket): Promise<UDPSocket> {
    const host = udpHost.get("UDPSocket.fromSocket()");
    host.checkSocket(socket, false);
    await checkpoint();
    return new UDPSocket(host.adopt(socket, false));
  }

  /**
   * Sends `packet[0]` to `packet[1]` (`[host, port]`; a host name is resolved by the host for
   * each datagram). Resolves once the datagram was handed to the kernel; an error for this
   * datagram (`EMSGSIZE`, `EHOSTUNREACH`) rejects this send with the host's error and leaves
   * the socket usable.
   *
   * This is a checkpoint, and the checkpoint comes first: a cancelled task sends nothing. Once
   * the datagram is handed over the send completes, and a cancellation lands at the next
   * checkpoint.
   *
   * @example
   * ```ts
   * await socket.send([new TextEncoder().encode("ping"), ["127.0.0.1", 9999]]);
   * ```
   * @throws TypeError if `packet` is not `[Uint8Array, [string, number]]`; RangeError if the port is not an integer from 1 to 65535.
   * @throws ClosedResourceError if the socket was closed (also while waiting).
   * @throws BrokenResourceError if the socket failed earlier.
   * @throws BusyResourceError if another task is already sending ("Another task is already writing to this resource").
   * @throws Cancelled if the task is cancelled before the datagram is handed over.
   * @throws NoCurrentTaskError outside {@link run}.
   */
  send(packet: UDPPacket): Promise<void> {
    if (!Array.isArray(packet) || packet.length !== 2 || !Array.isArray(packet[1]) || packet[1].length !== 2) {
      return Promise.reject(
        new TypeError(`Expected \`packet\` to be [data, [host, port]], got ${describeValue(packet)}`),
      );
    }
    const [data, [host, port]] = packet;
    return this.sendto(data, host, port);
  }

  /**
   * Sends `data` to `host`:`port`: the same as `send([data, [host, port]])`. This is a
   * checkpoint.
   *
   * @example
   * ```ts
   * await socket.sendto(new TextEncoder().encode("ping"), "127.0.0.1", 9999);
   * ```
   * @throws TypeError if `data` is not a `Uint8Array` or `host` not a string; RangeError if
   *   `port` is not an integer from 1 to 65535. Otherwise as {@link UDPSocket.send}.
   */
  sendto(data: Uint8Array, host: string, port: number): Promise<void> {
    const invalid = checkBytes("data", data) ?? checkHost("host", host) ?? checkPort("port", port, 1);
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.endpoint.send(data, host, port);
  }

  /**
   * `family`, `localAddress` (`[host, port]`), `localPort` and `rawSocket` (the `dgram.Socket`).
   * After closing, only `family` and `rawSocket` are offered a value; the others throw
   * `ClosedResourceError`. Never a checkpoint.
   */
  override get extraAttributes(): TypedAttributeMap {
    const endpoint = this.endpoint;
    return {
      [SocketAttribute.family]: () => endpoint.transport.family,
      [SocketAttribute.localAddress]: () => endpoint.localAddress(),
      [SocketAttribute.localPort]: () => endpoint.localAddress()[1],
      [SocketAttribute.rawSocket]: () => endpoint.transport.raw,
    };
  }
}
