"use structured";
/**
 * UNIX stream sockets: `connectUnix()` and `createUnixListener()`.
 */
import { cancelShieldedCheckpoint, checkpoint } from "../core/checkpoint";
import { isCancelled, NotSupportedError } from "../core/errors";
import { checkOptions, describeValue } from "../core/validate";
import { netHost, type ListenerTransport, type NetHost, type StreamTransport } from "./host";
import { hostCall } from "./host-call";
import { pathString } from "../fs/path-like";
import type { PathLike } from "./ip";
import { MAX_BACKLOG, SocketListener } from "./socket-listener";
import { checkBacklog } from "./tcp-listener";
import { UNIXSocketStream } from "./unix-socket-stream";

/** Options of {@link createUnixListener}. */
export interface UnixListenerOptions {
  /** The permission bits of the socket file (applied with chmod after binding). */
  mode?: number;
  /**
   * How many incoming connections may wait for `accept()` (capped at 65536).
   * @default 65536
   */
  backlog?: number;
}

const UNIX_LISTENER_OPTIONS = ["mode", "backlog"] as const;

/**
 * A socket's path as a string: a string as it is (a leading NUL names an abstract socket, which
 * file paths refuse), a `file:` URL or a `Path` as the file room converts it.
 */
export function socketPath(path: unknown): string {
  return typeof path === "string" ? path : pathString(path as PathLike, "path");
}

/** The host, on a host with UNIX sockets. @throws NotSupportedError in browsers and on Windows. */
function unixHost(what: string): NetHost {
  const host = netHost.get(what);
  if (host.noUnixSockets)
    throw new NotSupportedError(`${what} needs UNIX sockets, which this platform (${host.platform}) does not have`);
  return host;
}

/**
 * Connects to the UNIX stream socket at `path` (a path starting with `"\0"` is a Linux
 * abstract-namespace name).
 *
 * This is a checkpoint. A cancelled call has closed the socket it opened.
 *
 * @example
 * ```ts
 * await using stream = await connectUnix("/run/app.sock");
 * ```
 * @throws Error the host's error (`code` `"ENOENT"`, `"ECONNREFUSED"`, `"EACCES"`) when the connection fails.
 * @throws TypeError if `path` is not a path.
 * @throws NotSupportedError on Windows and in browsers.
 */
export async function connectUnix(path: PathLike): Promise<UNIXSocketStream> {
  const host = unixHost("connectUnix()");
  const target = socketPath(path);
  // The attempt checks for cancellation before it opens anything, and its wait for the
  // connection (reported in a later macrotask) is the call's scheduling point: no extra turn. A
  // failure may come sooner (from process.nextTick): that path gives its turn itself.
  let transport: StreamTransport;
  try {
    transport = await hostCall<StreamTransport>(
      "connectUnix()",
      (done) => host.connectUnix(target, done),
      (connection) => connection.destroy(),
    );
  } catch (error) {
    if (!isCancelled(error)) await cancelShieldedCheckpoint();
    throw error;
  }
  return new UNIXSocketStream(transport);
}

// ≠AnyIO: the socket file is removed on close (Node's behaviour); AnyIO leaves it.
/**
 * Listens on a UNIX stream socket at `path`. A stale socket already at `path` is removed first
 * (anything else there makes the bind fail); `mode` is applied to the new socket file with
 * chmod. A path starting with `"\0"` is a Linux abstract-namespace name: no file is touched.
 * Closing the listener removes the socket file.
 *
 * This is a checkpoint. A failed or cancelled call has closed what it opened.
 *
 * @example
 * ```ts
 * await using listener = await createUnixListener("/tmp/app.sock", { mode: 0o600 });
 * ```
 * @throws Error the host's error (`code` `"EADDRINUSE"`, `"EACCES"`, `"ENOENT"`) when binding fails.
 * @throws TypeError or RangeError for an invalid argument.
 * @throws NotSupportedError on Windows and in browsers.
 */
export async function createUnixListener(
  path: PathLike,
  options: UnixListenerOptions = {},
): Promise<SocketListener<UNIXSocketStream>> {
  const host = unixHost("createUnixListener()");
  const target = socketPath(path);
  checkOptions(options, UNIX_LISTENER_OPTIONS);
  const { mode, backlog: requestedBacklog = MAX_BACKLOG } = options;
  if (mode !== undefined) {
    if (typeof mode !== "number")
      throw new TypeError(`Expected \`mode\` to be an integer from 0 to 0o7777, got ${describeValue(mode)}`);
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
      throw new RangeError(`Expected \`mode\` to be an integer from 0 to 0o7777, got ${describeValue(mode)}`);
    }
  }
  const backlog = checkBacklog(requestedBacklog);
  await checkpoint();
  const transport = await hostCall<ListenerTransport>(
    "createUnixListener()",
    (done) => host.listenUnix(target, mode, backlog, done),
    (listener) => listener.close(),
  );
  return new SocketListener<UNIXSocketStream>(transport, backlog);
}
