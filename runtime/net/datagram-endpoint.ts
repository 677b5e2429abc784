/**
 * What `UDPSocket` and `ConnectedUDPSocket` share: the queue of datagrams that arrived while no
 * receive waited, one receive and one send at a time, closing, and the socket's asynchronous
 * errors. Internal; host-neutral (the socket is a {@link DatagramTransport}).
 *
 * Receiving: datagrams arrive whenever the host reads them. One that arrives while a receive is
 * parked goes straight to it, in the same synchronous step that wakes its waiter; otherwise it
 * joins the queue (at most {@link RECEIVE_QUEUE_LIMIT}; then the oldest is dropped, as a full
 * kernel buffer would). A receive is a checkpoint with one waiter for the whole call:
 *
 *   receive() ──► Waiter ──(one macrotask)──► queue not empty? ──► take the oldest, wake
 *                   │                                │ empty
 *                   └── cancelled: Cancelled          ▼
 *                       (took nothing)          parked: the next datagram wakes it
 *
 * so a datagram changes hands only in the step that ends the waiter: a cancelled receive took
 * none, and one that took a datagram returns it.
 *
 * Sending: a send is a checkpoint too, with a waiter parked in the caller's scope for its
 * one-macrotask yield (cancelled there, it sent nothing and is gone at once). Past that, it
 * hands the datagram to the host and resolves when the host says it reached the kernel. A
 * datagram handed over cannot be taken back, so from then on the send runs to completion and a
 * cancellation lands at the next checkpoint: its promise never says "Cancelled" about a
 * datagram that went out.
 */
import { currentFrame, tagPrimitive, Waiter, yieldMacrotask, type Frame } from "../rt";
import { BrokenResourceError, BusyResourceError, ClosedResourceError } from "../core/errors";
import { cancelled, outsideTask } from "../sync/checks";
import type { DatagramTransport } from "./udp-host";

/** How many datagrams wait for a receive before the oldest is dropped (AnyIO's figure). */
export const RECEIVE_QUEUE_LIMIT = 100;

/**
 * Errors that report an ICMP message about an earlier datagram (the peer's port was closed, a
 * host or network was unreachable). Datagrams are unreliable by contract: such a report breaks
 * nothing, so it is ignored when the socket reads it.
 */
const ICMP_ERRORS: ReadonlySet<string> = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN"]);

/**
 * The send in progress: its datagram, where it goes, the waiter of its checkpoint, and the
 * promise the caller awaits (which outlives the waiter: it settles when the host is done).
 */
class PendingSend {
  resolve!: () => void;
  reject!: (error: unknown) => void;
  readonly promise: Promise<void>;
  /** Parked in the caller's scope from the call until the datagram is handed over. */
  readonly waiter: Waiter<void>;
  /** What the host calls once the datagram reached the kernel (or failed to). */
  readonly done: (error: Error | null) => void;

  constructor(
    frame: Frame,
    readonly data: Uint8Array,
    readonly host: string | undefined,
    readonly port: number | undefined,
    endpoint: DatagramEndpoint<unknown>,
  ) {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.waiter = new Waiter<void>(frame, () => endpoint.withdrawSend(this)).waitsFor("operation", "a datagram send");
    // A cancelled checkpoint rejects the waiter with Cancelled: the send fails with it.
    this.waiter.promise.then(undefined, this.reject);
    this.done = (error) => endpoint.sent(this, error);
  }
}

export class DatagramEndpoint<P> {
  // A ring of the datagrams waiting for a receive, oldest at `head`.
  private readonly queue: Array<P | undefined> = new Array<P | undefined>(RECEIVE_QUEUE_LIMIT);
  private head = 0;
  private count = 0;
  /** The receive in progress, from its call until it ends. */
  private receiver: Waiter<unknown> | undefined = undefined;
  /** Whether that receive is past its checkpoint and waits for a datagram (the queue is then empty). */
  private receiverParked = false;
  /** Whether it resolves to an iterator result rather than the packet. */
  private receiverIterating = false;
  /** The send in progress, from its call until it ends. */
  private pending: PendingSend | undefined = undefined;
  private closed = false;
  /** The socket's asynchronous failure, raised by every later operation. */
  private failure: BrokenResourceError | undefined = undefined;

  /**
   * @param kind - the class name, for messages ("UDPSocket").
   * @param packet - builds what a receive returns from a datagram and its sender.
   * @param connected - whether the socket is connected: a later send's ECONNREFUSED (the peer's
   *   ICMP "port unreachable" about an earlier datagram) is then ignored.
   */
  constructor(
    readonly transport: DatagramTransport,
    private readonly kind: string,
    private readonly packet: (data: Uint8Array, host: string, port: number) => P,
    private readonly connected: boolean,
  ) {
    transport.attach(this.onDatagram, this.onError);
  }

  // --- Receiving ----------------------------------------------------------------------------------

  /** A receive (see the header); resolves to the packet, or to `{ value, done: false }` when `iterating`. */
  receive(iterating: boolean): Promise<any> {
    if (this.receiver !== undefined) return Promise.reject(new BusyResourceError("reading from"));
    const frame = currentFrame();
    if (frame === undefined) return outsideTask(`${this.kind}.receive()`);
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const waiter = new Waiter<unknown>(frame, this.withdrawReceive).waitsFor("operation", "a datagram receive");
    this.receiver = waiter;
    this.receiverIterating = iterating;
    yieldMacrotask(() => this.receiveStep(waiter));
    return waiter.promise;
  }

  /** Built once: what cancellation of the receive in progress runs (it took nothing). */
  private readonly withdrawReceive = (): void => {
    this.receiver = undefined;
    this.receiverParked = false;
  };

  private receiveStep(waiter: Waiter<unknown>): void {
    if (this.receiver !== waiter || waiter.settled) return;
    if (this.closed) return this.endReceive(waiter, undefined, this.closedError());
    if (this.count > 0) {
      const item = this.queue[this.head]!;
      this.queue[this.head] = undefined;
      this.head = (this.head + 1) % RECEIVE_QUEUE_LIMIT;
      this.count--;
      return this.endReceive(waiter, item);
    }
    if (this.failure !== undefined) return this.endReceive(waiter, undefined, this.failure);
    this.receiverParked = true;
  }

  private endReceive(waiter: Waiter<unknown>, item: P | undefined, error?: Error): void {
    this.receiver = undefined;
    this.receiverParked = false;
    if (error !== undefined) waiter.fail(error);
    else waiter.wake(this.receiverIterating ? { value: item, done: false } : item);
  }

  /** What the host calls for each datagram. */
  private readonly onDatagram = (data: Uint8Array, host: string, port: number): void => {
    if (this.closed) return;
    const item = this.packet(data, host, port);
    if (this.receiverParked) return this.endReceive(this.receiver!, item);
    if (this.count === RECEIVE_QUEUE_LIMIT) {
      // Full: the newest takes the oldest's place, which becomes the newest slot.
      this.queue[this.head] = item;
      this.head = (this.head + 1) % RECEIVE_QUEUE_LIMIT;
    } else {
      this.queue[(this.head + this.count) % RECEIVE_QUEUE_LIMIT] = item;
      this.count++;
    }
  };

  /** What the host calls for an asynchronous error of the socket (one not tied to a send). */
  private readonly onError = (error: Error): void => {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && ICMP_ERRORS.has(code)) return;
    if (this.closed || this.failure !== undefined) return;
    this.failure = new BrokenResourceError(`The ${this.kind}'s socket failed: ${error.message}`, { cause: error });
    if (this.receiverParked) this.endReceive(this.receiver!, undefined, this.failure);
  };

  // --- Sending ------------------------------------------------------------------------------------

  /** A send (see the header) of `data` to `host`/`port` (both undefined on a connected socket). */
  send(data: Uint8Array, host: string | undefined, port: number | undefined): Promise<void> {
    if (this.pending !== undefined) return Promise.reject(new BusyResourceError("writing to"));
    const frame = currentFrame();
    if (frame === undefined) return outsideTask(`${this.kind}.send()`);
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const pending = new PendingSend(frame, data, host, port, this as DatagramEndpoint<unknown>);
    this.pending = pending;
    yieldMacrotask(() => this.sendStep(pending));
    // A runtime operation's promise: compiled callers await it as it is (not raced), which is
    // right because it keeps the rules of one (checkpoint first, no result undone).
    return tagPrimitive(pending.promise);
  }

  /** @internal What cancellation of a send's checkpoint runs: it sent nothing, so it is simply gone. */
  withdrawSend(pending: PendingSend): void {
    if (this.pending === pending) this.pending = undefined;
  }

  private sendStep(pending: PendingSend): void {
    if (this.pending !== pending || pending.waiter.settled) return; // cancelled, or ended by close()
    // Past the checkpoint: from here on the send runs to completion.
    pending.waiter.wake();
    if (this.closed) return this.endSend(pending, this.closedError());
    if (this.failure !== undefined) return this.endSend(pending, this.failure);
    try {
      this.transport.send(pending.data, pending.host, pending.port, pending.done);
    } catch (error) {
      this.endSend(pending, error);
    }
  }

  /** @internal What the host's send callback calls (through `pending.done`). */
  sent(pending: PendingSend, error: Error | null): void {
    if (this.pending !== pending) return; // ended by close()
    const ignored = error !== null && this.connected && (error as { code?: unknown }).code === "ECONNREFUSED";
    this.endSend(pending, error === null || ignored ? undefined : error);
  }

  private endSend(pending: PendingSend, error?: unknown): void {
    this.pending = undefined;
    pending.waiter.wake(); // no-op once past the checkpoint
    if (error !== undefined) pending.reject(error);
    else pending.resolve();
  }

  // --- Closing and attributes ---------------------------------------------------------------------

  /** Closes the socket; operations in progress end with `ClosedResourceError`. Closing twice does nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const receiver = this.receiver;
    if (receiver !== undefined) this.endReceive(receiver, undefined, this.closedError());
    const pending = this.pending;
    if (pending !== undefined) this.endSend(pending, this.closedError());
    this.queue.fill(undefined);
    this.count = 0;
    this.transport.close();
  }

  /** Whether {@link close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The local `[host, port]`. @throws ClosedResourceError once closed. */
  localAddress(): [host: string, port: number] {
    if (this.closed) throw this.closedError();
    return this.transport.localAddress();
  }

  /** The peer's `[host, port]` (connected sockets). @throws ClosedResourceError once closed. */
  remoteAddress(): [host: string, port: number] {
    if (this.closed) throw this.closedError();
    return this.transport.remoteAddress();
  }

  private closedError(): ClosedResourceError {
    return new ClosedResourceError(`This ${this.kind} was closed and can no longer be used`);
  }
}
