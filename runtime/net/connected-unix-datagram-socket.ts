/**
 * `ConnectedUNIXDatagramSocket`: a UNIX datagram socket connected to one peer (run by the
 * optional native addon) as an unreliable object stream of datagrams.
 */
import { SocketAttribute, TypedAttributeProvider, type TypedAttributeMap } from "../streams/typed-attributes";
import type { UnreliableObjectStream } from "../streams/types";
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
export class ConnectedUNIXDatagramSocket extends TypedAttributeProvider implements UnreliableObjectStream<Uint8Array> {
  private readonly endpoint: UnixDatagramEndpoint<Uint8Array>;
  private readonly transport: UnixDatagramTransport;

  /** @internal Use `createConnectedUnixDatagramSocket()`. */
  constructor(transport: UnixDatagramTransport) {
    super();
    this.transport = transport;
    this.endpoint = new UnixDatagramEndpoint<Uint8Array>(transport, "ConnectedUNIXDatagramSocket", dataOf);
  }

  /**
   * The next datagram from the peer: the oldest queued one, or the next to arrive. Never raises
   * `EndOfStream`.
   *
   * This is a checkpoint, and the checkpoint comes first: a cancelled receive takes no datagram.
   *
   * @example
   * ```ts
   * const reply = await socket.receive();
   * ```
   * @throws ClosedResourceError if the socket was closed (also while waiting).
   * @throws BusyResourceError if another task is already receiving.
   */
  receive(): Promise<Uint8Array> {
    return this.endpoint.receive(false);
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
   * Iterates over the datagrams as {@link ConnectedUNIXDatagramSocket.receive} returns them;
   * the loop never ends by itself. Each step is a checkpoint.
   *
   * @example
   * ```ts
   * for await (const datagram of socket) await socket.send(datagram);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    const iterator: AsyncIterableIterator<Uint8Array> = {
      next: () => this.endpoint.receive(true) as Promise<IteratorResult<Uint8Array>>,
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * Closes the socket; tasks waiting in `receive()` or `send()` get `ClosedResourceError`, and
   * so does every later operation. Never a checkpoint.
   *
   * @example
   * ```ts
   * await socket.aclose();
   * ```
   */
  aclose(): Promise<void> {
    this.endpoint.close();
    return Promise.resolve();
  }

  /** Closes the socket at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
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
