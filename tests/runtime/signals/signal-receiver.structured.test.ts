"use structured";
// SignalReceiver in code compiled by the transformer: each `for await` step is a runtime
// operation, awaited without a race, so a signal handed to a step is never lost to a cancellation
// that comes after it; a cancelled loop raises Cancelled at its next step.
import { CancelScope, Cancelled, createTaskGroup, openSignalReceiver, waitAllTasksBlocked } from "anyio-ts";
import { structuredTest } from "anyio-ts/jest";
import { isStructured } from "anyio-ts/rt";

const send = (signal: NodeJS.Signals) => void process.kill(process.pid, signal);

describe("signal receivers in structured code", () => {
  test("this file is compiled as structured code", () => {
    const local = async () => {};
    expect(isStructured(local)).toBe(true);
  });

  structuredTest("a for await loop receives signals in order and ends when its scope is cancelled", async () => {
    using receiver = openSignalReceiver("SIGUSR2", "SIGWINCH");
    using probe = openSignalReceiver("SIGUSR2", "SIGWINCH");
    const probeSteps = probe[Symbol.asyncIterator]();
    for (const signal of ["SIGWINCH", "SIGUSR2"] as const) {
      send(signal);
      expect((await probeSteps.next()).value).toBe(signal);
    }
    const received: string[] = [];
    let error: unknown;
    const scope = new CancelScope();
    await createTaskGroup().run(async (tg) => {
      tg.startSoon(async () => {
        using _ = scope;
        try {
          for await (const signal of receiver) received.push(signal);
        } catch (caught) {
          error = caught;
          throw caught;
        }
      });
      await waitAllTasksBlocked();
      scope.cancel();
    });
    expect(received).toEqual(["SIGWINCH", "SIGUSR2"]);
    expect(error).toBeInstanceOf(Cancelled);
    expect(scope.cancelledCaught).toBe(true);
  });

  structuredTest("a step that got its signal keeps it even if its scope is cancelled before it resumes", async () => {
    using receiver = openSignalReceiver("SIGUSR2");
    // Opened second, so one delivery reaches it after `receiver`: once its step has the signal,
    // the waiting step of `receiver` was handed it already.
    using probe = openSignalReceiver("SIGUSR2");
    const steps = receiver[Symbol.asyncIterator]();
    let got: IteratorResult<NodeJS.Signals> | undefined;
    const scope = new CancelScope();
    await createTaskGroup().run(async (tg) => {
      tg.startSoon(async () => {
        using _ = scope;
        got = await steps.next();
      });
      await waitAllTasksBlocked();
      send("SIGUSR2");
      await probe[Symbol.asyncIterator]().next();
      scope.cancel();
    });
    expect(got).toEqual({ value: "SIGUSR2", done: false });
  });
});
