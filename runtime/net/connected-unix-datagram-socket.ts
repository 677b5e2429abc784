/**
 * `ConnectedUNIXDatagramSocket`: a UNIX datagram socket connected to one peer (run by the
 * optional native addon) as an unreliable object stream of datagrams.
 */
import { SocketAttribute, type TypedAttributeMap } from "../streams/typed-attributes";
import { DatagramSocket } from "./datagram-socket";
import type { UnixDatagramTransport } from "./native-host";
import { checkBytes } from "./udp-arguments";
import { UnixDatagramEndpoint } from "./unix-datagram-endpoint";

function dataOf(data: Uint8Array): Uint8Array {
  return data;
}

/**
 * A UNIX datagram socket connected to one peer (AnyIO's `ConnectedUNIXDatagramSocket`), made by
 * `createConnectedUnixDatagramSocket()`: `send()` goes to that peer, and only its datagrams are
 * received. Receiving, backpressure and closing are those of {@link UNIXDatagramSocket}. Unlike a
 * connected UDP socket, a peer that went away is an error of the next send (`ECONNREFUSED`):
 * the kernel knows it at once, no ICMP report is involved.
 *
 * Attributes (`SocketAttribute`): `family` (`"unix"`), `localAddress`, `remoteAddress` (paths)
 * and `rawSocket` (`{ fd }`).
 *
 * @example
 * ```ts
 * await using socket = await createConnectedUnixDatagramSocket("/run/app.sock");
 * await socket.send(new TextEncoder().encode("status"));
 * const reply = await socket.receive();
 * ```
 */
export class ConnectedUNIXDatagramSocket extends DatagramSocket<Uint8Array, UnixDatagramEndpoint<Uint8Array>> {
  private readonly transport: UnixDatagramTransport;

  /** @internal Use `createConnectedUnixDatagramSocket()`. */
  constructor(transport: UnixDatagramTransport) {
    super(new UnixDatagramEndpoint<Uint8Array>(transport, "ConnectedUNIXDatagramSocket", dataOf));
    this.transport = transport;
  }

  /**
   * Sends `data` to the peer; resolves once the kernel took it (waiting while the peer's queue
   * is full). An error for this datagram (`ECONNREFUSED`: the peer is gone; `EMSGSIZE`) rejects
   * this send with the host's error.
   *
   * This is a checkpoint, and the checkpoint comes first: a cancelled task sends nothing.
   *
   * @example
   * ```ts
   * await socket.send(new TextEncoder().encode("ping"));
   * ```
   * @throws TypeError if `data` is not a `Uint8Array`.
   * @throws ClosedResourceError if the socket was closed.
   * @throws BusyResourceError if another task is already sending.
   */
  send(data: Uint8Array): Promise<void> {
    const invalid = checkBytes("data", data);
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.endpoint.send(data, undefined);
  }

  /**
   * `family` (`"unix"`), `localAddress`, `remoteAddress` (paths) and `rawSocket` (`{ fd }`).
   * After closing, the addresses throw `ClosedResourceError`. Never a checkpoint.
   */
  override get extraAttributes(): TypedAttributeMap {
    const endpoint = this.endpoint;
    return {
      [SocketAttribute.family]: () => "unix",
      [SocketAttribute.localAddress]: () => endpoint.localPath(),
      [SocketAttribute.remoteAddress]: () => endpoint.remotePath(),
      [SocketAttribute.rawSocket]: () => this.transport.raw,
    };
  }
}
