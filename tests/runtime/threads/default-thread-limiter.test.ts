import { CapacityLimiter, NoCurrentTaskError, createTaskGroup, run } from "anyio-ts";
import { currentDefaultThreadLimiter } from "../../../runtime/threads/default-thread-limiter";

describe("the default thread limiter", () => {
  test("is one limiter of 40 tokens per run, shared by every task of the run", async () => {
    const seen: CapacityLimiter[] = [];
    await run(async () => {
      seen.push(currentDefaultThreadLimiter());
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          seen.push(currentDefaultThreadLimiter());
        });
      });
    });
    await run(async () => {
      seen.push(currentDefaultThreadLimiter());
    });
    expect(seen[0]).toBeInstanceOf(CapacityLimiter);
    expect(seen[0]!.totalTokens).toBe(40);
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).not.toBe(seen[0]);
  });

  test("needs a run", () => {
    expect(() => currentDefaultThreadLimiter()).toThrow(NoCurrentTaskError);
  });
});
