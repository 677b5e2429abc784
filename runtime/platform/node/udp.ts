/**
 * The UDP room's host on Node (and Bun and Deno through their Node compatibility): `node:dgram`
 * sockets as {@link DatagramTransport}s, and name lookup with `node:dns`. Loaded for its side
 * effect by the Node entry point, which installs it in the room's seam.
 */
import * as dgram from "node:dgram";
import * as dns from "node:dns";
import {
  udpHost,
  type DatagramOpenRequest,
  type DatagramOpening,
  type DatagramTransport,
  type IpFamilyInput,
  type ResolvedAddress,
  type UdpHost,
} from "../../net/udp-host";

/** A Node datagram socket: the type `UDPSocket.fromSocket()` takes and `rawSocket` gives. */
export type DgramSocket = dgram.Socket;

/** A datagram as a plain `Uint8Array` view on the `Buffer` Node gave (no copy). */
function viewOf(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Node before 22.12 has no dgram `reusePort` (and silently ignores the option). */
function reusePortLacking(): string | undefined {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  if (major > 22 || (major === 22 && minor >= 12)) return undefined;
  return `SO_REUSEPORT for UDP sockets needs Node.js 22.12 or later (this is ${process.versions.node})`;
}

/**
 * A `dgram.Socket` as the room drives it. Its `'error'` listener is attached at construction
 * and never removed; errors before {@link NodeDatagramTransport.attach} go to the opening in
 * progress, or are kept for the receiver.
 */
class NodeDatagramTransport implements DatagramTransport {
  readonly family: "IPv4" | "IPv6";
  private closed = false;
  private onError: ((error: Error) => void) | undefined = undefined;
  /** An error that came before anyone listened (handed over at `attach()`). */
  private early: Error | undefined = undefined;
  /** While opening: fails the opening with the socket's error. */
  opening: ((error: Error) => void) | undefined = undefined;

  constructor(
    readonly raw: dgram.Socket,
    family: 4 | 6,
  ) {
    this.family = family === 6 ? "IPv6" : "IPv4";
    raw.on("error", (error) => {
      const opening = this.opening;
      if (opening !== undefined) return opening(error);
      if (this.onError !== undefined) return this.onError(error);
      this.early ??= error;
    });
  }

  attach(onDatagram: (data: Uint8Array, host: string, port: number) => void, onError: (error: Error) => void): void {
    this.raw.on("message", (buffer: Buffer, rinfo: dgram.RemoteInfo) =>
      onDatagram(viewOf(buffer), rinfo.address, rinfo.port),
    );
    this.onError = onError;
    const early = this.early;
    this.early = undefined;
    if (early !== undefined) onError(early);
  }

  send(
    data: Uint8Array,
    host: string | undefined,
    port: number | undefined,
    done: (error: Error | null) => void,
  ): void {
    if (host === undefined) this.raw.send(data, done);
    else this.raw.send(data, port, host, done);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.raw.close();
    } catch {
      // Closed by its previous owner already (ERR_SOCKET_DGRAM_NOT_RUNNING): nothing left to release.
    }
  }

  localAddress(): [host: string, port: number] {
    const { address, port } = this.raw.address();
    return [address, port];
  }

  remoteAddress(): [host: string, port: number] {
    const { address, port } = this.raw.remoteAddress();
    return [address, port];
  }
}

/** Why `socket` cannot be taken over as a (connected or unconnected) UDP socket, or undefined. */
function socketProblem(socket: unknown, connected: boolean): string | undefined {
  if (!(socket instanceof dgram.Socket)) {
    const kind =
      typeof socket === "object" && socket !== null
        ? `a ${socket.constructor?.name ?? "object"}`
        : `\`${String(socket)}\` (${typeof socket})`;
    return `Expected \`socket\` to be a dgram.Socket, got ${kind}`;
  }
  try {
    socket.address();
  } catch {
    return "Expected `socket` to be a bound dgram.Socket, got one that is not bound (or is closed): bind it first";
  }
  let isConnected = true;
  try {
    socket.remoteAddress();
  } catch {
    isConnected = false;
  }
  if (connected && !isConnected) {
    return "Expected `socket` to be a connected dgram.Socket, got one that is not connected: connect it first, or use UDPSocket.fromSocket()";
  }
  if (!connected && isConnected) {
    return "Expected `socket` to be an unconnected dgram.Socket, got a connected one: use ConnectedUDPSocket.fromSocket()";
  }
  return undefined;
}

const nodeUdpHost: UdpHost = {
  async lookup(host: string, family: IpFamilyInput): Promise<ResolvedAddress> {
    // Read off the module object at call time, so tests can stub it. Node's lookup has no
    // passive flag (it only matters for a missing host) and no socket type: each address
    // serves a datagram socket as well as a stream one.
    const addresses = await dns.promises.lookup(host, { all: true, family, hints: dns.ADDRCONFIG, verbatim: true });
    // Node answers an IP literal with its own family whatever `family` asked for.
    const first = family === 0 ? addresses[0] : addresses.find((address) => address.family === family);
    if (first === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
        code: "ENOTFOUND",
        syscall: "getaddrinfo",
        hostname: host,
      });
    }
    return { address: first.address, family: first.family === 6 ? 6 : 4 };
  },

  reusePortLacking,

  open(request: DatagramOpenRequest): DatagramOpening {
    const raw = dgram.createSocket({
      type: request.family === 6 ? "udp6" : "udp4",
      ...(request.reusePort ? { reusePort: true } : {}),
    });
    const transport = new NodeDatagramTransport(raw, request.family);
    const ready = new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        transport.opening = undefined;
        reject(error);
      };
      transport.opening = fail;
      const connect = () => {
        const remote = request.remote;
        if (remote === undefined) {
          transport.opening = undefined;
          return resolve();
        }
        raw.connect(remote[1], remote[0], (error?: Error) => {
          if (error) return fail(error);
          transport.opening = undefined;
          resolve();
        });
      };
      try {
        if (request.local === undefined) connect();
        else raw.bind({ address: request.local[0], port: request.local[1] }, connect);
      } catch (error) {
        fail(error as Error);
      }
    });
    return { transport, ready };
  },

  checkSocket(socket: unknown, connected: boolean): void {
    const problem = socketProblem(socket, connected);
    if (problem !== undefined) throw new TypeError(problem);
  },

  adopt(socket: unknown, connected: boolean): DatagramTransport {
    this.checkSocket(socket, connected);
    const raw = socket as dgram.Socket;
    return new NodeDatagramTransport(raw, raw.address().family === "IPv6" ? 6 : 4);
  },
};

udpHost.install(nodeUdpHost);
