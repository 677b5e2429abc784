// startBlockingPortal(): a portal running in a worker thread of its own, called from this
// thread (which blocks on each call). AnyIO's start_blocking_portal tests: calls, futures,
// start() with and without started(), a stopped portal, and the thread's end with the client.
import { threadId as mainThreadId } from "node:worker_threads";
import { Cancelled, startBlockingPortal, TimeoutError, workerFunction, type BlockingPortalClient } from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";

/** Worker threads start slowly on a loaded machine: more time than a structured test's default 5 s. */
const THREAD_TEST_OPTIONS = { timeout: 20_000 };

const TASKS = require.resolve("../../fixtures/threads/portal-tasks.cjs");
const task = <F extends (...args: any[]) => unknown = (...args: any[]) => any>(name: string) =>
  workerFunction<F>(TASKS, name);

/** Runs `fn` with a portal in its own thread, closing it afterwards. */
function withPortal<T>(fn: (portal: BlockingPortalClient) => T): T {
  const portal = startBlockingPortal();
  try {
    return fn(portal);
  } finally {
    portal.close();
  }
}

structuredDescribe(
  "startBlockingPortal",
  () => {
    structuredTest("calls run in the portal's own thread, sync and async functions alike", () => {
      withPortal((portal) => {
        expect(portal.call(task<(a: number, b: number) => number>("add"), 1, 2)).toBe(3);
        expect(portal.call(task("asyncAdd"), 2, 3)).toBe(5);
        const portalThread = portal.call(task<() => number>("threadId"));
        expect(portalThread).not.toBe(mainThreadId);
      });
    });

    structuredTest("an error in a call is thrown here with its class, message and code", () => {
      withPortal((portal) => {
        let error: unknown;
        try {
          portal.call(task("fail"), "nope");
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(RangeError);
        expect((error as RangeError).message).toBe("nope");
        expect((error as { code?: string }).code).toBe("ERR_PORTAL_FIXTURE");
      });
    });

    structuredTest("startTaskSoon returns a future whose result() blocks until the task ends", () => {
      withPortal((portal) => {
        const future = portal.startTaskSoon({ name: "slow" }, task("sleepThenReturn"), 20, "late");
        expect(future.result()).toBe("late");
        expect(future.done()).toBe(true);
        expect(future.exception()).toBeUndefined();
      });
    });

    structuredTest("result(timeout) throws TimeoutError when the task takes longer", () => {
      withPortal((portal) => {
        const future = portal.startTaskSoon(task("sleepForever"));
        expect(() => future.result(20)).toThrow(TimeoutError);
        expect(future.cancel()).toBe(true);
        expect(future.cancelled()).toBe(true);
        expect(() => future.result()).toThrow(Cancelled);
      });
    });

    structuredTest("startTask returns the start value and the future of the task", () => {
      withPortal((portal) => {
        const [future, value] = portal.startTask(task("startWith"), "ready");
        expect(value).toBe("ready");
        expect(future.result()).toBe("done");
      });
    });

    structuredTest("startTask of a task that ends without started() throws", () => {
      withPortal((portal) => {
        expect(() => portal.startTask(task("endWithoutStarting"))).toThrow(
          "Task exited without calling task_status.started()",
        );
      });
    });

    structuredTest("a stopped portal refuses calls", () => {
      withPortal((portal) => {
        portal.stop();
        expect(() => portal.call(task("add"), 1, 1)).toThrow("This portal is not running");
        expect(() => portal.startTaskSoon(task("add"), 1, 1)).toThrow("This portal is not running");
        expect(() => portal.startTask(task("startWith"), 1)).toThrow("This portal is not running");
        expect(() => portal.stop()).toThrow("This portal is not running");
      });
    });

    structuredTest("closing the client waits for the portal's remaining tasks", async () => {
      const portal = startBlockingPortal({ name: "waits" });
      const future = portal.startTaskSoon(task("sleepThenReturn"), 30, "finished");
      portal.close();
      expect(future.done()).toBe(true);
      expect(future.result()).toBe("finished");
    });

    structuredTest("a plain function is refused with a TypeError that shows the fix", () => {
      withPortal((portal) => {
        expect(() => portal.call((() => 1) as never)).toThrow(
          "BlockingPortalClient.call() cannot send a function to the portal's thread; export it from a module and pass workerFunction(url, name)",
        );
      });
    });
  },
  THREAD_TEST_OPTIONS,
);
