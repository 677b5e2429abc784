/**
 * What `UNIXDatagramSocket` and `ConnectedUNIXDatagramSocket` share: one receive and one send
 * at a time, checkpoints, closing. Internal; host-neutral (the socket is a
 * {@link UnixDatagramTransport}).
 *
 * Unlike UDP, UNIX datagrams are never dropped by the kernel: a full receiver's queue holds the
 * sender back. So nothing is read ahead here (a datagram nobody asked for stays in the kernel,
 * which keeps that backpressure, as AnyIO's `sock_recvfrom` does), and a send waiting for room
 * has sent nothing, so it can be cancelled:
 *
 *   receive() ──► checkpoint ──► recvmsg() now or when readable, in the step that wakes the caller
 *   send()    ──► checkpoint ──► sendmsg() now or when the peer has room, in the step that wakes the caller
 *
 * Cancelled before that step, either has done nothing (the request is withdrawn from the host
 * in the same synchronous step as the cancellation).
 */
import { currentFrame, Waiter, yieldMacrotask } from "../rt";
import { BrokenResourceError, BusyResourceError, ClosedResourceError } from "../core/errors";
import { cancelled, outsideTask } from "../sync/checks";
import type { UnixDatagramTransport } from "./native-host";

/** One operation in progress: its waiter, and how to withdraw it from the host once asked. */
interface Operation<T> {
  readonly waiter: Waiter<T>;
  withdraw: (() => void) | undefined;
}

export class UnixDatagramEndpoint<P> {
  private receiver: Operation<unknown> | undefined;
  private sender: Operation<void> | undefined;
  private closed = false;

  /**
   * @param kind - the class name, for messages ("UNIXDatagramSocket").
   * @param packet - what a receive returns from a datagram and its sender.
   */
  constructor(
    readonly transport: UnixDatagramTransport,
    private readonly kind: string,
    private readonly packet: (data: Uint8Array, sender: string) => P,
  ) {}

  /** A receive; resolves to the packet, or to `{ value, done: false }` when `iterating`. */
  receive(iterating: boolean): Promise<any> {
    if (this.receiver !== undefined) return Promise.reject(new BusyResourceError("reading from"));
    const frame = currentFrame();
    if (frame === undefined) return outsideTask(`${this.kind}.receive()`);
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const operation: Operation<unknown> = {
      waiter: new Waiter<unknown>(frame, () => this.withdraw(operation)).waitsFor("operation", "a datagram receive"),
      withdraw: undefined,
    };
    this.receiver = operation;
    yieldMacrotask(() => {
      if (operation.waiter.settled) return;
      if (this.closed) return this.end(operation, this.closedError());
      operation.withdraw = this.transport.receive((error, data, sender) => {
        operation.withdraw = undefined;
        if (error !== null) {
          return this.end(
            operation,
            new BrokenResourceError(`The ${this.kind}'s socket failed: ${error.message}`, { cause: error }),
          );
        }
        const item = this.packet(data!, sender!);
        this.end(operation, undefined, iterating ? { value: item, done: false } : item);
      });
    });
    return operation.waiter.promise;
  }

  /** A send of `data` to `path` (undefined on a connected socket). */
  send(data: Uint8Array, path: string | undefined): Promise<void> {
    if (this.sender !== undefined) return Promise.reject(new BusyResourceError("writing to"));
    const frame = currentFrame();
    if (frame === undefined) return outsideTask(`${this.kind}.send()`);
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const operation: Operation<void> = {
      waiter: new Waiter<void>(frame, () => this.withdraw(operation)).waitsFor("operation", "a datagram send"),
      withdraw: undefined,
    };
    this.sender = operation;
    yieldMacrotask(() => {
      if (operation.waiter.settled) return;
      if (this.closed) return this.end(operation, this.closedError());
      operation.withdraw = this.transport.send(data, path, (error) => {
        operation.withdraw = undefined;
        // The host's own error for this datagram (ENOENT, ECONNREFUSED, EMSGSIZE): the socket goes on.
        this.end(operation, error ?? undefined);
      });
    });
    return operation.waiter.promise;
  }

  /** Closes the socket; operations in progress end with `ClosedResourceError`. Closing twice does nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.receiver !== undefined) this.end(this.receiver, this.closedError());
    if (this.sender !== undefined) this.end(this.sender, this.closedError());
    this.transport.close();
  }

  /** The bound path. @throws ClosedResourceError once closed. */
  localPath(): string {
    if (this.closed) throw this.closedError();
    return this.transport.localPath();
  }

  /** The peer's path. @throws ClosedResourceError once closed. */
  remotePath(): string {
    if (this.closed) throw this.closedError();
    return this.transport.remotePath();
  }

  /** Cancellation: the operation is withdrawn from the host, which then does nothing for it. */
  private withdraw(operation: Operation<any>): void {
    operation.withdraw?.();
    operation.withdraw = undefined;
    if (this.receiver === operation) this.receiver = undefined;
    if (this.sender === operation) this.sender = undefined;
  }

  private end<T>(operation: Operation<T>, error?: Error, value?: T): void {
    this.withdraw(operation);
    if (error !== undefined) operation.waiter.fail(error);
    else operation.waiter.wake(value as T);
  }

  private closedError(): ClosedResourceError {
    return new ClosedResourceError(`This ${this.kind} was closed and can no longer be used`);
  }
}
