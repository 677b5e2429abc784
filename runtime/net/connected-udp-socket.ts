"use structured";
/**
 * `ConnectedUDPSocket`: a UDP socket connected to one peer, as an unreliable object stream of
 * datagrams. Structured code (compiled by our transformer): `fromSocket()` awaits its checkpoint.
 */
import { checkpoint } from "../core/checkpoint";
import { SocketAttribute, type TypedAttributeMap } from "../streams/typed-attributes";
import { DatagramSocket } from "./datagram-socket";
import { DatagramEndpoint } from "./datagram-endpoint";
import { checkBytes } from "./udp-arguments";
import { udpHost, type DatagramTransport, type DgramSocket } from "./udp-host";

function dataOf(data: Uint8Array): Uint8Array {
  return data;
}

/**
 * A UDP socket connected to one peer (AnyIO's `ConnectedUDPSocket`): `send()` goes to that
 * peer, and only datagrams from it are received. Create one with
 * {@link createConnectedUdpSocket}, or wrap a connected `dgram.Socket` with
 * {@link ConnectedUDPSocket.fromSocket}.
 *
 * Queueing, receiving and closing are those of {@link UDPSocket}. ICMP errors about earlier
 * datagrams (the peer's port is closed: `ECONNREFUSED`) are ignored, as datagram semantics
 * want: the sends they surface on resolve, and receiving goes on.
 *
 * Attributes ({@link SocketAttribute}): `family`, `localAddress`, `localPort`, `remoteAddress`,
 * `remotePort` and `rawSocket` (the `dgram.Socket`).
 *
 * @example
 * ```ts
 * await using socket = await createConnectedUdpSocket("127.0.0.1", 53);
 * await socket.send(query);
 * const answer = await socket.receive();
 * ```
 */
export class ConnectedUDPSocket extends DatagramSocket<Uint8Array, DatagramEndpoint<Uint8Array>> {
  /** @internal Use {@link createConnectedUdpSocket} or {@link ConnectedUDPSocket.fromSocket}. */
  constructor(transport: DatagramTransport) {
    udpHost.get("new ConnectedUDPSocket()");
    super(new DatagramEndpoint<Uint8Array>(transport, "ConnectedUDPSocket", dataOf, true));
  }

  /**
   * Wraps a connected `dgram.Socket` (made by other code) and takes ownership of it: closing
   * the `ConnectedUDPSocket` closes it. Leave no `'message'` listener of your own on it.
   *
   * This is a checkpoint, after the argument checks: a cancelled call takes nothing over (the
   * socket stays yours).
   *
   * @example
   * ```ts
   * const raw = dgram.createSocket("udp4");
   * raw.connect(53, "127.0.0.1", async () => {
   *   await using socket = await ConnectedUDPSocket.fromSocket(raw);
   * });
   * ```
   * @throws TypeError if `socket` is not a `dgram.Socket`, is not connected, or was closed.
   * @throws NotSupportedError in a browser.
   */
  static async fromSocket(socket: DgramSocket): Promise<ConnectedUDPSocket> {
    const host = udpHost.get("ConnectedUDPSocket.fromSocket()");
    host.checkSocket(socket, true);
    await checkpoint();
    return new ConnectedUDPSocket(host.adopt(socket, true));
  }

  /**
   * Sends `data` to the peer. Resolves once the datagram was handed to the kernel; an error for
   * this datagram (`EMSGSIZE`) rejects this send with the host's error and leaves the socket
   * usable; `ECONNREFUSED` (an ICMP report about an earlier datagram) is ignored.
   *
   * This is a checkpoint, and the checkpoint comes first: a cancelled task sends nothing. Once
   * the datagram is handed over the send completes, and a cancellation lands at the next
   * checkpoint.
   *
   * @example
   * ```ts
   * await socket.send(new TextEncoder().encode("ping"));
   * ```
   * @throws TypeError if `data` is not a `Uint8Array`.
   * @throws ClosedResourceError if the socket was closed (also while waiting).
   * @throws BrokenResourceError if the socket failed earlier.
   * @throws BusyResourceError if another task is already sending.
   * @throws Cancelled if the task is cancelled before the datagram is handed over.
   * @throws NoCurrentTaskError outside {@link run}.
   */
  send(data: Uint8Array): Promise<void> {
    const invalid = checkBytes("data", data);
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.endpoint.send(data, undefined, undefined);
  }

  /**
   * `family`, `localAddress`, `localPort`, `remoteAddress`, `remotePort` and `rawSocket` (the
   * `dgram.Socket`). After closing, only `family` and `rawSocket` are offered a value; the
   * others throw `ClosedResourceError`. Never a checkpoint.
   */
  override get extraAttributes(): TypedAttributeMap {
    const endpoint = this.endpoint;
    return {
      [SocketAttribute.family]: () => endpoint.transport.family,
      [SocketAttribute.localAddress]: () => endpoint.localAddress(),
      [SocketAttribute.localPort]: () => endpoint.localAddress()[1],
      [SocketAttribute.remoteAddress]: () => endpoint.remoteAddress(),
      [SocketAttribute.remotePort]: () => endpoint.remoteAddress()[1],
      [SocketAttribute.rawSocket]: () => endpoint.transport.raw,
    };
  }
}
