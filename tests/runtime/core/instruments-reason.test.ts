"use structured";
/**
 * The reason an instrument's scopeCancelled hook receives: the message of the Cancelled errors
 * the cancellation raises inside the scope, the same text a cancelled task ends with.
 */
import {
  CancelScope,
  Cancelled,
  addInstrument,
  moveOnAfter,
  removeInstrument,
  run,
  sleep,
  type Instrument,
} from "anyio-ts";
import { LONG } from "../../helpers";

function reasons(): { seen: Array<{ cause: string; reason: string }>; instrument: Instrument } {
  const seen: Array<{ cause: string; reason: string }> = [];
  return { seen, instrument: { scopeCancelled: (_scope, cause, _task, reason) => void seen.push({ cause, reason }) } };
}

describe("the reason scopeCancelled receives", () => {
  test("is the reason given to cancel() and the cancelling task, as the Cancelled inside the scope says", async () => {
    const { seen, instrument } = reasons();
    addInstrument(instrument);
    let raised: unknown;
    try {
      await run(async function main() {
        const scope = new CancelScope();
        {
          using _ = scope;
          scope.cancel("too slow");
          try {
            await sleep(LONG);
          } catch (error) {
            raised = error;
            throw error;
          }
        }
      });
    } finally {
      removeInstrument(instrument);
    }
    expect(raised).toBeInstanceOf(Cancelled);
    expect(seen).toEqual([{ cause: "cancel", reason: (raised as Cancelled).message }]);
    expect(seen[0]!.reason).toMatch(/^Cancelled by cancel scope \d+: too slow \(by task 'main'\)$/);
  });

  test("says 'deadline exceeded' for a deadline", async () => {
    const { seen, instrument } = reasons();
    addInstrument(instrument);
    try {
      await run(async () => {
        using _ = moveOnAfter(1);
        await sleep(LONG);
      });
    } finally {
      removeInstrument(instrument);
    }
    expect(seen).toEqual([{ cause: "deadline", reason: expect.stringMatching(/: deadline exceeded$/) }]);
  });
});
