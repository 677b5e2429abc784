/**
 * Cancel scopes: level cancellation, nesting, shielding, deadlines, what a scope swallows and
 * reports, the AbortSignal bridge and misuse (the rules docs/core.md lists).
 */
import {
  CancelScope,
  Cancelled,
  ExceptionGroup,
  checkpoint,
  createTaskGroup,
  currentCancelScope,
  currentEffectiveDeadline,
  currentTime,
  getCancelledExcClass,
  getCurrentTask,
  isCancelled,
  moveOnAfter,
  run,
  sleep,
  sleepForever,
  waitAllTasksBlocked,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { LONG, caught, escapeRegExp, within } from "../../helpers";
import { inTaskGroup } from "../helpers";

/** Inside run(): a genuine Cancelled, obtained from a checkpoint in a cancelled scope. */
async function aCancelled(): Promise<unknown> {
  let error: unknown;
  await new CancelScope().run(async (scope) => {
    scope.cancel();
    try {
      await checkpoint();
    } catch (e) {
      error = e;
    }
  });
  return error;
}

describe("entering and exiting", () => {
  test("run() returns the callback's value and nothing is reported when nothing was cancelled", async () => {
    const scope = new CancelScope();
    const value = await run(() => scope.run(async () => "value"));
    expect(value).toBe("value");
    expect(scope.cancelCalled).toBe(false);
    expect(scope.cancelledCaught).toBe(false);
  });

  test("run() accepts a synchronous callback and passes the scope itself", async () => {
    const scope = new CancelScope();
    const seen = await run(() => scope.run((s) => s));
    expect(seen).toBe(scope);
  });

  test("defaults: no deadline, no shield", () => {
    const scope = new CancelScope();
    expect(scope.deadline).toBe(Infinity);
    expect(scope.shield).toBe(false);
    expect(scope.cancelCalled).toBe(false);
    expect(scope.cancelledCaught).toBe(false);
  });

  test("constructor options set the deadline and the shield", async () => {
    await run(() => {
      const deadline = currentTime() + 5000;
      const scope = new CancelScope({ deadline, shield: true });
      expect(scope.deadline).toBe(deadline);
      expect(scope.shield).toBe(true);
    });
  });

  test("currentCancelScope() is the innermost entered scope", async () => {
    await run(async () => {
      const outside = currentCancelScope();
      const scope = new CancelScope();
      await scope.run(async () => {
        expect(currentCancelScope()).toBe(scope);
        await checkpoint();
        expect(currentCancelScope()).toBe(scope);
      });
      expect(currentCancelScope()).toBe(outside);
    });
  });

  test("a task group's host body runs inside the group's scope", async () => {
    await inTaskGroup(async (tg) => {
      expect(currentCancelScope()).toBe(tg.cancelScope);
    });
  });

  test("entering a scope a second time after it exited is an Error", async () => {
    await run(async () => {
      const scope = new CancelScope();
      await scope.run(async () => {});
      const err = await caught(() => scope.run(async () => {}));
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(Cancelled);
    });
  });

  test("entering a scope that is already active is an Error", async () => {
    await run(async () => {
      const scope = new CancelScope();
      await scope.run(async () => {
        const err = await caught(() => scope.run(async () => {}));
        expect(err).toBeInstanceOf(Error);
        expect(err).not.toBeInstanceOf(Cancelled);
      });
    });
  });

  test("disposing a scope that was never entered throws", () => {
    expect(() => new CancelScope()[Symbol.dispose]()).toThrow(Error);
  });

  test("an ordinary error thrown in a cancelled scope propagates unchanged", async () => {
    const boom = new Error("boom");
    const scope = new CancelScope();
    const err = await caught(
      run(() =>
        scope.run(async () => {
          scope.cancel();
          throw boom;
        }),
      ),
    );
    expect(err).toBe(boom);
    expect(scope.cancelCalled).toBe(true);
    expect(scope.cancelledCaught).toBe(false);
  });
});

describe("level cancellation", () => {
  test("cancel() before entering is delivered at the first checkpoint inside", async () => {
    const log: string[] = [];
    const scope = new CancelScope();
    scope.cancel();
    const value = await run(() =>
      scope.run(async () => {
        log.push("entered");
        await sleep(LONG);
        log.push("unreachable");
        return "value";
      }),
    );
    expect(value).toBeUndefined();
    expect(log).toEqual(["entered"]);
    expect(scope.cancelCalled).toBe(true);
    expect(scope.cancelledCaught).toBe(true);
  });

  test("every later checkpoint raises again after a Cancelled was caught", async () => {
    const outcomes: string[] = [];
    const scope = new CancelScope();
    await run(() =>
      scope.run(async () => {
        scope.cancel();
        for (let i = 0; i < 3; i++) {
          try {
            await checkpoint();
            outcomes.push("passed");
          } catch (e) {
            outcomes.push(e instanceof Cancelled ? "cancelled" : "other");
          }
        }
      }),
    );
    expect(outcomes).toEqual(["cancelled", "cancelled", "cancelled"]);
    // the body swallowed every Cancelled itself, so the scope caught nothing
    expect(scope.cancelledCaught).toBe(false);
  });

  test("a cancelled scope whose body never reaches a checkpoint catches nothing", async () => {
    const scope = new CancelScope();
    const value = await run(() =>
      scope.run(async () => {
        scope.cancel();
        return "done";
      }),
    );
    expect(value).toBe("done");
    expect(scope.cancelCalled).toBe(true);
    expect(scope.cancelledCaught).toBe(false);
  });

  test("cancel() from another task interrupts the scope's sleep", async () => {
    let result = false;
    let localScope: CancelScope | undefined;
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await new CancelScope().run(async (scope) => {
          localScope = scope;
          await sleep(LONG);
          result = true;
        });
      });
      while (localScope === undefined) await checkpoint();
      localScope.cancel();
    });
    expect(result).toBe(false);
    expect(localScope!.cancelledCaught).toBe(true);
  });

  test("cancel() after the scope exited has no effect", async () => {
    const log: string[] = [];
    await run(async () => {
      const scope = new CancelScope();
      await scope.run(() => sleep(1));
      scope.cancel();
      await checkpoint();
      log.push("still running");
      expect(scope.cancelledCaught).toBe(false);
    });
    expect(log).toEqual(["still running"]);
  });

  test("the cancel reason and the cancelling task's name appear in the Cancelled message", async () => {
    let message = "";
    let taskName = "";
    await run(async function cancelReasonMain() {
      taskName = getCurrentTask().name;
      await new CancelScope().run(async (scope) => {
        scope.cancel("test reason");
        try {
          await checkpoint();
        } catch (e) {
          message = (e as Error).message;
          throw e;
        }
      });
    });
    expect(taskName).not.toBe("");
    expect(message).toMatch(/test reason/);
    expect(message).toMatch(new RegExp(escapeRegExp(taskName)));
  });

  test("calling cancel() again does not change the message", async () => {
    const messages: string[] = [];
    await run(() =>
      new CancelScope().run(async (scope) => {
        scope.cancel("first reason");
        scope.cancel("second reason");
        for (let i = 0; i < 2; i++) {
          try {
            await checkpoint();
          } catch (e) {
            messages.push((e as Error).message);
          }
        }
      }),
    );
    expect(messages).toHaveLength(2);
    for (const m of messages) {
      expect(m).toMatch(/first reason/);
      expect(m).not.toMatch(/second reason/);
    }
  });

  test("Cancelled is the class getCancelledExcClass() returns and an Error named Cancelled", async () => {
    const error = await run(aCancelled);
    expect(getCancelledExcClass()).toBe(Cancelled);
    expect(error).toBeInstanceOf(getCancelledExcClass());
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("Cancelled");
  });
});

describe("nested scopes", () => {
  test("a cancelled inner scope catches its own cancellation and the code after it runs", async () => {
    const log: string[] = [];
    const outer = new CancelScope();
    const inner = new CancelScope();
    await run(() =>
      outer.run(async () => {
        await inner.run(async () => {
          inner.cancel();
          await sleep(LONG);
          log.push("unreachable");
        });
        log.push("after inner");
        await checkpoint();
        log.push("after checkpoint");
      }),
    );
    expect(log).toEqual(["after inner", "after checkpoint"]);
    expect(inner.cancelledCaught).toBe(true);
    expect(outer.cancelCalled).toBe(false);
    expect(outer.cancelledCaught).toBe(false);
  });

  test("an outer cancellation passes through an uncancelled inner scope", async () => {
    const log: string[] = [];
    const outer = new CancelScope();
    const inner = new CancelScope();
    await run(() =>
      outer.run(async () => {
        await inner.run(async () => {
          outer.cancel();
          await checkpoint();
          log.push("unreachable in inner");
        });
        log.push("unreachable after inner");
      }),
    );
    expect(log).toEqual([]);
    expect(inner.cancelCalled).toBe(false);
    expect(inner.cancelledCaught).toBe(false);
    expect(outer.cancelledCaught).toBe(true);
  });

  test("when both scopes are cancelled, the outer one catches (scope-based checkpoint)", async () => {
    const outer = new CancelScope();
    const inner = new CancelScope();
    const log: string[] = [];
    await run(() =>
      outer.run(async () => {
        outer.cancel();
        await inner.run(async () => {
          inner.cancel();
          await sleepForever();
        });
        log.push("checkpoint should have raised");
      }),
    );
    expect(log).toEqual([]);
    expect(inner.cancelledCaught).toBe(false);
    expect(outer.cancelledCaught).toBe(true);
  });

  test("an outer scope cancelled while an inner cancellation unwinds takes over the catch", async () => {
    const outer = new CancelScope();
    const inner = new CancelScope();
    const log: string[] = [];
    await run(() =>
      outer.run(async () => {
        await inner.run(async () => {
          inner.cancel();
          try {
            await checkpoint();
          } finally {
            outer.cancel();
          }
          log.push("checkpoint should have raised");
        });
        log.push("exiting the inner scope should have raised");
      }),
    );
    expect(log).toEqual([]);
    expect(inner.cancelledCaught).toBe(false);
    expect(outer.cancelledCaught).toBe(true);
  });

  test("a shielded inner scope keeps catching its own cancellation when the outer one is cancelled meanwhile", async () => {
    const outer = new CancelScope();
    const inner = new CancelScope({ shield: true });
    let codeBetweenScopesRan = false;
    await run(() =>
      outer.run(async () => {
        await inner.run(async () => {
          inner.cancel();
          try {
            await checkpoint();
          } finally {
            outer.cancel();
          }
        });
        codeBetweenScopesRan = true;
        await checkpoint();
      }),
    );
    expect(codeBetweenScopesRan).toBe(true);
    expect(inner.cancelledCaught).toBe(true);
    expect(outer.cancelledCaught).toBe(true);
  });

  test("a moveOnAfter that expired, then cancelling the enclosing scope, lets nothing escape", async () => {
    const scope = new CancelScope();
    const value = await run(async () => {
      await scope.run(async () => {
        await moveOnAfter(10).run(() => sleep(LONG));
        scope.cancel();
      });
      return "no escape";
    });
    expect(value).toBe("no escape");
  });

  test("a cancelled outer scope with an uncancelled shielded middle scope: the checkpoint after the shield raises", async () => {
    let gotPastCheckpoint = false;
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await new CancelScope().run(async (scope1) => {
          await new CancelScope().run(async () => {
            await new CancelScope({ shield: true }).run(async () => {
              scope1.cancel();
              await checkpoint();
            });
            await checkpoint();
            gotPastCheckpoint = true;
          });
        });
      });
    });
    expect(gotPastCheckpoint).toBe(false);
  });

  test("two cancelled outer scopes around a shield: the checkpoint after the middle scope raises", async () => {
    let gotPastCheckpoint = false;
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await new CancelScope().run(async (scope1) => {
          await new CancelScope().run(async (scope2) => {
            await new CancelScope({ shield: true }).run(async () => {
              scope1.cancel();
              scope2.cancel();
              await checkpoint();
            });
          });
          await checkpoint();
          gotPastCheckpoint = true;
        });
      });
    });
    expect(gotPastCheckpoint).toBe(false);
  });
});

describe("shielding", () => {
  test("a shielded scope ignores the cancellation of its group", async () => {
    let innerSleepCompleted = false;
    let outerSleepCompleted = false;
    let inner!: CancelScope;
    let groupScope!: CancelScope;
    await inTaskGroup(async (tg) => {
      groupScope = tg.cancelScope;
      tg.startSoon(async () => {
        await waitAllTasksBlocked();
        tg.cancelScope.cancel();
      });
      inner = moveOnAfter(10_000, { shield: true });
      await inner.run(async () => {
        expect(inner.shield).toBe(true);
        await sleep(50);
        innerSleepCompleted = true;
      });
      await sleep(LONG);
      outerSleepCompleted = true;
    });
    expect(innerSleepCompleted).toBe(true);
    expect(outerSleepCompleted).toBe(false);
    expect(groupScope.cancelCalled).toBe(true);
    expect(inner.cancelCalled).toBe(false);
  });

  test("a shielded scope is still cancelled by its own cancel()", async () => {
    const scope = new CancelScope({ shield: true });
    let raised: unknown;
    await run(() =>
      scope.run(async () => {
        scope.cancel();
        expect(currentEffectiveDeadline()).toBe(-Infinity);
        expect(getCurrentTask().hasPendingCancellation()).toBe(true);
        try {
          await checkpoint();
        } catch (e) {
          raised = e;
          throw e;
        }
      }),
    );
    expect(raised).toBeInstanceOf(Cancelled);
    expect(scope.cancelledCaught).toBe(true);
  });

  test("a shielded scope cancelled by another task exits early", async () => {
    let sleepCompleted = false;
    await inTaskGroup(async (tg) => {
      await new CancelScope({ shield: true }).run(async (scope) => {
        tg.startSoon(async () => {
          await waitAllTasksBlocked();
          scope.cancel();
        });
        await sleep(LONG);
        sleepCompleted = true;
      });
    });
    expect(sleepCompleted).toBe(false);
  });

  test("cancelling the group from inside a shield: hidden inside, pending again outside, level after", async () => {
    const log: string[] = [];
    await inTaskGroup(async (tg) => {
      await new CancelScope({ shield: true }).run(async () => {
        tg.cancelScope.cancel();
        expect(currentEffectiveDeadline()).toBe(Infinity);
        expect(getCurrentTask().hasPendingCancellation()).toBe(false);
        await checkpoint();
        log.push("shielded checkpoint passed");
      });
      expect(currentEffectiveDeadline()).toBe(-Infinity);
      expect(getCurrentTask().hasPendingCancellation()).toBe(true);
      for (let i = 0; i < 2; i++) {
        try {
          await sleep(10);
          log.push("sleep passed");
        } catch (e) {
          log.push(e instanceof Cancelled ? "cancelled" : "other");
        }
      }
    });
    expect(log).toEqual(["shielded checkpoint passed", "cancelled", "cancelled"]);
  });

  test("a shielded scope lets cleanup await in a finally block of a cancelled scope", async () => {
    const log: string[] = [];
    await run(() =>
      new CancelScope().run(async (outer) => {
        outer.cancel();
        try {
          await checkpoint();
        } finally {
          expect(currentEffectiveDeadline()).toBe(-Infinity);
          expect(getCurrentTask().hasPendingCancellation()).toBe(true);
          await new CancelScope({ shield: true }).run(async () => {
            expect(currentEffectiveDeadline()).toBe(Infinity);
            expect(getCurrentTask().hasPendingCancellation()).toBe(false);
            await sleep(10);
            log.push("cleanup awaited");
          });
          expect(currentEffectiveDeadline()).toBe(-Infinity);
          expect(getCurrentTask().hasPendingCancellation()).toBe(true);
        }
      }),
    );
    expect(log).toEqual(["cleanup awaited"]);
  });

  test("turning the shield off while an outer scope is cancelled makes the next checkpoint raise", async () => {
    const log: string[] = [];
    await run(() =>
      new CancelScope().run(async (outer) => {
        await new CancelScope({ shield: true }).run(async (inner) => {
          outer.cancel();
          await checkpoint();
          log.push("shielded");
          inner.shield = false;
          expect(getCurrentTask().hasPendingCancellation()).toBe(true);
          await checkpoint();
          log.push("unreachable");
        });
      }),
    );
    expect(log).toEqual(["shielded"]);
  });

  test("turning the shield on while active hides a pending outer cancellation", async () => {
    const log: string[] = [];
    await run(() =>
      new CancelScope().run(async (outer) => {
        await new CancelScope().run(async (inner) => {
          outer.cancel();
          expect(getCurrentTask().hasPendingCancellation()).toBe(true);
          inner.shield = true;
          expect(inner.shield).toBe(true);
          expect(getCurrentTask().hasPendingCancellation()).toBe(false);
          await sleep(10);
          log.push("slept under the new shield");
        });
        log.push("unreachable: the outer cancellation is visible again");
        await checkpoint();
      }),
    );
    expect(log).toEqual(["slept under the new shield", "unreachable: the outer cancellation is visible again"]);
  });
});

// On an autojump MockClock: deadlines fire in no real time, at exactly the moment they name.
structuredDescribe(
  "deadlines",
  () => {
    structuredTest("a deadline already in the past cancels at the first checkpoint", async () => {
      const log: string[] = [];
      await sleep(100);
      const scope = new CancelScope({ deadline: currentTime() - 1 });
      await scope.run(async () => {
        await checkpoint();
        log.push("unreachable");
      });
      expect(scope.cancelCalled).toBe(true);
      expect(scope.cancelledCaught).toBe(true);
      expect(log).toEqual([]);
      expect(currentTime()).toBe(100);
    });

    structuredTest("reaching the deadline cancels with a message that mentions the deadline", async () => {
      let message = "";
      const scope = new CancelScope({ deadline: currentTime() + 20 });
      await scope.run(async () => {
        try {
          await sleep(LONG);
        } catch (e) {
          message = (e as Error).message;
          throw e;
        }
      });
      expect(scope.cancelCalled).toBe(true);
      expect(scope.cancelledCaught).toBe(true);
      expect(message).toMatch(/deadline/);
      expect(currentTime()).toBe(20);
    });

    structuredTest("extending the deadline while active lets the body finish", async () => {
      const log: string[] = [];
      const scope = moveOnAfter(30);
      await scope.run(async () => {
        scope.deadline += 300;
        await sleep(100);
        log.push("slept past the original deadline");
      });
      expect(scope.cancelCalled).toBe(false);
      expect(log).toEqual(["slept past the original deadline"]);
      expect(currentTime()).toBe(100);
    });

    structuredTest("shortening the deadline while active cancels earlier", async () => {
      const scope = moveOnAfter(LONG * 2);
      await scope.run(async () => {
        await sleep(10);
        scope.deadline = currentTime() + 20;
        await sleep(LONG);
      });
      expect(scope.cancelledCaught).toBe(true);
      expect(currentTime()).toBe(30);
    });

    structuredTest("shortening the deadline of a scope blocked in another task re-arms its timer", async () => {
      let childScope: CancelScope | undefined;
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          childScope = moveOnAfter(LONG * 2);
          await childScope.run(() => sleep(LONG * 2));
        });
        await waitAllTasksBlocked();
        childScope!.deadline = currentTime() + 20;
      });
      expect(childScope!.cancelledCaught).toBe(true);
      expect(currentTime()).toBe(20);
    });

    structuredTest("setting the deadline in the past while active cancels at once", async () => {
      const log: string[] = [];
      const scope = new CancelScope();
      await scope.run(async () => {
        scope.deadline = currentTime() - 10;
        expect(scope.cancelCalled).toBe(true);
        await checkpoint();
        log.push("unreachable");
      });
      expect(scope.cancelledCaught).toBe(true);
      expect(log).toEqual([]);
    });

    structuredTest("setting the deadline to Infinity disarms it", async () => {
      const log: string[] = [];
      const scope = moveOnAfter(20);
      await scope.run(async () => {
        scope.deadline = Infinity;
        expect(scope.deadline).toBe(Infinity);
        await sleep(80);
        log.push("slept");
      });
      expect(scope.cancelCalled).toBe(false);
      expect(log).toEqual(["slept"]);
      expect(currentTime()).toBe(80);
    });

    structuredTest("a deadline in a shielded scope still fires", async () => {
      const scope = new CancelScope({ shield: true, deadline: currentTime() + 20 });
      await scope.run(() => sleep(LONG));
      expect(scope.cancelledCaught).toBe(true);
      expect(currentTime()).toBe(20);
    });
  },
  { clock: "autojump" },
);

describe("currentEffectiveDeadline()", () => {
  test("is Infinity with no deadline anywhere", async () => {
    await run(async () => {
      expect(currentEffectiveDeadline()).toBe(Infinity);
      await new CancelScope().run(() => expect(currentEffectiveDeadline()).toBe(Infinity));
    });
  });

  test("is the nearest deadline among the enclosing scopes", async () => {
    await run(async () => {
      const outer = moveOnAfter(1000);
      await outer.run(async () => {
        expect(currentEffectiveDeadline()).toBe(outer.deadline);
        const inner = moveOnAfter(5000);
        await inner.run(async () => {
          expect(currentEffectiveDeadline()).toBe(outer.deadline);
          const innermost = moveOnAfter(500);
          await innermost.run(() => expect(currentEffectiveDeadline()).toBe(innermost.deadline));
        });
      });
    });
  });

  test("a shield stops the walk outwards", async () => {
    await run(() =>
      moveOnAfter(100).run(async () => {
        await new CancelScope({ shield: true }).run(async () => {
          expect(currentEffectiveDeadline()).toBe(Infinity);
          await moveOnAfter(100_000).run(async () => {
            expect(currentEffectiveDeadline() - currentTime()).toBeGreaterThan(90_000);
            await checkpoint();
          });
        });
      }),
    );
  });

  test("a shielded scope's own deadline still counts", async () => {
    await run(() =>
      moveOnAfter(100).run(async () => {
        const deadline = currentTime() + 60_000;
        await new CancelScope({ shield: true, deadline }).run(() => {
          expect(currentEffectiveDeadline()).toBe(deadline);
        });
      }),
    );
  });

  test("is -Infinity once a visible scope is cancelled", async () => {
    await run(() =>
      new CancelScope({ deadline: Infinity }).run(async (outer) => {
        await moveOnAfter(1000).run(() => {
          outer.cancel();
          expect(currentEffectiveDeadline()).toBe(-Infinity);
        });
      }),
    );
  });
});

describe("what a scope swallows", () => {
  test("Cancelled leaves are stripped from a group raised in the body; the rest is re-raised", async () => {
    const bodyError = new RangeError("body");
    const err = await caught(
      run(async () => {
        await new CancelScope().run(async (scope) => {
          scope.cancel();
          const cancelled = await caught(checkpoint());
          expect(cancelled).toBeInstanceOf(Cancelled);
          throw new ExceptionGroup("mixed", [bodyError, cancelled]);
        });
      }),
    );
    expect(err).toBeInstanceOf(ExceptionGroup);
    expect((err as ExceptionGroup).exceptions).toHaveLength(1);
    expect((err as ExceptionGroup).exceptions[0]).toBe(bodyError);
    expect((err as ExceptionGroup).message).toBe("mixed");
  });

  test("stripping keeps the nesting of groups", async () => {
    const bodyError = new RangeError("body");
    const err = await caught(
      run(async () => {
        await new CancelScope().run(async (scope) => {
          scope.cancel();
          const cancelled = await caught(checkpoint());
          throw new ExceptionGroup("outer", [new ExceptionGroup("inner", [bodyError, cancelled])]);
        });
      }),
    );
    const outer = err as ExceptionGroup;
    expect(outer).toBeInstanceOf(ExceptionGroup);
    expect(outer.exceptions).toHaveLength(1);
    const inner = outer.exceptions[0] as ExceptionGroup;
    expect(inner).toBeInstanceOf(ExceptionGroup);
    expect(inner.exceptions).toEqual([bodyError]);
  });

  test("a group holding only the scope's own Cancelled is swallowed", async () => {
    const scope = new CancelScope();
    const value = await run(async () => {
      await scope.run(async () => {
        scope.cancel();
        try {
          await sleepForever();
        } catch (e) {
          throw new ExceptionGroup("only cancelled", [e]);
        }
      });
      return "swallowed";
    });
    expect(value).toBe("swallowed");
    expect(scope.cancelledCaught).toBe(true);
  });
});

describe("isCancelled()", () => {
  test("is true for a Cancelled and for groups holding only Cancelled", async () => {
    await run(async () => {
      const c1 = await aCancelled();
      const c2 = await aCancelled();
      expect(isCancelled(c1)).toBe(true);
      expect(isCancelled(new ExceptionGroup("g", [c1, c2]))).toBe(true);
      expect(isCancelled(new ExceptionGroup("g", [new ExceptionGroup("h", [c1])]))).toBe(true);
    });
  });

  test("is false for other errors, mixed groups and non-errors", async () => {
    await run(async () => {
      const c = await aCancelled();
      expect(isCancelled(new Error("x"))).toBe(false);
      expect(isCancelled(new ExceptionGroup("g", [c, new Error("x")]))).toBe(false);
      expect(isCancelled("Cancelled")).toBe(false);
      expect(isCancelled(undefined)).toBe(false);
    });
  });
});

describe("signal", () => {
  test("aborts synchronously when the scope is cancelled", async () => {
    const events: string[] = [];
    await run(() =>
      new CancelScope().run((scope) => {
        expect(scope.signal).toBeInstanceOf(AbortSignal);
        expect(scope.signal.aborted).toBe(false);
        scope.signal.addEventListener("abort", () => events.push("abort"));
        scope.cancel();
        events.push("after cancel");
        expect(scope.signal.aborted).toBe(true);
      }),
    );
    expect(events).toEqual(["abort", "after cancel"]);
  });

  test("aborts when an enclosing scope is cancelled", async () => {
    await run(() =>
      new CancelScope().run(async (outer) => {
        await new CancelScope().run((inner) => {
          expect(inner.signal.aborted).toBe(false);
          outer.cancel();
          expect(inner.signal.aborted).toBe(true);
        });
      }),
    );
  });

  test("does not abort through a shield, but does once the shield is lowered", async () => {
    await run(() =>
      new CancelScope().run(async (outer) => {
        await new CancelScope({ shield: true }).run(async (shielded) => {
          await new CancelScope().run((inner) => {
            outer.cancel();
            expect(shielded.signal.aborted).toBe(false);
            expect(inner.signal.aborted).toBe(false);
            shielded.shield = false;
            expect(shielded.signal.aborted).toBe(true);
            expect(inner.signal.aborted).toBe(true);
          });
        });
      }),
    );
  });

  test("aborts at once when the deadline is set in the past", async () => {
    await run(() =>
      new CancelScope().run((scope) => {
        expect(scope.signal.aborted).toBe(false);
        scope.deadline = currentTime() - 1;
        expect(scope.signal.aborted).toBe(true);
      }),
    );
  });

  test("a child's scope signal aborts when the child's task group is cancelled", async () => {
    let childSignal: AbortSignal | undefined;
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await new CancelScope().run(async (scope) => {
          childSignal = scope.signal;
          await sleepForever();
        });
      });
      await waitAllTasksBlocked();
      expect(childSignal!.aborted).toBe(false);
      tg.cancel();
      expect(childSignal!.aborted).toBe(true);
    });
  });

  test("a scope that was never cancelled keeps an unaborted signal after it exits", async () => {
    const scope = new CancelScope();
    await run(() => scope.run(() => sleep(1)));
    expect(scope.signal.aborted).toBe(false);
  });

  test("aborts a foreign operation when the deadline passes", async () => {
    let outcome: unknown;
    await run(async () => {
      const scope = moveOnAfter(20);
      await scope.run(async () => {
        const aborted = new Promise<string>((resolve) =>
          scope.signal.addEventListener("abort", () => resolve("aborted")),
        );
        const result = await within(aborted, 2000);
        outcome = result.settled ? result.value : "never aborted";
      });
      expect(scope.cancelCalled).toBe(true);
    });
    expect(outcome).toBe("aborted");
  });

  test("the task group's scope signal aborts when a child fails", async () => {
    let signal!: AbortSignal;
    await caught(
      inTaskGroup(async (tg) => {
        signal = tg.cancelScope.signal;
        tg.startSoon(async () => {
          throw new Error("child failed");
        });
        await sleep(LONG);
      }),
    );
    expect(signal.aborted).toBe(true);
  });
});

describe("exiting through the runtime hooks", () => {
  test("exiting a scope that is not active says so", async () => {
    const { enterScope, exitScope, currentFrame } = await import("anyio-ts/rt");
    await run(async () => {
      const scope = new CancelScope();
      expect(() => exitScope(scope, false)).toThrow(/not active/);
      enterScope(currentFrame()!, scope);
      exitScope(scope, false);
      expect(() => exitScope(scope, false)).toThrow(/not active/);
    });
  });
});

describe("constructor options", () => {
  test("an unknown option is rejected, naming it and suggesting the closest known one", () => {
    expect(() => new CancelScope({ shieldd: true } as never)).toThrow(
      new TypeError(
        "Unknown option `shieldd` in `options`: did you mean `shield`? The options are `deadline` and `shield`",
      ),
    );
  });

  test("a suggestion tolerates swapped letters and case; a key far from every option gets none", () => {
    expect(() => new CancelScope({ sheild: true } as never)).toThrow(/did you mean `shield`\?/);
    expect(() => new CancelScope({ Deadline: 5 } as never)).toThrow(/did you mean `deadline`\?/);
    expect(() => new CancelScope({ timeout: 5 } as never)).toThrow(
      new TypeError("Unknown option `timeout` in `options`. The options are `deadline` and `shield`"),
    );
  });

  test("null or a primitive as options is a TypeError at the call", () => {
    expect(() => new CancelScope(null as never)).toThrow(
      new TypeError("Expected `options` to be an object or undefined, got `null` (object)"),
    );
    expect(() => new CancelScope(5 as never)).toThrow(
      new TypeError("Expected `options` to be an object or undefined, got `5` (number)"),
    );
  });

  test("inherited keys are not options: only own keys are checked", () => {
    const options = Object.create({ colour: "red" }) as { shield?: boolean };
    options.shield = true;
    expect(new CancelScope(options).shield).toBe(true);
  });

  test("a known option with the wrong type names the option", () => {
    expect(() => new CancelScope({ shield: "yes" as never })).toThrow(
      new TypeError('Expected `shield` to be a boolean, got `"yes"` (string)'),
    );
  });
});
