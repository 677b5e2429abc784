"use structured";
/**
 * A random program of senders and receivers on one byte stream, for the property tests of
 * streams that must never lose, duplicate or reorder a byte under cancellation (a TCP
 * connection, a child's pipes). The senders send numbered messages (see ./numbered-messages.ts)
 * taking turns, as do the receivers; each operation runs under whatever cancellation the test's
 * `send`/`receive` give it. When every sender is done the sending side is ended and the rest is
 * drained, and the output is checked: whole messages only, each at most once, every message
 * whose send() returned among them, in the order of the send() calls.
 */
import { EndOfStream, Lock, createTaskGroup } from "anyio-ts";
import { concat } from "./net/helpers";
import { isSubsequence, message, parse } from "./numbered-messages";

/** One operation: a message size for a send, `maxBytes` for a receive. */
export interface SizedOp {
  readonly size: number;
}

export interface MessageProgram<Op extends SizedOp> {
  readonly senders: ReadonlyArray<readonly Op[]>;
  readonly receivers: ReadonlyArray<readonly Op[]>;
  /** Sends `data` under `op`'s cancellation; true once the stream's send() returned. */
  send(op: Op, data: Uint8Array): Promise<boolean | undefined>;
  /** Receives at most `op.size` bytes under `op`'s cancellation; undefined if cancelled first. */
  receive(op: Op): Promise<Uint8Array | undefined>;
  /** Ends the sending side (EOF), after the last sender. */
  endSending(): Promise<void>;
  /** Everything left, read to the end. */
  drain(): Promise<Uint8Array[]>;
}

/** Runs `program` and checks what came out (see the file's summary). */
export async function checkMessageProgram<Op extends SizedOp>(program: MessageProgram<Op>): Promise<void> {
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
      if ((await program.send(op, message(id, op.size))) === true) completed.add(id);
    } finally {
      sendLock.release();
    }
  };
  const receive = async (op: Op) => {
    await receiveLock.acquire();
    try {
      const bytes = await program.receive(op);
      if (bytes !== undefined) received.push(bytes);
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
        for (const ops of program.senders) {
          sending.startSoon(async () => {
            for (const op of ops) await send(op);
          });
        }
      }
      await program.endSending();
    });
    tg.startSoon(async () => {
      {
        await using receiving = createTaskGroup();
        for (const ops of program.receivers) {
          receiving.startSoon(async () => {
            for (const op of ops) await receive(op);
          });
        }
      }
      received.push(...(await program.drain()));
    });
  }

  const ids = parse(concat(received));
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of completed) expect(ids).toContain(id);
  expect(isSubsequence(ids, attempted)).toBe(true);
}
