"use structured";
// toThread.runSync(): the semantics of AnyIO's to_thread tests (cancellation before the thread
// starts, errors, custom limiters, waiting for or abandoning a running thread), plus what
// worker threads add: module loading, structured clone and transfer, worker reuse, dead workers
// and the pool's end with its run. Every test runs under anyio-ts/jest's leak check, which
// reports a worker thread still alive after the test.
import { threadId as mainThreadId } from "node:worker_threads";
import {
  BrokenWorkerThread,
  CancelScope,
  Cancelled,
  CapacityLimiter,
  createTaskGroup,
  Event,
  NoCurrentTaskError,
  run,
  sleep,
  toThread,
  workerFunction,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { currentDefaultThreadLimiter } from "../../../runtime/threads/default-thread-limiter";
import { currentThreadPool, poolSettings } from "../../../runtime/threads/thread-pool";
import { caught } from "../../helpers";
import { basic, ESM, Gate } from "./thread-helpers";

/** Worker threads start slowly on a loaded machine: more time than a structured test's default 5 s. */
const THREAD_TEST_OPTIONS = { timeout: 20_000 };

/** A limiter that counts the tokens it ever lent. */
class CountingLimiter extends CapacityLimiter {
  lent = 0;
  override acquireOnBehalfOfNowait(borrower: object): Disposable {
    const acquisition = super.acquireOnBehalfOfNowait(borrower);
    this.lent++;
    return acquisition;
  }
}

/** Waits (polling, bounded) until `condition()` holds: for host events the runtime does not signal. */
async function eventually(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await sleep(5);
  expect(condition()).toBe(true);
}

structuredDescribe(
  "toThread.runSync",
  () => {
    structuredTest("runs a module export in another thread and resolves to its result", async () => {
      expect(await toThread.runSync(basic<(a: number, b: number) => number>("add"), 2, 3)).toBe(5);
      const threadId = await toThread.runSync(basic<() => number>("currentThreadId"));
      expect(threadId).not.toBe(mainThreadId);
    });

    structuredTest("awaits a promise the function returns, in the worker's own event loop", async () => {
      expect(await toThread.runSync(basic("asyncDouble"), 21)).toBe(42);
    });

    structuredTest("calls the default export when no export name is given", async () => {
      expect(
        await toThread.runSync(
          workerFunction<(x: string) => string>(require.resolve("../../fixtures/threads/basic.cjs")),
          "x",
        ),
      ).toBe("default:x");
    });

    structuredTest("loads ES modules and bare package specifiers too", async () => {
      expect(await toThread.runSync(workerFunction<(t: string) => string>(ESM, "shout"), "hi")).toBe("HI!");
      expect(await toThread.runSync(workerFunction<(t: string) => string>(new URL(`file://${ESM}`)), "HO")).toBe("ho");
      expect(await toThread.runSync(workerFunction<(p: string) => string>("node:path", "basename"), "/a/b.txt")).toBe(
        "b.txt",
      );
    });

    structuredTest("a worker imports each module once, however many calls it runs", async () => {
      expect(await toThread.runSync(basic("loads"))).toBe(1);
      expect(await toThread.runSync(basic("loads"))).toBe(1);
    });

    structuredTest("a module that is missing rejects with the host's error", async () => {
      const error = await caught(toThread.runSync(workerFunction("/nonexistent/module.cjs", "x")));
      expect((error as { code?: string }).code).toBe("MODULE_NOT_FOUND");
    });

    describe("errors", () => {
      structuredTest(
        "a built-in error comes back as its class with its message, code and the worker's stack",
        async () => {
          const error = (await caught(toThread.runSync(basic("throwRangeError"), "foo"))) as RangeError & {
            code: string;
          };
          expect(error).toBeInstanceOf(RangeError);
          expect(error.message).toBe("foo");
          expect(error.code).toBe("ERR_FIXTURE");
          expect(error.stack).toContain("basic.cjs");
        },
      );

      structuredTest(
        "an error of another class comes back as an Error named after it, with its own properties",
        async () => {
          const error = (await caught(toThread.runSync(basic("throwCustom"), "bar"))) as Error & { detail: unknown };
          expect(error).toBeInstanceOf(Error);
          expect(error.name).toBe("CustomError");
          expect(error.message).toBe("bar");
          expect(error.detail).toEqual({ level: 3 });
        },
      );

      structuredTest("a thrown value that is not an Error comes back as it was", async () => {
        expect(await caught(toThread.runSync(basic("throwValue"), { reason: 7 }))).toEqual({ reason: 7 });
      });

      structuredTest("a plain function is a TypeError that shows the fix", async () => {
        const error = await caught(toThread.runSync((() => 1) as never));
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toBe(
          "toThread.runSync() cannot send a function to a worker thread; export it from a module and pass workerFunction(url, name)",
        );
      });

      structuredTest("options are checked before anything runs", async () => {
        await expect(toThread.runSync({ abandonOnCancel: "yes" } as never, basic("add"), 1, 2)).rejects.toThrow(
          'Expected `abandonOnCancel` to be a boolean, got `"yes"` (string)',
        );
        await expect(toThread.runSync({ limiter: 3 } as never, basic("add"), 1, 2)).rejects.toThrow(TypeError);
        await expect(toThread.runSync({ cancellable: true } as never, basic("add"), 1, 2)).rejects.toThrow(TypeError);
      });

      structuredTest("arguments that cannot be cloned reject before any token or worker is taken", async () => {
        const limiter = new CountingLimiter(1);
        const error = await caught(toThread.runSync({ limiter }, basic("echo"), () => 1));
        expect((error as Error).name).toBe("DataCloneError");
        expect(limiter.lent).toBe(0);
        expect(currentThreadPool().size).toBe(0);
      });

      structuredTest("a result that cannot be cloned rejects with the worker's DataCloneError", async () => {
        const error = await caught(toThread.runSync(basic("returnFunction")));
        expect((error as Error).name).toBe("DataCloneError");
      });
    });

    structuredTest("moves the buffers of transferList: detached here, whole in the worker", async () => {
      const bytes = new Uint8Array([1, 2, 3, 4]);
      const sum = await toThread.runSync({ transferList: [bytes.buffer] }, basic("sum"), bytes);
      expect(sum).toBe(10);
      expect(bytes.buffer.byteLength).toBe(0);
      const copied = new Uint8Array([5, 5]);
      expect(await toThread.runSync(basic("sum"), copied)).toBe(10);
      expect(copied.byteLength).toBe(2);
    });

    test("outside run() it rejects with NoCurrentTaskError", async () => {
      await expect(toThread.runSync(basic("add"), 1, 2)).rejects.toThrow(NoCurrentTaskError);
    });

    describe("cancellation", () => {
      structuredTest("is a checkpoint: a task cancelled before the call never starts a worker", async () => {
        const limiter = new CountingLimiter(1);
        const state: string[] = [];
        {
          await using tg = createTaskGroup();
          tg.startSoon(async () => {
            state.push("task started");
            await toThread.runSync({ limiter }, basic("add"), 1, 2);
            state.push("after the thread");
          });
          tg.cancelScope.cancel();
        }
        expect(state).toEqual(["task started"]);
        expect(limiter.lent).toBe(0);
        expect(currentThreadPool().size).toBe(0);
      });

      structuredTest("a call waiting for a token is cancelled without starting a worker", async () => {
        const limiter = new CapacityLimiter(1);
        const gate = new Gate();
        const started = new Event();
        const outcomes: string[] = [];
        {
          await using tg = createTaskGroup();
          tg.startSoon(async () => {
            await toThread.runSync(
              { limiter },
              basic("gated"),
              toThread.callback(() => started.set()),
              gate.view,
            );
            outcomes.push("first done");
          });
          await started.wait();
          const scope = new CancelScope();
          tg.startSoon(async () => {
            await scope.run(async () => {
              await toThread.runSync({ limiter }, basic("add"), 1, 2);
              outcomes.push("second ran");
            });
            outcomes.push(`second cancelled: ${scope.cancelledCaught}`);
          });
          await eventually(() => limiter.statistics().tasksWaiting === 1);
          scope.cancel();
          await eventually(() => outcomes.length === 1);
          expect(currentThreadPool().size).toBe(1);
          gate.open();
        }
        expect(outcomes).toEqual(["second cancelled: true", "first done"]);
      });

      for (const abandonOnCancel of [false, true]) {
        structuredTest(
          abandonOnCancel
            ? "abandoning: cancellation returns at once and the worker runs on"
            : "not abandoning: the cancelled task waits for the worker, gets its result, and is cancelled at its next checkpoint",
          async () => {
            const gate = new Gate();
            const started = new Event();
            const finished = new Event();
            const order: string[] = [];
            let result: unknown;
            {
              await using tg = createTaskGroup();
              tg.startSoon(async () => {
                try {
                  result = await toThread.runSync(
                    { abandonOnCancel },
                    basic("gatedThenReport"),
                    toThread.callback(() => started.set()),
                    gate.view,
                    toThread.callback(() => {
                      order.push("thread");
                      finished.set();
                    }),
                  );
                  order.push("result delivered");
                  await sleep(0);
                  order.push("not cancelled");
                } finally {
                  order.push("task");
                }
              });
              await started.wait();
              tg.cancelScope.cancel();
              if (!abandonOnCancel) gate.open();
            }
            if (abandonOnCancel) {
              expect(order).toEqual(["task"]);
              gate.open();
            }
            await finished.wait();
            expect(order).toEqual(abandonOnCancel ? ["task", "thread"] : ["thread", "result delivered", "task"]);
            expect(result).toBe(abandonOnCancel ? undefined : "finished");
          },
        );
      }

      structuredTest("an abandoned worker keeps its token until it finishes, then rejoins the pool", async () => {
        const limiter = new CapacityLimiter(2);
        const gate = new Gate();
        const started = new Event();
        const scope = new CancelScope();
        {
          await using tg = createTaskGroup();
          tg.startSoon(async () => {
            await scope.run(() =>
              toThread.runSync(
                { limiter, abandonOnCancel: true },
                basic("gated"),
                toThread.callback(() => started.set()),
                gate.view,
              ),
            );
          });
          await started.wait();
          scope.cancel();
        }
        expect(scope.cancelledCaught).toBe(true);
        expect(limiter.borrowedTokens).toBe(1);
        expect(currentThreadPool().idleCount).toBe(0);
        gate.open();
        await eventually(() => limiter.borrowedTokens === 0);
        expect(currentThreadPool().idleCount).toBe(1);
      });

      structuredTest("run() ends even while an abandoned worker is still blocked: the run terminates it", async () => {
        const gate = new Gate();
        const started = new Event();
        const scope = new CancelScope();
        await scope.run(async () => {
          await using tg = createTaskGroup();
          tg.startSoon(async () => {
            await toThread.runSync(
              { abandonOnCancel: true },
              basic("gated"),
              toThread.callback(() => started.set()),
              gate.view,
            );
          });
          await started.wait();
          scope.cancel();
        });
        expect(scope.cancelledCaught).toBe(true);
        expect(currentThreadPool().size).toBe(1);
        // The gate is never opened: the leak check after this test fails if the worker outlived the run.
      });
    });

    describe("limiters", () => {
      structuredTest("a custom limiter bounds how many workers run at once", async () => {
        const limiter = new CapacityLimiter(3);
        const gate = new Gate();
        let running = 0;
        let most = 0;
        const threeStarted = new Event();
        const threads = new Set<number>();
        {
          await using tg = createTaskGroup();
          for (let i = 0; i < 4; i++) {
            tg.startSoon(async () => {
              const id = await toThread.runSync(
                { limiter },
                basic("gated"),
                toThread.callback(() => {
                  running++;
                  most = Math.max(most, running);
                  if (running === 3) threeStarted.set();
                }),
                gate.view,
              );
              running--;
              threads.add(id as number);
            });
          }
          await threeStarted.wait();
          expect(limiter.borrowedTokens).toBe(3);
          expect(limiter.statistics().tasksWaiting).toBe(1);
          gate.open();
        }
        expect(most).toBe(3);
        expect(running).toBe(0);
        expect(threads.size).toBe(3);
      });

      structuredTest("the default limiter is the run's 40-token limiter that file operations share", async () => {
        const limiter = toThread.currentDefaultThreadLimiter();
        expect(limiter).toBe(currentDefaultThreadLimiter());
        expect(limiter.totalTokens).toBe(40);
        const gate = new Gate();
        const started = new Event();
        await using tg = createTaskGroup();
        tg.startSoon(() =>
          toThread.runSync(
            basic("gated"),
            toThread.callback(() => started.set()),
            gate.view,
          ),
        );
        await started.wait();
        expect(limiter.borrowedTokens).toBe(1);
        gate.open();
      });
    });

    describe("the pool", () => {
      structuredTest("reuses the most recently used idle worker", async () => {
        const first = await toThread.runSync(basic<() => number>("currentThreadId"));
        expect(await toThread.runSync(basic<() => number>("currentThreadId"))).toBe(first);
        // Two at once need two workers; the one that finished last is taken next.
        const gate = new Gate();
        const started = new Event();
        let slow = 0;
        let quick = 0;
        await createTaskGroup().run(async (tg) => {
          tg.startSoon(async () => {
            slow = (await toThread.runSync(
              basic("gated"),
              toThread.callback(() => started.set()),
              gate.view,
            )) as number;
          });
          await started.wait();
          quick = await toThread.runSync(basic<() => number>("currentThreadId"));
          gate.open();
        });
        expect(quick).not.toBe(slow);
        expect(await toThread.runSync(basic<() => number>("currentThreadId"))).toBe(slow);
        expect(currentThreadPool().size).toBe(2);
      });

      structuredTest(
        "a worker that exits before answering rejects with BrokenWorkerThread and is not reused",
        async () => {
          const before = await toThread.runSync(basic<() => number>("currentThreadId"));
          const error = await caught(toThread.runSync(basic("exit"), 3));
          expect(error).toBeInstanceOf(BrokenWorkerThread);
          expect((error as Error).cause).toBe(3);
          expect(currentThreadPool().size).toBe(0);
          const after = await toThread.runSync(basic<() => number>("currentThreadId"));
          expect(after).not.toBe(before);
        },
      );

      structuredTest("a worker whose event loop fails after it answered leaves the pool", async () => {
        expect(await toThread.runSync(basic("crashAfterReturning"))).toBe("returned");
        await eventually(() => currentThreadPool().size === 0);
        expect(await toThread.runSync(basic("add"), 2, 2)).toBe(4);
      });

      structuredTest("an idle worker is terminated after the idle timeout", async () => {
        const saved = poolSettings.idleTimeoutMs;
        poolSettings.idleTimeoutMs = 20;
        try {
          await toThread.runSync(basic("add"), 1, 1);
          expect(currentThreadPool().size).toBe(1);
          await eventually(() => currentThreadPool().size === 0);
        } finally {
          poolSettings.idleTimeoutMs = saved;
        }
      });

      structuredTest("a worker used again is terminated only once it has been idle for the whole timeout", async () => {
        const saved = poolSettings.idleTimeoutMs;
        poolSettings.idleTimeoutMs = 100;
        try {
          await toThread.runSync(basic("add"), 1, 1);
          // Used again halfway through its first idle period: the pool's timer, armed for the
          // first deadline, must not retire it then.
          await sleep(50);
          const before = performance.now();
          await toThread.runSync(basic("add"), 2, 2);
          expect(currentThreadPool().size).toBe(1);
          await eventually(() => currentThreadPool().size === 0);
          expect(performance.now() - before).toBeGreaterThanOrEqual(100);
        } finally {
          poolSettings.idleTimeoutMs = saved;
        }
      });

      test("each run() has its own pool, and its workers are gone when run() returns", async () => {
        const ids: number[] = [];
        for (let i = 0; i < 2; i++) {
          await run(async () => {
            ids.push((await toThread.runSync(basic<() => number>("currentThreadId"))) as number);
            expect(currentThreadPool().size).toBe(1);
          });
        }
        expect(ids[1]).not.toBe(ids[0]);
      });
    });
  },
  THREAD_TEST_OPTIONS,
);
