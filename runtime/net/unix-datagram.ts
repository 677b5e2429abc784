"use structured";
/**
 * Opening UNIX datagram sockets: `createUnixDatagramSocket()` and
 * `createConnectedUnixDatagramSocket()`. Node core has none: they run on the optional native
 * addon anyio-ts-native and throw `NotSupportedError` without it. Structured code: a socket
 * being opened when the task is cancelled is closed before the cancellation propagates.
 */
import { checkpoint } from "../core/checkpoint";
import { NotSupportedError } from "../core/errors";
import { checkOptions, describeValue } from "../core/validate";
import { ConnectedUNIXDatagramSocket } from "./connected-unix-datagram-socket";
import { hostCall } from "./host-call";
import type { PathLike } from "./ip";
import { nativeHost, type NativeHost, type UnixDatagramRequest, type UnixDatagramTransport } from "./native-host";
import { UNIXDatagramSocket } from "./unix-datagram-socket";
import { netHost } from "./host";
import { socketPath } from "./unix";

/** Options of {@link createUnixDatagramSocket} and {@link createConnectedUnixDatagramSocket}. */
export interface UnixDatagramSocketOptions {
  /**
   * Bind the socket here, so that others can send to it (a stale socket file there is removed
   * first; a path starting with `"\0"` is a Linux abstract-namespace name). Omitted: unbound
   * (it can send, and a connected one can receive from its peer, but others see its path as `""`).
   */
  localPath?: PathLike;
  /** The permission bits of the socket file (applied with chmod after binding). */
  localMode?: number;
}

const OPTIONS = ["localPath", "localMode"] as const;

/** The host, after the checks every call makes first. */
function host(call: string): NativeHost {
  const native = nativeHost.get(call);
  const net = netHost.get(call);
  if (net.noUnixSockets)
    throw new NotSupportedError(`${call} needs UNIX sockets, which this platform (${net.platform}) does not have`);
  const missing = native.missing(call);
  if (missing !== undefined) throw missing;
  return native;
}

function checkedOptions(options: UnixDatagramSocketOptions | undefined): Omit<UnixDatagramRequest, "remotePath"> {
  checkOptions(options, OPTIONS);
  const { localPath, localMode } = options ?? {};
  if (localMode !== undefined) {
    if (typeof localMode !== "number")
      throw new TypeError(`Expected \`localMode\` to be an integer from 0 to 0o7777, got ${describeValue(localMode)}`);
    if (!Number.isInteger(localMode) || localMode < 0 || localMode > 0o7777) {
      throw new RangeError(`Expected \`localMode\` to be an integer from 0 to 0o7777, got ${describeValue(localMode)}`);
    }
  }
  return { localPath: localPath === undefined ? undefined : socketPath(localPath), localMode };
}

/** Opens the socket as a primitive host call: one opened by a cancelled call is closed, never lost. */
async function open(native: NativeHost, call: string, request: UnixDatagramRequest): Promise<UnixDatagramTransport> {
  await checkpoint();
  return await hostCall<UnixDatagramTransport>(
    call,
    (done) => native.openDatagram(request, done),
    (transport) => transport.close(),
  );
}

/**
 * Creates a UNIX datagram socket, bound to `localPath` when given (AnyIO's
 * `create_unix_datagram_socket`). A stale socket file at `localPath` is removed first
 * (anything else there makes it fail with the host's `EADDRINUSE`), then `localMode` is
 * applied with chmod; an abstract name (`"\0name"`) touches no file.
 *
 * This is a checkpoint, and the checkpoint comes first (after the argument checks). A failed
 * or cancelled call has closed the socket it opened.
 *
 * @example
 * ```ts
 * await using socket = await createUnixDatagramSocket({ localPath: "/tmp/app.sock", localMode: 0o600 });
 * const [data, sender] = await socket.receive();
 * ```
 * @throws NotSupportedError without the optional native addon anyio-ts-native (saying what is
 *   missing and how to get it), on Windows and in browsers.
 * @throws TypeError or RangeError for an invalid option.
 * @throws Error the host's error when binding fails (`code` `"EADDRINUSE"`, `"EACCES"`, `"ENOENT"`).
 */
export async function createUnixDatagramSocket(options?: UnixDatagramSocketOptions): Promise<UNIXDatagramSocket> {
  const call = "createUnixDatagramSocket()";
  const native = host(call);
  const { localPath, localMode } = checkedOptions(options);
  const transport = await open(native, call, { localPath, localMode, remotePath: undefined });
  return new UNIXDatagramSocket(transport);
}

/**
 * Creates a UNIX datagram socket connected to the socket at `remotePath` (AnyIO's
 * `create_connected_unix_datagram_socket`): `send()` goes there, and only datagrams from there
 * are received. `localPath` and `localMode` as for {@link createUnixDatagramSocket}; bind one
 * if the peer is to answer.
 *
 * This is a checkpoint, and the checkpoint comes first (after the argument checks). A failed
 * or cancelled call has closed the socket it opened.
 *
 * @example
 * ```ts
 * await using socket = await createConnectedUnixDatagramSocket("/run/app.sock", { localPath: "\0my-client" });
 * await socket.send(new TextEncoder().encode("ping"));
 * ```
 * @throws NotSupportedError without the optional native addon anyio-ts-native, on Windows and in browsers.
 * @throws TypeError or RangeError for an invalid argument.
 * @throws Error the host's error when binding or connecting fails (`code` `"ENOENT"`, `"ECONNREFUSED"`).
 */
export async function createConnectedUnixDatagramSocket(
  remotePath: PathLike,
  options?: UnixDatagramSocketOptions,
): Promise<ConnectedUNIXDatagramSocket> {
  const call = "createConnectedUnixDatagramSocket()";
  const native = host(call);
  const remote = socketPath(remotePath);
  const { localPath, localMode } = checkedOptions(options);
  const transport = await open(native, call, { localPath, localMode, remotePath: remote });
  return new ConnectedUNIXDatagramSocket(transport);
}
