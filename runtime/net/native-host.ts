/**
 * What descriptor passing and UNIX datagram sockets need from the host, and the seam the Node
 * entry point installs it in (runtime/platform/node/native-unix.ts, over the optional native
 * addon anyio-ts-native). Nothing here imports a host module.
 *
 * Node core can neither pass descriptors (SCM_RIGHTS) nor open AF_UNIX datagram sockets; the
 * addon does both. When it is installed, the net host runs every UNIX stream socket it opens on
 * the addon too: such a transport reads from the kernel only when a receive asks (never ahead),
 * so a descriptor sent along with some bytes is still in the kernel when `receiveFds()` asks
 * for it.
 */
import type { NotSupportedError } from "../core/errors";
import { Seam } from "../platform/seam";
import type { Abort, Completion, StreamTransport } from "./host";

/** The result of one `recvmsg()`: the bytes and the descriptors that came with them. */
export type ReceivedFds = [message: Uint8Array, fds: number[]];

/** A stream transport run by the native addon (see the header). */
export interface FdStreamTransport extends StreamTransport {
  readonly passesFds: true;
  /**
   * Queues one `sendmsg()` of `data` with `fds` attached to its first byte, after every
   * earlier write; `done` runs once all of `data` is in the kernel (or the send failed).
   */
  sendFds(data: Uint8Array, fds: readonly number[], done: (error: Error | null) => void): void;
  /**
   * Waits until the socket is readable, then does one `recvmsg()` of at most `msglen` bytes and
   * `maxfds` descriptors and reports it to `done` in that same synchronous step. Returns how to
   * withdraw the request: after that nothing is read for it.
   */
  receiveFds(msglen: number, maxfds: number, done: (error: Error | null, result?: ReceivedFds) => void): () => void;
  /** Closes descriptors that will never reach their owner. */
  closeFds(fds: readonly number[]): void;
}

/** Whether `transport` is run by the native addon. */
export function passesFds(transport: StreamTransport): transport is FdStreamTransport {
  return (transport as Partial<FdStreamTransport>).passesFds === true;
}

/**
 * One UNIX datagram socket run by the addon. It reads and writes only on request: a datagram
 * nobody asked for stays in the kernel (whose queue then holds senders back: UNIX datagrams
 * are never dropped), and a send waiting for room in the peer's queue has sent nothing yet.
 */
export interface UnixDatagramTransport {
  /** `SocketAttribute.rawSocket`: `{ fd }`. */
  readonly raw: { readonly fd: number };
  /**
   * Receives one datagram (at most 65536 bytes of it) as soon as one is there, and reports it
   * with its sender's path (`""` if unbound) to `done` in the step that read it. Returns how to
   * withdraw the request: after that nothing is read for it.
   */
  receive(done: (error: Error | null, data?: Uint8Array, sender?: string) => void): () => void;
  /**
   * Sends one datagram to `path` (or the connected peer when undefined) as soon as the kernel
   * has room; `done` once it took it, or with the host's error for this datagram. Returns how
   * to withdraw the request: after that the datagram is not sent (a datagram goes out whole or
   * not at all).
   */
  send(data: Uint8Array, path: string | undefined, done: (error: Error | null) => void): () => void;
  /** Closes the socket (the descriptor is released before this returns). Closing twice does nothing. */
  close(): void;
  /** The bound path (`""` if unbound). @throws the host's error once closed. */
  localPath(): string;
  /** The connected peer's path. @throws the host's error once closed. */
  remotePath(): string;
}

/** How to open a UNIX datagram socket. */
export interface UnixDatagramRequest {
  /** Bind here (a stale socket file is removed first; an abstract name starts with "\0"). */
  readonly localPath: string | undefined;
  /** chmod the bound socket file to this. */
  readonly localMode: number | undefined;
  /** Connect here. */
  readonly remotePath: string | undefined;
}

/** Everything descriptor passing and UNIX datagram sockets ask of the host. */
export interface NativeHost {
  /**
   * `NotSupportedError` naming `call` when the addon is not installed (what is missing, how
   * to get it), or undefined when it is.
   */
  missing(call: string): NotSupportedError | undefined;
  /** Opens a UNIX datagram socket; `done.ok` gets it bound (and connected). */
  openDatagram(request: UnixDatagramRequest, done: Completion<UnixDatagramTransport>): Abort;
}

/** The native host; installed by the Node entry point (it exists whether or not the addon does). */
export const nativeHost = new Seam<NativeHost>("browsers cannot open sockets");
