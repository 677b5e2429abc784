"use structured";
/**
 * Property: on one loopback TCP connection, senders and receivers whose operations are cancelled
 * at random moments (before they start, while a send waits for the kernel, while a receive waits
 * for data) never lose, duplicate or reorder a byte.
 *
 * Each run is a random program: a few sender tasks sending numbered, self-describing messages of
 * random sizes, a few receiver tasks receiving with random `maxBytes`, each operation under a
 * random deadline (or none) on the real clock. Senders take turns with a lock, as do receivers
 * (a concurrent operation would be BusyResourceError). When the senders are done the client
 * sends EOF and the receiving side drains to the end. Then the received bytes must parse into
 * whole, intact messages, each at most once; every message whose send() returned is among them;
 * and they come in the order their send() calls were made (a send cancelled while waiting may
 * still be delivered, whole and in its place; one cancelled at its checkpoint is not).
 */
import fc from "fast-check";
import {
  EndOfStream,
  Lock,
  createTaskGroup,
  createTcpListener,
  connectTcp,
  moveOnAfter,
  SocketAttribute,
  type SocketListener,
} from "anyio-ts";
import { structuredProperty } from "anyio-ts/fast-check";
import { concat } from "./helpers";

interface Op {
  /** Message size for a send, maxBytes for a receive. */
  readonly size: number;
  /** Milliseconds before the operation's scope is cancelled, or null for no deadline. */
  readonly deadline: number | null;
}

const deadline = fc.option(fc.integer({ min: 0, max: 6 }), { freq: 2, nil: null });
const program = fc.record({
  senders: fc.array(
    fc.array(fc.record({ size: fc.integer({ min: 1, max: 1_500_000 }), deadline }), { minLength: 1, maxLength: 5 }),
    {
      minLength: 1,
      maxLength: 3,
    },
  ),
  receivers: fc.array(fc.array(fc.record({ size: fc.integer({ min: 1, max: 70_000 }), deadline }), { maxLength: 8 }), {
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
  for (let i = 0; i < size; i++) out[HEADER + i] = (id * 7 + i) & 0xff;
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
      if (data[offset + HEADER + i] !== ((id * 7 + i) & 0xff)) throw new Error(`message ${id} is damaged at byte ${i}`);
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

test("randomly cancelled senders and receivers never lose, duplicate or reorder a byte", async () => {
  await fc.assert(
    structuredProperty({ clock: "real", timeout: 20_000 }, program, async ({ senders, receivers }) => {
      await using listener = await createTcpListener({ localHost: "127.0.0.1" });
      await using client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
      await using server = await (listener.listeners[0] as SocketListener).accept();
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
          if (op.deadline === null) {
            await client.send(data);
            completed.add(id);
          } else {
            using _ = moveOnAfter(op.deadline);
            await client.send(data);
            completed.add(id);
          }
        } finally {
          sendLock.release();
        }
      };
      const receive = async (op: Op) => {
        await receiveLock.acquire();
        try {
          if (op.deadline === null) {
            received.push(await server.receive(op.size));
          } else {
            using _ = moveOnAfter(op.deadline);
            received.push(await server.receive(op.size));
          }
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
          await client.sendEof();
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
          for (;;) {
            try {
              received.push(await server.receive());
            } catch (error) {
              if (error instanceof EndOfStream) break;
              throw error;
            }
          }
        });
      }

      const ids = parse(concat(received));
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of completed) expect(ids).toContain(id);
      expect(isSubsequence(ids, attempted)).toBe(true);
    }),
    { numRuns: 15, seed: 20261206, interruptAfterTimeLimit: 60_000 },
  );
}, 90_000);
