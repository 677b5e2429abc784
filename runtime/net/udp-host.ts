/**
 * What the UDP room needs from the host: name lookup for the socket's addresses, opening a
 * bound (and possibly connected) datagram socket, adopting one the user made, and the socket
 * itself reduced to a {@link DatagramTransport}. The Node implementation is
 * `runtime/platform/node/udp.ts`; in a browser nothing is installed and every UDP call throws
 * `NotSupportedError` naming itself.
 */
import { Seam } from "../platform/seam";
// Type-only: the Node type of the socket `fromSocket()` takes; nothing of Node is loaded here.
export type { DgramSocket } from "../platform/node/udp";

/** An IP address family as input: `4`, `6`, or `0` for either. */
export type IpFamilyInput = 0 | 4 | 6;

/** An address a name resolved to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * One datagram socket as the room drives it. Exactly one receiver of its events is attached,
 * once, with {@link DatagramTransport.attach}.
 *
 * Invariant: the host keeps an `'error'` listener on the socket for its whole life, so no
 * asynchronous error of the socket is ever uncaught; errors before `attach()` are kept and
 * handed to the receiver when it attaches.
 */
export interface DatagramTransport {
  /** The host's socket object (a `dgram.Socket`): `SocketAttribute.rawSocket`. */
  readonly raw: unknown;
  /** The socket's address family; known without the socket being open. */
  readonly family: "IPv4" | "IPv6";
  /**
   * Routes the socket's datagrams and asynchronous errors to the room. Called once; datagrams
   * arriving before it are not seen by anyone (only the opening code runs before it).
   */
  attach(onDatagram: (data: Uint8Array, host: string, port: number) => void, onError: (error: Error) => void): void;
  /**
   * Hands one datagram to the host; `done` is called once the host has passed it to the
   * kernel, with the host's error if that failed. `host`/`port` are omitted on a connected
   * socket. May throw synchronously (an address the host rejects).
   */
  send(data: Uint8Array, host: string | undefined, port: number | undefined, done: (error: Error | null) => void): void;
  /** Closes the socket: its descriptor is released before this returns. Closing twice does nothing. */
  close(): void;
  /** The bound address, `[host, port]`. @throws the host's error once closed. */
  localAddress(): [host: string, port: number];
  /** The connected peer, `[host, port]`. @throws the host's error once closed or if not connected. */
  remoteAddress(): [host: string, port: number];
}

/** What to open: the family, where to bind (if anywhere), where to connect (if anywhere). */
export interface DatagramOpenRequest {
  readonly family: 4 | 6;
  /** Bind here; undefined: bind nowhere explicitly (a connect binds the wildcard address and an ephemeral port). */
  readonly local: readonly [host: string, port: number] | undefined;
  /** Connect here; undefined: an unconnected socket. */
  readonly remote: readonly [host: string, port: number] | undefined;
  readonly reusePort: boolean;
}

/** A socket being opened: `ready` settles once it is bound (and connected); the socket is the caller's to close if it rejects. */
export interface DatagramOpening {
  readonly transport: DatagramTransport;
  readonly ready: Promise<void>;
}

/** The host's UDP capability. */
export interface UdpHost {
  /**
   * The first address `host` resolves to for a datagram socket (passive, `ADDRCONFIG`),
   * restricted to `family` unless it is 0. Rejects with the resolver's own error.
   */
  lookup(host: string, family: IpFamilyInput): Promise<ResolvedAddress>;
  /**
   * Why `reusePort` cannot be honoured on this host, completing "`call` cannot use the
   * `reusePort` option: …", or undefined when it can.
   */
  reusePortLacking(): string | undefined;
  /** Starts opening a socket (see {@link DatagramOpening}). */
  open(request: DatagramOpenRequest): DatagramOpening;
  /**
   * Checks a socket the caller made: it must be the host's datagram socket, open, bound, and
   * connected exactly when `connected` is true. Touches nothing.
   * @throws TypeError naming what is wrong with it.
   */
  checkSocket(socket: unknown, connected: boolean): void;
  /**
   * Takes over a socket that {@link UdpHost.checkSocket} accepts (it checks again). Never
   * closes it.
   * @throws TypeError naming what is wrong with it.
   */
  adopt(socket: unknown, connected: boolean): DatagramTransport;
}

/** The host's UDP sockets: installed by the Node entry point, missing in browsers. */
export const udpHost = new Seam<UdpHost>("browsers cannot open sockets");
