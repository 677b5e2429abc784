// Threads and portals in the browser entry point: the same names, and every call or
// constructor throws NotSupportedError naming itself (a Web Worker version is not provided).
// This file loads only the browser entry (never runtime/index.ts, which installs the Node host).
import * as browser from "../../../runtime/index.browser";
import { caught } from "../../helpers";

const { NotSupportedError, run, toThread, fromThread, workerFunction } = browser;
const LACKING = "needs Node.js, Bun or Deno; browsers have no worker threads here";
const fn = workerFunction<() => number>("/abs/module.js", "f");

describe("threads in the browser entry point", () => {
  test("toThread.runSync() rejects with NotSupportedError naming the call", async () => {
    const error = await run(() => caught(toThread.runSync(fn)));
    expect(error).toBeInstanceOf(NotSupportedError);
    expect((error as Error).message).toBe(`toThread.runSync() ${LACKING}`);
  });

  const syncCalls: Array<[string, () => unknown]> = [
    ["fromThread.run()", () => fromThread.run(fn)],
    ["fromThread.runSync()", () => fromThread.runSync(fn)],
    ["fromThread.checkCancelled()", () => fromThread.checkCancelled()],
    ["new BlockingPortal()", () => new browser.BlockingPortal()],
    ["BlockingPortalClient.connect()", () => browser.BlockingPortalClient.connect({} as never)],
    ["startBlockingPortal()", () => browser.startBlockingPortal()],
  ];
  test.each(syncCalls)("%s throws NotSupportedError naming the call", (call, action) => {
    expect(action).toThrow(NotSupportedError);
    expect(action).toThrow(`${call} ${LACKING}`);
  });

  test("the parts that need no host work: the default limiter and lending a callback", async () => {
    await run(async () => {
      expect(toThread.currentDefaultThreadLimiter().totalTokens).toBe(40);
    });
    expect(toThread.callback(() => 7)()).toBe(7);
  });
});
