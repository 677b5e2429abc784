"use structured";
/**
 * `ConnectedUDPSocket`: a UDP socket connected to one peer, as an unreliable object stream of
 * datagrams. Structured code (compiled by our transformer): `fromSocket()` awaits its checkpoint.
 */
import { checkpoint } from "../core/checkpoint";
import { SocketAttribute, TypedAttributeProvider, type TypedAttributeMap } from "../streams/typed-attributes";
import type { UnreliableObjectStream } from "../streams/types";
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
export class ConnectedUDPSocket extends TypedAttributeProvider implements UnreliableObjectStream<Uint8Array> {
  private readonly endpoint: DatagramEndpoint<Uint8Array>;

  /** @internal Use {@link createConnectedUdpSocket} or {@link ConnectedUDPSocket.fromSocket}. */
  constructor(transport: DatagramTransport) {
    super();
    udpHost.get("new ConnectedUDPSocket()");
    this.endpoint = new DatagramEndpoint<Uint8Array>(transport, "ConnectedUDPSocket", dataOf, true);
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
   * The next datagram from the peer: the oldest queued one, or the next to arrive. Never
   * raises `EndOfStream`.
   *
   * This is a checkpoint, and the checkpoint comes first: a cancelled receive takes no
   * datagram (it stays queued for the next receive).
   *
   * @example
   * ```ts
   * const reply = await socket.receive();
   * ```
   * @throws ClosedResourceError if the socket was closed (also while waiting).
   * @throws BrokenResourceError if the socket failed (the host's error is its `cause`).
   * @throws BusyResourceError if another task is already receiving.
   * @throws Cancelled if the task is cancelled before a datagram is handed over.
   * @throws NoCurrentTaskError outside {@link run}.
   */
  receive(): Promise<Uint8Array> {
    return this.endpoint.receive(false);
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
   * Iterates over the datagrams as {@link ConnectedUDPSocket.receive} returns them; the loop
   * never ends by itself (only by cancellation, `break`, or an error). Each step is a
   * checkpoint. Leaving the loop does not close the socket.
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
   * Closes the socket (its port is free again when this returns); a task waiting in
   * `receive()` or `send()` gets `ClosedResourceError`, and so does every later operation.
   * Closing again does nothing. Never a checkpoint: it closes even in a cancelled scope.
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
