"use structured";
// toProcess.runSync: AnyIO's worker process tests re-expressed (a separate process reused across
// calls, errors delivered, nothing reserved when cancelled first, a cancellable call killing its
// worker), plus this port's rules: structured clone across the boundary, BrokenWorkerProcess, the
// limiter, idle pruning, and every worker killed and reaped when run() ends.
import * as os from "node:os";
import {
  BrokenWorkerProcess,
  CancelScope,
  Cancelled,
  CapacityLimiter,
  checkpoint,
  createTaskGroup,
  run,
  sleep,
  toProcess,
  waitAllTasksBlocked,
  workerFunction,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { childrenOfThisProcess, expectReaped, fixture } from "./process-helpers";

const CJS = fixture("worker-functions.cjs");
const pid = workerFunction<() => number>(CJS, "pid");
const add = workerFunction<(a: number, b: number) => number>(CJS, "add");
const echo = workerFunction<<T>(value: T) => T>(CJS, "echo");
const asyncDouble = workerFunction<(n: number) => Promise<number>>(CJS, "asyncDouble");
const throwsWithCode = workerFunction<(message: string) => never>(CJS, "throwsWithCode");
const throwsCustom = workerFunction<() => never>(CJS, "throwsCustom");
const sleepsSync = workerFunction<(ms: number) => string>(CJS, "sleepsSync");
const exits = workerFunction<(code: number) => never>(CJS, "exits");
const returnsFunction = workerFunction<() => () => number>(CJS, "returnsFunction");
const fib = workerFunction<(n: number) => number>(CJS, "fib");

structuredDescribe(
  "toProcess.runSync",
  () => {
    structuredTest("runs the function in another process, the same one for consecutive calls", async () => {
      const first = await toProcess.runSync(pid);
      expect(first).not.toBe(process.pid);
      expect(await toProcess.runSync(pid)).toBe(first);
      expect(await toProcess.runSync(fib, 20)).toBe(6765);
    });

    structuredTest("arguments and results cross by structured clone; promises are awaited in the worker", async () => {
      expect(await toProcess.runSync(add, 2, 3)).toBe(5);
      const value = { map: new Map([["a", 1n]]), date: new Date(0), bytes: new Uint8Array([1, 2, 3]), nested: [null] };
      expect(await toProcess.runSync(echo, value)).toEqual(value);
      expect(await toProcess.runSync(asyncDouble, 21)).toBe(42);
    });

    structuredTest("ES module exports work: the default export and a named one", async () => {
      const mjs = new URL(`file://${fixture("worker-functions.mjs")}`);
      expect(await toProcess.runSync(workerFunction<(n: number) => number>(mjs), 7)).toBe(49);
      expect(await toProcess.runSync(workerFunction<(name: string) => string>(mjs, "greet"), "you")).toBe("hello, you");
    });

    structuredTest("an error thrown by the function is rethrown with its class, message, code and stack", async () => {
      const error = (await caught(toProcess.runSync(throwsWithCode, "out of range"))) as RangeError & { code: string };
      expect(error).toBeInstanceOf(RangeError);
      expect(error.message).toBe("out of range");
      expect(error.code).toBe("E_WORKER");
      expect(error.stack).toContain("worker-functions.cjs");
      const custom = (await caught(toProcess.runSync(throwsCustom))) as Error;
      expect(custom).toBeInstanceOf(Error);
      expect(custom.name).toBe("CustomFailure");
      expect(custom.message).toBe("custom");
      // The worker survives its function's errors.
      expect(await toProcess.runSync(add, 1, 1)).toBe(2);
    });

    structuredTest("a missing export is reported as the worker's TypeError", async () => {
      const error = (await caught(toProcess.runSync(workerFunction(CJS, "nope")))) as Error;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toContain('no exported function named "nope"');
    });

    structuredTest(
      "a plain function, a function argument or an unclonable argument is refused before any worker starts",
      async () => {
        const before = childrenOfThisProcess();
        const plain = (await caught(toProcess.runSync((() => 1) as never))) as Error;
        expect(plain).toBeInstanceOf(TypeError);
        expect(plain.message).toBe(
          "toProcess.runSync() cannot send a function to a worker process; export it from a module and pass workerFunction(url, name)",
        );
        expect(await caught(toProcess.runSync(echo, (() => 1) as never))).toBeInstanceOf(TypeError);
        const unclonable = (await caught(toProcess.runSync(echo, { f: () => 1 } as never))) as Error;
        expect(unclonable.name).toBe("DataCloneError");
        expect(await caught(toProcess.runSync({ cancellable: "yes" } as never, echo, 1))).toBeInstanceOf(TypeError);
        expect(await caught(toProcess.runSync({ limiter: 3 } as never, echo, 1))).toBeInstanceOf(TypeError);
        expect(childrenOfThisProcess()).toEqual(before);
        expect(toProcess.currentDefaultProcessLimiter().statistics().borrowedTokens).toBe(0);
      },
    );

    structuredTest("a result that cannot be cloned is reported as an error and the worker stays usable", async () => {
      const worker = await toProcess.runSync(pid);
      const error = (await caught(toProcess.runSync(returnsFunction))) as Error;
      expect(error.name).toBe("DataCloneError");
      expect(await toProcess.runSync(pid)).toBe(worker);
    });

    structuredTest("in a cancelled scope it reserves no token and starts no worker", async () => {
      const before = childrenOfThisProcess();
      const scope = new CancelScope();
      await scope.run(async () => {
        scope.cancel();
        await toProcess.runSync(pid);
      });
      expect(scope.cancelledCaught).toBe(true);
      expect(childrenOfThisProcess()).toEqual(before);
      expect(toProcess.currentDefaultProcessLimiter().statistics().borrowedTokens).toBe(0);
    });

    structuredTest(
      "cancellable: cancellation kills and reaps the worker, and the next call gets a new one",
      async () => {
        const worker = await toProcess.runSync(pid);
        let outcome: unknown;
        {
          await using tg = createTaskGroup();
          tg.startSoon(async () => {
            try {
              await toProcess.runSync({ cancellable: true }, sleepsSync, 20_000);
            } catch (error) {
              outcome = error;
              expectReaped(worker); // before Cancelled reached us
              throw error;
            }
          });
          await waitAllTasksBlocked();
          tg.cancelScope.cancel();
        }
        expect(outcome).toBeInstanceOf(Cancelled);
        expectReaped(worker);
        const next = await toProcess.runSync(pid);
        expect(next).not.toBe(worker);
      },
    );

    structuredTest(
      "not cancellable (the default): the call finishes and delivers, the cancellation lands after",
      async () => {
        let result: string | undefined;
        let after: unknown;
        {
          await using tg = createTaskGroup();
          tg.startSoon(async () => {
            result = await toProcess.runSync(sleepsSync, 300);
            try {
              await checkpoint();
            } catch (error) {
              after = error;
            }
          });
          await waitAllTasksBlocked();
          tg.cancelScope.cancel();
        }
        expect(result).toBe("slept");
        expect(after).toBeInstanceOf(Cancelled);
      },
    );

    structuredTest("a worker that exits mid-call raises BrokenWorkerProcess and is not reused", async () => {
      const worker = await toProcess.runSync(pid);
      const error = (await caught(toProcess.runSync(exits, 7))) as BrokenWorkerProcess;
      expect(error).toBeInstanceOf(BrokenWorkerProcess);
      expect(error.cause).toEqual({ exitCode: 7, signalCode: null });
      expectReaped(worker);
      expect(await toProcess.runSync(pid)).not.toBe(worker);
    });

    structuredTest("the limiter bounds the busy workers: one token, one worker for concurrent calls", async () => {
      const limiter = new CapacityLimiter(1);
      const pids: number[] = [];
      {
        await using tg = createTaskGroup();
        for (let i = 0; i < 3; i++) {
          tg.startSoon(async () => {
            pids.push(await toProcess.runSync({ limiter }, pid));
          });
        }
      }
      expect(new Set(pids).size).toBe(1);
      expect(limiter.statistics().borrowedTokens).toBe(0);
    });

    structuredTest("two tokens: two concurrent calls run in two workers", async () => {
      const limiter = new CapacityLimiter(2);
      const pids: number[] = [];
      {
        await using tg = createTaskGroup();
        for (let i = 0; i < 2; i++) {
          tg.startSoon(async () => {
            await toProcess.runSync({ limiter }, sleepsSync, 200);
            pids.push(await toProcess.runSync({ limiter }, pid));
          });
        }
      }
      expect(pids).toHaveLength(2);
    });

    structuredTest("the default limiter has one token per core, one limiter per run", async () => {
      const limiter = toProcess.currentDefaultProcessLimiter();
      expect(limiter.totalTokens).toBe(os.availableParallelism());
      expect(toProcess.currentDefaultProcessLimiter()).toBe(limiter);
    });

    structuredTest(
      "workers idle for 300,000 ms are killed at the next call; the most recently used is reused",
      async () => {
        const limiter = new CapacityLimiter(2);
        const pids: number[] = [];
        {
          await using tg = createTaskGroup();
          for (let i = 0; i < 2; i++) {
            tg.startSoon(async () => {
              await toProcess.runSync({ limiter }, sleepsSync, 200);
              pids.push(await toProcess.runSync({ limiter }, pid));
            });
          }
        }
        await sleep(300_000);
        // The most recently used worker is taken, and the other, idle too long, is pruned.
        const reused = await toProcess.runSync({ limiter }, pid);
        expect(pids).toContain(reused);
        expectReaped(pids.find((other) => other !== reused));
      },
      { clock: "autojump" },
    );
  },
  { timeout: 60_000 },
);

describe("worker processes and run()", () => {
  test("every worker is killed and reaped when run() ends", async () => {
    const pids = await run(async () => {
      const limiter = new CapacityLimiter(2);
      const found: number[] = [];
      await using tg = createTaskGroup();
      for (let i = 0; i < 2; i++) {
        tg.startSoon(async () => {
          await toProcess.runSync({ limiter }, sleepsSync, 200);
          found.push(await toProcess.runSync({ limiter }, pid));
        });
      }
      return found;
    });
    expect(pids).toHaveLength(2);
    for (const worker of pids) expectReaped(worker);
  }, 60_000);

  test("outside run() it says so", async () => {
    expect(() => toProcess.currentDefaultProcessLimiter()).toThrow("toProcess.currentDefaultProcessLimiter()");
  });
});
