import { createTaskGroup, currentEffectiveDeadline, currentTime, getCurrentTask, sleep } from "anyio-ts";
import { structuredTest } from "anyio-ts/jest";

const order: string[] = [];

// First in the file on purpose: anyio-ts/jest is structured code (compiled here by jest's
// transformer, like in the build), and a plain body it calls must still keep its task after its
// awaits, before anything else in this file has used the context carrier.
structuredTest("a plain body keeps its task after awaiting a foreign promise", async () => {
  const before = getCurrentTask();
  await new Promise((resolve) => setTimeout(resolve, 1));
  expect(getCurrentTask()).toBe(before);
  await sleep(1);
  expect(getCurrentTask()).toBe(before);
});

structuredTest("runs the body inside run(), as a task", async () => {
  expect(getCurrentTask().name).toBeTruthy();
  await createTaskGroup().run(async (tg) => {
    tg.startSoon(async () => {
      await sleep(1);
      order.push("child");
    });
    order.push("host");
  });
  expect(order).toEqual(["host", "child"]);
});

structuredTest(
  "puts the body under the given deadline",
  async () => {
    const remaining = currentEffectiveDeadline() - currentTime();
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(250);
  },
  { timeout: 250 },
);

structuredTest(
  "leaves the body without a deadline when the timeout is null",
  async () => {
    expect(currentEffectiveDeadline()).toBe(Infinity);
  },
  { timeout: null },
);

test("rejects a timeout that is not a non-negative number", () => {
  expect(() => structuredTest("bad", async () => {}, { timeout: -1 })).toThrow(/Expected `timeout`/);
  expect(() => structuredTest("bad", async () => {}, { timeout: "5" as unknown as number })).toThrow(TypeError);
});
