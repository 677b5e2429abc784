/**
 * The Node host of the networking room (runtime/net/host.ts): sockets and servers from `node:net`,
 * the resolver from `node:dns`, socket files with `node:fs`. Loaded by the Node entry point for
 * its side effect: it installs itself in the room's seam.
 *
 * Invariant: every `net.Socket` and `net.Server` made or adopted here gets its `'error'` listener
 * in the same synchronous step that creates or adopts it, and keeps it for its whole life.
 */
import * as dns from "node:dns";
import * as fs from "node:fs";
import * as net from "node:net";
import { domainToASCII } from "node:url";
import { describeValue } from "../../core/validate";
import {
  netHost,
  type Abort,
  type Completion,
  type ListenerEvents,
  type ListenerTransport,
  type LookupAddress,
  type NetHost,
  type SocketAddresses,
  type StreamEvents,
  type StreamTransport,
  type TcpConnectTarget,
  type TcpListenTarget,
} from "../../net/host";
import type { NativeStreams } from "./native-unix";

/** The Node types the networking room's public signatures name (imported there as types only). */
export type NodeSocket = net.Socket;
export type NodeServer = net.Server;

let nativeUnix: typeof import("./native-unix") | undefined;

/**
 * The native stream host (see native-unix.ts), or undefined without the addon. Its module is
 * loaded only when a UNIX stream socket is first made or adopted: TCP never needs it.
 */
function nativeStreams(): NativeStreams | undefined {
  nativeUnix ??= require("./native-unix") as typeof import("./native-unix");
  return nativeUnix.nativeStreams();
}

/** A Node `Buffer` as a plain `Uint8Array` view of the same memory. */
function plainBytes(chunk: Buffer): Uint8Array {
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Whether a socket is an IP (TCP) socket rather than a UNIX one, from what it can report. */
function isIpSocket(socket: net.Socket): boolean {
  const address = socket.address();
  return typeof address === "object" && address !== null && "port" in address;
}

/**
 * The addresses of a connected TCP socket, each read from the socket the first time it is asked
 * for and then kept: each is a system call (`getsockname`, `getpeername`) that a connection
 * whose addresses nobody reads never makes. Reading one after the socket was closed throws.
 */
class LazyTcpAddresses implements SocketAddresses {
  private localPair: readonly [string, number] | undefined;
  private remotePair: readonly [string, number] | undefined;

  constructor(
    private readonly socket: net.Socket,
    readonly family: "IPv4" | "IPv6",
  ) {}

  get local(): readonly [string, number] {
    if (this.localPair === undefined) {
      const address = this.socket.address();
      if (typeof address !== "object" || address === null || !("port" in address)) throw socketGone();
      this.localPair = [address.address, address.port];
    }
    return this.localPair;
  }

  get remote(): readonly [string, number] {
    if (this.remotePair === undefined) {
      const { remoteAddress, remotePort } = this.socket;
      if (remoteAddress === undefined || remotePort === undefined) throw socketGone();
      this.remotePair = [remoteAddress, remotePort];
    }
    return this.remotePair;
  }
}

function socketGone(): Error {
  return new Error("the socket was closed before its address was read");
}

/** The addresses of a connected TCP socket, read now. */
function tcpAddresses(socket: net.Socket): SocketAddresses {
  const local = socket.address() as net.AddressInfo;
  return {
    family: local.family === "IPv6" ? "IPv6" : "IPv4",
    local: [local.address, local.port],
    remote: [socket.remoteAddress ?? "", socket.remotePort ?? 0],
  };
}

/** Where a socket's listeners find their transport (see {@link NodeStreamTransport}). */
const TRANSPORT = Symbol("anyio-ts.transport");

/** A socket a {@link NodeStreamTransport} listens to. */
type ListenedSocket = net.Socket & { [TRANSPORT]: NodeStreamTransport };

// The socket's listeners: Node calls them with the socket as `this`, so four shared functions
// serve every socket where closures would cost four functions and a context per connection.
function onSocketError(this: ListenedSocket, error: Error): void {
  this[TRANSPORT].hostError(error);
}

function onSocketData(this: ListenedSocket, chunk: Buffer): void {
  this[TRANSPORT].events!.data(plainBytes(chunk));
}

function onSocketEnd(this: ListenedSocket): void {
  this[TRANSPORT].events!.end();
}

function onSocketClose(this: ListenedSocket): void {
  this[TRANSPORT].events!.close();
}

function onSocketConnect(this: ListenedSocket): void {
  this[TRANSPORT].connected();
}

/** A connection attempt in progress (see {@link connecting}): who hears how it ended. */
interface PendingConnect {
  readonly done: Completion<StreamTransport>;
  /** The family of a TCP socket, or the path a UNIX socket connects to. */
  readonly to: "IPv4" | "IPv6" | { readonly path: string };
}

/** A connected `net.Socket` as the room's transport. */
class NodeStreamTransport implements StreamTransport {
  /** @internal Set by {@link start}. */
  events: StreamEvents | undefined;
  private earlyError: Error | undefined;
  /** @internal The attempt of a connecting socket, until its 'connect' or first 'error'. */
  attempt: PendingConnect | undefined;

  constructor(
    readonly raw: net.Socket,
    public addresses: SocketAddresses,
  ) {
    (raw as ListenedSocket)[TRANSPORT] = this;
    raw.on("error", onSocketError);
  }

  /**
   * @internal The socket's `'error'`: it fails a connection attempt in progress (the socket is
   * then destroyed and this transport dropped), and is otherwise kept until {@link start} when it
   * comes first.
   */
  hostError(error: Error): void {
    const attempt = this.attempt;
    if (attempt !== undefined) {
      this.attempt = undefined;
      this.raw.off("connect", onSocketConnect);
      this.raw.destroy();
      attempt.done.fail(error);
    } else if (this.events !== undefined) this.events.error(error);
    else this.earlyError ??= error;
  }

  /** @internal The socket's `'connect'`: the attempt succeeded. */
  connected(): void {
    const attempt = this.attempt;
    if (attempt === undefined) return;
    this.attempt = undefined;
    const to = attempt.to;
    if (typeof to === "object") this.addresses = { family: "unix", local: "", remote: to.path };
    else {
      this.raw.setNoDelay(true);
      this.addresses = new LazyTcpAddresses(this.raw, to);
    }
    attempt.done.ok(this);
  }

  start(events: StreamEvents): void {
    this.events = events;
    const socket = this.raw;
    if (this.earlyError !== undefined) events.error(this.earlyError);
    socket.on("data", onSocketData);
    socket.on("end", onSocketEnd);
    if (socket.destroyed) events.close();
    else socket.on("close", onSocketClose);
  }

  pause(): void {
    this.raw.pause();
  }

  resume(): void {
    this.raw.resume();
  }

  quiet(): boolean {
    // 'data' from bytes Node buffered (after a resume), and 'end', 'error' and 'close' are
    // emitted from process.nextTick, so in the macrotask that noted them: each shows here first.
    const socket = this.raw as net.Socket & { _readableState?: { ended?: boolean } };
    return socket.readableLength === 0 && !socket.destroyed && socket._readableState?.ended !== true;
  }

  write(data: Uint8Array, done: (error?: Error | null) => void): void {
    this.raw.write(data, done);
  }

  end(): void {
    this.raw.end();
  }

  destroy(): void {
    this.raw.destroy();
  }
}

/** A listening `net.Server` as the room's transport. */
class NodeListenerTransport implements ListenerTransport {
  private events: ListenerEvents | undefined;
  private readonly early: NodeStreamTransport[] = [];
  private listenError: ((error: Error) => void) | undefined;
  addresses: SocketAddresses = { family: "unix", local: "" };

  /** @param unixPath - the socket path of a UNIX listener (its connections' local address). */
  constructor(
    readonly raw: net.Server,
    private unixPath: string | undefined,
  ) {
    raw.on("error", (error) => {
      if (this.listenError !== undefined) this.listenError(error);
      else this.events?.error(error);
    });
    raw.on("connection", (socket: net.Socket) => {
      let transport: NodeStreamTransport;
      // Connections arrive once listening, when the server's own family is known: theirs.
      const family = this.addresses.family;
      if (family !== "unix") {
        socket.setNoDelay(true);
        transport = new NodeStreamTransport(socket, new LazyTcpAddresses(socket, family));
      } else {
        transport = new NodeStreamTransport(socket, { family: "unix", local: this.unixPath ?? "", remote: "" });
      }
      if (this.events !== undefined) this.events.connection(transport);
      else this.early.push(transport);
    });
  }

  /** Listens with `options`; `done` is told how it went. The server's own 'error' listener stays. */
  listen(options: net.ListenOptions, done: Completion<ListenerTransport>, then?: (ok: () => void) => void): void {
    this.listenError = (error) => {
      this.listenError = undefined;
      done.fail(error);
    };
    this.raw.listen(options, () => {
      this.listenError = undefined;
      this.captureAddresses();
      if (then !== undefined) then(() => done.ok(this));
      else done.ok(this);
    });
  }

  captureAddresses(): void {
    const address = this.raw.address();
    if (typeof address === "string" || address === null) {
      this.unixPath ??= address ?? "";
      this.addresses = { family: "unix", local: this.unixPath };
    } else {
      this.addresses = { family: address.family === "IPv6" ? "IPv6" : "IPv4", local: [address.address, address.port] };
    }
  }

  start(events: ListenerEvents): void {
    this.events = events;
    for (const transport of this.early.splice(0)) events.connection(transport);
  }

  close(): void {
    for (const transport of this.early.splice(0)) transport.destroy();
    if (this.raw.listening) this.raw.close();
  }
}

/** Whether this Node has `reusePort` for `net` (22.12+, 23.1+). */
function hasReusePort(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  return major >= 24 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/** Whether a UNIX socket path is a Linux abstract-namespace name. */
function isAbstract(path: string): boolean {
  return path.startsWith("\0");
}

/** The addresses of a transport until its socket has connected (replaced then). */
const NOT_CONNECTED: SocketAddresses = { family: "unix", local: "" };

/**
 * A connection attempt: `socket` reports its first 'connect' or 'error' to `done` (through the
 * transport's shared listeners: no closures per attempt). A TCP socket gets `TCP_NODELAY` once
 * connected.
 */
function connecting(socket: net.Socket, to: PendingConnect["to"], done: Completion<StreamTransport>): Abort {
  const transport = new NodeStreamTransport(socket, NOT_CONNECTED);
  transport.attempt = { done, to };
  socket.on("connect", onSocketConnect);
  return () => socket.destroy();
}

const nodeNet: NetHost = {
  async lookup(host: string, family: 0 | 4 | 6, flags: number): Promise<LookupAddress[]> {
    // Looked up on the module object at each call, so tests can stub it.
    const results = await dns.promises.lookup(host, {
      all: true,
      family,
      hints: flags,
      order: "verbatim",
    } as dns.LookupAllOptions);
    return results.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
  },

  async lookupService(host: string, port: number): Promise<[string, string]> {
    const { hostname, service } = await dns.promises.lookupService(host, port);
    return [hostname, service];
  },

  toAscii: (name) => domainToASCII(name),
  ipVersion: (host) => net.isIP(host) as 0 | 4 | 6,
  addrconfigFlag: dns.ADDRCONFIG,
  reusePortSupported: hasReusePort(),
  version: `Node.js ${process.versions.node}`,
  platform: `${process.platform}-${process.arch}`,
  noUnixSockets: process.platform === "win32",

  connectTcp(target: TcpConnectTarget, done: Completion<StreamTransport>): Abort {
    const options: net.TcpNetConnectOpts = {
      host: target.host,
      port: target.port,
      family: target.family,
      allowHalfOpen: true,
    };
    if (target.localHost !== undefined) options.localAddress = target.localHost;
    else if (target.localPort !== undefined) options.localAddress = target.family === 6 ? "::" : "0.0.0.0";
    if (target.localPort !== undefined) options.localPort = target.localPort;
    const socket = net.connect(options);
    return connecting(socket, target.family === 6 ? "IPv6" : "IPv4", done);
  },

  connectUnix(path: string, done: Completion<StreamTransport>): Abort {
    // With the native addon, UNIX stream sockets run on it (they can then pass descriptors).
    const native = nativeStreams();
    if (native !== undefined) return native.connect(path, done);
    const socket = net.connect({ path, allowHalfOpen: true });
    return connecting(socket, { path }, done);
  },

  listenTcp(target: TcpListenTarget, done: Completion<ListenerTransport>): Abort {
    const server = net.createServer({ allowHalfOpen: true });
    const transport = new NodeListenerTransport(server, undefined);
    const options: net.ListenOptions & { reusePort?: boolean } = {
      host: target.host,
      port: target.port,
      ipv6Only: target.ipv6Only,
      backlog: target.backlog,
    };
    if (target.reusePort) options.reusePort = true;
    transport.listen(options, done);
    return () => transport.close();
  },

  listenUnix(path: string, mode: number | undefined, backlog: number, done: Completion<ListenerTransport>): Abort {
    const native = nativeStreams();
    if (native !== undefined) return native.listen(path, mode, backlog, done);
    const server = net.createServer({ allowHalfOpen: true });
    const transport = new NodeListenerTransport(server, path);
    let aborted = false;
    const bind = () => {
      if (aborted) return;
      transport.listen({ path, backlog }, done, (ok) => {
        if (mode === undefined || isAbstract(path)) return ok();
        fs.chmod(path, mode, (error) => {
          if (aborted) return;
          if (error) {
            transport.close();
            return done.fail(error);
          }
          ok();
        });
      });
    };
    if (isAbstract(path)) bind();
    else {
      // Only a stale *socket* is removed: anything else at the path makes the bind fail.
      fs.lstat(path, (error, stats) => {
        if (aborted) return;
        if (error) return error.code === "ENOENT" ? bind() : done.fail(error);
        if (!stats.isSocket()) return bind();
        fs.unlink(path, (unlinkError) => {
          if (aborted) return;
          if (unlinkError && unlinkError.code !== "ENOENT") return done.fail(unlinkError);
          bind();
        });
      });
    }
    return () => {
      aborted = true;
      transport.close();
    };
  },

  adoptSocket(socket: unknown, unixOnly: boolean): StreamTransport {
    let adopted: net.Socket;
    if (typeof socket === "number" && Number.isInteger(socket) && socket >= 0) {
      // A UNIX stream descriptor runs on the native addon when it is installed.
      const native = nativeStreams()?.adopt(socket);
      if (native !== undefined) return native;
    }
    if (typeof socket === "number") {
      if (!Number.isInteger(socket) || socket < 0) {
        throw new TypeError(
          `Expected \`socket\` to be a net.Socket or a socket descriptor, got ${describeValue(socket)}`,
        );
      }
      try {
        adopted = new net.Socket({ fd: socket, readable: true, writable: true, allowHalfOpen: true });
      } catch (error) {
        throw new TypeError(`Descriptor ${socket} is not a stream socket: ${(error as Error).message}`, {
          cause: error,
        });
      }
    } else if (socket instanceof net.Socket) {
      adopted = socket;
      if (adopted.destroyed || adopted.connecting || adopted.pending) {
        throw new TypeError("Expected `socket` to be a connected socket, but it is not connected");
      }
      adopted.allowHalfOpen = true;
    } else {
      throw new TypeError(
        `Expected \`socket\` to be a net.Socket or a socket descriptor, got ${describeValue(socket)}`,
      );
    }
    const ip = isIpSocket(adopted);
    if (ip && unixOnly) {
      // A descriptor was handed over (and is wrapped now): release it; a net.Socket stays the caller's.
      if (typeof socket === "number") adopted.destroy();
      throw new TypeError("Expected `socket` to be a UNIX socket, got a TCP socket");
    }
    if (ip) {
      if (adopted.remoteAddress === undefined)
        throw new TypeError("Expected `socket` to be a connected socket, but it has no peer");
      adopted.setNoDelay(true);
      return new NodeStreamTransport(adopted, tcpAddresses(adopted));
    }
    return new NodeStreamTransport(adopted, { family: "unix", local: "", remote: "" });
  },

  adoptServer(server: unknown, done: Completion<ListenerTransport>): Abort {
    if (typeof server === "number") {
      if (!Number.isInteger(server) || server < 0) {
        throw new TypeError(
          `Expected \`server\` to be a net.Server or a socket descriptor, got ${describeValue(server)}`,
        );
      }
      const transport = new NodeListenerTransport(net.createServer({ allowHalfOpen: true }), undefined);
      const refused: Completion<ListenerTransport> = {
        ok: (transport) => done.ok(transport),
        fail: (error) =>
          done.fail(
            new TypeError(`Descriptor ${server} is not a bound stream socket: ${error.message}`, { cause: error }),
          ),
      };
      transport.listen({ fd: server } as net.ListenOptions, refused);
      return () => transport.close();
    }
    if (!(server instanceof net.Server)) {
      throw new TypeError(
        `Expected \`server\` to be a net.Server or a socket descriptor, got ${describeValue(server)}`,
      );
    }
    if (!server.listening) throw new TypeError("Expected `server` to be a listening server, but it is not listening");
    // Connections it accepts from now on are half-open capable, as ours are.
    (server as net.Server & { allowHalfOpen: boolean }).allowHalfOpen = true;
    const transport = new NodeListenerTransport(server, undefined);
    transport.captureAddresses();
    done.ok(transport);
    return () => transport.close();
  },
};

netHost.install(nodeNet);
