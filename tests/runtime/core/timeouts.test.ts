/**
 * moveOnAfter / moveOnAt / failAfter / failAt: when a timeout swallows the cancellation, when it
 * raises TimeoutError, and when the cancellation belongs to someone else.
 *
 * Tests about *when* a deadline fires run on an autojump MockClock (structuredTest's
 * `clock: "autojump"`): they take no real time and can check the exact moment.
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
import { structuredTest } from "anyio-ts/jest";
import { LONG, caught } from "../../helpers";
import { inTaskGroup } from "../helpers";

/** Each structured test in this file runs on its own autojump clock, starting at 0. */
const autojump = { clock: "autojump" } as const;

describe("moveOnAfter", () => {
  for (const delay of [0, 30]) {
    structuredTest(
      `moveOnAfter(${delay}) leaves the block at exactly the deadline`,
      async () => {
        let result = false;
        const scope = moveOnAfter(delay);
        const value = await scope.run(async () => {
          await sleep(LONG);
          result = true;
          return "value";
        });
        expect(value).toBeUndefined();
        expect(result).toBe(false);
        expect(scope.cancelCalled).toBe(true);
        expect(scope.cancelledCaught).toBe(true);
        expect(currentTime()).toBe(delay);
      },
      autojump,
    );
  }

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

  structuredTest(
    "the deadline is fixed when moveOnAfter is called, not when the scope is entered",
    async () => {
      const scope = moveOnAfter(1000);
      expect(scope.deadline).toBe(1000);
      await sleep(30);
      await scope.run(() => expect(scope.deadline).toBe(1000));
      expect(currentTime()).toBe(30);
    },
    autojump,
  );

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

  structuredTest(
    "nested timeouts: the outer deadline fires and only the outer scope catches",
    async () => {
      let sleepCompleted = false;
      let innerCompleted = false;
      const outer = moveOnAfter(30);
      let inner!: CancelScope;
      await outer.run(async () => {
        expect(currentEffectiveDeadline()).toBe(30);
        inner = moveOnAfter(LONG);
        await inner.run(async () => {
          expect(currentEffectiveDeadline()).toBe(30);
          await sleep(LONG);
          sleepCompleted = true;
        });
        innerCompleted = true;
      });
      expect(currentTime()).toBe(30);
      expect(sleepCompleted).toBe(false);
      expect(innerCompleted).toBe(false);
      expect(outer.cancelCalled).toBe(true);
      expect(outer.cancelledCaught).toBe(true);
      expect(inner.cancelCalled).toBe(false);
      expect(inner.cancelledCaught).toBe(false);
    },
    autojump,
  );

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
  for (const delay of [0, 30]) {
    structuredTest(
      `moveOnAt(now + ${delay}) leaves the block at exactly the deadline`,
      async () => {
        let result = false;
        await sleep(1000);
        const scope = moveOnAt(currentTime() + delay);
        await scope.run(async () => {
          await sleep(LONG);
          result = true;
        });
        expect(result).toBe(false);
        expect(scope.cancelCalled).toBe(true);
        expect(scope.cancelledCaught).toBe(true);
        expect(currentTime()).toBe(1000 + delay);
      },
      autojump,
    );
  }

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
  for (const delay of [0, 30]) {
    structuredTest(
      `failAfter(${delay}) raises TimeoutError at the deadline; the inner Cancelled mentions it`,
      async () => {
        let innerMessage = "";
        const scope = failAfter(delay);
        const err = await caught(
          scope.run(async () => {
            try {
              await sleep(LONG);
            } catch (e) {
              expect(e).toBeInstanceOf(Cancelled);
              innerMessage = (e as Error).message;
              throw e;
            }
          }),
        );
        expect(currentTime()).toBe(delay);
        expect(err).toBeInstanceOf(TimeoutError);
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).name).toBe("TimeoutError");
        expect(innerMessage).toMatch(/deadline/);
        expect(scope.cancelCalled).toBe(true);
        expect(scope.cancelledCaught).toBe(true);
      },
      autojump,
    );
  }

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

  structuredTest(
    "an ordinary error from the body propagates instead of a TimeoutError",
    async () => {
      const boom = new RangeError("body failed");
      const err = await caught(
        failAfter(10).run(async () => {
          await new CancelScope({ shield: true }).run(() => sleep(30));
          throw boom;
        }),
      );
      expect(err).toBe(boom);
      expect(currentTime()).toBe(30);
    },
    autojump,
  );

  structuredTest(
    "the deadline is set on entry",
    async () => {
      const scope = failAfter(200);
      await sleep(100);
      await scope.run(() => {
        expect(scope.deadline).toBe(300);
      });
    },
    autojump,
  );

  structuredTest(
    "extending the deadline while active avoids the timeout",
    async () => {
      const scope = failAfter(30);
      const value = await scope.run(async () => {
        scope.deadline += 300;
        await sleep(100);
        return "done";
      });
      expect(value).toBe("done");
      expect(scope.cancelCalled).toBe(false);
      expect(currentTime()).toBe(100);
    },
    autojump,
  );

  structuredTest(
    "a timeout that cancels a task group comes out as one TimeoutError",
    async () => {
      const err = await caught(
        failAfter(30).run(() =>
          createTaskGroup().run(async (tg) => {
            tg.startSoon(sleep, LONG);
            await sleep(LONG);
          }),
        ),
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect(currentTime()).toBe(30);
    },
    autojump,
  );

  test("an outer cancellation propagates as Cancelled, never as TimeoutError", async () => {
    const log: string[] = [];
    let scope!: CancelScope;
    let escaping: unknown;
    await inTaskGroup(async (tg) => {
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
    });
    expect(log).toEqual(["after the cancelled scope"]);
    expect(escaping).toBeInstanceOf(Cancelled);
    expect(escaping).not.toBeInstanceOf(TimeoutError);
    expect(scope.cancelCalled).toBe(true);
    expect(scope.cancelledCaught).toBe(true);
  });

  structuredTest(
    "a timeout still fires in a task that was cancelled in an earlier, exited group",
    async () => {
      let blockComplete = false;
      await createTaskGroup().run(async (tg) => {
        tg.cancelScope.cancel();
        await sleepForever();
      });
      const err = await caught(
        failAfter(30).run(async () => {
          await sleep(LONG);
          blockComplete = true;
        }),
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect(blockComplete).toBe(false);
      expect(currentTime()).toBe(30);
    },
    autojump,
  );

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
  for (const delay of [0, 30]) {
    structuredTest(
      `failAt(now + ${delay}) raises TimeoutError at exactly the deadline`,
      async () => {
        let innerMessage = "";
        await sleep(500);
        const scope = failAt(currentTime() + delay);
        const err = await caught(
          scope.run(async () => {
            try {
              await sleep(LONG);
            } catch (e) {
              innerMessage = (e as Error).message;
              throw e;
            }
          }),
        );
        expect(err).toBeInstanceOf(TimeoutError);
        expect(innerMessage).toMatch(/deadline/);
        expect(scope.cancelCalled).toBe(true);
        expect(scope.cancelledCaught).toBe(true);
        expect(currentTime()).toBe(500 + delay);
      },
      autojump,
    );
  }

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

describe("argument errors", () => {
  test("moveOnAfter(ms, null) is a TypeError at the call, not a property read of null", async () => {
    await run(() => {
      expect(() => moveOnAfter(10, null as never)).toThrow(
        new TypeError("Expected `options` to be an object or undefined, got `null` (object)"),
      );
      expect(() => moveOnAt(10, null as never)).toThrow(
        new TypeError("Expected `options` to be an object or undefined, got `null` (object)"),
      );
      expect(() => failAfter(10, null as never)).toThrow(
        new TypeError("Expected `options` to be an object or undefined, got `null` (object)"),
      );
      expect(() => failAt(10, null as never)).toThrow(
        new TypeError("Expected `options` to be an object or undefined, got `null` (object)"),
      );
    });
  });

  test("an unknown option is rejected with the options each function takes", async () => {
    await run(() => {
      expect(() => moveOnAfter(10, { sheild: true } as never)).toThrow(
        new TypeError("Unknown option `sheild` in `options`: did you mean `shield`? The only option is `shield`"),
      );
      expect(() => moveOnAt(10, { deadline: 5 } as never)).toThrow(
        new TypeError("Unknown option `deadline` in `options`. The only option is `shield`"),
      );
      expect(() => failAfter(10, { reasn: "slow" } as never)).toThrow(
        new TypeError(
          "Unknown option `reasn` in `options`: did you mean `reason`? The options are `shield` and `reason`",
        ),
      );
      expect(() => failAt(10, { message: "slow" } as never)).toThrow(
        new TypeError("Unknown option `message` in `options`. The options are `shield` and `reason`"),
      );
    });
  });

  test("a reason that is not a string, or a shield that is not a boolean, is a TypeError at the call", async () => {
    await run(() => {
      expect(() => failAfter(10, { reason: 42 as never })).toThrow(
        new TypeError("Expected `reason` to be a string or undefined, got `42` (number)"),
      );
      expect(() => failAt(10, { reason: null as never })).toThrow(
        new TypeError("Expected `reason` to be a string or undefined, got `null` (object)"),
      );
      expect(() => moveOnAfter(10, { shield: 1 as never })).toThrow(
        new TypeError("Expected `shield` to be a boolean, got `1` (number)"),
      );
    });
  });

  test("the options may be left out or undefined", async () => {
    await run(() => {
      expect(moveOnAfter(10, undefined).shield).toBe(false);
      expect(failAt(null, undefined).shield).toBe(false);
      expect(failAfter(10, { shield: true, reason: "slow" }).shield).toBe(true);
    });
  });
});
