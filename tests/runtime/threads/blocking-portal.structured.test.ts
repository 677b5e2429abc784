"use structured";
// Blocking portals: the semantics of AnyIO's BlockingPortal tests (calls from other threads,
// tasks started soon, cancelling their futures, start() with a start value, the portal's exit
// with and without an error, a stopped portal), plus what JavaScript adds: startTaskSoon from
// plain callbacks on the loop thread, and clients in a toThread worker.
import {
  BlockingPortal,
  BlockingPortalClient,
  Cancelled,
  ExceptionGroup,
  Event,
  sleep,
  sleepForever,
  toThread,
  workerFunction,
  type PortalFuture,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";

/** Worker threads start slowly on a loaded machine: more time than a structured test's default 5 s. */
const THREAD_TEST_OPTIONS = { timeout: 20_000 };

const PORTAL_USER = require.resolve("../../fixtures/threads/portal-user.cjs");
const user = (name: string) => workerFunction<(...args: any[]) => any>(PORTAL_USER, name);
const LOOP_THREAD = "This method cannot be called from the event loop thread";

structuredDescribe(
  "BlockingPortal on its own thread",
  () => {
    structuredTest("startTaskSoon from a plain callback runs a task and hands back a future", async () => {
      const value = await new BlockingPortal().run(async (portal) => {
        // In a box: a future is a thenable, which resolve() would adopt.
        const [future] = await new Promise<[PortalFuture<number>]>((resolve) =>
          setImmediate(() =>
            resolve([
              portal.startTaskSoon(
                async (a: number, b: number) => {
                  await sleep(1);
                  return a + b;
                },
                2,
                3,
              ),
            ]),
          ),
        );
        expect(future.done()).toBe(false);
        const result = await future;
        expect(future.done()).toBe(true);
        expect(future.result()).toBe(5);
        expect(future.exception()).toBeUndefined();
        return result;
      });
      expect(value).toBe(5);
    });

    structuredTest("a task's error goes to its future, not to the portal", async () => {
      await new BlockingPortal().run(async (portal) => {
        const future = portal.startTaskSoon({ name: "failing" }, async () => {
          throw new RangeError("boom");
        });
        await expect(future).rejects.toThrow("boom");
        expect(future.exception()).toBeInstanceOf(RangeError);
        expect(() => future.result()).toThrow(RangeError);
      });
    });

    structuredTest(
      "cancelling a future cancels the task's own scope; cancel after it ended returns false",
      async () => {
        await new BlockingPortal().run(async (portal) => {
          const started = new Event();
          const future = portal.startTaskSoon(async () => {
            started.set();
            await sleepForever();
          });
          await started.wait();
          expect(future.cancel()).toBe(true);
          expect(await caught(future)).toBeInstanceOf(Cancelled);
          expect(future.cancelled()).toBe(true);
          expect(() => future.result()).toThrow(Cancelled);
          expect(() => future.exception()).toThrow(Cancelled);
          expect(future.cancel()).toBe(false);
          const other = portal.startTaskSoon(() => 1);
          expect(other.cancel()).toBe(true);
          expect(await caught(other)).toBeInstanceOf(Cancelled);
        });
      },
    );

    structuredTest("result() of an unfinished future on the loop thread says to await it instead", async () => {
      await new BlockingPortal().run(async (portal) => {
        const future = portal.startTaskSoon(() => sleep(1));
        expect(() => future.result()).toThrow(LOOP_THREAD);
        expect(() => future.exception()).toThrow(LOOP_THREAD);
        await future;
      });
    });

    structuredTest("leaving run() normally waits for the portal's tasks", async () => {
      const finished: string[] = [];
      await new BlockingPortal().run(async (portal) => {
        portal.startTaskSoon(async () => {
          await sleep(20);
          finished.push("task");
        });
      });
      expect(finished).toEqual(["task"]);
    });

    structuredTest("leaving run() with an error cancels the portal's tasks and raises an ExceptionGroup", async () => {
      let future: PortalFuture<void> | undefined;
      const error = await caught(
        new BlockingPortal().run(async (portal) => {
          const started = new Event();
          future = portal.startTaskSoon(async () => {
            started.set();
            await sleepForever();
          });
          await started.wait();
          throw new Error("body failed");
        }),
      );
      expect(error).toBeInstanceOf(ExceptionGroup);
      expect((error as ExceptionGroup).exceptions.map((e) => (e as Error).message)).toEqual(["body failed"]);
      expect(future!.cancelled()).toBe(true);
    });

    structuredTest("after stop() every method says the portal is not running", async () => {
      await new BlockingPortal().run(async (portal) => {
        await portal.stop();
        await portal.sleepUntilStopped();
        expect(() => portal.startTaskSoon(() => 1)).toThrow("This portal is not running");
        expect(() => portal.connect()).toThrow("This portal is not running");
        await expect(portal.stop()).rejects.toThrow("This portal is not running");
      });
    });

    structuredTest("stop(true) cancels the tasks still running; cancel() still works after stop()", async () => {
      await new BlockingPortal().run(async (portal) => {
        const started = new Event();
        const forever = portal.startTaskSoon(async () => {
          started.set();
          await sleepForever();
        });
        const other = portal.startTaskSoon(() => sleepForever());
        await started.wait();
        await portal.stop();
        expect(other.cancel()).toBe(true);
        await portal.stop(true).catch(() => {});
        expect(await caught(other)).toBeInstanceOf(Cancelled);
        forever.cancel();
        expect(await caught(forever)).toBeInstanceOf(Cancelled);
      });
    });

    structuredTest("a portal is entered once", async () => {
      const portal = new BlockingPortal();
      await portal.run(() => {});
      await expect(portal.run(() => {})).rejects.toThrow("This BlockingPortal was entered before");
    });

    structuredTest("await using opens the portal for the block and waits for its tasks at the end", async () => {
      const finished: string[] = [];
      {
        await using portal = new BlockingPortal();
        portal.startTaskSoon(async () => {
          await sleep(10);
          finished.push("task");
        });
      }
      expect(finished).toEqual(["task"]);
    });

    structuredTest("a client on the portal's own thread refuses to block", async () => {
      await new BlockingPortal().run(async (portal) => {
        using client = BlockingPortalClient.connect(portal.connect());
        expect(() => client.call(workerFunction<() => number>(PORTAL_USER, "x"))).toThrow(LOOP_THREAD);
      });
    });
  },
  THREAD_TEST_OPTIONS,
);

structuredDescribe(
  "BlockingPortal with clients in other threads",
  () => {
    structuredTest("a worker calls an async function in the portal and gets its value", async () => {
      await new BlockingPortal().run(async (portal) => {
        const token = portal.connect();
        expect(await toThread.runSync({ transferList: [token.port] }, user("callAdd"), token, 20, 22)).toBe(42);
      });
    });

    structuredTest("a worker's startTask gets the start value, then the task's result", async () => {
      await new BlockingPortal().run(async (portal) => {
        const token = portal.connect();
        expect(await toThread.runSync({ transferList: [token.port] }, user("startAndFinish"), token)).toEqual([
          "ready",
          "done",
          true,
        ]);
      });
    });

    structuredTest("an error in the portal task is thrown in the worker with its class and code", async () => {
      await new BlockingPortal().run(async (portal) => {
        const token = portal.connect();
        expect(await toThread.runSync({ transferList: [token.port] }, user("callFailing"), token)).toBe(
          "RangeError: bad (ERR_PORTAL_FIXTURE)",
        );
      });
    });
  },
  THREAD_TEST_OPTIONS,
);
