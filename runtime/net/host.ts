/**
 * What the networking room needs from the host, and the one seam the Node entry point installs it
 * in (runtime/platform/node/net.ts). Nothing here imports a host module: the room's public
 * functions exist in browsers too, where every call throws `NotSupportedError` ("connectTcp()
 * needs Node.js, Bun or Deno; browsers cannot open sockets").
 *
 * The host hands the room *transports*: thin views of one connected socket or one listening
 * server that deliver events and take writes. Every rule of the public API (one operation at a
 * time, checkpoints, what a cancelled operation keeps, which error a closed stream raises) lives
 * in the room's classes on top of them.
 *
 * Invariant: a transport has an `'error'` listener on its host object from the moment the host
 * creates it until the object is gone, so a host error never becomes an uncaught exception; the
 * transport keeps the error until the room asks for it.
 */
import { Seam } from "../platform/seam";

/** What a connected stream transport reports, once started. */
export interface StreamEvents {
  /** Bytes arrived (never empty). */
  data(chunk: Uint8Array): void;
  /** The peer finished sending (FIN). */
  end(): void;
  /** The host object failed; `error` is the host's own error. */
  error(error: Error): void;
  /** The host object is closed (after an error, a destroy, or both directions ending). */
  close(): void;
}

/**
 * The addresses of a socket. A host may read `local` and `remote` from the socket only when they
 * are first asked for (getters); such a getter throws once the socket is gone.
 */
export interface SocketAddresses {
  readonly family: "IPv4" | "IPv6" | "unix";
  /** `[host, port]` for IP sockets; a path (or `""`) for UNIX sockets. */
  readonly local: string | readonly [string, number];
  /** As `local`; `undefined` for a listener. */
  readonly remote?: string | readonly [string, number];
}

/** One connected stream socket (TCP or UNIX). */
export interface StreamTransport {
  /** The host's socket object (`net.Socket`). */
  readonly raw: unknown;
  readonly addresses: SocketAddresses;
  /** Starts the flow of events; called once. Events that happened before are replayed in order. */
  start(events: StreamEvents): void;
  /** Stops reading from the kernel (backpressure). */
  pause(): void;
  /** Starts reading again. */
  resume(): void;
  /**
   * Whether nothing is on its way to the events from the current macrotask: no bytes buffered
   * by the host, no end or failure already noted and about to be reported. Then the next event
   * comes from a later macrotask (the host reading the kernel), so waiting for it is a
   * scheduling point.
   */
  quiet(): boolean;
  /**
   * Present on transports that read from the kernel only when asked (those of the native addon,
   * which must not read ahead of a passed descriptor): `maxBytes` > 0 while a receive waits for
   * bytes, at most that many to read; 0 once it no longer waits.
   */
  want?(maxBytes: number): void;
  /** Queues `data` after every earlier write; `done` runs when the host passed it to the kernel. */
  write(data: Uint8Array, done: (error?: Error | null) => void): void;
  /** Sends FIN after every queued write. */
  end(): void;
  /** Closes at once (synchronously releases the host handle). */
  destroy(): void;
}

/** What a listening transport reports, once started. */
export interface ListenerEvents {
  /** A new connection, as a transport that already has its `'error'` listener. */
  connection(transport: StreamTransport): void;
  /** The server failed. */
  error(error: Error): void;
}

/** One listening server (TCP or UNIX). */
export interface ListenerTransport {
  /** The host's server object (`net.Server`). */
  readonly raw: unknown;
  readonly addresses: SocketAddresses;
  /** Starts the flow of connections; called once. */
  start(events: ListenerEvents): void;
  /** Stops listening at once (synchronously releases the host handle). */
  close(): void;
}

/** One address as the resolver returns it. */
export interface LookupAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * The cancel hook of a host operation in progress: undoes it (destroys the socket or server it
 * opened) when the operation is cancelled.
 */
export type Abort = () => void;

/**
 * The callbacks of a host operation: exactly one of them is called, unless it was aborted. Call
 * them as methods (`done.ok(value)`): the room may implement them on a class.
 */
export interface Completion<T> {
  ok(value: T): void;
  fail(error: Error): void;
}

/** Where a TCP connection attempt goes, and where it comes from. */
export interface TcpConnectTarget {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
  readonly localHost?: string;
  readonly localPort?: number;
}

/** How a TCP listener binds. */
export interface TcpListenTarget {
  readonly host: string;
  readonly port: number;
  readonly ipv6Only: boolean;
  readonly backlog: number;
  readonly reusePort: boolean;
}

/** Everything the networking room asks of the host. */
export interface NetHost {
  /** Name resolution through the host's resolver (getaddrinfo(3)), in resolver order. */
  lookup(host: string, family: 0 | 4 | 6, flags: number): Promise<LookupAddress[]>;
  /** Reverse resolution of an address and port. */
  lookupService(host: string, port: number): Promise<[string, string]>;
  /** An internationalised name in ASCII (UTS #46), or `""` when it is not a valid name. */
  toAscii(name: string): string;
  /** The IP version of an address literal, or 0 when `host` is not one. */
  ipVersion(host: string): 0 | 4 | 6;
  /** The resolver flag for addresses of configured families only (`dns.ADDRCONFIG`). */
  readonly addrconfigFlag: number;
  /** Whether `reusePort` is supported (Node ≥ 22.12). */
  readonly reusePortSupported: boolean;
  /** The host's version, for error messages ("Node.js 20.19.0"). */
  readonly version: string;
  /** The platform and CPU, as native packages name them ("linux-x64"). */
  readonly platform: string;
  /** Whether UNIX sockets are unavailable (Windows). */
  readonly noUnixSockets: boolean;
  /** Starts a TCP connection attempt; `done.ok` gets the connected transport. */
  connectTcp(target: TcpConnectTarget, done: Completion<StreamTransport>): Abort;
  /** Starts connecting to a UNIX socket at `path`. */
  connectUnix(path: string, done: Completion<StreamTransport>): Abort;
  /** Starts listening on a TCP address; `done.ok` gets the listening transport. */
  listenTcp(target: TcpListenTarget, done: Completion<ListenerTransport>): Abort;
  /**
   * Starts listening on a UNIX socket: removes a stale socket at `path` first (not for an
   * abstract name), binds, then applies `mode` (when given) with chmod.
   */
  listenUnix(path: string, mode: number | undefined, backlog: number, done: Completion<ListenerTransport>): Abort;
  /**
   * A transport over a connected socket the caller hands over (`net.Socket` or descriptor).
   * @throws TypeError naming what is wrong with it.
   */
  adoptSocket(socket: unknown, unixOnly: boolean): StreamTransport;
  /** Starts listening on a server or bound descriptor the caller hands over. */
  adoptServer(server: unknown, done: Completion<ListenerTransport>): Abort;
}

/** The networking host; installed by the Node entry point. */
export const netHost = new Seam<NetHost>("browsers cannot open sockets");
