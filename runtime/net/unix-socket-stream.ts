/**
 * `UNIXSocketStream`: a connected UNIX stream socket, with descriptor passing where the optional
 * native addon anyio-ts-native is installed.
 *
 * Descriptor passing works on streams the addon runs (those of `connectUnix()`,
 * `createUnixListener()` and `fromSocket(fd)` when it is installed), which read from the kernel
 * only when asked, so the bytes a descriptor came with are still in the kernel when
 * `receiveFds()` asks for them.
 *
 *   sendFds()    ──► checks ──► checkpoint (cancelled: nothing sent) ──► one sendmsg() queued after
 *                                earlier writes, run to completion (the caller may close its
 *                                descriptors once it returns; a cancellation lands at the next checkpoint)
 *   receiveFds() ──► checks ──► checkpoint ──► recvmsg() when readable, in the step that wakes the
 *                                caller (cancelled before: nothing was read, nothing is lost)
 */
import { currentFrame, tagPrimitive, Waiter, yieldMacrotask } from "../rt";
import { BusyResourceError, EndOfStream, NotSupportedError } from "../core/errors";
import { describeValue } from "../core/validate";
import { cancelled, outsideTask } from "../sync/checks";
import { positiveIntegerError } from "../streams/stream-helpers";
import type { NodeSocket } from "../platform/node/net";
import type { StreamTransport } from "./host";
import { nativeHost, passesFds, type FdStreamTransport, type ReceivedFds } from "./native-host";
import { adopt, brokenSocket, closedSocket, setUnixStreamFactory, SocketStream } from "./socket-stream";

/**
 * The `rawSocket` of sockets run by the optional native addon (anyio-ts-native): the socket's
 * descriptor (-1 once closed).
 */
export interface NativeSocket {
  /** The socket's file descriptor, or -1 once the socket is closed. */
  readonly fd: number;
}

/** Errors of the connection itself (the peer went away), as opposed to a bad argument. */
const CONNECTION_ERRORS: ReadonlySet<string> = new Set(["EPIPE", "ECONNRESET", "ENOTCONN", "ESHUTDOWN"]);

/** The host's error of a descriptor-passing call as the stream raises it. */
function streamError(error: Error): Error {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && CONNECTION_ERRORS.has(code) ? brokenSocket(error) : error;
}

/** The descriptors of `fds` (numbers, or objects with a numeric `fd` such as FileHandles). */
function descriptorsOf(fds: unknown): number[] | TypeError | RangeError {
  const expected = "Expected `fds` to be an iterable of descriptors (non-negative integers or objects with an `fd`)";
  if (fds === null || typeof fds !== "object" || typeof (fds as Iterable<unknown>)[Symbol.iterator] !== "function") {
    return new TypeError(`${expected}, got ${describeValue(fds)}`);
  }
  const result: number[] = [];
  for (const item of fds as Iterable<unknown>) {
    const fd = typeof item === "object" && item !== null ? (item as { fd?: unknown }).fd : item;
    if (typeof fd !== "number") return new TypeError(`${expected}, got an element ${describeValue(item)}`);
    if (!Number.isInteger(fd) || fd < 0) return new RangeError(`${expected}, got an element ${describeValue(item)}`);
    result.push(fd);
  }
  if (result.length === 0) return new RangeError("Expected `fds` to hold at least one descriptor, got none");
  if (result.length > 253) {
    return new RangeError(`Expected \`fds\` to hold at most 253 descriptors (SCM_MAX_FD), got ${result.length}`);
  }
  return result;
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

  /** The `receiveFds()` in progress. */
  private fdReceiver: Waiter<ReceivedFds> | undefined;
  /** Whether a `sendFds()` is in progress (from its call until its message is in the kernel). */
  private fdSending = false;
  /** `aclose()` ran; `fdClosers` end the descriptor-passing calls in progress then. */
  private fdClosed = false;
  private readonly fdClosers = new Set<() => void>();

  /**
   * Sends `message` with the descriptors `fds` attached (one `sendmsg()` with one SCM_RIGHTS
   * message). The descriptors are the caller's still: the peer gets duplicates, and once this
   * returns the caller may close its own.
   *
   * This is a checkpoint, and the checkpoint comes first: a cancelled task sends nothing. Past
   * it the message is queued after every earlier send and the call runs to completion (the
   * descriptors must stay open until the kernel has them); a cancellation then lands at the
   * next checkpoint. Needs the optional native addon anyio-ts-native.
   *
   * @param message - the bytes the descriptors travel with (not empty).
   * @param fds - descriptors: numbers, or objects with an `fd` (a `FileHandle`, a `NativeSocket`).
   * @example
   * ```ts
   * await using file = await openFile("/etc/hostname");
   * await stream.sendFds(new TextEncoder().encode("here"), [file]);
   * ```
   * @throws TypeError or RangeError if `message` is not a non-empty `Uint8Array`, or `fds` holds no descriptor or something else.
   * @throws NotSupportedError without the native addon (saying what is missing and how to get
   *   it), for a stream made from a `net.Socket`, and in browsers.
   * @throws BrokenResourceError if the connection failed (`EPIPE`: the host's error is its `cause`).
   * @throws Error the host's own error for a descriptor it refuses (`code` `"EBADF"`).
   * @throws ClosedResourceError after {@link aclose}.
   * @throws BusyResourceError if another task is already sending.
   */
  sendFds(message: Uint8Array, fds: Iterable<number | { readonly fd: number }>): Promise<void> {
    const call = "UNIXSocketStream.sendFds()";
    if (!(message instanceof Uint8Array)) {
      return Promise.reject(new TypeError(`Expected \`message\` to be a Uint8Array, got ${describeValue(message)}`));
    }
    if (message.length === 0) {
      return Promise.reject(new RangeError("Expected `message` to be a non-empty Uint8Array, got an empty one"));
    }
    const descriptors = descriptorsOf(fds);
    if (!Array.isArray(descriptors)) return Promise.reject(descriptors);
    let transport: FdStreamTransport;
    try {
      transport = this.fdTransport(call);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.fdSending || this.sending) return Promise.reject(new BusyResourceError("writing to"));
    const frame = currentFrame();
    if (frame === undefined) return outsideTask(call);
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    this.fdSending = true;
    const end = (error?: unknown): void => {
      this.fdSending = false;
      this.fdClosers.delete(closer);
      if (error === undefined) resolve();
      else reject(error);
    };
    const closer = (): void => {
      if (!waiter.settled) waiter.fail(closedSocket(this.kind));
    };
    // Cancelled (or closed) during the checkpoint: nothing was sent.
    const waiter = new Waiter<void>(frame, () => {
      this.fdSending = false;
      this.fdClosers.delete(closer);
    }).waitsFor("operation", "sendFds()");
    waiter.promise.then(undefined, (error: unknown) => end(error));
    this.fdClosers.add(closer);
    yieldMacrotask(() => {
      if (waiter.settled) return;
      waiter.wake();
      // Past the checkpoint: from here on the send runs to completion.
      if (this.fdClosed) return end(closedSocket(this.kind));
      transport.sendFds(message, descriptors, (error) => {
        if (error === null) end();
        else end(this.fdClosed ? closedSocket(this.kind) : streamError(error));
      });
    });
    // A runtime operation's promise: compiled callers await it as it is (never raced), which is
    // right because it keeps the rules of one (checkpoint first, no result undone).
    return tagPrimitive(promise);
  }

  /**
   * Receives one message of at most `msglen` bytes and at most `maxfds` descriptors sent with it
   * (one `recvmsg()`). The descriptors are new ones, close-on-exec, and the caller's to close.
   *
   * This is a checkpoint, and the checkpoint comes first. A cancelled `receiveFds()` took
   * nothing: the bytes and descriptors stay in the kernel for the next call. Needs the optional
   * native addon anyio-ts-native.
   *
   * @param msglen - the most bytes to receive, a non-negative integer.
   * @param maxfds - the most descriptors to receive, a positive integer (more are closed by the kernel).
   * @example
   * ```ts
   * const [message, fds] = await stream.receiveFds(1024, 4);
   * try { console.log(fs.readFileSync(fds[0], "utf8")); } finally { for (const fd of fds) fs.closeSync(fd); }
   * ```
   * @throws TypeError if an argument is not a number; RangeError if `msglen` is negative or not
   *   an integer, or `maxfds` not a positive integer.
   * @throws EndOfStream if the peer finished sending and there is nothing more.
   * @throws Error naming the ancillary data if something other than SCM_RIGHTS came (the
   *   descriptors of that message are closed).
   * @throws NotSupportedError without the native addon (saying what is missing and how to get
   *   it), for a stream made from a `net.Socket`, and in browsers.
   * @throws BrokenResourceError if the connection failed (reset).
   * @throws ClosedResourceError after {@link aclose} (also while waiting).
   * @throws BusyResourceError if another task is already receiving.
   */
  receiveFds(msglen: number, maxfds: number): Promise<[message: Uint8Array, fds: number[]]> {
    const call = "UNIXSocketStream.receiveFds()";
    if (typeof msglen !== "number") {
      return Promise.reject(
        new TypeError(`Expected \`msglen\` to be a non-negative integer, got ${describeValue(msglen)}`),
      );
    }
    if (!Number.isInteger(msglen) || msglen < 0) {
      return Promise.reject(
        new RangeError(`Expected \`msglen\` to be a non-negative integer, got ${describeValue(msglen)}`),
      );
    }
    const invalid = positiveIntegerError(maxfds, "maxfds");
    if (invalid !== undefined) return Promise.reject(invalid);
    let transport: FdStreamTransport;
    try {
      transport = this.fdTransport(call);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.fdReceiver !== undefined || this.receiving) return Promise.reject(new BusyResourceError("reading from"));
    const frame = currentFrame();
    if (frame === undefined) return outsideTask(call);
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    let withdraw: (() => void) | undefined;
    const finish = (): void => {
      if (this.fdReceiver === waiter) this.fdReceiver = undefined;
      this.fdClosers.delete(closer);
    };
    // Cancelled: the request is withdrawn in this same step, so nothing is read for it.
    const waiter = new Waiter<ReceivedFds>(frame, () => {
      finish();
      withdraw?.();
    }).waitsFor("operation", "receiveFds()");
    const closer = (): void => {
      finish();
      withdraw?.();
      waiter.fail(closedSocket(this.kind));
    };
    this.fdReceiver = waiter;
    this.fdClosers.add(closer);
    yieldMacrotask(() => {
      if (waiter.settled) return;
      if (this.fdClosed) return closer();
      withdraw = transport.receiveFds(msglen, Math.min(maxfds, 253), (error, result) => {
        finish();
        if (error !== null) return void waiter.fail(streamError(error));
        const [message, fds] = result!;
        if (message.length === 0 && fds.length === 0) {
          return void waiter.fail(new EndOfStream("The peer closed the connection"));
        }
        // The request is withdrawn whenever the waiter ends otherwise, so it is alive here;
        // should it not be, the descriptors are closed rather than lost.
        if (!waiter.wake([message, fds])) transport.closeFds(fds);
      });
    });
    return waiter.promise;
  }

  /**
   * Up to `maxBytes` bytes from the peer (see {@link SocketStream.receive}); descriptors sent
   * with them are discarded by the kernel (use {@link receiveFds} to take them).
   *
   * This is a checkpoint.
   *
   * @example
   * ```ts
   * const data = await stream.receive(1024);
   * ```
   * @throws BusyResourceError if another task is receiving (also with {@link receiveFds}). Otherwise as {@link SocketStream.receive}.
   */
  override receive(maxBytes = 65536): Promise<Uint8Array> {
    if (this.fdReceiver !== undefined) return Promise.reject(new BusyResourceError("reading from"));
    return super.receive(maxBytes);
  }

  /**
   * Sends all of `data` (see {@link SocketStream.send}). This is a checkpoint.
   *
   * @example
   * ```ts
   * await stream.send(new TextEncoder().encode("hello"));
   * ```
   * @throws BusyResourceError if another task is sending (also with {@link sendFds}). Otherwise as {@link SocketStream.send}.
   */
  override send(data: Uint8Array): Promise<void> {
    if (this.fdSending) return Promise.reject(new BusyResourceError("writing to"));
    return super.send(data);
  }

  /**
   * Closes the socket at once (see {@link SocketStream.aclose}); a task waiting in
   * {@link receiveFds} gets `ClosedResourceError`. Never a checkpoint.
   *
   * @example
   * ```ts
   * await stream.aclose();
   * ```
   */
  override aclose(): Promise<void> {
    if (!this.fdClosed) {
      this.fdClosed = true;
      for (const close of [...this.fdClosers]) close();
    }
    return super.aclose();
  }

  /** The transport, if it can pass descriptors. @throws NotSupportedError otherwise, saying why. */
  private fdTransport(call: string): FdStreamTransport {
    const host = nativeHost.get(call);
    if (this.isClosed) throw closedSocket(this.kind);
    if (passesFds(this.transport)) return this.transport;
    throw (
      host.missing(call) ??
      new NotSupportedError(
        `${call} works only on streams run by the native addon anyio-ts-native: this one was made from a ` +
          "net.Socket (use connectUnix(), createUnixListener() or UNIXSocketStream.fromSocket(fd))",
      )
    );
  }
}

setUnixStreamFactory((transport: StreamTransport) => new UNIXSocketStream(transport));
