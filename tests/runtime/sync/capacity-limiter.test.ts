/**
 * CapacityLimiter: tokens, borrowers, totalTokens changes, cancellation, statistics and use
 * outside run(), re-expressed from AnyIO's tests/test_synchronization.py (TestCapacityLimiter).
 */
import {
  CancelScope,
  CapacityLimiter,
  Cancelled,
  Event,
  ExceptionGroup,
  NoCurrentTaskError,
  TaskStatus,
  WouldBlock,
  checkpoint,
  createTaskGroup,
  failAfter,
  getCurrentTask,
  moveOnAfter,
  run,
  waitAllTasksBlocked,
} from "anyio-ts";
import { assertCheckpoints, assertNoCheckpoints } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { caughtInCancelledScope, inTaskGroup } from "../helpers";

const ALREADY_HOLDING = /^this borrower is already holding one of this CapacityLimiter's tokens/;
const NOT_HOLDING = /^this borrower isn't holding any of this CapacityLimiter's tokens/;

describe("totalTokens", () => {
  test("must be an integer or Infinity", () => {
    expect(() => new CapacityLimiter(1.5)).toThrow(
      new TypeError("Expected `totalTokens` to be an integer or Infinity, got `1.5` (number)"),
    );
    expect(() => new CapacityLimiter(NaN)).toThrow(TypeError);
    expect(() => new CapacityLimiter("2" as unknown as number)).toThrow(TypeError);
  });

  test("must be >= 0", () => {
    expect(() => new CapacityLimiter(-1)).toThrow(
      new RangeError("Expected `totalTokens` to be >= 0, got `-1` (number)"),
    );
    expect(() => new CapacityLimiter(-Infinity)).toThrow(RangeError);
  });

  test("may be 0 or Infinity", () => {
    expect(new CapacityLimiter(0).totalTokens).toBe(0);
    expect(new CapacityLimiter(Infinity).totalTokens).toBe(Infinity);
    const limiter = new CapacityLimiter(1);
    limiter.totalTokens = 0;
    expect(limiter.totalTokens).toBe(0);
    limiter.totalTokens = Infinity;
    expect(limiter.totalTokens).toBe(Infinity);
  });

  test("the setter checks its value and keeps the old one on error", () => {
    const limiter = new CapacityLimiter(1);
    limiter.totalTokens = 2;
    expect(() => (limiter.totalTokens = "3" as unknown as number)).toThrow(TypeError);
    expect(() => (limiter.totalTokens = 3.5)).toThrow(TypeError);
    expect(() => (limiter.totalTokens = -3)).toThrow(RangeError);
    expect(limiter.totalTokens).toBe(2);
  });

  test("raising it lets a waiting task in", async () => {
    const limiter = new CapacityLimiter(1);
    const inside = new Event();
    const otherGotIn = new Event();
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await inside.wait();
        using _ = await limiter.acquire();
        otherGotIn.set();
      });
      tg.startSoon(async () => {
        using _ = await limiter.acquire();
        inside.set();
        await otherGotIn.wait();
      });
      await waitAllTasksBlocked();
      expect(inside.isSet()).toBe(true);
      expect(otherGotIn.isSet()).toBe(false);
      limiter.totalTokens = 2;
    });
    expect(otherGotIn.isSet()).toBe(true);
  });

  test("raising it lets as many waiters in as there are new tokens, and newcomers after them", async () => {
    const limiter = new CapacityLimiter(1);
    const entered = [new Event(), new Event(), new Event()];
    const proceed = new Event();
    const worker = async (event: Event) => {
      using _ = await limiter.acquire();
      event.set();
      await proceed.wait();
    };
    await inTaskGroup(async (tg) => {
      tg.startSoon(worker, entered[0]);
      tg.startSoon(worker, entered[1]);
      await waitAllTasksBlocked();
      expect(entered.filter((e) => e.isSet())).toHaveLength(1);
      limiter.totalTokens = 3;
      tg.startSoon(worker, entered[2]);
      await failAfter(1000).run(async () => {
        for (const event of entered) await event.wait();
      });
      proceed.set();
    });
  });

  test("the runtime's non-throwing nowait path takes a free token and says false when none is free", () => {
    const limiter = new CapacityLimiter(1);
    const first = { name: "first" };
    expect(limiter._tryAcquireOnBehalfOf(first)).toBe(true);
    expect(limiter.borrowedTokens).toBe(1);
    expect(() => limiter._tryAcquireOnBehalfOf(first)).toThrow("already holding");
    const second = { name: "second" };
    expect(limiter._tryAcquireOnBehalfOf(second)).toBe(false);
    expect(limiter.borrowedTokens).toBe(1);
    limiter.releaseOnBehalfOf(first);
    expect(limiter._tryAcquireOnBehalfOf(second)).toBe(true);
    limiter.releaseOnBehalfOf(second);
  });

  test("lowering it below the borrowed count takes nothing back but grants nothing until enough are released", async () => {
    const limiter = new CapacityLimiter(3);
    await run(async () => {
      const a = limiter.acquireOnBehalfOfNowait({ name: "a" });
      const b = limiter.acquireOnBehalfOfNowait({ name: "b" });
      const c = limiter.acquireOnBehalfOfNowait({ name: "c" });
      limiter.totalTokens = 1;
      expect(limiter.borrowedTokens).toBe(3);
      expect(limiter.availableTokens).toBe(-2);
      await createTaskGroup().run(async (tg) => {
        let got = false;
        tg.startSoon(async () => {
          using _ = await limiter.acquire();
          got = true;
        });
        await waitAllTasksBlocked();
        a[Symbol.dispose]();
        b[Symbol.dispose]();
        await waitAllTasksBlocked();
        expect(got).toBe(false);
        c[Symbol.dispose]();
        await waitAllTasksBlocked();
        expect(got).toBe(true);
      });
    });
  });
});

describe("borrowing", () => {
  test("acquire() borrows a token for the current task until the block ends", async () => {
    const limiter = new CapacityLimiter(2);
    expect([limiter.totalTokens, limiter.availableTokens, limiter.borrowedTokens]).toEqual([2, 2, 0]);
    await run(async () => {
      using _ = await limiter.acquire();
      expect([limiter.totalTokens, limiter.availableTokens, limiter.borrowedTokens]).toEqual([2, 1, 1]);
      expect(limiter.statistics().borrowers).toEqual([getCurrentTask()]);
    });
    expect(limiter.borrowedTokens).toBe(0);
  });

  test("never more borrowers than tokens", async () => {
    const limiter = new CapacityLimiter(1);
    let inside = 0;
    await inTaskGroup(async (tg) => {
      for (let t = 0; t < 3; t++) {
        tg.startSoon(async () => {
          for (let i = 0; i < 5; i++) {
            using _ = await limiter.acquire();
            expect(inside).toBe(0);
            inside = 1;
            await waitAllTasksBlocked();
            inside = 0;
          }
        });
      }
    });
  });

  test("a borrower may hold only one token", async () => {
    const limiter = new CapacityLimiter(2);
    await run(async () => {
      await limiter.acquire();
      expect(((await caught(limiter.acquire())) as Error).message).toMatch(ALREADY_HOLDING);
      expect(() => limiter.acquireNowait()).toThrow(ALREADY_HOLDING);
      const borrower = {};
      limiter.acquireOnBehalfOfNowait(borrower);
      expect(() => limiter.acquireOnBehalfOfNowait(borrower)).toThrow(ALREADY_HOLDING);
      expect(((await caught(limiter.acquireOnBehalfOf(borrower))) as Error).message).toMatch(ALREADY_HOLDING);
      expect(limiter.borrowedTokens).toBe(2);
    });
  });

  test("a borrower may not wait twice", async () => {
    const limiter = new CapacityLimiter(0);
    const borrower = {};
    await inTaskGroup(async (tg) => {
      tg.startSoon(() => limiter.acquireOnBehalfOf(borrower));
      await waitAllTasksBlocked();
      const error = await caught(limiter.acquireOnBehalfOf(borrower));
      expect((error as Error).message).toMatch(/^this borrower is already waiting/);
      tg.cancel();
    });
  });

  test("releasing a token the borrower does not hold throws", async () => {
    const limiter = new CapacityLimiter(1);
    await run(async () => {
      expect(() => limiter.release()).toThrow(NOT_HOLDING);
    });
    expect(() => limiter.releaseOnBehalfOf({})).toThrow(NOT_HOLDING);
  });

  test("a token borrowed by the current task cannot be released by another task", async () => {
    const limiter = new CapacityLimiter(1);
    await inTaskGroup(async (tg) => {
      const acquisition = await limiter.acquire();
      tg.startSoon(async () => {
        expect(() => acquisition[Symbol.dispose]()).toThrow(NOT_HOLDING);
        expect(() => limiter.release()).toThrow(NOT_HOLDING);
      });
      await waitAllTasksBlocked();
      expect(limiter.borrowedTokens).toBe(1);
      acquisition[Symbol.dispose]();
    });
    expect(limiter.borrowedTokens).toBe(0);
  });

  test("on behalf of an object: any task (or code outside run()) may release it", async () => {
    const limiter = new CapacityLimiter(1);
    const job = { id: 7 };
    await inTaskGroup(async (tg) => {
      await limiter.acquireOnBehalfOf(job);
      expect(limiter.statistics().borrowers).toEqual([job]);
      tg.startSoon(async () => limiter.releaseOnBehalfOf(job));
    });
    expect(limiter.borrowedTokens).toBe(0);
    using _ = limiter.acquireOnBehalfOfNowait(job);
    expect(limiter.borrowedTokens).toBe(1);
  });

  test("disposing an acquisition a second time does nothing", async () => {
    const limiter = new CapacityLimiter(2);
    await run(async () => {
      const acquisition = await limiter.acquireOnBehalfOf("x" as unknown as object);
      acquisition[Symbol.dispose]();
      acquisition[Symbol.dispose]();
      expect(limiter.borrowedTokens).toBe(0);
    });
  });

  test("the borrower must not be null or undefined", async () => {
    const limiter = new CapacityLimiter(1);
    expect(() => limiter.acquireOnBehalfOfNowait(null as unknown as object)).toThrow(
      new TypeError("Expected `borrower` to be an object, got `null` (object)"),
    );
    await run(async () => {
      expect(await caught(limiter.acquireOnBehalfOf(undefined as unknown as object))).toBeInstanceOf(TypeError);
    });
  });
});

describe("fairness and no queue jumping", () => {
  test("waiters get tokens in the order they asked", async () => {
    const limiter = new CapacityLimiter(1);
    const results: number[] = [];
    const go = new Event();
    await inTaskGroup(async (tg) => {
      for (const i of [0, 1, 2]) {
        await tg.start(async (x: number, status: TaskStatus) => {
          status.started();
          using _ = await limiter.acquire();
          await go.wait();
          results.push(x);
        }, i);
      }
      go.set();
    });
    expect(results).toEqual([0, 1, 2]);
  });

  test("acquireNowait() raises WouldBlock in a second task while the only token is borrowed", async () => {
    const limiter = new CapacityLimiter(1);
    let error: unknown;
    await run(async () => {
      limiter.acquireNowait();
      error = await caught(
        createTaskGroup().run(async (tg) => {
          tg.startSoon(async () => void limiter.acquireNowait());
        }),
      );
      limiter.release();
    });
    expect(error).toBeInstanceOf(ExceptionGroup);
    expect((error as ExceptionGroup).exceptions[0]).toBeInstanceOf(WouldBlock);
  });

  test("acquireOnBehalfOfNowait() raises WouldBlock when no token is free", () => {
    const limiter = new CapacityLimiter(1);
    limiter.acquireOnBehalfOfNowait({});
    expect(() => limiter.acquireOnBehalfOfNowait({})).toThrow(WouldBlock);
  });

  test("a released token is reserved for the waiter: a nowait acquire in between raises WouldBlock", async () => {
    const limiter = new CapacityLimiter(1);
    const A = { name: "A" };
    const B = { name: "B" };
    await inTaskGroup(async (tg) => {
      limiter.acquireOnBehalfOfNowait(A);
      tg.startSoon(() => limiter.acquireOnBehalfOf(B));
      await waitAllTasksBlocked();
      expect(limiter.statistics().tasksWaiting).toBe(1);
      limiter.releaseOnBehalfOf(A);
      expect(() => limiter.acquireOnBehalfOfNowait({ name: "X" })).toThrow(WouldBlock);
    });
    expect(limiter.borrowedTokens).toBeLessThanOrEqual(limiter.totalTokens);
    expect(limiter.availableTokens).toBeGreaterThanOrEqual(0);
    expect(limiter.statistics().borrowers).toEqual([B]);
    limiter.releaseOnBehalfOf(B);
  });
});

describe("acquire() and acquireOnBehalfOf() are checkpoints", () => {
  test("an uncontended acquire() is a checkpoint", async () => {
    const limiter = new CapacityLimiter(1);
    await run(async () => {
      const acquisition = await assertCheckpoints(() => limiter.acquire());
      expect(limiter.statistics().borrowers).toEqual([getCurrentTask()]);
      acquisition[Symbol.dispose]();
    });
  });

  test("an uncontended acquireOnBehalfOf() is a checkpoint", async () => {
    const limiter = new CapacityLimiter(1);
    const borrower = { name: "job" };
    await run(async () => {
      const acquisition = await assertCheckpoints(() => limiter.acquireOnBehalfOf(borrower));
      expect(limiter.statistics().borrowers).toEqual([borrower]);
      acquisition[Symbol.dispose]();
    });
  });

  test.each<[string, (limiter: CapacityLimiter) => Promise<Disposable>]>([
    ["acquire()", (limiter) => limiter.acquire()],
    ["acquireOnBehalfOf()", (limiter) => limiter.acquireOnBehalfOf({ name: "job" })],
  ])("%s that waits for a released token is a checkpoint", async (_name, acquire) => {
    const limiter = new CapacityLimiter(1);
    const holder = { name: "holder" };
    await run(async () => {
      limiter.acquireOnBehalfOfNowait(holder);
      const acquisition = await assertCheckpoints(() => {
        const acquiring = acquire(limiter);
        limiter.releaseOnBehalfOf(holder);
        return acquiring;
      });
      expect(limiter.borrowedTokens).toBe(1);
      acquisition[Symbol.dispose]();
    });
    expect(limiter.borrowedTokens).toBe(0);
  });
});

describe("operations that are never checkpoints", () => {
  test("acquireNowait() and release() are no checkpoints", async () => {
    const limiter = new CapacityLimiter(1);
    await run(async () => {
      await assertNoCheckpoints(() => limiter.acquireNowait());
      expect(limiter.borrowedTokens).toBe(1);
      await assertNoCheckpoints(() => limiter.release());
      expect(limiter.borrowedTokens).toBe(0);
    });
  });

  test("acquireOnBehalfOfNowait() and releaseOnBehalfOf() are no checkpoints", async () => {
    const limiter = new CapacityLimiter(1);
    const borrower = { name: "job" };
    await run(async () => {
      await assertNoCheckpoints(() => limiter.acquireOnBehalfOfNowait(borrower));
      expect(limiter.statistics().borrowers).toEqual([borrower]);
      await assertNoCheckpoints(() => limiter.releaseOnBehalfOf(borrower));
      expect(limiter.borrowedTokens).toBe(0);
    });
  });

  test("a nowait acquire that raises WouldBlock is no checkpoint", async () => {
    const limiter = new CapacityLimiter(0);
    await run(async () => {
      expect(await caught(assertNoCheckpoints(() => limiter.acquireNowait()))).toBeInstanceOf(WouldBlock);
      expect(await caught(assertNoCheckpoints(() => limiter.acquireOnBehalfOfNowait({})))).toBeInstanceOf(WouldBlock);
    });
  });

  test("a release that hands the token to a waiter is no checkpoint", async () => {
    const limiter = new CapacityLimiter(1);
    let waiterGotIn = false;
    await inTaskGroup(async (tg) => {
      limiter.acquireNowait();
      tg.startSoon(async () => {
        using _ = await limiter.acquire();
        waiterGotIn = true;
      });
      await waitAllTasksBlocked();
      const afterRelease = await assertNoCheckpoints(() => {
        limiter.release();
        const { borrowedTokens, tasksWaiting } = limiter.statistics();
        return { borrowedTokens, tasksWaiting };
      });
      expect(afterRelease).toEqual({ borrowedTokens: 1, tasksWaiting: 0 });
    });
    expect(waiterGotIn).toBe(true);
  });

  test("statistics() is no checkpoint", async () => {
    const limiter = new CapacityLimiter(2);
    await run(async () => {
      expect(await assertNoCheckpoints(() => limiter.statistics())).toEqual({
        borrowedTokens: 0,
        totalTokens: 2,
        borrowers: [],
        tasksWaiting: 0,
      });
    });
  });
});

describe("cancellation", () => {
  test("acquire() in a cancelled scope raises and borrows nothing, even with a free token", async () => {
    const limiter = new CapacityLimiter(1);
    const error = await caughtInCancelledScope(() => limiter.acquire());
    expect(error).toBeInstanceOf(Cancelled);
    expect(limiter.borrowedTokens).toBe(0);
  });

  test("a waiter cancelled before its turn gives way to the next waiter", async () => {
    const limiter = new CapacityLimiter(1);
    let secondGotIn = false;
    await inTaskGroup(async (tg) => {
      const borrower = async (event: Event, status: TaskStatus<CancelScope>) => {
        const scope = new CancelScope();
        await scope.run(async () => {
          status.started(scope);
          using _ = await limiter.acquire();
          event.set();
          await checkpoint();
        });
      };
      const event2 = new Event();
      {
        using _ = await limiter.acquire();
        const scope1 = await tg.start(borrower, new Event());
        await tg.start(borrower, event2);
        scope1.cancel();
      }
      await moveOnAfter(1000).run(async () => {
        await event2.wait();
        secondGotIn = true;
      });
    });
    expect(secondGotIn).toBe(true);
  });

  test("a waiter cancelled after it was handed a token keeps it until its block ends (no lost token)", async () => {
    const limiter = new CapacityLimiter(1);
    const log: string[] = [];
    await inTaskGroup(async (tg) => {
      limiter.acquireOnBehalfOfNowait(limiter);
      const waiter = tg.startSoon(async () => {
        using _ = await limiter.acquire();
        log.push(`borrowed ${limiter.borrowedTokens}`);
        const error = await caught(checkpoint());
        log.push(error instanceof Cancelled ? "cancelled at the next checkpoint" : "not cancelled");
        throw error;
      });
      await waitAllTasksBlocked();
      limiter.releaseOnBehalfOf(limiter);
      waiter.cancel();
      await waiter.wait();
      expect(limiter.borrowedTokens).toBe(0);
      expect(limiter.statistics().tasksWaiting).toBe(0);
    });
    expect(log).toEqual(["borrowed 1", "cancelled at the next checkpoint"]);
  });

  test("two tasks, the first cancelled while both wait: the second still gets in", async () => {
    const limiter = new CapacityLimiter(1);
    let done = false;
    await inTaskGroup(async (tg) => {
      const hold = async () => {
        using _ = await limiter.acquire();
        await checkpoint();
      };
      const first = tg.startSoon(hold);
      tg.startSoon(async () => {
        await hold();
        done = true;
      });
      await checkpoint();
      first.cancel();
    });
    expect(done).toBe(true);
  });
});

describe("statistics and use outside run()", () => {
  test("the statistics follow the tokens and the waiters", async () => {
    const limiter = new CapacityLimiter(1);
    expect(limiter.statistics()).toEqual({ borrowedTokens: 0, totalTokens: 1, borrowers: [], tasksWaiting: 0 });
    await run(async () => {
      const held = await limiter.acquire();
      await createTaskGroup().run(async (tg) => {
        expect(limiter.statistics().borrowedTokens).toBe(1);
        expect(limiter.statistics().tasksWaiting).toBe(0);
        for (let i = 1; i <= 2; i++) {
          tg.startSoon(async () => {
            using _ = await limiter.acquire();
          });
          await waitAllTasksBlocked();
          expect(limiter.statistics().tasksWaiting).toBe(i);
        }
        held[Symbol.dispose]();
      });
    });
    expect(limiter.statistics().tasksWaiting).toBe(0);
    expect(limiter.statistics().borrowedTokens).toBe(0);
  });

  test("borrowers is a frozen snapshot", () => {
    const limiter = new CapacityLimiter(2);
    const borrower = {};
    limiter.acquireOnBehalfOfNowait(borrower);
    const { borrowers } = limiter.statistics();
    expect(Object.isFrozen(borrowers)).toBe(true);
    limiter.releaseOnBehalfOf(borrower);
    expect(borrowers).toEqual([borrower]);
  });

  test("can be created, changed and inspected outside run(), then used inside", async () => {
    const limiter = new CapacityLimiter(1);
    limiter.totalTokens = 2;
    expect(limiter.totalTokens).toBe(2);
    expect(limiter.borrowedTokens).toBe(0);
    expect(limiter.statistics()).toEqual({ borrowedTokens: 0, totalTokens: 2, borrowers: [], tasksWaiting: 0 });
    await run(async () => {
      using _ = await limiter.acquire();
    });
  });

  test("acquire() outside run() rejects with NoCurrentTaskError; acquireNowait() and release() throw it", async () => {
    const limiter = new CapacityLimiter(1);
    expect(await caught(limiter.acquire())).toBeInstanceOf(NoCurrentTaskError);
    expect(await caught(limiter.acquireOnBehalfOf({}))).toBeInstanceOf(NoCurrentTaskError);
    expect(() => limiter.acquireNowait()).toThrow(NoCurrentTaskError);
    expect(() => limiter.release()).toThrow(NoCurrentTaskError);
  });

  test("toString() shows the tokens and the waiters", () => {
    expect(String(new CapacityLimiter(3))).toBe("<CapacityLimiter 0/3 borrowed waiting=0>");
  });
});
