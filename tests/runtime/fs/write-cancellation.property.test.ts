"use structured";
/**
 * Property: cancelling a task at a random moment of a sequence of writes to one file leaves the
 * file equal to the writes that returned, in order: a write either did not start or finished,
 * and no write is reported as cancelled after it reached the file.
 *
 * Each run writes a few chunks of random sizes from one task while another task cancels the
 * writer's scope after a random number of checkpoints (or a limiter hook cancels it the moment
 * a chosen write takes its token, so that the cancellation lands while that write's host call
 * runs). The writes that returned are recorded; afterwards the file must be exactly their
 * concatenation.
 */
import * as fs from "node:fs";
import fc from "fast-check";
import { CancelScope, CapacityLimiter, checkpoint, createTaskGroup, openFile } from "anyio-ts";
import { structuredProperty } from "anyio-ts/fast-check";
import { scratchDir } from "./fs-helpers";

class HookedLimiter extends CapacityLimiter {
  acquisitions = 0;
  onAcquire: ((count: number) => void) | undefined;
  override acquireOnBehalfOfNowait(borrower: object): Disposable {
    const acquisition = super.acquireOnBehalfOfNowait(borrower);
    this.onAcquire?.(++this.acquisitions);
    return acquisition;
  }
}

const program = fc.record({
  sizes: fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 8 }),
  // Cancel after this many checkpoints of the canceller, or when this write takes its token.
  cancelAfterCheckpoints: fc.nat(12),
  cancelAtWrite: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
});

test("random cancellation of a sequence of writes leaves the file equal to the writes that returned", async () => {
  const scratch = scratchDir();
  try {
    let run = 0;
    await fc.assert(
      structuredProperty({ clock: "real" }, program, async ({ sizes, cancelAfterCheckpoints, cancelAtWrite }) => {
        const target = scratch.file(`run-${run++}.bin`);
        const limiter = new HookedLimiter(1);
        const file = await openFile(target, "wb", { limiter });
        const returned: Uint8Array[] = [];
        try {
          const scope = new CancelScope();
          if (cancelAtWrite !== undefined) {
            limiter.onAcquire = (count) => {
              if (count === cancelAtWrite) scope.cancel();
            };
          }
          await createTaskGroup().run(async (tg) => {
            tg.startSoon(() =>
              scope.run(async () => {
                for (const [index, size] of sizes.entries()) {
                  const chunk = new Uint8Array(size).fill(index + 1);
                  await file.write(chunk);
                  returned.push(chunk);
                }
              }),
            );
            tg.startSoon(async () => {
              for (let i = 0; i < cancelAfterCheckpoints; i++) await checkpoint();
              if (cancelAtWrite === undefined) scope.cancel();
            });
          });
        } finally {
          await file.aclose();
        }
        const expected = Buffer.concat(returned);
        const actual = fs.readFileSync(target);
        expect(actual.length).toBe(expected.length);
        expect(actual.equals(expected)).toBe(true);
        expect(limiter.borrowedTokens).toBe(0);
      }),
      { seed: 20261206, numRuns: 40 },
    );
  } finally {
    scratch.cleanup();
  }
});
