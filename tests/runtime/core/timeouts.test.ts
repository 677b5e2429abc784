/**
 * moveOnAfter / moveOnAt / failAfter / failAt (reference B.2 rules 15-16): when a timeout swallows
 * the cancellation, when it raises TimeoutError, and when the cancellation belongs to someone else.
 */
import {
  CancelScope,
  Cancelled,
  TimeoutError,
  checkpoint,
  createTaskGroup,
  currentEffectiveDeadline,
  currentTime,
  failAfter,
  failAt,
  moveOnAfter,
  moveOnAt,
  run,
  sleep,
  sleepForever,
  waitAllTasksBlocked,
} from "anyio-ts";
import { LONG, caught, stopwatch } from "../../helpers";

describe("moveOnAfter", () => {
  test.each([0, 30])("moveOnAfter(%d) leaves the block at the deadline", async (delay) => {
    let result = false;
    const elapsed = stopwatch();
    const scope = await run(async () => {
      const s = moveOnAfter(delay);
      const value = await s.run(async () => {
        await sleep(LONG);
        result = true;
        return "value";
      });
      expect(value).toBeUndefined();
      return s;
    });
    expect(result).toBe(false);
    expect(scope.cancelCalled).toBe(true);
    expect(scope.cancelledCaught).toBe(true);
    expect(elapsed()).toBeLessThan(LONG / 2);
  });

  test("a negative delay cancels at the first checkpoint", async () => {
    const log: string[] = [];
    await run(() =>
      moveOnAfter(-100).run(async () => {
        log.push("entered");
        await checkpoint();
        log.push("unreachable");
      }),
    );
    expect(log).toEqual(["entered"]);
  });

  test("moveOnAfter(null) has no deadline and returns the body's value", async () => {
    await run(async () => {
      const scope = moveOnAfter(null);
      expect(scope.deadline).toBe(Infinity);
      const value = await scope.run(async () => {
        await sleep(20);
        return "finished";
      });
      expect(value).toBe("finished");
      expect(scope.cancelCalled).toBe(false);
    });
  });

  test("the deadline is fixed when moveOnAfter is called, not when the scope is entered", async () => {
    await run(async () => {
      const before = currentTime();
      const scope = moveOnAfter(1000);
      expect(scope.deadline).toBeGreaterThanOrEqual(before + 1000);
      expect(scope.deadline).toBeLessThanOrEqual(currentTime() + 1000);
      const deadline = scope.deadline;
      await sleep(30);
      await scope.run(() => expect(scope.deadline).toBe(deadline));
    });
  });

  test("the shield option shields the scope from outer cancellation", async () => {
    const log: string[] = [];
    await run(() =>
      new CancelScope().run(async (outer) => {
        const scope = moveOnAfter(LONG, { shield: true });
        expect(scope.shield).toBe(true);
        await scope.run(async () => {
          outer.cancel();
          await sleep(20);
          log.push("slept while shielded");
        });
        await checkpoint();
        log.push("unreachable");
      }),
    );
    expect(log).toEqual(["slept while shielded"]);
  });

  test("nested timeouts: the outer deadline fires and only the outer scope catches", async () => {
    let sleepCompleted = false;
    let innerCompleted = false;
    let outer!: CancelScope;
    let inner!: CancelScope;
    await run(async () => {
      outer = moveOnAfter(30);
      await outer.run(async () => {
        expect(currentEffectiveDeadline()).toBe(outer.deadline);
        inner = moveOnAfter(LONG);
        await inner.run(async () => {
          expect(currentEffectiveDeadline()).toBe(outer.deadline);
          await sleep(LONG);
          sleepCompleted = true;
        });
        innerCompleted = true;
      });
    });
    expect(sleepCompleted).toBe(false);
    expect(innerCompleted).toBe(false);
    expect(outer.cancelCalled).toBe(true);
    expect(outer.cancelledCaught).toBe(true);
    expect(inner.cancelCalled).toBe(false);
    expect(inner.cancelledCaught).toBe(false);
  });

  test("after an expired timeout, the next checkpoint outside does not raise", async () => {
    const log: string[] = [];
    await run(async () => {
      await moveOnAfter(10).run(() => sleep(LONG));
      await checkpoint();
      log.push("continued");
    });
    expect(log).toEqual(["continued"]);
  });

  test("an outer cancellation passes through moveOnAfter uncaught", async () => {
    let scope!: CancelScope;
    const log: string[] = [];
    await run(() =>
      new CancelScope().run(async (outer) => {
        scope = moveOnAfter(LONG);
        await scope.run(async () => {
          outer.cancel();
          await checkpoint();
        });
        log.push("unreachable");
      }),
    );
    expect(log).toEqual([]);
    expect(scope.cancelledCaught).toBe(false);
  });
});

describe("moveOnAt", () => {
  test.each([0, 30])("moveOnAt(now + %d) leaves the block at the deadline", async (delay) => {
    let result = false;
    const scope = await run(async () => {
      const s = moveOnAt(currentTime() + delay);
      await s.run(async () => {
        await sleep(LONG);
        result = true;
      });
      return s;
    });
    expect(result).toBe(false);
    expect(scope.cancelCalled).toBe(true);
    expect(scope.cancelledCaught).toBe(true);
  });

  test("moveOnAt uses the given absolute deadline", async () => {
    await run(async () => {
      const deadline = currentTime() + 12_345;
      const scope = moveOnAt(deadline);
      expect(scope.deadline).toBe(deadline);
      await scope.run(() => expect(currentEffectiveDeadline()).toBe(deadline));
    });
  });

  test("moveOnAt(null) has no deadline", async () => {
    let result = false;
    await run(async () => {
      const scope = moveOnAt(null);
      expect(scope.deadline).toBe(Infinity);
      await scope.run(async () => {
        await sleep(20);
        result = true;
      });
      expect(scope.cancelCalled).toBe(false);
    });
    expect(result).toBe(true);
  });

  test("moveOnAt accepts the shield option", async () => {
    await run(() => expect(moveOnAt(null, { shield: true }).shield).toBe(true));
  });
});

describe("failAfter", () => {
  test.each([0, 30])("failAfter(%d) raises TimeoutError; the inner Cancelled mentions the deadline", async (delay) => {
    let innerMessage = "";
    let scope!: CancelScope;
    const err = await caught(
      run(async () => {
        scope = failAfter(delay);
        await scope.run(async () => {
          try {
            await sleep(LONG);
          } catch (e) {
            expect(e).toBeInstanceOf(Cancelled);
            innerMessage = (e as Error).message;
            throw e;
          }
        });
      }),
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe("TimeoutError");
    expect(innerMessage).toMatch(/deadline/);
    expect(scope.cancelCalled).toBe(true);
    expect(scope.cancelledCaught).toBe(true);
  });

  test("failAfter(null) never times out", async () => {
    let scope!: CancelScope;
    const value = await run(async () => {
      scope = failAfter(null);
      return scope.run(async () => {
        expect(scope.deadline).toBe(Infinity);
        await sleep(20);
        return "done";
      });
    });
    expect(value).toBe("done");
    expect(scope.cancelCalled).toBe(false);
    expect(scope.cancelledCaught).toBe(false);
  });

  test("a body that finishes in time returns its value", async () => {
    const value = await run(() => failAfter(LONG).run(async () => "in time"));
    expect(value).toBe("in time");
  });

  test("the reason option becomes the TimeoutError's message", async () => {
    let scope!: CancelScope;
    const err = await caught(
      run(async () => {
        scope = failAfter(0, { reason: "oopsies" });
        await scope.run(() => sleep(LONG));
      }),
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/oopsies/);
    expect(scope.cancelCalled).toBe(true);
    expect(scope.cancelledCaught).toBe(true);
  });

  test("an explicit cancel() before the deadline gives no TimeoutError", async () => {
    let scope!: CancelScope;
    const value = await run(async () => {
      scope = failAfter(LONG);
      return scope.run(async () => {
        scope.cancel();
        await checkpoint();
        return "unreachable";
      });
    });
    expect(value).toBeUndefined();
    expect(scope.cancelledCaught).toBe(true);
  });

  test("an ordinary error from the body propagates instead of a TimeoutError", async () => {
    const boom = new RangeError("body failed");
    const err = await caught(
      run(() =>
        failAfter(10).run(async () => {
          await new CancelScope({ shield: true }).run(() => sleep(30));
          throw boom;
        }),
      ),
    );
    expect(err).toBe(boom);
  });

  test("the deadline is set on entry", async () => {
    await run(async () => {
      const scope = failAfter(200);
      await sleep(100);
      await scope.run(() => {
        expect(scope.deadline - currentTime()).toBeGreaterThan(150);
      });
    });
  });

  test("extending the deadline while active avoids the timeout", async () => {
    const log: string[] = [];
    await run(async () => {
      const scope = failAfter(30);
      await scope.run(async () => {
        scope.deadline += 300;
        await sleep(100);
        log.push("done");
      });
    });
    expect(log).toEqual(["done"]);
  });

  test("a timeout that cancels a task group comes out as one TimeoutError", async () => {
    const err = await caught(
      run(() =>
        failAfter(30).run(() =>
          createTaskGroup().run(async (tg) => {
            tg.startSoon(sleep, LONG);
            await sleep(LONG);
          }),
        ),
      ),
    );
    expect(err).toBeInstanceOf(TimeoutError);
  });

  test("an outer cancellation propagates as Cancelled, never as TimeoutError", async () => {
    const log: string[] = [];
    let scope!: CancelScope;
    let escaping: unknown;
    await run(() =>
      createTaskGroup().run(async (tg) => {
        scope = new CancelScope();
        await scope.run(async () => {
          await new CancelScope().run(async () => {
            tg.startSoon(async () => {
              await waitAllTasksBlocked();
              scope.cancel();
            });
            try {
              await failAfter(1000).run(async () => {
                await sleep(LONG);
                log.push("unreachable in failAfter");
              });
            } catch (e) {
              escaping = e;
              throw e;
            }
            log.push("unreachable after failAfter");
          });
          log.push("unreachable after the middle scope");
        });
        log.push("after the cancelled scope");
      }),
    );
    expect(log).toEqual(["after the cancelled scope"]);
    expect(escaping).toBeInstanceOf(Cancelled);
    expect(escaping).not.toBeInstanceOf(TimeoutError);
    expect(scope.cancelCalled).toBe(true);
    expect(scope.cancelledCaught).toBe(true);
  });

  test("a timeout still fires in a task that was cancelled in an earlier, exited group", async () => {
    let blockComplete = false;
    const err = await caught(
      run(async () => {
        await createTaskGroup().run(async (tg) => {
          tg.cancelScope.cancel();
          await sleepForever();
        });
        await failAfter(30).run(async () => {
          await sleep(LONG);
          blockComplete = true;
        });
      }),
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect(blockComplete).toBe(false);
  });

  test("the shield option keeps an outer cancellation out", async () => {
    const log: string[] = [];
    await run(() =>
      new CancelScope().run(async (outer) => {
        const scope = failAfter(LONG, { shield: true });
        await scope.run(async () => {
          expect(scope.shield).toBe(true);
          outer.cancel();
          await sleep(20);
          log.push("slept while shielded");
        });
      }),
    );
    expect(log).toEqual(["slept while shielded"]);
  });
});

describe("failAt", () => {
  test.each([0, 30])("failAt(now + %d) raises TimeoutError", async (delay) => {
    let innerMessage = "";
    let scope!: CancelScope;
    const err = await caught(
      run(async () => {
        scope = failAt(currentTime() + delay);
        await scope.run(async () => {
          try {
            await sleep(LONG);
          } catch (e) {
            innerMessage = (e as Error).message;
            throw e;
          }
        });
      }),
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect(innerMessage).toMatch(/deadline/);
    expect(scope.cancelCalled).toBe(true);
    expect(scope.cancelledCaught).toBe(true);
  });

  test("failAt(null) never times out", async () => {
    let scope!: CancelScope;
    await run(async () => {
      scope = failAt(null);
      await scope.run(async () => {
        expect(scope.deadline).toBe(Infinity);
        await sleep(20);
      });
    });
    expect(scope.cancelCalled).toBe(false);
    expect(scope.cancelledCaught).toBe(false);
  });

  test("the reason option becomes the TimeoutError's message", async () => {
    const err = await caught(run(() => failAt(currentTime(), { reason: "oopsies" }).run(() => sleep(LONG))));
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/oopsies/);
  });

  test("uses the given absolute deadline", async () => {
    await run(async () => {
      const deadline = currentTime() + 54_321;
      const scope = failAt(deadline);
      await scope.run(() => expect(scope.deadline).toBe(deadline));
    });
  });
});
