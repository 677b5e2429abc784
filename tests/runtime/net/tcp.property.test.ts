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
  createTcpListener,
  connectTcp,
  moveOnAfter,
  SocketAttribute,
  type SocketListener,
} from "anyio-ts";
import { structuredProperty } from "anyio-ts/fast-check";
import { checkMessageProgram } from "../message-program";

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

test("randomly cancelled senders and receivers never lose, duplicate or reorder a byte", async () => {
  await fc.assert(
    structuredProperty({ clock: "real", timeout: 20_000 }, program, async ({ senders, receivers }) => {
      await using listener = await createTcpListener({ localHost: "127.0.0.1" });
      await using client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
      await using server = await (listener.listeners[0] as SocketListener).accept();
      await checkMessageProgram({
        senders,
        receivers,
        send: async (op, data) => {
          if (op.deadline === null) {
            await client.send(data);
            return true;
          }
          using _ = moveOnAfter(op.deadline);
          await client.send(data);
          return true;
        },
        receive: async (op) => {
          if (op.deadline === null) return await server.receive(op.size);
          using _ = moveOnAfter(op.deadline);
          return await server.receive(op.size);
        },
        endSending: () => client.sendEof(),
        drain: async () => {
          const rest: Uint8Array[] = [];
          for (;;) {
            try {
              rest.push(await server.receive());
            } catch (error) {
              if (error instanceof EndOfStream) return rest;
              throw error;
            }
          }
        },
      });
    }),
    { numRuns: 15, seed: 20261206, interruptAfterTimeLimit: 60_000 },
  );
}, 90_000);
