/**
 * Property tests: random small programs of acquires, releases, notifications and cancellations,
 * run under the real scheduler (checkpoints only, no timers), checked against the invariants of
 * the sync primitives (docs/sync.md):
 *
 * - never two holders of a Lock, never more holders than slots or tokens;
 * - every request ends with the resource or with a cancellation that was actually requested
 *   (or WouldBlock for the *Nowait variants), never with nothing;
 * - a program that cannot deadlock does not deadlock: no lost hand-off, no lost notification;
 * - a wake-up delivered before a cancellation wins over it ("no lost results").
 *
 * A run is deterministic for a given program (the host's macrotask queue is FIFO), so a failing
 * program shrinks and replays from fast-check's seed.
 */
import fc from "fast-check";
import {
  CancelScope,
  CapacityLimiter,
  Cancelled,
  Condition,
  Event,
  Lock,
  Semaphore,
  TaskGroup,
  WouldBlock,
  checkpoint,
  createTaskGroup,
  getCurrentTask,
  run,
  waitAllTasksBlocked,
} from "anyio-ts";

const RUNS = 1000;

/** One request for the resource, as a worker task makes it. */
interface Attempt {
  /** Checkpoints before asking. */
  delay: number;
  /** Checkpoints spent holding the resource. */
  hold: number;
  /** Checkpoints after the request starts at which another task cancels it; null: never. */
  cancelAfter: number | null;
  /** Use the *Nowait variant instead of waiting. */
  nowait: boolean;
  /**
   * Right after releasing, in the same synchronous step, cancel the current request of the worker
   * with this index (modulo the number of workers): the hand-off and the cancellation then race.
   */
  cancelOther: number | null;
}

const attemptArb: fc.Arbitrary<Attempt> = fc.record({
  delay: fc.integer({ min: 0, max: 3 }),
  hold: fc.integer({ min: 0, max: 3 }),
  cancelAfter: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
  nowait: fc.boolean(),
  cancelOther: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
});

/** Each worker task makes its attempts one after another. */
const programArb = fc.array(fc.array(attemptArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 });

async function steps(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await checkpoint();
}

/**
 * Runs `workers` as tasks next to a watchdog. When every other task is blocked and some worker
 * has not finished, nothing can ever wake them: `onQuiet` then decides whether that is expected
 * (it returns, and the run is cancelled) or a deadlock (by default it throws).
 */
async function runProgram(
  workers: Array<(tg: TaskGroup) => Promise<void>>,
  options: { extra?: (tg: TaskGroup) => void; onQuiet?: (unfinished: number) => void } = {},
): Promise<void> {
  let finished = 0;
  const onQuiet =
    options.onQuiet ??
    ((unfinished: number) => {
      throw new Error(`deadlock: ${unfinished} of ${workers.length} workers blocked forever`);
    });
  await run(() =>
    createTaskGroup().run(async (tg) => {
      for (const worker of workers) {
        tg.startSoon(async () => {
          await worker(tg);
          finished++;
        });
      }
      options.extra?.(tg);
      while (finished < workers.length) {
        await waitAllTasksBlocked();
        if (finished < workers.length) {
          onQuiet(workers.length - finished);
          tg.cancel();
          return;
        }
      }
    }),
  );
}

/** What happened to one attempt. */
interface Outcome {
  acquired: boolean;
  wouldBlock: boolean;
  cancelRequested: boolean;
  cancelled: boolean;
}

/** The shared shape of the acquirable primitives, as the harness drives them. */
interface Resource {
  acquire(): Promise<Disposable>;
  acquireNowait(): Disposable;
}

/**
 * Drives `resource` with `program` and checks, at every acquisition, that at most `capacity()`
 * tasks hold it (plus `onAcquired`); afterwards, that each attempt ended properly.
 */
async function exercise(
  resource: Resource,
  program: Attempt[][],
  capacity: () => number,
  hooks: { onAcquired?: () => void; extra?: (tg: TaskGroup) => void } = {},
): Promise<Outcome[]> {
  const holders = new Set<unknown>();
  const outcomes: Outcome[] = [];
  const current: Array<{ scope: CancelScope; outcome: Outcome } | null> = program.map(() => null);
  const workers = program.map((attempts, index) => async (tg: TaskGroup) => {
    for (const attempt of attempts) {
      await steps(attempt.delay);
      const outcome: Outcome = { acquired: false, wouldBlock: false, cancelRequested: false, cancelled: false };
      outcomes.push(outcome);
      const scope = new CancelScope();
      current[index] = { scope, outcome };
      if (attempt.cancelAfter !== null) {
        const after = attempt.cancelAfter;
        tg.startSoon(async () => {
          await steps(after);
          outcome.cancelRequested = true;
          scope.cancel();
        });
      }
      await scope.run(async () => {
        let acquisition: Disposable;
        if (attempt.nowait) {
          try {
            acquisition = resource.acquireNowait();
          } catch (error) {
            if (!(error instanceof WouldBlock)) throw error;
            outcome.wouldBlock = true;
            return;
          }
        } else {
          acquisition = await resource.acquire();
        }
        outcome.acquired = true;
        const me = {};
        holders.add(me);
        if (holders.size > capacity()) throw new Error(`${holders.size} holders, capacity ${capacity()}`);
        hooks.onAcquired?.();
        try {
          await steps(attempt.hold);
        } finally {
          holders.delete(me);
          acquisition[Symbol.dispose]();
          const other = attempt.cancelOther === null ? null : current[attempt.cancelOther % program.length];
          if (other) {
            other.outcome.cancelRequested = true;
            other.scope.cancel();
          }
        }
      });
      outcome.cancelled = scope.cancelledCaught;
      current[index] = null;
    }
  });
  await runProgram(workers, { extra: hooks.extra });
  for (const outcome of outcomes) {
    // Every request ends with the resource, WouldBlock, or a cancellation someone asked for.
    expect(outcome.acquired || outcome.wouldBlock || outcome.cancelled).toBe(true);
    if (outcome.cancelled) expect(outcome.cancelRequested).toBe(true);
  }
  return outcomes;
}

describe("random interleavings", () => {
  test("Lock: never two holders, the holder is the owner, grants follow request order, every request ends, no deadlock", async () => {
    await fc.assert(
      fc.asyncProperty(programArb, fc.boolean(), async (program, fastAcquire) => {
        const lock = new Lock({ fastAcquire });
        // Tickets in request order; the lock must be granted in ticket order (FIFO, no barging).
        let nextTicket = 0;
        const pending = new Map<unknown, number>();
        const granted: number[] = [];
        const noteOwner = () => {
          const owner = lock.statistics().owner;
          if (owner !== null && pending.has(owner)) {
            granted.push(pending.get(owner)!);
            pending.delete(owner);
          }
        };
        const release = (acquisition: Disposable): Disposable => ({
          [Symbol.dispose]: () => {
            acquisition[Symbol.dispose]();
            noteOwner();
          },
        });
        const resource: Resource = {
          acquire: () => {
            pending.set(getCurrentTask(), nextTicket++);
            const promise = lock.acquire();
            noteOwner();
            return promise.then(release, (error: unknown) => {
              pending.delete(getCurrentTask());
              throw error;
            });
          },
          acquireNowait: () => {
            pending.set(getCurrentTask(), nextTicket++);
            try {
              return release(lock.acquireNowait());
            } finally {
              noteOwner();
              pending.delete(getCurrentTask());
            }
          },
        };
        await exercise(resource, program, () => 1, {
          onAcquired: () => expect(lock.statistics().owner).toBe(getCurrentTask()),
        });
        expect(granted).toEqual([...granted].sort((x, y) => x - y));
        expect(lock.statistics()).toEqual({ locked: false, owner: null, tasksWaiting: 0 });
      }),
      { numRuns: RUNS },
    );
  });

  test("Semaphore: never more holders than slots, no slot lost or made up, no deadlock", async () => {
    await fc.assert(
      fc.asyncProperty(
        programArb,
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        async (program, slots, fastAcquire) => {
          // maxValue = slots: a slot given back twice would throw.
          const semaphore = new Semaphore(slots, { maxValue: slots, fastAcquire });
          await exercise(semaphore, program, () => slots);
          expect(semaphore.value).toBe(slots);
          expect(semaphore.statistics().tasksWaiting).toBe(0);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("CapacityLimiter: tokens are never handed out beyond totalTokens, even while it changes; no deadlock", async () => {
    const changesArb = fc.array(
      fc.record({ after: fc.integer({ min: 0, max: 6 }), total: fc.integer({ min: 1, max: 3 }) }),
      { maxLength: 3 },
    );
    await fc.assert(
      fc.asyncProperty(programArb, fc.integer({ min: 1, max: 3 }), changesArb, async (program, total, changes) => {
        const limiter = new CapacityLimiter(total);
        /** Runs `op`; if it made tokens borrowed, they must fit in totalTokens. */
        const grantsFit = <T>(op: () => T, released: number): T => {
          const before = limiter.borrowedTokens;
          const result = op();
          if (limiter.borrowedTokens > before - released) {
            expect(limiter.borrowedTokens).toBeLessThanOrEqual(limiter.totalTokens);
          }
          return result;
        };
        const resource: Resource = {
          acquire: () => grantsFit(() => limiter.acquire(), 0),
          acquireNowait: () => {
            const acquisition = grantsFit(() => limiter.acquireNowait(), 0);
            return { [Symbol.dispose]: () => grantsFit(() => acquisition[Symbol.dispose](), 1) };
          },
        };
        // Tokens handed to waiters by a release are checked through the release above or here.
        const wrapped: Resource = {
          acquireNowait: resource.acquireNowait,
          acquire: async () => {
            const acquisition = await resource.acquire();
            return { [Symbol.dispose]: () => grantsFit(() => acquisition[Symbol.dispose](), 1) };
          },
        };
        await exercise(wrapped, program, () => Math.max(total, ...changes.map((c) => c.total)), {
          extra: (tg) => {
            tg.startSoon(async () => {
              for (const change of changes) {
                await steps(change.after);
                grantsFit(() => (limiter.totalTokens = change.total), 0);
              }
            });
          },
        });
        expect(limiter.statistics().borrowedTokens).toBe(0);
        expect(limiter.statistics().tasksWaiting).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });

  test("Condition: no consumer is left waiting while an item is there (no lost notification)", async () => {
    const consumerArb = fc.record({
      delay: fc.integer({ min: 0, max: 3 }),
      cancelAfter: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }),
    });
    const producerArb = fc.record({
      delay: fc.integer({ min: 0, max: 6 }),
      all: fc.boolean(),
      // Cancel this consumer right after notifying, in the same step: notification and cancellation race.
      cancelConsumer: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(consumerArb, { minLength: 1, maxLength: 5 }),
        fc.array(producerArb, { minLength: 1, maxLength: 5 }),
        async (consumers, producers) => {
          const condition = new Condition();
          let items = 0;
          let consumed = 0;
          let producersDone = 0;
          const outcomes: Outcome[] = consumers.map(() => ({
            acquired: false,
            wouldBlock: false,
            cancelRequested: false,
            cancelled: false,
          }));
          const scopes = consumers.map(() => new CancelScope());
          const cancelConsumer = (index: number) => {
            outcomes[index].cancelRequested = true;
            scopes[index].cancel();
          };
          const consumerTasks = consumers.map((plan, index) => async (tg: TaskGroup) => {
            await steps(plan.delay);
            if (plan.cancelAfter !== null) {
              const after = plan.cancelAfter;
              tg.startSoon(async () => {
                await steps(after);
                cancelConsumer(index);
              });
            }
            await scopes[index].run(async () => {
              using _ = await condition.acquire();
              await condition.waitFor(() => items > 0);
              expect(condition.statistics().lockStatistics.owner).toBe(getCurrentTask());
              items--;
              consumed++;
              outcomes[index].acquired = true;
            });
            outcomes[index].cancelled = scopes[index].cancelledCaught;
          });
          const producerTasks = producers.map((plan) => async () => {
            await steps(plan.delay);
            using _ = await condition.acquire();
            items++;
            if (plan.all) condition.notifyAll();
            else condition.notify();
            if (plan.cancelConsumer !== null) cancelConsumer(plan.cancelConsumer % consumers.length);
            producersDone++;
          });
          let leftWaiting = 0;
          await runProgram([...consumerTasks, ...producerTasks], {
            onQuiet: (unfinished) => {
              // Only consumers may be stuck, with nothing to consume, parked in wait().
              expect(producersDone).toBe(producers.length);
              expect(items).toBe(0);
              expect(condition.statistics().tasksWaiting).toBe(unfinished);
              leftWaiting = unfinished;
            },
          });
          expect(consumed + items).toBe(producers.length);
          const ended = outcomes.filter((o) => o.acquired || (o.cancelled && o.cancelRequested)).length;
          expect(ended + leftWaiting).toBe(consumers.length);
          expect(condition.statistics()).toEqual({
            tasksWaiting: 0,
            lockStatistics: { locked: false, owner: null, tasksWaiting: 0 },
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("Event: a waiter parked before set() returns unless cancelled first; one cancelled first raises", async () => {
    const waiterArb = fc.record({
      delay: fc.integer({ min: 0, max: 4 }),
      cancelAfter: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }),
      // Cancelled by the setter right after set(), in the same step.
      cancelWithSet: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(waiterArb, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 6 }),
        async (waiters, setAfter) => {
          const event = new Event();
          let clock = 0;
          let setAt = Infinity;
          const results = waiters.map(() => ({
            calledAt: Infinity,
            cancelAt: Infinity,
            returned: false,
            raised: false,
          }));
          const scopes = waiters.map(() => new CancelScope());
          const cancel = (index: number) => {
            if (results[index].cancelAt === Infinity) results[index].cancelAt = clock++;
            scopes[index].cancel();
          };
          const waiterTasks = waiters.map((plan, index) => async (tg: TaskGroup) => {
            await steps(plan.delay);
            const result = results[index];
            if (plan.cancelAfter !== null) {
              const after = plan.cancelAfter;
              tg.startSoon(async () => {
                await steps(after);
                cancel(index);
              });
            }
            await scopes[index].run(async () => {
              result.calledAt = clock++;
              try {
                await event.wait();
              } catch (error) {
                expect(error).toBeInstanceOf(Cancelled);
                result.raised = true;
                throw error;
              }
              result.returned = true;
            });
          });
          const setter = async () => {
            await steps(setAfter);
            setAt = clock++;
            event.set();
            waiters.forEach((plan, index) => plan.cancelWithSet && cancel(index));
          };
          await runProgram([...waiterTasks, setter]);
          for (const r of results) {
            expect(r.returned !== r.raised).toBe(true);
            if (r.cancelAt < setAt) expect(r.raised).toBe(true);
            if (r.calledAt < setAt && setAt < r.cancelAt) expect(r.returned).toBe(true);
            if (r.cancelAt === Infinity) expect(r.returned).toBe(true);
          }
          expect(event.statistics().tasksWaiting).toBe(0);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
