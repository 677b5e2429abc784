/**
 * Memory object streams: AnyIO's in-process queue of objects between tasks, with a send end and
 * a receive end; docs/streams.md states their rules for users. The shared state and its
 * invariants live in `memory-state.ts`; this file holds the ends and the checks that belong to a
 * handle.
 *
 * `send()` and `receive()` are checkpoints even when they could complete at once, and their
 * checkpoint comes first: a cancelled task sends or takes nothing. Both park one waiter for the
 * whole call, through the yield and, if needed, the wait:
 *
 *   send(item) ──► Waiter ──(one macrotask)──► still not cancelled? ──► sendNowait logic
 *                    │                                                  │ would block
 *                    └── cancelled: Cancelled, nothing sent             ▼
 *                                                             parked with its item
 *
 * so the item changes hands in the same synchronous step that ends the waiter: there is no
 * window where the item has moved but the call can still fail, or the reverse.
 */
import { emitWarning } from "../core/warnings";
import { currentFrame, type Frame } from "../core/frame";
import { yieldMacrotask } from "../core/clock";
import { ClosedResourceError, WouldBlock } from "../core/errors";
import { describeValue } from "../core/validate";
import { Waiter } from "../core/waiter";
import { cancelled, outsideTask } from "../sync/checks";
import {
  BLOCKED,
  ENDED,
  MemoryStreamState,
  brokenResource,
  endOfStream,
  type MemoryObjectStreamStatistics,
} from "./memory-state";
import { TypedAttributeProvider } from "./typed-attributes";
import type { ObjectReceiveStream, ObjectSendStream } from "./types";

export type { MemoryObjectStreamStatistics } from "./memory-state";

let nextEndId = 1;

// --- Unclosed ends ------------------------------------------------------------------------------

/**
 * Warns about an end that was garbage-collected while still open (AnyIO's ResourceWarning):
 * its stream then never ends for the other side. Each end is registered once and unregistered
 * when it closes, so it warns at most once.
 */
const unclosedEnds: FinalizationRegistry<string> | undefined =
  typeof FinalizationRegistry === "function" ? new FinalizationRegistry<string>(warnUnclosed) : undefined;

function warnUnclosed(description: string): void {
  const message =
    `Unclosed <${description}> was garbage-collected: close every end of a memory object stream, ` +
    "and every clone, with close(), aclose() or a `using` declaration once you are done with it";
  emitWarning("ResourceWarning", message);
}

// --- Shared helpers -----------------------------------------------------------------------------

function closedEnd(kind: "send" | "receive"): ClosedResourceError {
  return new ClosedResourceError(`This ${kind} end of the memory object stream was closed and can no longer be used`);
}

// --- The ends -----------------------------------------------------------------------------------

/**
 * What both ends share: the open-end count they hold in the shared state, closing (once, and
 * through `using` / `await using`), the unclosed-end warning and statistics.
 */
export abstract class MemoryObjectStreamEnd extends TypedAttributeProvider implements Disposable, AsyncDisposable {
  protected closed = false;
  protected readonly id = nextEndId++;

  protected constructor(
    protected readonly state: MemoryStreamState,
    private readonly kind: string,
  ) {
    super();
    unclosedEnds?.register(this, `${kind} #${this.id}`, this);
  }

  override toString(): string {
    const state = this.state;
    const max = state.maxBufferSize === Infinity ? "Infinity" : String(state.maxBufferSize);
    return (
      `<${this.kind} #${this.id} ${this.closed ? "closed" : "open"} buffer=${state.bufferUsed}/${max}` +
      ` waitingSend=${state.tasksWaitingSend} waitingReceive=${state.tasksWaitingReceive}>`
    );
  }

  /**
   * Closes this end; closing it again does nothing. Once every send end is closed, receivers
   * waiting for an item get `EndOfStream` (buffered items can still be received); once every
   * receive end is closed, waiting and later senders get `BrokenResourceError` (their item is not
   * delivered). Never a checkpoint.
   *
   * @example
   * ```ts
   * for (const job of jobs) await send.send(job);
   * send.close(); // the consumer's `for await` loop ends once it has taken every job
   * ```
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    unclosedEnds?.unregister(this);
    this.endClosed();
  }

  /**
   * Same as {@link close}, for `await using` and code written against async resources. Never a
   * checkpoint: it closes at once and never raises `Cancelled`.
   *
   * @example
   * ```ts
   * await using end = stream; // aclose() runs at the end of the block
   * ```
   */
  aclose(): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /** Closes this end at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Closes this end at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /**
   * The stream's statistics, the same from either end and every clone. Never a checkpoint.
   *
   * @example
   * ```ts
   * const { currentBufferUsed, tasksWaitingSend } = stream.statistics();
   * ```
   */
  statistics(): MemoryObjectStreamStatistics {
    return this.state.statistics();
  }

  /** Tells the shared state that one end of this kind is gone. */
  protected abstract endClosed(): void;
}

/**
 * The sending end of a memory object stream (see {@link createMemoryObjectStream}).
 *
 * Sending waits for buffer space (or, with the default buffer of 0, for a receiver to take the
 * item). Give each producer task its own {@link clone} and let it close that clone when done:
 * receivers see the end of the stream once every send end is closed.
 *
 * @example
 * ```ts
 * const [send, receive] = createMemoryObjectStream<string>();
 * await createTaskGroup().run(async (tg) => {
 *   tg.startSoon(async () => {
 *     using producer = send; // closed at the end of the block: the receiver's loop then ends
 *     await producer.send("hello");
 *   });
 *   for await (const item of receive) console.log(item);
 * });
 * receive.close();
 * ```
 */
export class MemoryObjectSendStream<in T> extends MemoryObjectStreamEnd implements ObjectSendStream<T> {
  /** @internal Use {@link createMemoryObjectStream} (or {@link MemoryObjectSendStream.clone}). */
  constructor(state: MemoryStreamState) {
    state.openSendStreams++;
    super(state, "MemoryObjectSendStream");
  }

  protected endClosed(): void {
    this.state.sendEndClosed();
  }

  /**
   * Sends `item`, waiting until a receiver takes it or the buffer has room. With a buffer size
   * of 0 this is a rendezvous: it returns only once a receiver has the item, and counts as
   * successful even if that receiver closes its end right afterwards.
   *
   * This is a checkpoint, even when the item could be delivered at once, and the checkpoint
   * comes first: a cancelled task sends nothing. A send that is cancelled while waiting
   * withdraws its item (it is never delivered); a send that returned normally delivered it
   * (into the buffer or to a receiver), even if the task was cancelled meanwhile.
   *
   * @example
   * ```ts
   * for (const job of jobs) await send.send(job); // backpressure: waits while the buffer is full
   * ```
   * @throws Cancelled if the task is cancelled before a receiver or the buffer takes the item.
   * @throws ClosedResourceError if this end is closed.
   * @throws BrokenResourceError if every receive end is closed (also when that happens while waiting).
   * @throws NoCurrentTaskError outside {@link run}.
   */
  send(item: T): Promise<void> {
    const frame = currentFrame();
    if (frame === undefined) return outsideTask("MemoryObjectSendStream.send()");
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const waiter = new Waiter<void>(frame).waitsFor("stream-send", this);
    yieldMacrotask(() => this.sendAfterCheckpoint(waiter, item));
    return waiter.promise;
  }

  /**
   * Sends `item` if that needs no waiting: to a waiting receiver (skipping any whose
   * cancellation is pending), or into the buffer if it has room. Never a checkpoint; works
   * outside {@link run} too (for example from an event listener).
   *
   * @example
   * ```ts
   * emitter.on("data", (chunk) => send.sendNowait(chunk)); // with a large or Infinity buffer
   * ```
   * @throws WouldBlock if the buffer is full and no task is waiting to receive.
   * @throws ClosedResourceError if this end is closed.
   * @throws BrokenResourceError if every receive end is closed.
   */
  sendNowait(item: T): void {
    if (this.closed) throw closedEnd("send");
    if (this.state.openReceiveStreams === 0) throw brokenResource();
    if (!this.state.offer(item)) {
      throw new WouldBlock(
        "The buffer of this memory object stream is full and no task is waiting to receive; use send() to wait",
      );
    }
  }

  /**
   * A new send end on the same stream. Each clone is closed separately; receivers see the end
   * of the stream only once every send end is closed. The usual pattern gives one clone to each
   * producer task, which closes it when it is done. Never a checkpoint.
   *
   * @example
   * ```ts
   * for (const url of urls) tg.startSoon(fetchInto, url, send.clone());
   * send.close(); // the clones keep the stream open until every producer closed its own
   * ```
   * @throws ClosedResourceError if this end is closed.
   */
  clone(): MemoryObjectSendStream<T> {
    if (this.closed) throw closedEnd("send");
    return new MemoryObjectSendStream<T>(this.state);
  }

  private sendAfterCheckpoint(waiter: Waiter<void>, item: T): void {
    if (waiter.settled) return; // cancelled during the checkpoint: nothing was sent
    if (this.closed) {
      waiter.fail(closedEnd("send"));
    } else if (this.state.openReceiveStreams === 0) {
      waiter.fail(brokenResource());
    } else {
      this.state.sendOrPark(waiter, item);
    }
  }
}

/**
 * The receiving end of a memory object stream (see {@link createMemoryObjectStream}): async
 * iterable, so `for await (const item of receive)` takes items until every send end is
 * closed and the buffer is drained.
 *
 * Several tasks may receive from one end or from clones: each item goes to exactly one of them
 * (there is no broadcast), in the order they started waiting. Leaving a `for await` loop early
 * (`break`, `return`, an error) does not close the stream; close it yourself.
 *
 * @example
 * ```ts
 * const [send, receive] = createMemoryObjectStream<number>(10);
 * await createTaskGroup().run(async (tg) => {
 *   for (let i = 0; i < 3; i++) tg.startSoon(worker, receive.clone()); // three consumers
 *   receive.close();
 *   for (let n = 0; n < 100; n++) await send.send(n);
 *   send.close(); // each worker's loop ends
 * });
 *
 * async function worker(items: MemoryObjectReceiveStream<number>) {
 *   using _ = items;
 *   for await (const n of items) await handle(n);
 * }
 * ```
 */
export class MemoryObjectReceiveStream<out T>
  extends MemoryObjectStreamEnd
  implements ObjectReceiveStream<T>, AsyncIterable<T>
{
  /** @internal Use {@link createMemoryObjectStream} (or {@link MemoryObjectReceiveStream.clone}). */
  constructor(state: MemoryStreamState) {
    state.openReceiveStreams++;
    super(state, "MemoryObjectReceiveStream");
  }

  protected endClosed(): void {
    this.state.receiveEndClosed();
  }

  /**
   * Takes the next item, waiting until one is sent. Items come out in the order they went in;
   * an item taken from a full buffer lets the oldest waiting sender's item in.
   *
   * This is a checkpoint, even when an item is ready, and the checkpoint comes first: a
   * cancelled task takes nothing. A receive that is cancelled while waiting takes nothing; one
   * that was handed an item returns it even if the task was cancelled meanwhile (the
   * cancellation is raised at the next checkpoint), so items are never lost.
   *
   * @example
   * ```ts
   * const first = await receive.receive();
   * ```
   * @throws EndOfStream if the buffer is empty and every send end is closed (also when that happens while waiting).
   * @throws Cancelled if the task is cancelled before it is handed an item.
   * @throws ClosedResourceError if this end is closed.
   * @throws NoCurrentTaskError outside {@link run}.
   */
  receive(): Promise<T> {
    return this.receiveWith(false);
  }

  /**
   * Takes the next item if one is ready: from the buffer, or from a task waiting to send (which
   * then completes). Never a checkpoint; works outside {@link run} too.
   *
   * @example
   * ```ts
   * const batch = [];
   * try {
   *   for (;;) batch.push(receive.receiveNowait());
   * } catch (error) {
   *   if (!(error instanceof WouldBlock)) throw error;
   * }
   * ```
   * @throws WouldBlock if no item is ready and some send end is still open.
   * @throws EndOfStream if no item is left and every send end is closed.
   * @throws ClosedResourceError if this end is closed.
   */
  receiveNowait(): T {
    if (this.closed) throw closedEnd("receive");
    const result = this.state.take();
    if (result === BLOCKED) {
      throw new WouldBlock(
        "The buffer of this memory object stream is empty and no task is waiting to send; use receive() to wait",
      );
    }
    if (result === ENDED) throw endOfStream();
    return result as T;
  }

  /**
   * A new receive end on the same stream. Each clone is closed separately; senders see the
   * stream as broken only once every receive end is closed. The usual pattern gives one clone
   * to each consumer task, which closes it when it is done. Never a checkpoint.
   *
   * @example
   * ```ts
   * for (let i = 0; i < 4; i++) tg.startSoon(worker, receive.clone()); // four consumers share the items
   * receive.close();
   * ```
   *
   * @throws ClosedResourceError if this end is closed.
   */
  clone(): MemoryObjectReceiveStream<T> {
    if (this.closed) throw closedEnd("receive");
    return new MemoryObjectReceiveStream<T>(this.state);
  }

  /**
   * Iterates over the items: each step is a {@link receive}, and the loop ends (normally) when
   * `receive()` would raise `EndOfStream`. Each step is a checkpoint. Leaving the loop early
   * does not close the stream, so a later loop continues with the next item.
   *
   * @example
   * ```ts
   * for await (const message of receive) {
   *   if (message === "stop") break; // the stream stays open
   *   handle(message);
   * }
   * ```
   * @throws ClosedResourceError from a step if this end is closed.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    const iterator: AsyncIterableIterator<T> = {
      next: () => this.receiveWith(true) as Promise<IteratorResult<T>>,
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * `receive()`, or a `for await` step when `iterating` (which resolves to an iterator result,
   * and to the end of iteration instead of raising EndOfStream). Returns the waiter's own
   * promise, so compiled code awaits it as a runtime primitive: a racing wrapper could reject
   * with Cancelled after the item was handed over, and lose it.
   */
  private receiveWith(iterating: boolean): Promise<any> {
    const frame = currentFrame();
    if (frame === undefined) return outsideTask("MemoryObjectReceiveStream.receive()");
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    const waiter = new Waiter<any>(frame).waitsFor("stream-receive", this);
    yieldMacrotask(() => this.receiveAfterCheckpoint(waiter, frame, iterating));
    return waiter.promise;
  }

  private receiveAfterCheckpoint(waiter: Waiter<any>, frame: Frame, iterating: boolean): void {
    if (waiter.settled) return; // cancelled during the checkpoint: nothing was taken
    if (this.closed) waiter.fail(closedEnd("receive"));
    else this.state.receiveOrPark(waiter, frame.scope, iterating);
  }
}

/**
 * Creates an in-memory stream of objects between tasks and returns its two ends: AnyIO's
 * queue. Items come out in the order they went in, each to exactly one receiver.
 *
 * The buffer holds up to `maxBufferSize` items that were sent but not yet received. With the
 * default of 0, every `send()` is a rendezvous that waits for a receiver; with `Infinity`,
 * `send()` never waits (beware of unbounded memory when producers outpace consumers).
 *
 * Close both ends when done (`close()`, `aclose()`, or `using`): receivers see the end of the
 * stream once every send end is closed, senders see it broken once every receive end is closed.
 * An end that is garbage-collected while open triggers a `ResourceWarning`. Never a checkpoint.
 *
 * @param maxBufferSize - an integer >= 0, or `Infinity`; defaults to 0 (rendezvous).
 * @example
 * ```ts
 * const [send, receive] = createMemoryObjectStream<string>(100);
 * await createTaskGroup().run(async (tg) => {
 *   tg.startSoon(async () => {
 *     using _ = send;
 *     for (const line of lines) await send.send(line);
 *   });
 *   using _ = receive;
 *   for await (const line of receive) console.log(line);
 * });
 * ```
 * @throws TypeError if `maxBufferSize` is neither an integer nor `Infinity`.
 * @throws RangeError if `maxBufferSize` is negative.
 */
export function createMemoryObjectStream<T>(
  maxBufferSize = 0,
): [MemoryObjectSendStream<T>, MemoryObjectReceiveStream<T>] {
  if (typeof maxBufferSize !== "number" || !(Number.isInteger(maxBufferSize) || maxBufferSize === Infinity)) {
    throw new TypeError(`Expected \`maxBufferSize\` to be an integer or Infinity, got ${describeValue(maxBufferSize)}`);
  }
  if (maxBufferSize < 0)
    throw new RangeError(`Expected \`maxBufferSize\` to be >= 0, got ${describeValue(maxBufferSize)}`);
  const state = new MemoryStreamState(maxBufferSize);
  return [new MemoryObjectSendStream<T>(state), new MemoryObjectReceiveStream<T>(state)];
}
