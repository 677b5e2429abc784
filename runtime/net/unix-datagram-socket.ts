/**
 * `UNIXDatagramSocket`: an unconnected UNIX datagram socket (run by the optional native addon)
 * as an unreliable object stream of `[data, path]` packets (see unix-datagram-endpoint.ts for
 * receiving and sending).
 */
import { describeValue } from "../core/validate";
import { SocketAttribute, type TypedAttributeMap } from "../streams/typed-attributes";
import { DatagramSocket } from "./datagram-socket";
import type { UnixDatagramTransport } from "./native-host";
import { checkBytes } from "./udp-arguments";
import { UnixDatagramEndpoint } from "./unix-datagram-endpoint";

/**
 * A datagram and the path of the socket it came from or goes to: `[data, path]`; the path is
 * `""` for a sender that is not bound (it cannot be answered), and starts with `"\0"` for a
 * Linux abstract-namespace name.
 *
 * @example
 * ```ts
 * const [data, path] = await socket.receive();
 * await socket.send([data, path]); // echo
 * ```
 */
export type UNIXDatagramPacket = readonly [data: Uint8Array, path: string];

function packetOf(data: Uint8Array, path: string): UNIXDatagramPacket {
  return [data, path];
}

/** The error for a path that is not a non-empty string, or undefined. */
export function checkSocketPath(name: string, value: unknown): TypeError | RangeError | undefined {
  if (typeof value !== "string")
    return new TypeError(`Expected \`${name}\` to be a string, got ${describeValue(value)}`);
  if (value === "") return new RangeError(`Expected \`${name}\` to be a non-empty string, got ${describeValue(value)}`);
  return undefined;
}

/**
 * An unconnected UNIX datagram socket (AnyIO's `UNIXDatagramSocket`), made by
 * `createUnixDatagramSocket()`: it sends to any socket path and receives from any sender.
 * Datagrams keep their boundaries; a receive returns at most 65536 bytes of one.
 *
 * Nothing is read ahead: datagrams wait in the kernel until a `receive()` takes one, and a
 * receiver that does not read holds its senders back (UNIX datagrams are never dropped, unlike
 * UDP's). A send waiting for room has sent nothing and can be cancelled. Receiving never ends
 * the stream. One task at a time may receive, and one may send.
 *
 * Attributes (`SocketAttribute`): `family` (`"unix"`), `localAddress` (the bound path, `""` if
 * unbound) and `rawSocket` (a `NativeSocket`: `{ fd }`).
 *
 * @example
 * ```ts
 * await using socket = await createUnixDatagramSocket({ localPath: "/tmp/echo.sock" });
 * for await (const [data, path] of socket) await socket.send([data, path]);
 * ```
 */
export class UNIXDatagramSocket extends DatagramSocket<UNIXDatagramPacket, UnixDatagramEndpoint<UNIXDatagramPacket>> {
  private readonly transport: UnixDatagramTransport;

  /** @internal Use `createUnixDatagramSocket()`. */
  constructor(transport: UnixDatagramTransport) {
    super(new UnixDatagramEndpoint<UNIXDatagramPacket>(transport, "UNIXDatagramSocket", packetOf));
    this.transport = transport;
  }

  /**
   * Sends `packet[0]` to the socket at `packet[1]`. Resolves once the kernel took the datagram;
   * an error for this datagram (`ENOENT`, `ECONNREFUSED`: nothing listens there; `EMSGSIZE`)
   * rejects this send with the host's error and leaves the socket usable.
   *
   * This is a checkpoint, and the checkpoint comes first: a cancelled task sends nothing. A send
   * waiting for room in a full receiver's queue can be cancelled too, and then sent nothing.
   *
   * @example
   * ```ts
   * await socket.send([new TextEncoder().encode("ping"), "/tmp/server.sock"]);
   * ```
   * @throws TypeError if `packet` is not `[Uint8Array, string]`; RangeError for an empty path.
   * @throws ClosedResourceError if the socket was closed.
   * @throws BusyResourceError if another task is already sending.
   */
  send(packet: UNIXDatagramPacket): Promise<void> {
    if (!Array.isArray(packet) || packet.length !== 2) {
      return Promise.reject(new TypeError(`Expected \`packet\` to be [data, path], got ${describeValue(packet)}`));
    }
    return this.sendto(packet[0], packet[1]);
  }

  /**
   * Sends `data` to the socket at `path`: the same as `send([data, path])`. This is a checkpoint.
   *
   * @example
   * ```ts
   * await socket.sendto(new TextEncoder().encode("ping"), "/tmp/server.sock");
   * ```
   * @throws TypeError if `data` is not a `Uint8Array` or `path` not a string. Otherwise as {@link UNIXDatagramSocket.send}.
   */
  sendto(data: Uint8Array, path: string): Promise<void> {
    const invalid = checkBytes("data", data) ?? checkSocketPath("path", path);
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.endpoint.send(data, path);
  }

  /**
   * `family` (`"unix"`), `localAddress` (the bound path) and `rawSocket` (`{ fd }`). After
   * closing, `localAddress` throws `ClosedResourceError`. Never a checkpoint.
   */
  override get extraAttributes(): TypedAttributeMap {
    const endpoint = this.endpoint;
    return {
      [SocketAttribute.family]: () => "unix",
      [SocketAttribute.localAddress]: () => endpoint.localPath(),
      [SocketAttribute.rawSocket]: () => this.transport.raw,
    };
  }
}
