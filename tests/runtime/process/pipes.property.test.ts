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
import { CancelScope, Cancelled, checkpoint, createTaskGroup, currentTime, openProcess } from "anyio-ts";
import { structuredProperty } from "anyio-ts/fast-check";
import { checkMessageProgram } from "../message-program";

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

test("randomly cancelled sends and receives on a child's pipes never lose, duplicate or reorder a byte", async () => {
  await fc.assert(
    structuredProperty({ clock: "real", timeout: 20_000 }, program, async ({ senders, receivers }) => {
      await using child = await openProcess(["cat"], { stderr: "ignore" });
      const stdin = child.stdin!;
      const stdout = child.stdout!;
      await checkMessageProgram({
        senders,
        receivers,
        send: async (op, data) => {
          let returned = false;
          await cancellable(op.cancel, async () => {
            await stdin.send(data);
            returned = true;
          });
          return returned;
        },
        receive: async (op) => {
          let bytes: Uint8Array | undefined;
          await cancellable(op.cancel, async () => {
            bytes = await stdout.receive(op.size);
          });
          return bytes;
        },
        endSending: () => stdin.aclose(),
        drain: async () => {
          const rest: Uint8Array[] = [];
          for await (const chunk of stdout) rest.push(chunk);
          return rest;
        },
      });
      expect(await child.wait()).toBe(0);
    }),
    { numRuns: 25, seed: 20261206, interruptAfterTimeLimit: 60_000 },
  );
}, 90_000);
