"use structured";
// assertCheckpoints() / assertNoCheckpoints() in structured code: awaiting the assertion adds no
// checkpoint of its own, a runtime operation counts what it does, and an await of a promise from
// outside the runtime is a checkpoint here (it is raced against cancellation).
import { Lock, checkpoint, createMemoryObjectStream, sleep } from "anyio-ts";
import { assertCheckpoints, assertNoCheckpoints, structuredDescribe, structuredTest } from "anyio-ts/jest";
import { isStructured } from "anyio-ts/rt";
import { caught } from "../helpers";
import "./no-frame-leaks";

structuredDescribe("checkpoint assertions in structured code", () => {
  structuredTest("this file is compiled as structured code", async () => {
    const local = async () => {};
    expect(isStructured(local)).toBe(true);
  });

  structuredTest("awaiting an assertion adds no checkpoint", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    await assertNoCheckpoints(() => send.sendNowait("a"));
    expect(await assertNoCheckpoints(() => receive.receiveNowait())).toBe("a");
    send.close();
    receive.close();
  });

  structuredTest("a structured function's operations count as its checkpoints", async () => {
    const lock = new Lock();
    const acquireAndRelease = async (): Promise<string> => {
      using _ = await lock.acquire();
      return "done";
    };
    expect(await assertCheckpoints(acquireAndRelease)).toBe("done");
  });

  structuredTest("an await of a foreign promise is a checkpoint in structured code", async () => {
    const foreign = new Promise<number>((resolve) => setImmediate(() => resolve(7)));
    expect(await assertCheckpoints(async () => await foreign)).toBe(7);
    const error = await caught(assertNoCheckpoints(async () => await Promise.resolve(1)));
    expect((error as Error).message).toMatch(
      /assertNoCheckpoints\(\): the code passed through 1 cancel point and 1 schedule point/,
    );
  });

  structuredTest(
    "a structured function that awaits only a compiled callee doing nothing has no checkpoint",
    async () => {
      const nothing = async (): Promise<number> => 3;
      const caller = async (): Promise<number> => (await nothing()) + 1;
      expect(await assertNoCheckpoints(caller)).toBe(4);
      expect(
        await assertCheckpoints(async () => {
          await caller();
          await sleep(0);
          await checkpoint();
        }),
      ).toBeUndefined();
    },
  );
});
