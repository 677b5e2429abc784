/**
 * Property: random cancellation of senders and receivers never loses or duplicates an item of a
 * memory object stream (docs/streams.md, "Cancellation guarantees").
 *
 * Each run is a tiny random program: a few sender tasks, each sending its own numbered items
 * (one clone each), a few receiver tasks (one clone each, some looping with `for await`), and a
 * chaos task that, at chosen checkpoints, cancels the scope around one operation or around a
 * whole task, either with `cancel()` or by moving its deadline into the past. Everything is
 * driven by checkpoints, so a seed replays exactly. After the program, what is left is drained
 * (or, when the receivers closed the last receive end, counted in the buffer), and:
 *
 * - no item was received twice, and every received item was sent;
 * - every item whose `send()` (or `sendNowait()`) returned was received exactly once, or is
 *   still in the buffer of a stream nobody can receive from any more;
 * - no item whose `send()` raised (Cancelled, WouldBlock, BrokenResourceError) was received;
 * - each sender's items were taken in the order it sent them;
 * - nothing else failed, and the stream ends with no parked task.
 */
import fc from "fast-check";
import {
  BrokenResourceError,
  CancelScope,
  Cancelled,
  EndOfStream,
  WouldBlock,
  checkpoint,
  createMemoryObjectStream,
  createTaskGroup,
  currentTime,
  run,
  type MemoryObjectReceiveStream,
  type MemoryObjectSendStream,
} from "anyio-ts";

// --- Programs ---------------------------------------------------------------------------------

/** Cancels a scope at the chaos task's `at`-th checkpoint, explicitly or through its deadline. */
interface Trigger {
  readonly at: number;
  readonly kind: "cancel" | "deadline";
}

interface Op {
  /** Use the `*Nowait` variant instead of waiting. */
  readonly nowait: boolean;
  /** Checkpoints before the operation. */
  readonly pause: number;
  /** Cancels the scope around this one operation. */
  readonly trigger: Trigger | null;
}

interface Actor {
  readonly ops: readonly Op[];
  /** Receivers only: loop with `for await` (pausing as `ops` say, cyclically) instead of `ops`. */
  readonly iterate: boolean;
  /** Cancels the scope around the whole task. */
  readonly trigger: Trigger | null;
}

interface Program {
  readonly senders: readonly Actor[];
  readonly receivers: readonly Actor[];
  /** Keep a receive end open to drain the stream at the end; otherwise the receivers close the last ones. */
  readonly keepReceiveEnd: boolean;
}

const HORIZON = 14;

const trigger = fc.option(
  fc.record({ at: fc.nat(HORIZON - 1), kind: fc.constantFrom<Trigger["kind"]>("cancel", "deadline") }),
  { nil: null, freq: 2 },
);
const op = fc.record({
  nowait: fc.nat(4).map((n) => n === 0),
  pause: fc.nat(2),
  trigger: fc.option(
    trigger.filter((t): t is Trigger => t !== null),
    { nil: null, freq: 3 },
  ),
});

/** Programs whose actors have up to `maxOps` operations (enough, in all, to fill the buffer). */
function programs(maxOps: number): fc.Arbitrary<Program> {
  const actor = fc.record({ ops: fc.array(op, { maxLength: maxOps }), iterate: fc.boolean(), trigger });
  return fc.record({
    senders: fc.array(actor, { minLength: 1, maxLength: 3 }),
    receivers: fc.array(actor, { minLength: 1, maxLength: 3 }),
    keepReceiveEnd: fc.nat(3).map((n) => n !== 0),
  });
}

// --- Running a program ------------------------------------------------------------------------

type Outcome = "ok" | "cancelled" | "wouldblock" | "broken";

interface Trace {
  /** Every item taken by a receiver, in the order the takes returned, then the drained ones. */
  readonly taken: number[];
  /** What each attempted send did, by item. */
  readonly outcomes: Map<number, Outcome>;
  /** Errors nobody should see. */
  readonly failures: unknown[];
  /** Items still buffered at the end (only when the receivers closed every receive end). */
  leftInBuffer: number;
  /** Parked tasks at the end. */
  stillWaiting: number;
}

/** Item `k` of sender `s`: numbered so that a sender's items sort in sending order. */
const itemOf = (s: number, k: number) => s * 100 + k;
const senderOf = (item: number) => Math.floor(item / 100);

async function pause(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await checkpoint();
}

function fire(scope: CancelScope, kind: Trigger["kind"]): void {
  if (kind === "cancel") scope.cancel("chaos");
  else scope.deadline = currentTime() - 1;
}

async function runProgram(bufferSize: number, p: Program): Promise<Trace> {
  const trace: Trace = { taken: [], outcomes: new Map(), failures: [], leftInBuffer: 0, stillWaiting: 0 };
  const schedule: Array<{ at: number; scope: CancelScope; kind: Trigger["kind"] }> = [];
  const scopeFor = (t: Trigger | null): CancelScope => {
    const scope = new CancelScope();
    if (t !== null) schedule.push({ at: t.at, scope, kind: t.kind });
    return scope;
  };
  const unexpected = (error: unknown) => {
    trace.failures.push(error);
  };

  async function sender(s: number, spec: Actor, end: MemoryObjectSendStream<number>): Promise<void> {
    const opScopes = spec.ops.map((o) => scopeFor(o.trigger));
    try {
      await scopeFor(spec.trigger).run(async () => {
        for (let k = 0; k < spec.ops.length; k++) {
          const o = spec.ops[k];
          const item = itemOf(s, k);
          await pause(o.pause);
          await opScopes[k].run(async () => {
            try {
              if (o.nowait) end.sendNowait(item);
              else await end.send(item);
              trace.outcomes.set(item, "ok");
            } catch (error) {
              if (error instanceof Cancelled) {
                trace.outcomes.set(item, "cancelled");
                throw error;
              }
              if (error instanceof WouldBlock) trace.outcomes.set(item, "wouldblock");
              else if (error instanceof BrokenResourceError) trace.outcomes.set(item, "broken");
              else unexpected(error);
            }
          });
        }
      });
    } finally {
      end.close();
    }
  }

  async function receiver(spec: Actor, end: MemoryObjectReceiveStream<number>): Promise<void> {
    const opScopes = spec.ops.map((o) => scopeFor(o.trigger));
    try {
      await scopeFor(spec.trigger).run(async () => {
        if (spec.iterate) {
          let i = 0;
          for await (const item of end) {
            trace.taken.push(item);
            if (spec.ops.length > 0) await pause(spec.ops[i++ % spec.ops.length].pause);
          }
          return;
        }
        for (let k = 0; k < spec.ops.length; k++) {
          const o = spec.ops[k];
          await pause(o.pause);
          let ended = false;
          await opScopes[k].run(async () => {
            try {
              trace.taken.push(o.nowait ? end.receiveNowait() : await end.receive());
            } catch (error) {
              if (error instanceof EndOfStream) ended = true;
              else if (error instanceof Cancelled) throw error;
              else if (!(error instanceof WouldBlock)) unexpected(error);
            }
          });
          if (ended) return;
        }
      });
    } finally {
      end.close();
    }
  }

  await run(async () => {
    const [send, receive] = createMemoryObjectStream<number>(bufferSize);
    const senderEnds = p.senders.map(() => send.clone());
    const receiverEnds = p.receivers.map(() => receive.clone());
    send.close();
    if (!p.keepReceiveEnd) receive.close();
    await createTaskGroup().run(async (tg) => {
      const receivers = p.receivers.map((spec, r) => tg.startSoon(receiver, spec, receiverEnds[r]));
      p.senders.forEach((spec, s) => tg.startSoon(sender, s, spec, senderEnds[s]));
      tg.startSoon(async () => {
        for (let t = 0; t < HORIZON; t++) {
          for (const entry of schedule) if (entry.at === t) fire(entry.scope, entry.kind);
          await checkpoint();
        }
      });
      for (const handle of receivers) await handle.wait();
      if (!p.keepReceiveEnd) return;
      // The receivers are done: take what the senders still have, until they all closed.
      for (;;) {
        try {
          trace.taken.push(await receive.receive());
        } catch (error) {
          if (error instanceof EndOfStream) break;
          throw error;
        }
      }
    });
    const statistics = send.statistics();
    trace.leftInBuffer = statistics.currentBufferUsed;
    trace.stillWaiting = statistics.tasksWaitingSend + statistics.tasksWaitingReceive;
    receive.close();
  });
  return trace;
}

// --- Checking a trace -------------------------------------------------------------------------

function check(p: Program, trace: Trace): void {
  expect(trace.failures).toEqual([]);
  expect(trace.stillWaiting).toBe(0);

  const taken = new Set<number>();
  for (const item of trace.taken) {
    if (taken.has(item)) throw new Error(`item ${item} was received twice`);
    taken.add(item);
    const outcome = trace.outcomes.get(item);
    if (outcome !== "ok") throw new Error(`item ${item} was received, but its send ended with ${outcome ?? "nothing"}`);
  }

  let delivered = 0;
  for (const [item, outcome] of trace.outcomes) {
    if (outcome !== "ok") continue;
    delivered++;
    if (p.keepReceiveEnd && !taken.has(item)) throw new Error(`item ${item} was sent but never received`);
  }
  // Without a receive end left, sent items are either received or stranded in the buffer.
  expect(trace.taken.length + trace.leftInBuffer).toBe(delivered);
  if (p.keepReceiveEnd) expect(trace.leftInBuffer).toBe(0);

  const lastOf = new Map<number, number>();
  for (const item of trace.taken) {
    const s = senderOf(item);
    const last = lastOf.get(s);
    if (last !== undefined && last > item)
      throw new Error(`sender ${s}'s item ${item} was taken after its item ${last}`);
    lastOf.set(s, item);
  }
}

// --- The properties ---------------------------------------------------------------------------

// 10,000 runs in all, each replayable: the seed is fixed per buffer size.
const RUNS_PER_SIZE = 2500;

describe("random cancellation never loses or duplicates an item", () => {
  test.each([
    ["0 (rendezvous)", 0, 5, 0x5eed0],
    ["1", 1, 5, 0x5eed1],
    ["10", 10, 8, 0x5eed10],
    ["Infinity", Infinity, 5, 0x5eedff],
  ])(
    "buffer size %s",
    async (_label, size, maxOps, seed) => {
      await fc.assert(
        fc.asyncProperty(programs(maxOps), async (p) => check(p, await runProgram(size, p))),
        { numRuns: RUNS_PER_SIZE, seed },
      );
    },
    60_000,
  );
});
