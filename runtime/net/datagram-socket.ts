/**
 * What the four datagram socket classes (UDP and UNIX, connected and not) share: receiving,
 * iterating and closing, all through the socket's endpoint (datagram-endpoint.ts for UDP,
 * unix-datagram-endpoint.ts for UNIX sockets). Each class adds its own `send()`, attributes and
 * constructors.
 */
import { TypedAttributeProvider } from "../streams/typed-attributes";
import type { UnreliableObjectStream } from "../streams/types";

/** The part of a datagram endpoint this class uses. */
export interface DatagramSide {
  /** A receive (a `for await` step when `iterating`: it resolves to an iterator result). */
  receive(iterating: boolean): Promise<any>;
  /** Closes the socket; waiting operations get `ClosedResourceError`. */
  close(): void;
}

/**
 * A datagram socket as an unreliable object stream of `T` (a datagram, or a datagram with its
 * peer's address). One task at a time may receive, and one may send.
 */
export abstract class DatagramSocket<T, E extends DatagramSide>
  extends TypedAttributeProvider
  implements UnreliableObjectStream<T>
{
  /** @internal */
  protected readonly endpoint: E;

  /** @internal */
  protected constructor(endpoint: E) {
    super();
    this.endpoint = endpoint;
  }

  /**
   * The next datagram (with its sender's address on an unconnected socket): the oldest queued
   * one, or the next to arrive. Never raises `EndOfStream`.
   *
   * This is a checkpoint, and the checkpoint comes first: a cancelled receive takes no datagram
   * (it stays queued for the next receive).
   *
   * @example
   * ```ts
   * const datagram = await socket.receive();
   * ```
   * @throws ClosedResourceError if the socket was closed (also while waiting).
   * @throws BrokenResourceError if the socket failed (the host's error is its `cause`).
   * @throws BusyResourceError if another task is already receiving.
   * @throws Cancelled if the task is cancelled before a datagram is handed over.
   * @throws NoCurrentTaskError outside `run()`.
   */
  receive(): Promise<T> {
    return this.endpoint.receive(false);
  }

  /** Sends one datagram; see each class for its form. This is a checkpoint. */
  abstract send(item: T): Promise<void>;

  /**
   * Iterates over the datagrams as `receive()` returns them; the loop never
   * ends by itself (only by cancellation, `break`, or an error such as `ClosedResourceError`).
   * Each step is a checkpoint. Leaving the loop does not close the socket.
   *
   * @example
   * ```ts
   * for await (const datagram of socket) await socket.send(datagram);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    const iterator: AsyncIterableIterator<T> = {
      next: () => this.endpoint.receive(true) as Promise<IteratorResult<T>>,
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * Closes the socket (a UDP port is free again when this returns); a task waiting in
   * `receive()` or `send()` gets `ClosedResourceError`, and so does every later operation.
   * Closing again does nothing. Never a checkpoint: it closes even in a cancelled scope.
   *
   * @example
   * ```ts
   * await socket.aclose();
   * ```
   */
  aclose(): Promise<void> {
    this.endpoint.close();
    return Promise.resolve();
  }

  /** Closes the socket at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
}
