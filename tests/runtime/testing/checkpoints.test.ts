/**
 * assertCheckpoints() / assertNoCheckpoints(): what counts as a checkpoint (a cancel point and a
 * schedule point of the calling task), what does not, and how the assertions report.
 */
import {
  CancelScope,
  Cancelled,
  Event,
  Lock,
  NoCurrentTaskError,
  cancelShieldedCheckpoint,
  checkpoint,
  checkpointIfCancelled,
  createMemoryObjectStream,
  createTaskGroup,
  run,
  sleep,
} from "anyio-ts";
import { assertCheckpoints, assertNoCheckpoints } from "anyio-ts/jest";
import { watched } from "../../../runtime/core/checkpoint-counts";
import { caught } from "../../helpers";

const NO_CHECKPOINT = /assertCheckpoints\(\): the code passed through no checkpoint/;
const SOME_CHECKPOINT = /assertNoCheckpoints\(\): the code passed through/;

describe("assertCheckpoints()", () => {
  test.each<[string, () => unknown]>([
    ["checkpoint()", () => checkpoint()],
    ["sleep(0)", () => sleep(0)],
    ["an uncontended Lock.acquire()", () => new Lock().acquire()],
    [
      "Event.wait() on a set event",
      () => {
        const event = new Event();
        event.set();
        return event.wait();
      },
    ],
  ])("passes for %s", async (_, operation) => {
    await run(() => assertCheckpoints(operation));
  });

  test("returns what the function returned", async () => {
    const value = await run(() =>
      assertCheckpoints(async () => {
        await checkpoint();
        return 42;
      }),
    );
    expect(value).toBe(42);
  });

  test.each<[string, () => unknown]>([
    ["nothing at all", () => undefined],
    ["checkpointIfCancelled() (a cancel point only)", () => checkpointIfCancelled()],
    ["cancelShieldedCheckpoint() (a schedule point only)", () => cancelShieldedCheckpoint()],
    ["Lock.acquire() with fastAcquire (a cancel point only)", () => new Lock({ fastAcquire: true }).acquire()],
    ["a plain resolved promise", () => Promise.resolve(1)],
  ])("fails for %s", async (_, operation) => {
    const error = await run(() => caught(assertCheckpoints(operation)));
    expect((error as Error).message).toMatch(NO_CHECKPOINT);
  });

  test("names what was counted", async () => {
    const error = await run(() => caught(assertCheckpoints(() => checkpointIfCancelled())));
    expect((error as Error).message).toContain("(1 cancel point and 0 schedule points)");
  });

  test("lets an error of the function through without asserting", async () => {
    const failure = new Error("boom");
    const error = await run(() =>
      caught(
        assertCheckpoints(() => {
          throw failure;
        }),
      ),
    );
    expect(error).toBe(failure);
  });

  test("lets a Cancelled through: a checkpoint in a cancelled scope raised", async () => {
    const error = await run(() =>
      new CancelScope().run((scope) => {
        scope.cancel();
        return caught(assertCheckpoints(() => checkpoint()));
      }),
    );
    expect(error).toBeInstanceOf(Cancelled);
  });

  test("counts only the calling task: a child's checkpoints while it is open do not count", async () => {
    let childCheckpoints = 0;
    await run(() =>
      createTaskGroup().run(async (group) => {
        let childDone!: () => void;
        // A plain promise, not a runtime operation: waiting for it is no checkpoint of the host.
        const done = new Promise<void>((resolve) => (childDone = resolve));
        group.startSoon(async () => {
          await checkpoint();
          await sleep(0);
          childCheckpoints = 2;
          childDone();
        });
        await assertNoCheckpoints(() => done);
      }),
    );
    expect(childCheckpoints).toBe(2);
  });

  test("is a TypeError without a function, and NoCurrentTaskError outside run()", async () => {
    await run(async () => {
      expect(await caught(assertCheckpoints(42 as never))).toBeInstanceOf(TypeError);
    });
    expect(await caught(assertCheckpoints(() => checkpoint()))).toBeInstanceOf(NoCurrentTaskError);
  });
});

describe("assertNoCheckpoints()", () => {
  test("passes for operations that never checkpoint, and returns their value", async () => {
    await run(async () => {
      const [send, receive] = createMemoryObjectStream<number>(1);
      await assertNoCheckpoints(() => send.sendNowait(1));
      expect(await assertNoCheckpoints(() => receive.receiveNowait())).toBe(1);
      const lock = new Lock();
      const acquisition = await assertNoCheckpoints(() => lock.acquireNowait());
      acquisition[Symbol.dispose]();
      send.close();
      receive.close();
    });
  });

  test.each<[string, () => unknown]>([
    ["checkpoint()", () => checkpoint()],
    ["checkpointIfCancelled() (a cancel point)", () => checkpointIfCancelled()],
    ["cancelShieldedCheckpoint() (a schedule point)", () => cancelShieldedCheckpoint()],
  ])("fails for %s", async (_, operation) => {
    const error = await run(() => caught(assertNoCheckpoints(operation)));
    expect((error as Error).message).toMatch(SOME_CHECKPOINT);
  });

  test("fails even when the function threw after a checkpoint, keeping its error as the cause", async () => {
    const failure = new Error("boom");
    const error = await run(() =>
      caught(
        assertNoCheckpoints(async () => {
          await checkpoint();
          throw failure;
        }),
      ),
    );
    expect((error as Error).message).toMatch(/before it threw/);
    expect((error as Error).cause).toBe(failure);
  });

  test("lets the function's error through when it did not checkpoint", async () => {
    const failure = new Error("boom");
    const error = await run(() => caught(assertNoCheckpoints(() => Promise.reject(failure))));
    expect(error).toBe(failure);
  });
});

describe("nesting and bookkeeping", () => {
  test("assertions nest: each counts what happened while it was open", async () => {
    await run(async () => {
      await assertCheckpoints(async () => {
        await assertNoCheckpoints(() => undefined);
        await checkpoint();
      });
      // The inner assertion's checkpoint happened while the outer was open too.
      await assertCheckpoints(async () => {
        await assertCheckpoints(() => checkpoint());
      });
      const error = await caught(
        assertNoCheckpoints(async () => {
          await assertCheckpoints(() => checkpoint());
        }),
      );
      expect((error as Error).message).toMatch(SOME_CHECKPOINT);
    });
  });

  test("nothing is watched once every assertion has ended", async () => {
    await run(async () => {
      await assertCheckpoints(() => checkpoint());
      await caught(assertNoCheckpoints(() => checkpoint()));
    });
    expect(watched).toBeUndefined();
  });
});
