"use structured";
/**
 * `SocketListener`: a listening TCP or UNIX server as our `Listener`.
 *
 * The host accepts connections as they come; the listener queues those that arrive while no
 * `accept()` waits, at most `backlog` of them (beyond that a new connection is destroyed at once,
 * so a flood of clients cannot exhaust memory). An `accept()` takes a connection out of the queue
 * only in the step that wakes it, so a cancelled `accept()` loses none.
 */
import { currentFrame, Waiter, yieldMacrotask } from "../rt";
import { checkpoint } from "../core/checkpoint";
import { BusyResourceError } from "../core/errors";
import { createTaskGroup, type TaskGroup } from "../core/task-group";
import { checkFunction } from "../core/validate";
import { cancelled, outsideTask } from "../sync/checks";
import { SocketAttribute, TypedAttributeProvider, type TypedAttributeMap } from "../streams/typed-attributes";
import type { Listener, ListenerHandler } from "../streams/types";
import type { NodeServer } from "../platform/node/net";
import { netHost, type ListenerTransport, type StreamTransport } from "./host";
import { hostCall } from "./host-call";
import { brokenSocket, closedSocket, SocketStream } from "./socket-stream";
import { UNIXSocketStream } from "./unix-socket-stream";

/** The most connections waiting for `accept()`, and the default `backlog`. */
export const MAX_BACKLOG = 65536;

/**
 * A listening socket (TCP or UNIX) that hands out one {@link SocketStream} per connection, made
 * by `createTcpListener()` (inside a `MultiListener`), `createUnixListener()` or
 * {@link SocketListener.fromSocket}.
 *
 * Typed attributes (`SocketAttribute`): `family`, `localAddress`, `rawSocket` (the
 * `net.Server`), and `localPort` for TCP.
 *
 * @example
 * ```ts
 * await using listener = await createUnixListener("/tmp/echo.sock");
 * await listener.serve(async (stream) => {
 *   await using _ = stream;
 *   for await (const chunk of stream) await stream.send(chunk);
 * });
 * ```
 */
export class SocketListener<T extends SocketStream = SocketStream>
  extends TypedAttributeProvider
  implements Listener<T>
{
  /** Accepted connections not yet handed out, oldest first. */
  private readonly pending: StreamTransport[] = [];
  private accepter: Waiter<T> | undefined;
  private accepterReady = false;
  private closed = false;
  private failure: Error | undefined;
  private readonly withdraw = (): void => {
    this.accepter = undefined;
    this.accepterReady = false;
  };

  /** @internal Made by the networking functions; use {@link SocketListener.fromSocket} for a server of your own. */
  constructor(
    /** @internal */ private readonly transport: ListenerTransport,
    /** @internal */ private readonly backlog: number,
  ) {
    super();
    transport.start({
      connection: (connection) => {
        if (this.closed || this.pending.length >= this.backlog) return connection.destroy();
        this.pending.push(connection);
        // Connections come from the host's accept callbacks, each a macrotask after an accept
        // waiting for its turn: the arrival is that turn.
        if (this.accepter !== undefined) this.accepterReady = true;
        this.pump();
      },
      error: (error) => {
        this.failure ??= brokenSocket(error);
        this.pump();
      },
    });
  }

  /**
   * Takes ownership of a listening `net.Server`, or of a bound socket descriptor (which it then
   * listens on). This is a checkpoint.
   *
   * @example
   * ```ts
   * const server = net.createServer().listen(0);
   * await once(server, "listening");
   * const listener = await SocketListener.fromSocket(server);
   * ```
   * @throws TypeError if `server` is not a listening server or a descriptor.
   * @throws NotSupportedError in browsers.
   */
  static async fromSocket(server: NodeServer | number): Promise<SocketListener> {
    const host = netHost.get("SocketListener.fromSocket()");
    await checkpoint();
    const transport = await hostCall<ListenerTransport>(
      "SocketListener.fromSocket()",
      (done) => host.adoptServer(server, done),
      (listener) => listener.close(),
    );
    return new SocketListener(transport, MAX_BACKLOG);
  }

  /** The listener's typed attributes (see the class summary). Never a checkpoint. */
  override get extraAttributes(): TypedAttributeMap {
    const { family, local } = this.transport.addresses;
    const attributes: Record<symbol, () => unknown> = {
      [SocketAttribute.family]: () => family,
      [SocketAttribute.localAddress]: () => local,
      [SocketAttribute.rawSocket]: () => this.transport.raw,
    };
    if (typeof local !== "string") attributes[SocketAttribute.localPort] = () => local[1];
    return attributes;
  }

  /**
   * The next incoming connection, waiting for one if none is queued.
   *
   * This is a checkpoint, and the checkpoint comes first. A cancelled accept took no connection:
   * it stays queued for the next one.
   *
   * @example
   * ```ts
   * await using stream = await listener.accept();
   * ```
   * @throws ClosedResourceError after {@link aclose} (also while waiting).
   * @throws BrokenResourceError if the server failed (the host's error is its `cause`).
   * @throws BusyResourceError if another task is already accepting.
   */
  accept(): Promise<T> {
    if (this.accepter !== undefined) return Promise.reject(new BusyResourceError("accepting connections from"));
    const frame = currentFrame();
    if (frame === undefined) return outsideTask("SocketListener.accept()");
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const waiter = new Waiter<T>(frame, this.withdraw).waitsFor("operation", "a listener accept");
    this.accepter = waiter;
    if (this.pending.length === 0 && this.failure === undefined && !this.closed) {
      // The host reports connections from the callbacks of its accept loop, each a macrotask of
      // its own: with none queued, the wait for one is the scheduling point, so no extra turn.
      this.accepterReady = true;
      return waiter.promise;
    }
    yieldMacrotask(() => {
      if (this.accepter !== waiter) return;
      this.accepterReady = true;
      this.pump();
    });
    return waiter.promise;
  }

  /**
   * Accepts connections forever and runs `handler(stream)` for each in `taskGroup` (or in a task
   * group of its own). The handler owns the stream and should close it. Never returns normally:
   * it ends with the error of `accept()` (`ClosedResourceError` after {@link aclose}) or by
   * cancellation. This is a checkpoint.
   *
   * @example
   * ```ts
   * await listener.serve(async (stream) => {
   *   await using _ = stream;
   *   await stream.send(await stream.receive());
   * });
   * ```
   * @throws TypeError if `handler` is not a function.
   */
  async serve(handler: ListenerHandler<T>, taskGroup?: TaskGroup): Promise<void> {
    checkFunction("handler", handler);
    if (taskGroup !== undefined) {
      for (;;) {
        const stream = await this.accept();
        taskGroup.startSoon(handler, stream);
      }
    }
    await using tg = createTaskGroup();
    for (;;) {
      const stream = await this.accept();
      tg.startSoon(handler, stream);
    }
  }

  /**
   * Stops listening: a task waiting in `accept()` gets `ClosedResourceError`, connections still
   * queued are destroyed, and a UNIX listener's socket file is removed. Closing again does
   * nothing. Never a checkpoint.
   *
   * @example
   * ```ts
   * await listener.aclose();
   * ```
   */
  aclose(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.pump();
    for (const connection of this.pending.splice(0)) connection.destroy();
    this.transport.close();
    return Promise.resolve();
  }

  /** Closes the listener at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /**
   * Ends the waiting accept if it can end now.
   * Invariant: a connection leaves the queue only here, in the step that wakes the accepter.
   */
  private pump(): void {
    const waiter = this.accepter;
    if (waiter === undefined) return;
    if (this.closed) {
      this.withdraw();
      waiter.fail(closedSocket("SocketListener"));
      return;
    }
    if (!this.accepterReady) return;
    const connection = this.pending.shift();
    if (connection !== undefined) {
      this.withdraw();
      const stream =
        connection.addresses.family === "unix" ? new UNIXSocketStream(connection) : new SocketStream(connection);
      waiter.wake(stream as T);
      return;
    }
    if (this.failure !== undefined) {
      this.withdraw();
      waiter.fail(this.failure);
    }
  }
}
