/**
 * UNIX sockets on the optional native addon (native-addon.ts): stream sockets that pass
 * descriptors, their listeners, and UNIX datagram sockets. Installs the native host seam
 * (runtime/net/native-host.ts) for its side effect; the net host (net.ts) asks
 * {@link nativeStreams} whether to run a UNIX stream socket here instead of on `node:net`.
 *
 * Invariants:
 * - every descriptor is owned by a `Watcher` from the moment it exists (the addon closes it if
 *   the Watcher is collected unclosed), or closed on the same synchronous path that failed;
 * - a stream transport reads from the kernel only for a receive that waits (`want`) or a
 *   `receiveFds()` request, in the synchronous step that delivers what it read: nothing is read
 *   ahead, so bytes and the descriptors sent with them stay together in the kernel until asked;
 * - readiness is watched only while something waits for it, so an idle socket keeps no strong
 *   reference from the addon and does not keep the event loop alive.
 */
import * as fs from "node:fs";
import { getSystemErrorName } from "node:util";
import {
  type Abort,
  type Completion,
  type ListenerEvents,
  type ListenerTransport,
  type SocketAddresses,
  type StreamEvents,
} from "../../net/host";
import {
  nativeHost,
  type FdStreamTransport,
  type ReceivedFds,
  type UnixDatagramRequest,
  type UnixDatagramTransport,
} from "../../net/native-host";
import { addonMissingError, nativeAddon, type NativeAddon, type NativeWatcher } from "./native-addon";

const EAGAIN = -11;
const EBADF = -9;
const EINVAL = -22;
const MSG_CTRUNC = 0x8;
/** Connections accepted per readiness report. */
const ACCEPTS_PER_TURN = 128;
/** The largest datagram a receive returns (the rest of a longer one is discarded, as for UDP). */
const MAX_DATAGRAM = 65536;

/** Node's own error for a failed system call: `code`, `errno`, `syscall` (and `address`). */
export function systemError(errno: number, syscall: string, address?: string): Error {
  let code: string;
  try {
    code = getSystemErrorName(errno);
  } catch {
    code = `Unknown system error ${errno}`;
  }
  const error = new Error(`${syscall} ${code}${address !== undefined ? ` ${address}` : ""}`) as Error & {
    errno: number;
    code: string;
    syscall: string;
    address?: string;
  };
  error.errno = errno;
  error.code = code;
  error.syscall = syscall;
  if (address !== undefined) error.address = address;
  return error;
}

/** A Buffer as a plain `Uint8Array` over the same memory. */
function plain(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function isAbstract(path: string): boolean {
  return path.startsWith("\0");
}

/** `rawSocket` of a socket run by the addon: its descriptor (-1 once closed). */
class NativeSocketHandle {
  constructor(private readonly watcher: NativeWatcher) {}
  get fd(): number {
    return this.watcher.fd;
  }
}

/** An address the kernel reports, or `""` when it cannot (unbound, closed). */
function nameOf(result: string | number): string {
  return typeof result === "string" ? result : "";
}

/** One write waiting for the kernel: its bytes, how many went out, the descriptors it carries. */
interface PendingWrite {
  readonly data: Uint8Array;
  offset: number;
  readonly fds: readonly number[];
  readonly done: (error: Error | null) => void;
}

/** A connected UNIX stream socket run by the addon (see the header). */
class NativeStreamTransport implements FdStreamTransport {
  readonly passesFds = true;
  readonly raw: NativeSocketHandle;
  private events: StreamEvents | undefined;
  /** Bytes a waiting receive asks for (0: none waits). */
  private wanted = 0;
  private fdRequest:
    | {
        readonly msglen: number;
        readonly maxfds: number;
        readonly done: (error: Error | null, result?: ReceivedFds) => void;
      }
    | undefined;
  private readonly writes: PendingWrite[] = [];
  private endRequested = false;
  private readEnded = false;
  private broken = false;
  private destroyed = false;
  private watching = 0;

  constructor(
    private readonly addon: NativeAddon,
    private readonly watcher: NativeWatcher,
    readonly addresses: SocketAddresses,
  ) {
    this.raw = new NativeSocketHandle(watcher);
    watcher.onready = (status, events) => this.ready(status, events);
  }

  start(events: StreamEvents): void {
    this.events = events;
  }

  // Reading never runs ahead, so there is nothing to pause.
  pause(): void {}
  resume(): void {}

  quiet(): boolean {
    // Events come only from readiness reports, each in a macrotask of its own.
    return true;
  }

  want(maxBytes: number): void {
    this.wanted = maxBytes;
    this.update();
  }

  write(data: Uint8Array, done: (error?: Error | null) => void): void {
    this.enqueue({ data, offset: 0, fds: [], done });
  }

  sendFds(data: Uint8Array, fds: readonly number[], done: (error: Error | null) => void): void {
    this.enqueue({ data, offset: 0, fds, done });
  }

  receiveFds(msglen: number, maxfds: number, done: (error: Error | null, result?: ReceivedFds) => void): () => void {
    const request = { msglen, maxfds, done };
    this.fdRequest = request;
    // Past the caller's checkpoint: read at once if something is there.
    this.readFds();
    this.update();
    return () => {
      if (this.fdRequest === request) {
        this.fdRequest = undefined;
        this.update();
      }
    };
  }

  closeFds(fds: readonly number[]): void {
    for (const fd of fds) this.addon.close(fd);
  }

  end(): void {
    this.endRequested = true;
    if (this.writes.length === 0) this.shutdown();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.fdRequest = undefined;
    this.wanted = 0;
    this.watcher.close();
    const writes = this.writes.splice(0);
    for (const write of writes) write.done(systemError(EBADF, "write"));
  }

  private enqueue(write: PendingWrite): void {
    if (this.destroyed || this.broken) return write.done(systemError(EBADF, "write"));
    this.writes.push(write);
    if (this.writes.length === 1) this.flush();
    this.update();
  }

  /** Sends queued writes until the kernel's buffer is full; the first byte of each carries its descriptors. */
  private flush(): void {
    while (this.writes.length > 0 && !this.destroyed) {
      const write = this.writes[0]!;
      const rest = write.offset === 0 ? write.data : write.data.subarray(write.offset);
      const sent = this.addon.sendmsg(this.watcher.fd, rest, write.offset === 0 ? write.fds : [], null);
      if (sent === EAGAIN) return;
      if (sent < 0 && write.offset === 0 && write.fds.length > 0 && (sent === EBADF || sent === EINVAL)) {
        // A descriptor the kernel refuses: nothing was sent, only this send fails.
        this.writes.shift();
        write.done(systemError(sent, "sendmsg"));
        continue;
      }
      if (sent < 0) return this.fail(systemError(sent, write.fds.length > 0 ? "sendmsg" : "write"));
      write.offset += sent;
      if (write.offset < write.data.length) continue;
      this.writes.shift();
      write.done(null);
    }
    if (this.writes.length === 0 && this.endRequested) this.shutdown();
  }

  private shutdown(): void {
    if (this.destroyed) return;
    const result = this.addon.shutdown(this.watcher.fd);
    if (result < 0 && result !== -107 /* ENOTCONN: the peer is gone already */) {
      this.fail(systemError(result, "shutdown"));
    }
  }

  /** A failure of the socket: every queued write fails with it, and the stream learns of it. */
  private fail(error: Error): void {
    this.broken = true;
    const writes = this.writes.splice(0);
    for (const write of writes) write.done(error);
    const request = this.fdRequest;
    this.fdRequest = undefined;
    request?.done(error);
    this.events?.error(error);
    this.update();
  }

  private ready(status: number, events: number): void {
    if (this.destroyed) return;
    if (status < 0) return this.fail(systemError(status, "poll"));
    if (events & 2) this.flush();
    if (events & 1) {
      if (this.fdRequest !== undefined) this.readFds();
      else if (this.wanted > 0) this.readBytes();
    }
    this.update();
  }

  private readBytes(): void {
    const result = this.addon.recvmsg(this.watcher.fd, this.wanted, 0, false);
    if (result === EAGAIN) return;
    if (typeof result === "number") return this.fail(systemError(result, "read"));
    const data = result[0];
    if (data.length === 0) {
      this.readEnded = true;
      this.wanted = 0;
      this.events?.end();
      return;
    }
    this.events?.data(plain(data));
  }

  private readFds(): void {
    const request = this.fdRequest;
    if (request === undefined || this.destroyed) return;
    const result = this.addon.recvmsg(this.watcher.fd, request.msglen, request.maxfds, false);
    if (result === EAGAIN) return;
    this.fdRequest = undefined;
    if (typeof result === "number") return request.done(systemError(result, "recvmsg"));
    const [data, fds, , flags, unexpected] = result;
    if (unexpected !== undefined) {
      // The addon closed the descriptors that came with it already.
      return request.done(new Error(`Received unexpected ancillary data (${describeAncillary(unexpected)})`));
    }
    void (flags & MSG_CTRUNC); // more descriptors than maxfds: the kernel closed the rest
    if (data.length === 0 && fds.length === 0) this.readEnded = true;
    request.done(null, [plain(data), fds]);
  }

  /** Watches for what something waits for, and nothing else. */
  private update(): void {
    if (this.destroyed) return;
    const reading = (this.wanted > 0 || this.fdRequest !== undefined) && !this.readEnded && !this.broken;
    const mask = (reading ? 1 : 0) | (this.writes.length > 0 && !this.broken ? 2 : 0);
    if (mask === this.watching) return;
    this.watching = mask;
    const result = this.watcher.watch(mask);
    if (result < 0) this.fail(systemError(result, "poll"));
  }
}

/** "level 1 type 2" → "SCM_CREDENTIALS (level 1, type 2)". */
function describeAncillary(levelAndType: string): string {
  const [, level, type] = /level (-?\d+) type (-?\d+)/.exec(levelAndType) ?? [];
  const names: Record<string, string> = {
    "1": "SCM_RIGHTS",
    "2": "SCM_CREDENTIALS",
    "3": "SCM_SECURITY",
    "4": "SCM_PIDFD",
  };
  const name = level === "1" && type !== undefined ? names[type] : undefined;
  return `${name ?? "unknown"}: cmsg_level ${level}, cmsg_type ${type}`;
}

/** A listening UNIX stream socket run by the addon; its connections are native streams. */
class NativeListenerTransport implements ListenerTransport {
  readonly raw: NativeSocketHandle;
  readonly addresses: SocketAddresses;
  private events: ListenerEvents | undefined;
  private closed = false;

  constructor(
    private readonly addon: NativeAddon,
    private readonly watcher: NativeWatcher,
    private readonly path: string,
  ) {
    this.raw = new NativeSocketHandle(watcher);
    this.addresses = { family: "unix", local: path };
  }

  start(events: ListenerEvents): void {
    this.events = events;
    this.watcher.onready = (status) => this.acceptAll(status);
    const result = this.watcher.watch(1);
    if (result < 0) events.error(systemError(result, "poll"));
  }

  private acceptAll(status: number): void {
    if (this.closed) return;
    if (status < 0) return this.events?.error(systemError(status, "poll"));
    for (let i = 0; i < ACCEPTS_PER_TURN && !this.closed; i++) {
      const fd = this.addon.accept(this.watcher.fd);
      if (fd === EAGAIN || fd === -103 /* ECONNABORTED: the client gave up */) {
        if (fd === EAGAIN) return;
        continue;
      }
      if (fd < 0) return this.events?.error(systemError(fd, "accept"));
      const transport = streamOf(this.addon, fd, this.path, "");
      this.events?.connection(transport);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watcher.close();
    // As Node does: the listener's socket file goes with it.
    if (!isAbstract(this.path)) {
      try {
        fs.unlinkSync(this.path);
      } catch {
        // Removed by someone else already.
      }
    }
  }
}

/** A connected stream descriptor as a transport; `local`/`remote` when known, else asked of the kernel. */
function streamOf(addon: NativeAddon, fd: number, local?: string, remote?: string): NativeStreamTransport {
  const watcher = new addon.Watcher(fd);
  return new NativeStreamTransport(addon, watcher, {
    family: "unix",
    local: local ?? nameOf(addon.getsockname(fd)),
    remote: remote ?? nameOf(addon.getpeername(fd)),
  });
}

/** Removes the socket file a failed or abandoned open bound (nothing for an abstract name). */
function unbind(path: string | undefined): void {
  if (path === undefined || isAbstract(path)) return;
  try {
    fs.unlinkSync(path);
  } catch {
    // Gone already.
  }
}

/**
 * Binds `fd` to `path`: removes a stale *socket* there first (anything else makes the bind fail
 * with `EADDRINUSE`), binds, then applies `mode` with chmod. Abstract names touch no file.
 * `bound` is told once the socket file exists, so that a failure or an abort after it removes
 * the file again.
 */
function bindPath(
  addon: NativeAddon,
  fd: number,
  path: string,
  mode: number | undefined,
  aborted: () => boolean,
  bound: () => void,
  then: (error: Error | null) => void,
): void {
  const bind = () => {
    if (aborted()) return;
    const result = addon.bind(fd, path);
    if (result < 0) return then(systemError(result, "bind", path));
    bound();
    if (mode === undefined || isAbstract(path)) return then(null);
    fs.chmod(path, mode, (error) => {
      if (!aborted()) then(error);
    });
  };
  if (isAbstract(path)) return bind();
  fs.lstat(path, (error, stats) => {
    if (aborted()) return;
    if (error) return error.code === "ENOENT" ? bind() : then(error);
    if (!stats.isSocket()) return bind();
    fs.unlink(path, (unlinkError) => {
      if (aborted()) return;
      if (unlinkError && unlinkError.code !== "ENOENT") return then(unlinkError);
      bind();
    });
  });
}

/** What the net host runs on the addon when it is installed. */
export interface NativeStreams {
  connect(path: string, done: Completion<FdStreamTransport>): Abort;
  listen(path: string, mode: number | undefined, backlog: number, done: Completion<ListenerTransport>): Abort;
  /**
   * A transport over a connected UNIX stream descriptor, or undefined when `fd` is not a UNIX
   * socket (the net host then handles it).
   * @throws TypeError naming what is wrong with a UNIX descriptor.
   */
  adopt(fd: number): FdStreamTransport | undefined;
}

function nativeStreamsOf(addon: NativeAddon): NativeStreams {
  return {
    connect(path: string, done: Completion<FdStreamTransport>): Abort {
      const fd = addon.socket(1);
      if (fd < 0) {
        done.fail(systemError(fd, "socket"));
        return () => {};
      }
      const result = addon.connect(fd, path);
      if (result < 0) {
        addon.close(fd);
        done.fail(systemError(result, "connect", path));
        return () => {};
      }
      done.ok(streamOf(addon, fd, undefined, path));
      return () => {};
    },

    listen(path: string, mode: number | undefined, backlog: number, done: Completion<ListenerTransport>): Abort {
      const fd = addon.socket(1);
      if (fd < 0) {
        done.fail(systemError(fd, "socket"));
        return () => {};
      }
      const watcher = new addon.Watcher(fd);
      let aborted = false;
      let bound: string | undefined;
      bindPath(
        addon,
        fd,
        path,
        mode,
        () => aborted,
        () => (bound = path),
        (error) => {
          if (error === null) {
            const result = addon.listen(fd, backlog);
            if (result < 0) error = systemError(result, "listen", path);
          }
          if (error !== null) {
            watcher.close();
            unbind(bound);
            return done.fail(error);
          }
          done.ok(new NativeListenerTransport(addon, watcher, path));
        },
      );
      return () => {
        aborted = true;
        watcher.close();
        unbind(bound);
      };
    },

    adopt(fd: number): FdStreamTransport | undefined {
      const kind = addon.describe(fd);
      if (typeof kind === "number") {
        throw new TypeError(`Descriptor ${fd} is not a stream socket: ${systemError(kind, "getsockopt").message}`);
      }
      const [domain, type, listening] = kind;
      if (domain !== 1) return undefined;
      if (type !== 1) throw new TypeError(`Descriptor ${fd} is not a stream socket: it is a UNIX datagram socket`);
      const peer = addon.getpeername(fd);
      if (listening === 1 || typeof peer === "number") {
        throw new TypeError("Expected `socket` to be a connected socket, but it is not connected");
      }
      const prepared = addon.prepare(fd);
      if (prepared < 0)
        throw new TypeError(`Descriptor ${fd} cannot be used: ${systemError(prepared, "fcntl").message}`);
      return streamOf(addon, fd, undefined, peer);
    },
  };
}

let streams: NativeStreams | undefined;

/** The native stream host, or undefined when the addon is not installed (or hidden). */
export function nativeStreams(): NativeStreams | undefined {
  if (streams !== undefined) return streams;
  const addon = nativeAddon();
  if (addon !== undefined) streams = nativeStreamsOf(addon);
  return streams;
}

/** A UNIX datagram socket run by the addon: reads and writes only on request (see UnixDatagramTransport). */
class NativeDatagramTransport implements UnixDatagramTransport {
  readonly raw: NativeSocketHandle;
  private receiver: ((error: Error | null, data?: Uint8Array, sender?: string) => void) | undefined;
  private sender:
    | { readonly data: Uint8Array; readonly path: string | undefined; readonly done: (error: Error | null) => void }
    | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private backoff = 1;
  private closed = false;
  private watching = 0;

  constructor(
    private readonly addon: NativeAddon,
    private readonly watcher: NativeWatcher,
    private readonly connected: boolean,
  ) {
    this.raw = new NativeSocketHandle(watcher);
    watcher.onready = (status, events) => this.ready(status, events);
  }

  receive(done: (error: Error | null, data?: Uint8Array, sender?: string) => void): () => void {
    this.receiver = done;
    this.read(); // past the caller's checkpoint: take one at once if it is there
    this.update();
    return () => {
      if (this.receiver !== done) return;
      this.receiver = undefined;
      this.update();
    };
  }

  send(data: Uint8Array, path: string | undefined, done: (error: Error | null) => void): () => void {
    const request = { data, path, done };
    this.sender = request;
    this.write();
    this.update();
    return () => {
      if (this.sender !== request) return;
      this.sender = undefined;
      this.update();
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.receiver = undefined;
    this.sender = undefined;
    this.stopRetry();
    this.watcher.close();
  }

  localPath(): string {
    return this.name(() => this.addon.getsockname(this.watcher.fd), "getsockname");
  }

  remotePath(): string {
    return this.name(() => this.addon.getpeername(this.watcher.fd), "getpeername");
  }

  private name(ask: () => string | number, syscall: string): string {
    if (this.closed) throw systemError(EBADF, syscall);
    const result = ask();
    if (typeof result === "number") throw systemError(result, syscall);
    return result;
  }

  private ready(status: number, events: number): void {
    if (this.closed) return;
    if (status < 0) {
      const error = systemError(status, "poll");
      const receiver = this.receiver;
      this.receiver = undefined;
      receiver?.(error);
    } else {
      if (events & 2) this.write();
      if (events & 1) this.read();
    }
    this.update();
  }

  /** One recvmsg() for the waiting receive, if a datagram is there. */
  private read(): void {
    const receiver = this.receiver;
    if (receiver === undefined || this.closed) return;
    const result = this.addon.recvmsg(this.watcher.fd, MAX_DATAGRAM, 0, true);
    if (result === EAGAIN) return;
    this.receiver = undefined;
    if (typeof result === "number") return receiver(systemError(result, "recvmsg"));
    receiver(null, plain(result[0]), result[2] ?? "");
  }

  /** One sendmsg() of the waiting send, if the kernel has room; its own error is its own. */
  private write(): void {
    const sender = this.sender;
    if (sender === undefined || this.closed) return;
    const sent = this.addon.sendmsg(this.watcher.fd, sender.data, [], sender.path ?? null);
    if (sent === EAGAIN) return;
    this.sender = undefined;
    this.backoff = 1;
    sender.done(sent < 0 ? systemError(sent, "sendmsg", sender.path) : null);
  }

  private stopRetry(): void {
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
  }

  /** Watches for what a request waits for, and nothing else. */
  private update(): void {
    if (this.closed) return;
    // A connected socket is told when its peer has room; an unconnected one is not (Linux
    // reports it writable whenever its own buffer has room), so it retries on a short timer.
    const sending = this.sender !== undefined;
    const mask = (this.receiver !== undefined ? 1 : 0) | (sending && this.connected ? 2 : 0);
    if (mask !== this.watching) {
      this.watching = mask;
      const result = this.watcher.watch(mask);
      if (result < 0) {
        const error = systemError(result, "poll");
        const sender = this.sender;
        const receiver = this.receiver;
        this.sender = this.receiver = undefined;
        sender?.done(error);
        receiver?.(error);
      }
    }
    if (!sending || this.connected) this.stopRetry();
    else if (this.retry === undefined) {
      this.retry = setTimeout(() => {
        this.retry = undefined;
        this.backoff = Math.min(this.backoff * 2, 32);
        this.write();
        this.update();
      }, this.backoff);
    }
  }
}

function openDatagram(request: UnixDatagramRequest, done: Completion<UnixDatagramTransport>): Abort {
  const addon = nativeAddon();
  if (addon === undefined) {
    done.fail(addonMissingError("UNIX datagram sockets"));
    return () => {};
  }
  const fd = addon.socket(2);
  if (fd < 0) {
    done.fail(systemError(fd, "socket"));
    return () => {};
  }
  const watcher = new addon.Watcher(fd);
  let aborted = false;
  let bound: string | undefined;
  const connect = (error: Error | null) => {
    if (error === null && request.remotePath !== undefined) {
      const result = addon.connect(fd, request.remotePath);
      if (result < 0) error = systemError(result, "connect", request.remotePath);
    }
    if (error !== null) {
      watcher.close();
      unbind(bound);
      return done.fail(error);
    }
    done.ok(new NativeDatagramTransport(addon, watcher, request.remotePath !== undefined));
  };
  const localPath = request.localPath;
  if (localPath !== undefined) {
    bindPath(
      addon,
      fd,
      localPath,
      request.localMode,
      () => aborted,
      () => (bound = localPath),
      connect,
    );
  } else connect(null);
  return () => {
    aborted = true;
    watcher.close();
    unbind(bound);
  };
}

nativeHost.install({
  missing: (call) => (nativeAddon() === undefined ? addonMissingError(call) : undefined),
  openDatagram,
});
