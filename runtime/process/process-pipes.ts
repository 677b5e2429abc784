/**
 * The byte streams over a child's standard pipes: `Process.stdout` and `Process.stderr` read a
 * pipe (a Node `Readable`), `Process.stdin` writes one (a Node `Writable`). Internal: users get
 * them as `ByteReceiveStream` and `ByteSendStream`.
 *
 * Invariants (the shape of the Node stream adapters):
 * - One operation at a time per pipe; a second concurrent one is refused with `BusyResourceError`.
 * - Every operation is a checkpoint first, parked in the caller's scope with one `Waiter`.
 * - Data moves only in the synchronous step that wakes that waiter: a cancelled receive has
 *   taken nothing from the queue and a cancelled send has written nothing, and one that moved
 *   data returns normally (the cancellation lands at the next checkpoint).
 * - An output pipe is read ahead into a queue of at most about 256 KiB, then reading stops until
 *   a receive empties it, so a child that writes faster than we read blocks on a full pipe
 *   (backpressure); a send waits for `'drain'` once the pipe's buffer is past its high-water mark.
 */
import { currentFrame, Waiter, yieldMacrotask } from "../rt";
import { BrokenResourceError, BusyResourceError, ClosedResourceError, EndOfStream } from "../core/errors";
import { cancelled, outsideTask } from "../sync/checks";
import { DONE, asBytes, iteratorOf, OperationSlot } from "../streams/adapter-support";
import { ByteQueue } from "../streams/byte-queue";
import { positiveIntegerError } from "../streams/stream-helpers";
import { TypedAttributeProvider } from "../streams/typed-attributes";
import type { ByteReceiveStream, ByteSendStream } from "../streams/types";
import type { Readable, Writable } from "./host";

function closedPipe(name: string): ClosedResourceError {
  return new ClosedResourceError(`The process's ${name} was closed and can no longer be used`);
}

function brokenPipe(name: string, cause: unknown): BrokenResourceError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new BrokenResourceError(`The process's ${name} failed: ${detail}`, { cause });
}

/**
 * Bytes read ahead from an output pipe before reading stops (the child then blocks once the
 * kernel's pipe buffer is full too). Reading pauses at this mark and resumes only once a receive
 * emptied the queue, so a reader that keeps up never stops and restarts the host's reading per
 * chunk (two `epoll_ctl` calls and a failed `read` each time, as reading on demand did).
 */
const READ_AHEAD = 256 * 1024;

/** Reads one of the child's output pipes: stdout or stderr (or both merged). */
export class ProcessReceiveStream extends TypedAttributeProvider implements ByteReceiveStream {
  /** Bytes read from the pipe and not yet returned. */
  private readonly queue = new ByteQueue();
  private paused = false;
  /** The receive in progress. */
  private current: Waiter<any> | undefined = undefined;
  /** The step of the receive in progress, run again at the pipe's next event. */
  private retry: (() => void) | undefined = undefined;
  private ended = false;
  private failure: Error | undefined = undefined;
  private closed = false;
  /** Built once: what cancellation of a receive runs (it has taken nothing). */
  private readonly withdraw = (): void => {
    this.current = undefined;
    this.retry = undefined;
  };

  /** @internal */
  constructor(
    private readonly readable: Readable,
    private readonly name: string,
  ) {
    super();
    // Permanent listeners: 'data' reads ahead into the queue (flowing mode, paused at
    // READ_AHEAD); 'error' never goes unhandled.
    readable.on("data", (chunk: unknown) => {
      if (this.closed) return;
      let bytes: Uint8Array;
      try {
        bytes = asBytes(chunk);
      } catch (error) {
        this.failure ??= brokenPipe(name, error);
        return this.poke();
      }
      if (bytes.length === 0) return;
      this.queue.push(bytes);
      if (!this.paused && this.queue.size >= READ_AHEAD) {
        this.paused = true;
        readable.pause();
      }
      this.poke();
    });
    readable.on("end", () => {
      this.ended = true;
      this.poke();
    });
    readable.on("error", (error: Error) => {
      this.failure ??= brokenPipe(name, error);
      this.poke();
    });
    readable.on("close", this.poke);
  }

  private readonly poke = (): void => {
    const retry = this.retry;
    this.retry = undefined;
    retry?.();
  };

  /**
   * At most `maxBytes` bytes the child wrote, waiting for some if needed. This is a checkpoint.
   * @throws EndOfStream once the child's end of the pipe is closed and everything was read.
   * @throws ClosedResourceError after `aclose()` (of this stream or of the process).
   * @throws BusyResourceError while another task is receiving.
   */
  receive(maxBytes = 65536): Promise<Uint8Array> {
    const invalid = positiveIntegerError(maxBytes, "maxBytes");
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.start(maxBytes, false);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return iteratorOf<Uint8Array>(() => this.start(65536, true));
  }

  /**
   * Starts a receive: the checkpoint first (a cancelled task takes nothing), then the step.
   * When nothing is queued the receive must wait for a later event of the pipe anyway, and
   * that wait is its scheduling point; otherwise one macrotask passes before it takes bytes.
   */
  private start(maxBytes: number, iterating: boolean): Promise<any> {
    if (this.current !== undefined) return Promise.reject(new BusyResourceError("receiving from"));
    const frame = currentFrame();
    if (frame === undefined) return outsideTask(`Process.${this.name}.receive()`);
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const waiter = new Waiter<any>(frame, this.withdraw).waitsFor("operation", "a child process's output");
    this.current = waiter;
    if (this.mustWait()) {
      this.retry = () => this.step(waiter, maxBytes, iterating);
    } else {
      yieldMacrotask(() => this.step(waiter, maxBytes, iterating));
    }
    return waiter.promise;
  }

  /** Whether nothing can end a receive before the pipe's next event. */
  private mustWait(): boolean {
    const readable = this.readable;
    return (
      this.queue.size === 0 &&
      !this.closed &&
      !this.ended &&
      this.failure === undefined &&
      readable.readableLength === 0 &&
      !readable.readableEnded &&
      !readable.destroyed
    );
  }

  private settle(waiter: Waiter<any>, value: unknown, error?: Error): void {
    this.current = undefined;
    if (error !== undefined) waiter.fail(error);
    else waiter.wake(value);
  }

  private step(waiter: Waiter<any>, maxBytes: number, iterating: boolean): void {
    if (waiter.settled || this.current !== waiter) return;
    if (this.closed) return this.settle(waiter, undefined, closedPipe(this.name));
    // Invariant: bytes leave the queue only in the step that ends the waiter, so a cancelled
    // receive has taken nothing.
    if (this.queue.size > 0) {
      const bytes = this.take(maxBytes);
      return this.settle(waiter, iterating ? { value: bytes, done: false } : bytes);
    }
    if (this.failure !== undefined) return this.settle(waiter, undefined, this.failure);
    const readable = this.readable;
    if (this.ended || readable.readableEnded) {
      if (iterating) return this.settle(waiter, DONE);
      return this.settle(waiter, undefined, new EndOfStream(`The process's ${this.name} has ended`));
    }
    if (readable.destroyed) {
      this.failure = brokenPipe(this.name, readable.errored ?? new Error("the pipe was destroyed before it ended"));
      return this.settle(waiter, undefined, this.failure);
    }
    this.retry = () => this.step(waiter, maxBytes, iterating);
  }

  /** Removes and returns up to `limit` queued bytes (from one chunk); reading resumes once the queue is empty. */
  private take(limit: number): Uint8Array {
    const bytes = this.queue.take(limit);
    if (this.paused && this.queue.size === 0) {
      this.paused = false;
      this.readable.resume();
    }
    return bytes;
  }

  /**
   * Closes our end of the pipe; a task waiting in `receive()` gets `ClosedResourceError`, and a
   * child that writes more gets `EPIPE`/SIGPIPE. Closing again does nothing. Never a checkpoint.
   */
  aclose(): Promise<void> {
    this.closeNow();
    return Promise.resolve();
  }

  /** @internal {@link aclose}, synchronously (for `Process.aclose()`). */
  closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    this.retry = undefined;
    this.queue.clear();
    const waiting = this.current;
    this.current = undefined;
    waiting?.fail(closedPipe(this.name));
    if (!this.readable.destroyed) this.readable.destroy();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
}

/** Writes the child's stdin pipe. */
export class ProcessSendStream extends TypedAttributeProvider implements ByteSendStream {
  private readonly slot: OperationSlot<void>;
  private retry: (() => void) | undefined = undefined;
  private failure: Error | undefined = undefined;
  private closed = false;

  /** @internal */
  constructor(private readonly writable: Writable) {
    super();
    this.slot = new OperationSlot<void>("Process.stdin.send()", "sending to the process's stdin", () => {
      this.retry = undefined;
    });
    writable.on("drain", this.poke);
    writable.on("error", (error: Error) => {
      this.failure ??= brokenPipe("stdin", error);
      this.poke();
    });
    writable.on("close", this.poke);
  }

  private readonly poke = (): void => {
    const retry = this.retry;
    this.retry = undefined;
    retry?.();
  };

  /**
   * Writes `data` to the child's stdin, first waiting for `'drain'` while the pipe's buffer is
   * full. This is a checkpoint.
   * @throws BrokenResourceError once the child's end is closed (the Node error, `EPIPE` or
   *   `ERR_STREAM_DESTROYED`, is the `cause`).
   * @throws ClosedResourceError after `aclose()` (of this stream or of the process).
   * @throws BusyResourceError while another task is sending.
   */
  send(data: Uint8Array): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = asBytes(data);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.slot.start((waiter) => this.step(waiter, bytes));
  }

  private step(waiter: Waiter<void>, data: Uint8Array): void {
    if (waiter.settled) return;
    if (this.closed) return this.slot.settle(waiter, undefined, closedPipe("stdin"));
    if (this.failure !== undefined) return this.slot.settle(waiter, undefined, this.failure);
    const writable = this.writable;
    if (writable.destroyed || writable.writableEnded) {
      if (writable.errored) {
        this.failure = brokenPipe("stdin", writable.errored);
        return this.slot.settle(waiter, undefined, this.failure);
      }
      // Node destroys a child's stdin when the child exits: a write now fails with Node's own
      // ERR_STREAM_DESTROYED, which becomes the cause. Nothing is written.
      writable.write(data, (error) => {
        this.failure ??= brokenPipe("stdin", error ?? new Error("the pipe was closed"));
        if (!waiter.settled) this.slot.settle(waiter, undefined, this.failure);
      });
      return;
    }
    if (writable.writableNeedDrain) {
      this.retry = () => this.step(waiter, data);
      return;
    }
    writable.write(data);
    this.slot.settle(waiter, undefined);
  }

  /**
   * Closes the child's stdin (what was sent is still delivered; the child reads the end after
   * it), without waiting for the child to read it: a child that never reads cannot block the
   * close. A task waiting in `send()` gets `ClosedResourceError`. Closing again does nothing.
   * Never a checkpoint.
   */
  aclose(): Promise<void> {
    this.closeNow();
    return Promise.resolve();
  }

  /** @internal {@link aclose}, synchronously (for `Process.aclose()`). */
  closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    this.retry = undefined;
    this.slot.take()?.fail(closedPipe("stdin"));
    if (!this.writable.destroyed && !this.writable.writableEnded) this.writable.end();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
}
