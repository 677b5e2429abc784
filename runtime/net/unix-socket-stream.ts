/**
 * `UNIXSocketStream`: a connected UNIX stream socket, with descriptor passing where the optional
 * native addon is installed.
 */
import { NotSupportedError } from "../core/errors";
import type { NodeSocket } from "../platform/node/net";
import { netHost, type StreamTransport } from "./host";
import { adopt, setUnixStreamFactory, SocketStream } from "./socket-stream";

/**
 * The `rawSocket` of sockets run by the optional native addon (anyio-ts-native): the socket's
 * descriptor.
 */
export interface NativeSocket {
  readonly fd: number;
}

/** The error of the descriptor-passing methods while the native addon is not installed. */
function addonMissing(method: string): NotSupportedError {
  const platform = netHost.get(`UNIXSocketStream.${method}()`).platform;
  return new NotSupportedError(
    `UNIXSocketStream.${method}() needs the optional native addon anyio-ts-native, which is not installed for ${platform}`,
  );
}

/**
 * A connected UNIX stream socket (see {@link SocketStream}), made by `connectUnix()`, a UNIX
 * listener's `accept()` or {@link UNIXSocketStream.fromSocket}. Its typed attributes are
 * `family` (`"unix"`), `localAddress` and `remoteAddress` (paths; `""` for an unbound side) and
 * `rawSocket`; no ports.
 *
 * @example
 * ```ts
 * await using stream = await connectUnix("/run/app.sock");
 * await stream.send(new TextEncoder().encode("status\n"));
 * ```
 */
export class UNIXSocketStream extends SocketStream {
  /** @internal Made by the networking functions. */
  constructor(transport: StreamTransport) {
    super(transport, "UNIXSocketStream");
  }

  /**
   * Takes ownership of a connected UNIX stream socket (a `net.Socket` or a descriptor). This is
   * a checkpoint (before the socket is touched).
   *
   * @example
   * ```ts
   * const stream = await UNIXSocketStream.fromSocket(socket);
   * ```
   * @throws TypeError if `socket` is not a connected UNIX stream socket (or a descriptor of one).
   * @throws NotSupportedError in browsers.
   */
  static override fromSocket(socket: NodeSocket | number): Promise<UNIXSocketStream> {
    return adopt("UNIXSocketStream.fromSocket()", socket, true) as Promise<UNIXSocketStream>;
  }

  /**
   * Sends `message` with the descriptors `fds` attached (SCM_RIGHTS). Needs the optional native
   * addon anyio-ts-native, which does not exist yet: Node core cannot pass descriptors.
   *
   * @example
   * ```ts
   * await stream.sendFds(new Uint8Array([1]), [fileHandle]);
   * ```
   * @throws NotSupportedError always, for now (the addon is not installed).
   */
  sendFds(message: Uint8Array, fds: Iterable<number | { readonly fd: number }>): Promise<void> {
    void message;
    void fds;
    try {
      return Promise.reject(addonMissing("sendFds"));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Receives a message of at most `msglen` bytes and at most `maxfds` descriptors passed with it.
   * Needs the optional native addon anyio-ts-native, which does not exist yet.
   *
   * @example
   * ```ts
   * const [message, fds] = await stream.receiveFds(1024, 4);
   * ```
   * @throws NotSupportedError always, for now (the addon is not installed).
   */
  receiveFds(msglen: number, maxfds: number): Promise<[message: Uint8Array, fds: number[]]> {
    void msglen;
    void maxfds;
    try {
      return Promise.reject(addonMissing("receiveFds"));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

setUnixStreamFactory((transport) => new UNIXSocketStream(transport));
