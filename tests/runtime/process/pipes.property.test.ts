"use structured";
/**
 * Property: through a child's pipes (`cat` echoing its stdin to its stdout), senders and
 * receivers whose operations are cancelled at random moments (at their checkpoint, while a send
 * waits for the pipe to drain, while a receive waits for output) never lose, duplicate, damage or
 * reorder a byte, whatever the read-ahead queue holds when a receive is cancelled.
 *
 * Each run is a random program: sender tasks sending numbered, self-describing messages of
 * random sizes (some far larger than the read-ahead), receiver tasks receiving with random
 * `maxBytes`, each operation under a random deadline (or none) on the real clock; senders take
 * turns with a lock, as do receivers. When the senders are done stdin is closed and the output
 * is drained to its end. The output must parse into whole messages, each at most once; every
 * message whose send() returned is among them; and they come in the order of the send() calls.
 */
import fc from "fast-check";
import {
  CancelScope,
  Cancelled,
  EndOfStream,
  Lock,
  checkpoint,
  createTaskGroup,
  currentTime,
  openProcess,
} from "anyio-ts";
import { structuredProperty } from "anyio-ts/fast-check";

/** When an operation's scope is cancelled: never, after some milliseconds, or after some macrotasks. */
type Cancel = { readonly ms: number } | { readonly turns: number } | null;

interface Op {
  /** Message size for a send, maxBytes for a receive. */
  readonly size: number;
  readonly cancel: Cancel;
}

// Cancelling after a few macrotasks lands inside an operation's own macrotask (a receive
// between its checkpoint and taking queued bytes, a send waiting for 'drain'), which a deadline
// on the real clock rarely does.
const cancel: fc.Arbitrary<Cancel> = fc.oneof(
  { arbitrary: fc.constant(null), weight: 2 },
  { arbitrary: fc.record({ ms: fc.integer({ min: 0, max: 6 }) }), weight: 1 },
  { arbitrary: fc.record({ turns: fc.integer({ min: 0, max: 3 }) }), weight: 2 },
);

/** Runs `operation` in a scope cancelled as `when` says; its own errors come out unwrapped. */
async function cancellable(when: Cancel, operation: () => Promise<void>): Promise<void> {
  if (when === null) return operation();
  const scope = "ms" in when ? new CancelScope({ deadline: currentTime() + when.ms }) : new CancelScope();
  let failure: { error: unknown } | undefined;
  const guarded = async () => {
    try {
      await operation();
    } catch (error) {
      if (error instanceof Cancelled) throw error;
      failure = { error };
    }
  };
  if ("ms" in when) await scope.run(guarded);
  else {
    await using group = createTaskGroup();
    group.startSoon(async () => {
      for (let turn = 0; turn < when.turns; turn++) await checkpoint();
      scope.cancel();
    });
    await scope.run(guarded);
  }
  if (failure !== undefined) throw failure.error;
}

const program = fc.record({
  senders: fc.array(
    fc.array(fc.record({ size: fc.integer({ min: 1, max: 700_000 }), cancel }), { minLength: 1, maxLength: 4 }),
    { minLength: 1, maxLength: 3 },
  ),
  receivers: fc.array(fc.array(fc.record({ size: fc.integer({ min: 1, max: 300_000 }), cancel }), { maxLength: 8 }), {
    minLength: 1,
    maxLength: 3,
  }),
});

const HEADER = 8;

function message(id: number, size: number): Uint8Array {
  const out = new Uint8Array(HEADER + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, id);
  view.setUint32(4, size);
  for (let i = 0; i < size; i++) out[HEADER + i] = (id * 13 + i) & 0xff;
  return out;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** The ids of the messages in `data`; fails on a damaged or partial message. */
function parse(data: Uint8Array): number[] {
  const ids: number[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  while (offset < data.length) {
    if (offset + HEADER > data.length) throw new Error(`a partial header at byte ${offset}`);
    const id = view.getUint32(offset);
    const size = view.getUint32(offset + 4);
    if (offset + HEADER + size > data.length) throw new Error(`message ${id} is cut short`);
    for (let i = 0; i < size; i++) {
      if (data[offset + HEADER + i] !== ((id * 13 + i) & 0xff))
        throw new Error(`message ${id} is damaged at byte ${i}`);
    }
    ids.push(id);
    offset += HEADER + size;
  }
  return ids;
}

/** Whether `part` appears in `whole` in the same relative order. */
function isSubsequence(part: readonly number[], whole: readonly number[]): boolean {
  let at = 0;
  for (const id of part) {
    while (at < whole.length && whole[at] !== id) at++;
    if (at === whole.length) return false;
    at++;
  }
  return true;
}

test("randomly cancelled sends and receives on a child's pipes never lose, duplicate or reorder a byte", async () => {
  await fc.assert(
    structuredProperty({ clock: "real", timeout: 20_000 }, program, async ({ senders, receivers }) => {
      await using child = await openProcess(["cat"], { stderr: "ignore" });
      const stdin = child.stdin!;
      const stdout = child.stdout!;
      const sendLock = new Lock();
      const receiveLock = new Lock();
      const attempted: number[] = [];
      const completed = new Set<number>();
      const received: Uint8Array[] = [];
      let nextId = 1;

      const send = async (op: Op) => {
        await sendLock.acquire();
        try {
          const id = nextId++;
          attempted.push(id);
          const data = message(id, op.size);
          await cancellable(op.cancel, async () => {
            await stdin.send(data);
            completed.add(id);
          });
        } finally {
          sendLock.release();
        }
      };
      const receive = async (op: Op) => {
        await receiveLock.acquire();
        try {
          await cancellable(op.cancel, async () => {
            received.push(await stdout.receive(op.size));
          });
        } catch (error) {
          if (!(error instanceof EndOfStream)) throw error;
        } finally {
          receiveLock.release();
        }
      };

      {
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          {
            await using sending = createTaskGroup();
            for (const ops of senders) {
              sending.startSoon(async () => {
                for (const op of ops) await send(op);
              });
            }
          }
          await stdin.aclose();
        });
        tg.startSoon(async () => {
          {
            await using receiving = createTaskGroup();
            for (const ops of receivers) {
              receiving.startSoon(async () => {
                for (const op of ops) await receive(op);
              });
            }
          }
          for await (const chunk of stdout) received.push(chunk);
        });
      }
      expect(await child.wait()).toBe(0);

      const ids = parse(concat(received));
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of completed) expect(ids).toContain(id);
      expect(isSubsequence(ids, attempted)).toBe(true);
    }),
    { numRuns: 25, seed: 20261206, interruptAfterTimeLimit: 60_000 },
  );
}, 90_000);
