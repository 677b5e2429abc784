/**
 * `SocketStream`: a connected TCP or UNIX stream socket as our `ByteStream`.
 *
 * Receiving: the host delivers bytes as they arrive into a queue owned by the stream, and reading
 * pauses once the queue holds {@link HIGH_WATER} bytes, or {@link SHARED_HIGH_WATER} while the
 * streams of the process hold {@link SHARED_BUDGET} together (the kernel then applies
 * backpressure to the peer). A receive takes bytes out of the queue only in the synchronous step that ends its
 * waiter, so a cancelled receive has taken nothing.
 *
 * Sending: a send checks for cancellation, hands all of its bytes to the host in one write at
 * once, and resolves at the write callback (the bytes are in the kernel), and not before one
 * macrotask has passed (its scheduling point, which overlaps the write). A send cancelled after
 * the write started keeps its bytes in the host's queue, which delivers writes in order, so they
 * go out before any later send's, never interleaved.
 *
 *   receive() ──► cancelled? ──► nothing queued or on its way? wait for bytes (the wait is the
 *                 │                                           scheduling point: they come in a later macrotask)
 *                 └► otherwise: one macrotask, or more bytes arriving, whichever is first
 *                               ──► cancelled? nothing taken
 *                               └► take queued bytes, or wait for them
 *   send()    ──► cancelled? nothing sent ──► write + one macrotask ──► both over: resolve
 */
import { currentFrame, Waiter, yieldMacrotask } from "../rt";
import { BrokenResourceError, BusyResourceError, ClosedResourceError, EndOfStream } from "../core/errors";
import { describeValue } from "../core/validate";
import { cancelled, outsideTask } from "../sync/checks";
import { DONE, iteratorOf } from "../streams/adapter-support";
import { ByteQueue } from "../streams/byte-queue";
import { positiveIntegerError } from "../streams/stream-helpers";
import { SocketAttribute, TypedAttributeProvider, type TypedAttributeMap } from "../streams/typed-attributes";
import type { ByteStream } from "../streams/types";
import type { NodeSocket } from "../platform/node/net";
import { netHost, type StreamEvents, type StreamTransport } from "./host";

/** Bytes queued for receivers before the stream stops reading from the kernel. */
const HIGH_WATER = 256 * 1024;
/**
 * Bytes queued over all streams of this process above which each stream reads ahead only
 * {@link SHARED_HIGH_WATER}: with many busy connections the kernel's socket buffers hold what is
 * in flight rather than the heap. Measured on a loaded machine (echo over 64 connections, with
 * the collector then three times as busy as raw Node's), 256 KiB per stream ran 35-45% slower
 * than 64 KiB; one connection ran about 1.5x faster with 256 KiB (fewer pauses of reading).
 * Chunks that wait in queues outlive young-generation collections and get promoted: with 8 MiB
 * of other live objects in the process (as servers have), echo over 64 connections paid 2-8
 * full collections per 128 MiB with a 4 MiB budget and 0 in 11 of 12 passes with 1 MiB (CPU
 * time about 0.6x). One stream alone never reaches the budget, so it keeps its 256 KiB.
 */
const SHARED_BUDGET = 1024 * 1024;
/** The read-ahead of each stream while the shared budget is used up. */
const SHARED_HIGH_WATER = 64 * 1024;
/** Bytes queued now in all streams (see {@link SHARED_BUDGET}). */
let queuedEverywhere = 0;

/** `BrokenResourceError` for a failure of the socket, with the host's error as `cause`. */
export function brokenSocket(cause: unknown): BrokenResourceError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new BrokenResourceError(`The socket failed: ${detail}`, { cause });
}

/** `ClosedResourceError` for an operation on a socket this side closed. */
export function closedSocket(kind: string): ClosedResourceError {
  return new ClosedResourceError(`This ${kind} was closed and can no longer be used`);
}

/**
 * A connected stream socket (TCP, or UNIX as {@link UNIXSocketStream}) as a `ByteStream`, made
 * by `connectTcp()`, a listener's `accept()`, or {@link SocketStream.fromSocket}. One task may
 * receive while another sends; a second concurrent receive (or send) fails with
 * `BusyResourceError`.
 *
 * Typed attributes (`SocketAttribute`): `family`, `localAddress`, `remoteAddress`, `rawSocket`
 * (the `net.Socket`), and for IP sockets `localPort` and `remotePort`. The addresses are read
 * from the socket when first asked for; after {@link aclose} they raise `ClosedResourceError`.
 *
 * @example
 * ```ts
 * await using stream = await connectTcp("example.com", 80);
 * await stream.send(new TextEncoder().encode("HEAD / HTTP/1.0\r\n\r\n"));
 * console.log(new TextDecoder().decode(await stream.receive()));
 * ```
 */
export class SocketStream extends TypedAttributeProvider implements ByteStream {
  /** Received bytes not yet returned. */
  private readonly queue = new ByteQueue();
  private paused = false;
  /** The peer sent FIN. */
  private peerEnded = false;
  /** The host object closed (by an error, a destroy, or the end of both directions). */
  private transportClosed = false;
  /** Our `sendEof()` ran. */
  private eofSent = false;
  /** Our `aclose()` ran. */
  private closed = false;
  private failure: BrokenResourceError | undefined;
  /** The receive in progress (from its call until it ends), and whether its checkpoint is over. */
  private receiver: Waiter<any> | undefined;
  private receiverReady = false;
  private receiveLimit = 0;
  /** Whether the receive in progress is a `for await` step (it resolves to an iterator result). */
  private receiverIterating = false;
  /** The send in progress (from its call until its write callback or cancellation). */
  private sender: Waiter<void> | undefined;
  /** The send whose bytes are with the host, waiting for the write callback. */
  private writing: Waiter<void> | undefined;
  private readonly withdrawReceive = (): void => {
    this.receiver = undefined;
    this.receiverReady = false;
    this.transport.want?.(0);
  };
  private readonly withdrawSend = (): void => {
    this.sender = undefined;
  };

  /** @internal Made by the networking functions; use {@link SocketStream.fromSocket} for a socket of your own. */
  constructor(
    /** @internal */ protected readonly transport: StreamTransport,
    /** @internal */ protected readonly kind = "SocketStream",
  ) {
    super();
    transport.start(new SocketEvents(this));
  }

  /**
   * Takes ownership of a connected TCP or UNIX stream socket: a `net.Socket`, or a descriptor.
   * A UNIX socket gives a {@link UNIXSocketStream}. This is a checkpoint (before the socket is
   * touched: a cancelled call leaves it with the caller).
   *
   * @example
   * ```ts
   * const socket = net.connect(port, "127.0.0.1");
   * await once(socket, "connect");
   * const stream = await SocketStream.fromSocket(socket);
   * ```
   * @throws TypeError if `socket` is not a connected stream socket (or a descriptor of one).
   * @throws NotSupportedError in browsers.
   */
  static fromSocket(socket: NodeSocket | number): Promise<SocketStream> {
    return adopt("SocketStream.fromSocket()", socket, false);
  }

  /** @internal Whether a receive is in progress (subclasses keep other reads out meanwhile). */
  protected get receiving(): boolean {
    return this.receiver !== undefined;
  }

  /** @internal Whether a send is in progress. */
  protected get sending(): boolean {
    return this.sender !== undefined;
  }

  /** @internal Whether {@link aclose} ran. */
  protected get isClosed(): boolean {
    return this.closed;
  }

  /** The stream's typed attributes (see the class summary). Never a checkpoint. */
  override get extraAttributes(): TypedAttributeMap {
    const addresses = this.transport.addresses;
    const family = addresses.family;
    const local = () => this.address(() => addresses.local);
    const remote = () => this.address(() => addresses.remote!);
    const attributes: Record<symbol, () => unknown> = {
      [SocketAttribute.family]: () => family,
      [SocketAttribute.localAddress]: local,
      [SocketAttribute.remoteAddress]: remote,
      [SocketAttribute.rawSocket]: () => this.transport.raw,
    };
    if (family !== "unix") {
      attributes[SocketAttribute.localPort] = () => (local() as readonly [string, number])[1];
      attributes[SocketAttribute.remotePort] = () => (remote() as readonly [string, number])[1];
    }
    return attributes;
  }

  /**
   * One of the socket's addresses. The host reads each from the socket when it is first asked
   * for (a system call a connection whose addresses nobody reads never makes), so after
   * {@link aclose} they raise `ClosedResourceError`, as the socket's own calls would.
   */
  private address(read: () => string | readonly [string, number]): string | readonly [string, number] {
    if (this.closed) throw closedSocket(this.kind);
    try {
      return read();
    } catch (error) {
      throw this.failure ?? brokenSocket(error);
    }
  }

  /**
   * Up to `maxBytes` bytes that arrived from the peer, waiting for some if none has. Never empty.
   *
   * This is a checkpoint, and the checkpoint comes first. A cancelled receive has taken nothing:
   * the bytes stay for the next one.
   *
   * @param maxBytes - the most bytes to return, a positive integer.
   * @default maxBytes 65536
   * @example
   * ```ts
   * const data = await stream.receive(1024);
   * ```
   * @throws EndOfStream once the peer finished sending and every byte was returned.
   * @throws BrokenResourceError if the connection failed (reset): the host's error is its `cause`.
   * @throws ClosedResourceError after {@link aclose} (also while waiting).
   * @throws BusyResourceError if another task is already receiving.
   * @throws TypeError if `maxBytes` is not a number; RangeError if it is not a positive integer.
   */
  receive(maxBytes = 65536): Promise<Uint8Array> {
    const invalid = positiveIntegerError(maxBytes, "maxBytes");
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.startReceive(maxBytes, false);
  }

  /** Starts a receive (or, when `iterating`, a `for await` step); see {@link receive}. */
  private startReceive(maxBytes: number, iterating: boolean): Promise<any> {
    if (this.receiver !== undefined) return Promise.reject(new BusyResourceError("reading from"));
    const frame = currentFrame();
    if (frame === undefined) return outsideTask(`${this.kind}.receive()`);
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const waiter = new Waiter<any>(frame, this.withdrawReceive).waitsFor("operation", "a socket receive");
    this.receiver = waiter;
    this.receiveLimit = maxBytes;
    this.receiverIterating = iterating;
    if (this.mustWait()) {
      // Nothing can end this receive before a later macrotask brings bytes (or the end, or a
      // failure): the wait is the scheduling point, so the receive takes them as they come.
      this.receiverReady = true;
      this.transport.want?.(maxBytes);
      return waiter.promise;
    }
    yieldMacrotask(() => {
      if (this.receiver !== waiter) return;
      this.receiverReady = true;
      this.pumpReceive();
    });
    return waiter.promise;
  }

  /** Whether a receive starting now has to wait for an event from a later macrotask. */
  private mustWait(): boolean {
    return (
      this.queue.size === 0 &&
      !this.closed &&
      !this.peerEnded &&
      !this.transportClosed &&
      this.failure === undefined &&
      this.transport.quiet()
    );
  }

  /**
   * Sends all of `data`: hands it to the host in one write and resolves once the host passed it
   * to the kernel, so it survives an immediate {@link aclose}.
   *
   * This is a checkpoint. A send called in a cancelled scope sends nothing. A send cancelled
   * later, while its bytes wait for the kernel, raises `Cancelled` but its bytes stay queued and
   * go out, whole, before any later send's.
   *
   * @example
   * ```ts
   * await stream.send(new TextEncoder().encode("hello"));
   * ```
   * @throws BrokenResourceError if the connection failed (`EPIPE`, `ECONNRESET`: the host's error is its `cause`).
   * @throws ClosedResourceError after {@link aclose} or {@link sendEof} (also while waiting).
   * @throws BusyResourceError if another task is already sending.
   * @throws TypeError if `data` is not a `Uint8Array`.
   */
  send(data: Uint8Array): Promise<void> {
    if (!(data instanceof Uint8Array)) {
      return Promise.reject(new TypeError(`Expected \`data\` to be a Uint8Array, got ${describeValue(data)}`));
    }
    if (this.sender !== undefined) return Promise.reject(new BusyResourceError("writing to"));
    const frame = currentFrame();
    if (frame === undefined) return outsideTask(`${this.kind}.send()`);
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const waiter = new Waiter<void>(frame, this.withdrawSend).waitsFor("operation", "a socket send");
    this.sender = waiter;
    // The write starts now and the checkpoint's macrotask runs beside it: the send resolves once
    // both are over, so it is a scheduling point that costs no latency of its own.
    let outcome: Error | null | undefined; // undefined until the write is over; null: it succeeded
    let yielded = false;
    const finish = (): void => {
      if (this.sender !== waiter) return; // cancelled or closed meanwhile: the outcome goes to the next operation
      this.sender = undefined;
      if (outcome) waiter.fail(outcome);
      else waiter.wake();
    };
    yieldMacrotask(() => {
      yielded = true;
      if (outcome !== undefined) finish();
    });
    const refusal = this.sendRefusal();
    if (refusal !== undefined) outcome = refusal;
    else if (data.length === 0) outcome = null;
    else {
      this.writing = waiter;
      this.transport.write(data, (error) => {
        if (this.writing === waiter) this.writing = undefined;
        if (error) this.failure ??= brokenSocket(error);
        outcome = error ? (this.closed ? closedSocket(this.kind) : this.failure!) : null;
        if (yielded) finish();
      });
    }
    return waiter.promise;
  }

  /**
   * Half-closes the connection: the peer sees the end of our data (FIN) after every byte already
   * sent, and we can still receive. Calling it again does nothing.
   *
   * This is a checkpoint, and the checkpoint comes first.
   *
   * @example
   * ```ts
   * await stream.send(request);
   * await stream.sendEof();
   * const reply = await stream.receive(); // the peer still answers
   * ```
   * @throws ClosedResourceError after {@link aclose}.
   * @throws BrokenResourceError if the connection already failed.
   */
  sendEof(): Promise<void> {
    const frame = currentFrame();
    if (frame === undefined) return outsideTask(`${this.kind}.sendEof()`);
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const waiter = new Waiter<void>(frame).waitsFor("operation", "a socket's sendEof()");
    yieldMacrotask(() => {
      if (waiter.settled) return;
      if (this.closed) return void waiter.fail(closedSocket(this.kind));
      if (!this.eofSent) {
        if (this.failure !== undefined) return void waiter.fail(this.failure);
        this.eofSent = true;
        this.transport.end();
      }
      waiter.wake();
    });
    return waiter.promise;
  }

  /**
   * Closes the socket at once; tasks waiting in `receive()` or `send()` get
   * `ClosedResourceError`, and every later operation raises it. Bytes whose `send()` returned
   * are already in the kernel and still reach the peer (then the peer sees the end); bytes of a
   * cancelled `send()` that the kernel had not taken yet are discarded. It never waits for the
   * peer, so it is the same in a cancelled scope. Closing again does nothing. Never a checkpoint.
   *
   * @example
   * ```ts
   * await stream.aclose();
   * ```
   */
  aclose(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const receiver = this.receiver;
    if (receiver !== undefined || this.sender !== undefined) {
      const error = closedSocket(this.kind);
      this.withdrawReceive();
      receiver?.fail(error);
      this.failSender(error);
    }
    this.writing = undefined;
    this.dropQueue();
    // Invariant: the host handle is released before aclose() returns (no socket outlives its owner).
    this.transport.destroy();
    return Promise.resolve();
  }

  /** Closes the stream at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /**
   * Iterates over chunks of at most 65536 bytes until the peer finishes sending. Each step is a
   * checkpoint; leaving the loop early does not close the stream.
   *
   * @example
   * ```ts
   * for await (const chunk of stream) process(chunk);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    // Each step is a receive whose waiter resolves to the iterator result itself: no wrapper
    // promise between the bytes and the loop, so a step that took bytes always delivers them.
    return iteratorOf<Uint8Array>(() => this.startReceive(65536, true));
  }

  /** Why a send cannot go ahead now, if it cannot. */
  private sendRefusal(): Error | undefined {
    if (this.closed) return closedSocket(this.kind);
    if (this.failure !== undefined) return this.failure;
    if (this.eofSent) return new ClosedResourceError(`This ${this.kind}'s sending side was closed by sendEof()`);
    if (this.transportClosed) return brokenSocket(new Error("the socket was closed"));
    return undefined;
  }

  /** @internal The host's `end` event: the peer sent FIN. */
  _peerEnd(): void {
    this.peerEnded = true;
    this.pumpReceive();
  }

  /** @internal The host's `error` event. */
  _hostError(error: Error): void {
    this.failure ??= brokenSocket(error);
    this.pumpReceive();
    if (this.hasWritingSender()) this.failSender(this.failure);
  }

  /** @internal The host's `close` event. */
  _hostClose(): void {
    this.transportClosed = true;
    this.pumpReceive();
    // Errors are made only for a task that gets one: an error object (its stack) costs more
    // than the rest of a connection's close.
    if (this.hasWritingSender()) this.failSender(this.failure ?? brokenSocket(new Error("the socket was closed")));
  }

  /** @internal The host's `data` event. */
  _data(chunk: Uint8Array): void {
    if (this.closed) return;
    this.queue.push(chunk);
    queuedEverywhere += chunk.length;
    // Bytes come from the host's read callback, a macrotask after any receive already waiting
    // for its turn (the host's resume replays buffered bytes from process.nextTick, which runs
    // before the woken receiver can call again): their arrival is that receive's scheduling
    // point as much as its own macrotask is, so it takes them now.
    if (this.receiver !== undefined) {
      this.receiverReady = true;
      this.pumpReceive();
    }
    if (
      !this.paused &&
      (this.queue.size >= HIGH_WATER || (this.queue.size >= SHARED_HIGH_WATER && queuedEverywhere >= SHARED_BUDGET))
    ) {
      this.paused = true;
      this.transport.pause();
    }
  }

  /**
   * Ends the waiting receive if it can end now.
   * Invariant: bytes leave the queue only here, in the step that wakes the receiver.
   */
  private pumpReceive(): void {
    const waiter = this.receiver;
    if (waiter === undefined || !this.receiverReady) return;
    let error: Error | undefined;
    if (this.closed) error = closedSocket(this.kind);
    else if (this.queue.size > 0) {
      const bytes = this.take(this.receiveLimit);
      this.withdrawReceive();
      waiter.wake(this.receiverIterating ? { value: bytes, done: false } : bytes);
      return;
    } else if (this.failure !== undefined) error = this.failure;
    else if (this.peerEnded) {
      if (this.receiverIterating) {
        this.withdrawReceive();
        waiter.wake(DONE);
        return;
      }
      error = new EndOfStream("The peer closed the connection");
    } else if (this.transportClosed) error = this.failure = brokenSocket(new Error("the socket was closed"));
    else {
      // Wait for data (a transport that reads only when asked is asked now).
      this.transport.want?.(this.receiveLimit);
      return;
    }
    this.withdrawReceive();
    waiter.fail(error);
  }

  /** Removes and returns up to `limit` queued bytes (from one chunk), and reads again if it may. */
  private take(limit: number): Uint8Array {
    const bytes = this.queue.take(limit);
    queuedEverywhere -= bytes.length;
    const queued = this.queue.size;
    // An empty queue always reads again, so every stream keeps making progress whatever the others hold.
    if (this.paused && (queued === 0 || (queued < HIGH_WATER / 2 && queuedEverywhere < SHARED_BUDGET))) {
      this.paused = false;
      this.transport.resume();
    }
    return bytes;
  }

  private dropQueue(): void {
    queuedEverywhere -= this.queue.size;
    this.queue.clear();
  }

  private failSender(error: Error): void {
    const sender = this.sender;
    this.sender = undefined;
    this.writing = undefined;
    sender?.fail(error);
  }

  /** Whether a send in progress has its bytes with the host (a send still in its checkpoint finds out itself). */
  private hasWritingSender(): boolean {
    return !this.closed && this.sender !== undefined && this.sender === this.writing;
  }
}

/**
 * The host's events for one stream: one small object whose methods live on the prototype,
 * where closures would cost four functions and their context for every open connection.
 */
class SocketEvents implements StreamEvents {
  constructor(private readonly stream: SocketStream) {}

  data(chunk: Uint8Array): void {
    this.stream._data(chunk);
  }

  end(): void {
    this.stream._peerEnd();
  }

  error(error: Error): void {
    this.stream._hostError(error);
  }

  close(): void {
    this.stream._hostClose();
  }
}

/** What both `fromSocket()`s do: the checkpoint, then the host's checks and the wrap. */
export function adopt(what: string, socket: unknown, unixOnly: boolean): Promise<SocketStream> {
  let host;
  try {
    host = netHost.get(what);
  } catch (error) {
    return Promise.reject(error);
  }
  const frame = currentFrame();
  if (frame === undefined) return outsideTask(what);
  if (frame.scope._effectivelyCancelled) return cancelled(frame);
  const waiter = new Waiter<SocketStream>(frame).waitsFor("operation", "fromSocket()");
  yieldMacrotask(() => {
    if (waiter.settled) return;
    let transport: StreamTransport;
    try {
      transport = host.adoptSocket(socket, unixOnly);
    } catch (error) {
      return void waiter.fail(error);
    }
    waiter.wake(transport.addresses.family === "unix" ? makeUnixStream(transport) : new SocketStream(transport));
  });
  return waiter.promise;
}

/** Set by unix-socket-stream.ts (which extends this class) to make its streams without a cycle. */
let makeUnixStream: (transport: StreamTransport) => SocketStream = (transport) => new SocketStream(transport);

/** @internal */
export function setUnixStreamFactory(factory: (transport: StreamTransport) => SocketStream): void {
  makeUnixStream = factory;
}
