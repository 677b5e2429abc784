/**
 * Task groups: spawning, waiting, cancellation and error gathering, re-expressed from AnyIO's
 * tests/test_taskgroups.py in callback form.
 */
import {
  CancelScope,
  Cancelled,
  ExceptionGroup,
  TaskGroup,
  TimeoutError,
  checkpoint,
  createTaskGroup,
  currentTime,
  failAfter,
  isCancelled,
  run,
  sleep,
  sleepForever,
  unwrapExceptionGroup,
  waitAllTasksBlocked,
} from "anyio-ts";
import { structuredTest } from "anyio-ts/jest";
import { LONG, caught, messagesOf } from "../../helpers";
import { inTaskGroup } from "../helpers";

/** Sleeps `delay` ms (0: not at all), then always fails with `text`, even when cancelled. */
async function failingAfter(text: string, delay: number): Promise<void> {
  try {
    if (delay > 0) await sleep(delay);
  } finally {
    throw new Error(text);
  }
}

describe("spawning", () => {
  test("spawning never yields and new tasks start in spawn order", async () => {
    const log: Array<string | number> = [];
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        for (let i = 0; i < 5; i++) tg.startSoon(async (n: number) => void log.push(n), i);
        log.push("host");
      });
    });
    expect(log).toEqual(["host", 0, 1, 2, 3, 4]);
  });

  test("startSoon passes the extra arguments to the function", async () => {
    const seen: unknown[] = [];
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async (a: string, b: number) => void seen.push(a, b), "x", 7);
      });
    });
    expect(seen).toEqual(["x", 7]);
  });

  test("run() waits for every child and returns the host body's value", async () => {
    const results = new Set<string>();
    const value = await run(async () =>
      createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          await sleep(20);
          results.add("a");
        });
        tg.startSoon(async () => {
          await sleep(5);
          results.add("b");
        });
        return "host value";
      }),
    );
    expect(value).toBe("host value");
    expect([...results].sort()).toEqual(["a", "b"]);
  });

  test("a child can spawn into its own group, and the group waits for the new task", async () => {
    const log: string[] = [];
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          log.push("parent");
          tg.startSoon(async () => {
            await sleep(10);
            log.push("grandchild");
          });
        });
      });
      log.push("after group");
    });
    expect(log).toEqual(["parent", "grandchild", "after group"]);
  });

  test("spawning is allowed while the host waits for children in exit", async () => {
    const log: string[] = [];
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          await sleep(20); // the host body has long finished by now
          tg.startSoon(async () => {
            await checkpoint();
            log.push("late child");
          });
        });
      });
      log.push("after group");
    });
    expect(log).toEqual(["late child", "after group"]);
  });

  test("startSoon on a group that has exited says the group is not active", async () => {
    await run(async () => {
      const tg = createTaskGroup();
      await tg.run(async () => {});
      expect(() => tg.startSoon(async () => {})).toThrow(/not active/);
    });
  });

  test("startSoon and start on a group that was never entered say how to enter it", async () => {
    await run(async () => {
      const tg = createTaskGroup();
      const howToEnter =
        /^This task group was never entered, so it cannot start tasks: in plain code use `await createTaskGroup\(\)\.run\(async \(tg\) => \{ \.\.\. \}\)`, or compile this code with the anyio-ts transformer/;
      expect(() => tg.startSoon(async () => {})).toThrow(howToEnter);
      await expect(tg.start(async () => {})).rejects.toThrow(howToEnter);
    });
  });

  // `await using tg = createTaskGroup(); tg.startSoon(f);` in code nobody compiled: startSoon's
  // error must reach the user alone, not buried in a SuppressedError by the disposer's own.
  test("after startSoon explained the misuse, disposing the group that was never entered is quiet", async () => {
    await run(async () => {
      const tg = createTaskGroup();
      expect(() => tg.startSoon(async () => {})).toThrow(/^This task group was never entered/);
      await expect(tg[Symbol.asyncDispose]()).resolves.toBeUndefined();
    });
  });

  test("disposing a group that was never used still explains how to enter it", async () => {
    await expect(createTaskGroup()[Symbol.asyncDispose]()).rejects.toThrow(
      /cannot close a group: `await using tg = createTaskGroup\(\)` works only inside "use structured" code/,
    );
  });

  test("startSoon after the group failed says the group is not active", async () => {
    await run(async () => {
      const tg = createTaskGroup();
      const err = await caught(
        tg.run(async () => {
          throw new Error("host failed");
        }),
      );
      expect(err).toBeInstanceOf(ExceptionGroup);
      expect(() => tg.startSoon(sleep, 0)).toThrow(/not active/);
    });
  });

  test("start on a group that has exited says the group is not active", async () => {
    await run(async () => {
      const tg = createTaskGroup();
      await tg.run(async () => {});
      const err = await caught(() => tg.start(async (status) => status.started()));
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/not active/);
    });
  });

  test("a task group cannot be run twice", async () => {
    await run(async () => {
      const tg = createTaskGroup();
      await tg.run(async () => {});
      const err = await caught(() => tg.run(async () => {}));
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/only once|more than once/);
    });
  });

  test("a task group cannot be entered again while it is running", async () => {
    await run(async () => {
      const tg = createTaskGroup();
      await tg.run(async () => {
        const err = await caught(() => tg.run(async () => {}));
        expect((err as Error).message).toMatch(/only once|more than once/);
      });
    });
  });

  test("exiting a group with no children still lets other tasks run (a yield point)", async () => {
    let outerTaskRan = false;
    await run(async () => {
      await createTaskGroup().run(async (outer) => {
        await createTaskGroup().run(async () => {
          outer.startSoon(async () => {
            outerTaskRan = true;
          });
        });
        expect(outerTaskRan).toBe(true);
      });
    });
  });

  test("a synchronous host body's return value is passed through", async () => {
    const value = await run(() => createTaskGroup().run(() => 42));
    expect(value).toBe(42);
  });

  test("the group's cancelScope is a CancelScope", async () => {
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        expect(tg.cancelScope).toBeInstanceOf(CancelScope);
        expect(tg.cancelScope.cancelCalled).toBe(false);
      });
    });
  });
});

describe("cancelling a group", () => {
  test("a task cancelled before it started still runs until its first checkpoint", async () => {
    let marker = 0;
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          marker = 1;
          await checkpoint();
          marker = 2;
        });
        expect(marker).toBe(0);
        tg.cancelScope.cancel();
      });
    });
    expect(marker).toBe(1);
  });

  test("tg.cancel() is the same as cancelling the group's scope", async () => {
    let started = false;
    let passed = false;
    let scope!: CancelScope;
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        scope = tg.cancelScope;
        tg.startSoon(async () => {
          started = true;
          await checkpoint();
          passed = true;
        });
        expect(started).toBe(false);
        tg.cancel();
      });
    });
    expect(started).toBe(true);
    expect(passed).toBe(false);
    expect(scope.cancelCalled).toBe(true);
  });

  test("the cancel reason reaches the host's next checkpoint and the group swallows it", async () => {
    let message = "";
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        tg.cancel("test reason");
        try {
          await checkpoint();
        } catch (e) {
          expect(e).toBeInstanceOf(Cancelled);
          message = (e as Error).message;
          throw e;
        }
      });
    });
    expect(message).toMatch(/test reason/);
  });

  test("a Cancelled escaping the host body is swallowed by the group it came from", async () => {
    const log: string[] = [];
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        tg.cancelScope.cancel();
        await checkpoint();
        log.push("unreachable");
      });
      log.push("after group");
      await checkpoint(); // the cancellation stayed inside the group
      log.push("after checkpoint");
    });
    expect(log).toEqual(["after group", "after checkpoint"]);
  });

  // On a manual MockClock that nobody advances: the sleeps can only end by cancellation.
  structuredTest(
    "cancelling the group interrupts sleeping children, whose cleanup runs",
    async () => {
      const log: string[] = [];
      await createTaskGroup().run(async (tg) => {
        for (const name of ["a", "b"]) {
          tg.startSoon(async () => {
            try {
              await sleep(LONG);
              log.push(`${name} finished`);
            } catch (e) {
              log.push(`${name} ${isCancelled(e) ? "cancelled" : "failed"}`);
              throw e;
            }
          });
        }
        await waitAllTasksBlocked();
        tg.cancel();
      });
      expect(log.sort()).toEqual(["a cancelled", "b cancelled"]);
      expect(currentTime()).toBe(0);
    },
    { clock: "manual" },
  );

  test("a scope inside a child can be cancelled from the host without cancelling the group", async () => {
    let childScope: CancelScope | undefined;
    let childResult = "";
    let hostDone = false;
    let groupScope!: CancelScope;
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        groupScope = tg.cancelScope;
        tg.startSoon(async () => {
          await new CancelScope().run(async (scope) => {
            childScope = scope;
            await sleep(LONG);
            childResult = "slept";
          });
          childResult ||= "scope exited";
        });
        await waitAllTasksBlocked();
        expect(childScope).toBeDefined();
        childScope!.cancel();
        await sleep(20);
        hostDone = true;
      });
    });
    expect(hostDone).toBe(true);
    expect(childResult).toBe("scope exited");
    expect(groupScope.cancelCalled).toBe(false);
  });

  test("cancellation propagates into a nested group inside a child", async () => {
    const log: string[] = [];
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          await createTaskGroup().run(async (inner) => {
            inner.startSoon(async () => {
              log.push("inner child started");
              await sleep(LONG);
              log.push("inner child finished");
            });
            await sleep(LONG);
            log.push("inner host finished");
          });
          log.push("after inner group");
        });
        await waitAllTasksBlocked();
        tg.cancelScope.cancel();
      });
    });
    expect(log).toEqual(["inner child started"]);
  });

  test("cancelling while the host waits in exit cancels the children of a nested group", async () => {
    let cancelReceived = false;
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          await createTaskGroup().run(async (tg2) => {
            tg2.startSoon(async () => {
              try {
                await sleep(LONG);
              } finally {
                cancelReceived = true;
              }
            });
          });
        });
        await waitAllTasksBlocked();
        tg.cancelScope.cancel();
      });
    });
    expect(cancelReceived).toBe(true);
  });

  test("the same task can be cancelled by two groups one after the other", async () => {
    const log: string[] = [];
    await run(async () => {
      for (let i = 0; i < 2; i++) {
        await createTaskGroup().run(async (tg) => {
          tg.startSoon(async () => {
            await waitAllTasksBlocked();
            tg.cancelScope.cancel();
          });
          await sleep(LONG);
          log.push("unreachable");
        });
        log.push(`round ${i}`);
      }
    });
    expect(log).toEqual(["round 0", "round 1"]);
  });

  test("a cancellation from an outer scope leaves the group as a single Cancelled, not a group", async () => {
    let escaping: unknown;
    await run(async () => {
      const outer = new CancelScope();
      await outer.run(async () => {
        try {
          await createTaskGroup().run(async (tg) => {
            tg.startSoon(sleep, LONG);
            await waitAllTasksBlocked();
            outer.cancel();
            await sleep(LONG);
          });
        } catch (e) {
          escaping = e;
          throw e;
        }
      });
      expect(outer.cancelledCaught).toBe(true);
    });
    expect(escaping).toBeInstanceOf(Cancelled);
    expect(escaping).not.toBeInstanceOf(ExceptionGroup);
  });

  test("entering an empty group inside an already cancelled scope does not raise there", async () => {
    const log: string[] = [];
    await run(async () => {
      const scope = new CancelScope();
      await scope.run(async () => {
        scope.cancel();
        await createTaskGroup().run(async () => {});
        log.push("after empty group");
      });
      expect(scope.cancelledCaught).toBe(false);
    });
    expect(log).toEqual(["after empty group"]);
  });

  test("children are cancelled even when the host sits in a shielded scope", async () => {
    const log: string[] = [];
    await run(async () => {
      const parentScope = new CancelScope();
      await parentScope.run(async () => {
        await createTaskGroup().run(async (tg) => {
          const child = tg.startSoon(async () => {
            try {
              await sleepForever();
            } catch (e) {
              if (isCancelled(e)) log.push("child cancelled");
              throw e;
            }
          });
          await waitAllTasksBlocked();
          await new CancelScope({ shield: true }).run(async () => {
            await failAfter(1000).run(async () => {
              parentScope.cancel();
              await child.wait();
              log.push("host saw the child end");
            });
          });
        });
      });
    });
    expect(log).toEqual(["child cancelled", "host saw the child end"]);
  });

  // The wait for children is a checkpoint that keeps waiting: the group waits for the children's
  // clean-up, then the outer cancellation propagates out of the group into the cancelled scope.
  test("a host cancelled from outside while waiting in exit waits for the children's cleanup, then lets Cancelled out", async () => {
    const log: string[] = [];
    await run(async () => {
      const outer = new CancelScope();
      await outer.run(async () => {
        await createTaskGroup().run(async (tg) => {
          tg.startSoon(async () => {
            try {
              await sleepForever();
            } finally {
              await new CancelScope({ shield: true }).run(() => sleep(30));
              log.push("child cleanup done");
            }
          });
          tg.startSoon(async () => {
            await waitAllTasksBlocked();
            outer.cancel();
          });
        });
        log.push("after the group");
        await checkpoint();
        log.push("unreachable");
      });
      log.push("after outer scope");
      expect(outer.cancelledCaught).toBe(true);
    });
    expect(log).toEqual(["child cleanup done", "after outer scope"]);
  });

  test("a child spawned into a cancelled group from another child is cancelled at its first checkpoint", async () => {
    const log: string[] = [];
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async (group: TaskGroup) => {
          log.push("parent started");
          group.startSoon(async () => {
            log.push("child started");
            await new CancelScope().run(() => sleep(LONG));
            log.push("unreachable");
            throw new Error("foo");
          });
        }, tg);
        tg.cancelScope.cancel();
      });
    });
    expect(log).toEqual(["parent started", "child started"]);
  });
});

describe("errors", () => {
  test("a single failing child still comes out as an ExceptionGroup of one", async () => {
    const boom = new Error("dummy error");
    const err = await caught(
      run(() =>
        createTaskGroup().run(async (tg) => {
          tg.startSoon(async () => {
            throw boom;
          });
        }),
      ),
    );
    expect(err).toBeInstanceOf(ExceptionGroup);
    expect((err as ExceptionGroup).exceptions).toHaveLength(1);
    expect((err as ExceptionGroup).exceptions[0]).toBe(boom);
  });

  test("the group's message says there were unhandled errors in a task group", async () => {
    const err = await caught(
      run(() =>
        createTaskGroup().run(async () => {
          throw new Error("x");
        }),
      ),
    );
    expect((err as Error).message).toMatch(/unhandled errors in a TaskGroup/i);
  });

  test("a host body error is grouped too and cancels the children", async () => {
    let result: string | undefined;
    const err = await caught(
      run(() =>
        createTaskGroup().run(async (tg) => {
          tg.startSoon(async () => {
            await sleep(LONG);
            result = "a";
          });
          throw new Error("dummy error");
        }),
      ),
    );
    expect(err).toBeInstanceOf(ExceptionGroup);
    expect(messagesOf(err as ExceptionGroup)).toEqual(["dummy error"]);
    expect(result).toBeUndefined();
  });

  test("a host body that throws synchronously is grouped as well", async () => {
    const boom = new TypeError("sync");
    const err = await caught(
      run(() =>
        createTaskGroup().run(() => {
          throw boom;
        }),
      ),
    );
    expect(err).toBeInstanceOf(ExceptionGroup);
    expect((err as ExceptionGroup).exceptions).toEqual([boom]);
  });

  test("a host body error after the children blocked cancels them", async () => {
    let sleepCompleted = false;
    const err = await caught(
      run(() =>
        createTaskGroup().run(async (tg) => {
          tg.startSoon(async () => {
            await sleep(LONG);
            sleepCompleted = true;
          });
          await waitAllTasksBlocked();
          throw new Error("foo");
        }),
      ),
    );
    expect(messagesOf(err as ExceptionGroup)).toEqual(["foo"]);
    expect(sleepCompleted).toBe(false);
  });

  structuredTest(
    "a failing child cancels the host at its next checkpoint",
    async () => {
      let sleepCompleted = false;
      const err = await caught(
        createTaskGroup().run(async (tg) => {
          tg.startSoon(async () => {
            await waitAllTasksBlocked();
            throw new Error("foo");
          });
          await sleep(LONG);
          sleepCompleted = true;
        }),
      );
      expect(err).toBeInstanceOf(ExceptionGroup);
      expect(messagesOf(err as ExceptionGroup)).toEqual(["foo"]);
      expect(sleepCompleted).toBe(false);
      expect(currentTime()).toBe(0);
    },
    { clock: "manual" },
  );

  test("a failing child cancels its siblings", async () => {
    let sleepCompleted = false;
    let groupScope!: CancelScope;
    const err = await caught(
      run(() =>
        createTaskGroup().run(async (tg) => {
          groupScope = tg.cancelScope;
          tg.startSoon(async () => {
            await sleep(LONG);
            sleepCompleted = true;
          });
          await waitAllTasksBlocked();
          tg.startSoon(async () => {
            throw new Error("foo");
          });
        }),
      ),
    );
    expect(messagesOf(err as ExceptionGroup)).toEqual(["foo"]);
    expect(sleepCompleted).toBe(false);
    expect(groupScope.cancelCalled).toBe(true);
  });

  test("the cancellations of the siblings are never recorded in the group", async () => {
    const err = await caught(
      run(() =>
        createTaskGroup().run(async (tg) => {
          for (let i = 0; i < 3; i++) tg.startSoon(sleep, LONG);
          await waitAllTasksBlocked();
          tg.startSoon(async () => {
            throw new RangeError("only me");
          });
          await sleep(LONG);
        }),
      ),
    );
    const members = (err as ExceptionGroup).exceptions;
    expect(members).toHaveLength(1);
    expect(members[0]).toBeInstanceOf(RangeError);
    expect(members.some((m) => m instanceof Cancelled)).toBe(false);
  });

  test("errors of several children are gathered in the order they were recorded", async () => {
    const err = await caught(
      run(() =>
        createTaskGroup().run(async (tg) => {
          tg.startSoon(failingAfter, "task1", 20);
          tg.startSoon(failingAfter, "task2", 200); // fails in cleanup once task1 cancels it
        }),
      ),
    );
    expect(err).toBeInstanceOf(ExceptionGroup);
    expect(messagesOf(err as ExceptionGroup)).toEqual(["task1", "task2"]);
  });

  test("a host error recorded before a child's cleanup error comes first", async () => {
    const err = await caught(
      run(() =>
        createTaskGroup().run(async (tg) => {
          tg.startSoon(failingAfter, "child", LONG);
          await waitAllTasksBlocked();
          throw new Error("host");
        }),
      ),
    );
    expect(messagesOf(err as ExceptionGroup)).toEqual(["host", "child"]);
  });

  test("a child error recorded before the host's cleanup error comes first", async () => {
    const err = await caught(
      run(() =>
        createTaskGroup().run(async (tg) => {
          tg.startSoon(async () => {
            await waitAllTasksBlocked();
            throw new Error("child");
          });
          try {
            await sleep(LONG);
          } finally {
            throw new Error("host");
          }
        }),
      ),
    );
    expect(messagesOf(err as ExceptionGroup)).toEqual(["child", "host"]);
  });

  test("nested groups give nested ExceptionGroups", async () => {
    const err = await caught(
      run(() =>
        createTaskGroup().run(async (tg) => {
          tg.startSoon(failingAfter, "parent task failed", 20);
          await createTaskGroup().run(async (tg2) => {
            tg2.startSoon(failingAfter, "child task failed", 20);
            await sleep(LONG);
          });
        }),
      ),
    );
    const outer = err as ExceptionGroup;
    expect(outer).toBeInstanceOf(ExceptionGroup);
    expect(outer.exceptions).toHaveLength(2);
    expect((outer.exceptions[0] as Error).message).toBe("parent task failed");
    const inner = outer.exceptions[1] as ExceptionGroup;
    expect(inner).toBeInstanceOf(ExceptionGroup);
    expect(messagesOf(inner)).toEqual(["child task failed"]);
  });

  test("an ExceptionGroup raised by the host body is nested inside the group's own group", async () => {
    const own = new ExceptionGroup("mine", [new Error("a"), new Error("b")]);
    const err = await caught(
      run(() =>
        createTaskGroup().run(async () => {
          throw own;
        }),
      ),
    );
    expect(err).toBeInstanceOf(ExceptionGroup);
    expect(err).not.toBe(own);
    expect((err as ExceptionGroup).exceptions).toEqual([own]);
  });

  test("a child failing in cleanup while an outer scope is cancelled still surfaces its error", async () => {
    let outer!: CancelScope;
    const err = await caught(
      run(async () => {
        outer = new CancelScope();
        await outer.run(async () => {
          await createTaskGroup().run(async (tg) => {
            tg.startSoon(async () => {
              try {
                await sleepForever();
              } finally {
                throw new Error("cleanup failed");
              }
            });
            await waitAllTasksBlocked();
            outer.cancel();
            await sleep(LONG);
          });
        });
      }),
    );
    expect(err).toBeInstanceOf(ExceptionGroup);
    expect(messagesOf(err as ExceptionGroup)).toEqual(["cleanup failed"]);
    expect(outer.cancelCalled).toBe(true);
    expect(outer.cancelledCaught).toBe(false);
  });

  test("a TimeoutError raised in a shielded region is grouped by the enclosing task group", async () => {
    const err = await caught(
      run(() =>
        createTaskGroup().run(async (tg) => {
          const scope = new CancelScope();
          await scope.run(async () => {
            await new CancelScope({ shield: true }).run(async () => {
              tg.startSoon(async () => {
                await waitAllTasksBlocked();
                scope.cancel();
              });
              await failAfter(50).run(() => sleep(LONG));
            });
          });
        }),
      ),
    );
    expect(err).toBeInstanceOf(ExceptionGroup);
    const members = (err as ExceptionGroup).exceptions;
    expect(members).toHaveLength(1);
    expect(members[0]).toBeInstanceOf(TimeoutError);
  });
});

describe("unwrapExceptionGroup", () => {
  test("returns the only error of a task group failure", async () => {
    const boom = new Error("boom");
    const err = await caught(
      run(() =>
        createTaskGroup().run(async (tg) => {
          tg.startSoon(async () => {
            throw boom;
          });
        }),
      ),
    );
    expect(unwrapExceptionGroup(err)).toBe(boom);
  });

  test("unwraps nested groups of one all the way down", () => {
    const leaf = new Error("leaf");
    const nested = new ExceptionGroup("outer", [new ExceptionGroup("inner", [leaf])]);
    expect(unwrapExceptionGroup(nested)).toBe(leaf);
  });

  test("returns a group of several errors unchanged", () => {
    const group = new ExceptionGroup("two", [new Error("a"), new Error("b")]);
    expect(unwrapExceptionGroup(group)).toBe(group);
  });

  test("stops at the first level that has more than one member", () => {
    const inner = new ExceptionGroup("inner", [new Error("a"), new Error("b")]);
    expect(unwrapExceptionGroup(new ExceptionGroup("outer", [inner]))).toBe(inner);
  });

  test("returns anything that is not a group unchanged", () => {
    const plain = new Error("plain");
    expect(unwrapExceptionGroup(plain)).toBe(plain);
    expect(unwrapExceptionGroup("text")).toBe("text");
    expect(unwrapExceptionGroup(undefined)).toBeUndefined();
  });
});

describe("spawn options", () => {
  test("startSoon and start reject an unknown option, suggesting the one meant", async () => {
    await inTaskGroup(async (tg) => {
      expect(() => tg.startSoon({ nme: "worker" } as never, async () => {})).toThrow(
        new TypeError("Unknown option `nme` in `options`: did you mean `name`? The only option is `name`"),
      );
      await expect(tg.start({ label: "x" } as never, async () => {})).rejects.toThrow(
        new TypeError("Unknown option `label` in `options`. The only option is `name`"),
      );
    });
  });
});
