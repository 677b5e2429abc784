"use structured";
// fromThread and lent callbacks: a worker started by toThread.runSync() calling back into the
// event loop thread (the semantics of AnyIO's from_thread tests: running sync and async
// functions, errors both ways, check_cancelled, cancel scope propagation with and without
// abandoning), and what is used outside a worker.
import {
  CancelScope,
  Cancelled,
  createTaskGroup,
  Event,
  failAfter,
  fromThread,
  ContextVar,
  getCurrentTask,
  NoCurrentTaskError,
  sleep,
  toThread,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { callsBack, Gate } from "./thread-helpers";

/** Worker threads start slowly on a loaded machine: more time than a structured test's default 5 s. */
const THREAD_TEST_OPTIONS = { timeout: 20_000 };

structuredDescribe(
  "fromThread",
  () => {
    structuredTest("runSync calls a module's function on the event loop thread and returns its value", async () => {
      expect(await toThread.runSync(callsBack("doubleInLoop"), 21)).toBe(42);
    });

    structuredTest("run runs an async function on the event loop thread and returns its awaited value", async () => {
      expect(await toThread.runSync(callsBack("tripleInLoop"), 5)).toBe(15);
    });

    structuredTest("an error thrown on the event loop thread is thrown in the worker", async () => {
      expect(await toThread.runSync(callsBack("failInLoop"), "nope")).toEqual({
        name: "TypeError",
        message: "nope",
        isTypeError: true,
      });
    });

    structuredTest("runSync refuses a function that returns a promise", async () => {
      const error = await caught(toThread.runSync(callsBack("asyncInRunSync")));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe("use fromThread.run for async functions");
    });

    test("outside a toThread worker each call throws NoCurrentTaskError saying what to use", () => {
      const message =
        "fromThread.run() can only be called inside a worker thread started by toThread.runSync(); use a BlockingPortal token elsewhere";
      expect(() => fromThread.run(() => 1)).toThrow(NoCurrentTaskError);
      expect(() => fromThread.run(() => 1)).toThrow(message);
      expect(() => fromThread.runSync(() => 1)).toThrow(NoCurrentTaskError);
      expect(() => fromThread.checkCancelled()).toThrow(NoCurrentTaskError);
    });

    describe("lent callbacks", () => {
      structuredTest(
        "a lent function runs on the event loop thread, as a child task of the caller, with its closure",
        async () => {
          const seen: number[] = [];
          const caller = getCurrentTask();
          const results = await toThread.runSync(
            callsBack("callEach"),
            toThread.callback(async (value: number) => {
              await sleep(1);
              seen.push(value);
              expect(getCurrentTask().id).not.toBe(caller.id);
              expect(getCurrentTask().parentId).toBe(caller.id);
              return value * 10;
            }),
            1,
            2,
            3,
          );
          expect(results).toEqual([10, 20, 30]);
          expect(seen).toEqual([1, 2, 3]);
        },
      );

      structuredTest("a lent function starts with a copy of the calling task's context", async () => {
        const requestId = new ContextVar<string>("requestId", { default: "none" });
        requestId.set("caller");
        const seen = await toThread.runSync(
          callsBack("callEach"),
          toThread.callback(() => {
            const value = requestId.get();
            requestId.set("set in the callback");
            return value;
          }),
          1,
        );
        expect(seen).toEqual(["caller"]);
        expect(requestId.get()).toBe("caller");
      });

      structuredTest("a lent function used after its call returned throws", async () => {
        expect(
          await toThread.runSync(
            callsBack("keep"),
            toThread.callback(() => 1),
          ),
        ).toBe("kept");
        expect(await toThread.runSync(callsBack("callKept"))).toBe("this callback's toThread.runSync() call has ended");
      });

      test("toThread.callback needs a function, and on this thread the lent function just calls it", () => {
        expect(() => toThread.callback(3 as never)).toThrow("Expected `fn` to be a function, got `3` (number)");
        expect(toThread.callback((a: number) => a + 1)(1)).toBe(2);
      });
    });

    describe("cancellation", () => {
      structuredTest(
        "checkCancelled throws Cancelled in the worker once the calling task's scope is cancelled",
        async () => {
          const started = new Event();
          let result: unknown;
          let cancelledAfter = false;
          {
            await using tg = createTaskGroup();
            tg.startSoon(async () => {
              try {
                result = await toThread.runSync(
                  callsBack("spinUntilCancelled"),
                  toThread.callback(() => started.set()),
                );
                await sleep(0);
              } catch (error) {
                cancelledAfter = error instanceof Cancelled;
                throw error;
              }
            });
            await started.wait();
            tg.cancelScope.cancel();
          }
          expect(result).toBe("stopped: Cancelled");
          expect(cancelledAfter).toBe(true);
        },
      );

      structuredTest("checkCancelled works in an abandoned worker too", async () => {
        const started = new Event();
        const reported = new Event();
        let report = "";
        {
          await using tg = createTaskGroup();
          tg.startSoon(() =>
            toThread.runSync(
              { abandonOnCancel: true },
              callsBack("spinThenReport"),
              toThread.callback(() => started.set()),
              toThread.callback((text: string) => {
                report = text;
                reported.set();
              }),
            ),
          );
          await started.wait();
          tg.cancelScope.cancel();
        }
        await reported.wait();
        expect(report).toBe("stopped: Cancelled");
      });

      for (const shielded of [false, true]) {
        structuredTest(
          shielded
            ? "a shield between the call and the cancelled scope keeps checkCancelled quiet"
            : "checkCancelled sees the cancellation of an enclosing scope",
          async () => {
            const started = new Event();
            const gate = new Gate();
            const outer = new CancelScope();
            let result: unknown;
            await outer.run(async () => {
              await using tg = createTaskGroup();
              tg.startSoon(async () => {
                await new CancelScope({ shield: shielded }).run(async () => {
                  result = await toThread.runSync(
                    callsBack("checkAfterGate"),
                    toThread.callback(() => started.set()),
                    gate.view,
                  );
                });
              });
              await started.wait();
              outer.cancel();
              gate.open();
            });
            expect(outer.cancelledCaught).toBe(true);
            expect(result).toBe(shielded ? "not cancelled" : "cancelled: Cancelled");
          },
        );
      }

      structuredTest(
        "the task fromThread.run starts is cancelled with the caller's scope, and Cancelled escaping the worker is caught by that scope",
        async () => {
          const started = new Event();
          const scope = new CancelScope();
          await scope.run(async () => {
            await using tg = createTaskGroup();
            tg.startSoon(() =>
              toThread.runSync(
                callsBack("sleepInLoop"),
                toThread.callback(() => started.set()),
              ),
            );
            await started.wait();
            scope.cancel();
          });
          expect(scope.cancelledCaught).toBe(true);
        },
      );

      structuredTest("the worker may catch the Cancelled that fromThread.run throws", async () => {
        const started = new Event();
        let result: unknown;
        {
          await using tg = createTaskGroup();
          tg.startSoon(async () => {
            result = await toThread.runSync(
              callsBack("sleepInLoopCaught"),
              toThread.callback(() => started.set()),
            );
          });
          await started.wait();
          tg.cancelScope.cancel();
        }
        expect(result).toBe("caught Cancelled");
      });

      structuredTest("cancel scope propagation: a task run from the worker cancels the caller's scope", async () => {
        const scope = new CancelScope();
        await scope.run(async () => {
          await toThread.runSync(
            callsBack("runLent"),
            toThread.callback(async () => {
              scope.cancel();
              using _limit = failAfter(1000);
              await sleep(3000);
            }),
          );
        });
        expect(scope.cancelledCaught).toBe(true);
      });

      structuredTest(
        "cancel scope propagation when abandoned: the task run from the worker is no longer cancelled by the host",
        async () => {
          const hostCancelled = new Event();
          const completed = new Event();
          const scope = new CancelScope();
          await scope.run(async () => {
            await toThread.runSync(
              { abandonOnCancel: true },
              callsBack("runLent"),
              toThread.callback(async () => {
                scope.cancel();
                using _limit = failAfter(3000);
                await hostCancelled.wait();
                completed.set();
              }),
            );
          });
          expect(scope.cancelledCaught).toBe(true);
          hostCancelled.set();
          using _limit = failAfter(3000);
          await completed.wait();
        },
      );
    });
  },
  THREAD_TEST_OPTIONS,
);
