/**
 * TaskGroup.start(): the caller waits until the child calls `started()`; before that the child
 * lives under the caller, afterwards under the target group.
 */
import {
  CancelScope,
  Cancelled,
  ExceptionGroup,
  TASK_STATUS_IGNORED,
  TaskStatus,
  checkpoint,
  createTaskGroup,
  getCurrentTask,
  isCancelled,
  moveOnAfter,
  run,
  sleep,
  sleepForever,
  waitAllTasksBlocked,
} from "anyio-ts";
import { LONG, caught, messagesOf } from "../../helpers";

describe("start() values", () => {
  test("returns the value passed to started()", async () => {
    const value = await run(() =>
      createTaskGroup().run(async (tg) =>
        tg.start(async (status: TaskStatus<string>) => {
          status.started("foo");
        }),
      ),
    );
    expect(value).toBe("foo");
  });

  test("returns undefined when started() gets no value", async () => {
    let value: unknown = "sentinel";
    await run(() =>
      createTaskGroup().run(async (tg) => {
        value = await tg.start(async (status: TaskStatus) => {
          status.started();
        });
      }),
    );
    expect(value).toBeUndefined();
  });

  test("passes the arguments first and the task status last", async () => {
    const value = await run(() =>
      createTaskGroup().run(async (tg) =>
        tg.start(
          async (x: number, y: number, status: TaskStatus<number>) => {
            status.started(x * 10 + y);
          },
          4,
          2,
        ),
      ),
    );
    expect(value).toBe(42);
  });

  test("the caller waits for started(), and the child keeps running afterwards", async () => {
    const log: string[] = [];
    await run(() =>
      createTaskGroup().run(async (tg) => {
        await tg.start(async (status: TaskStatus) => {
          log.push("child before");
          await sleep(20);
          log.push("child ready");
          status.started();
          log.push("child after started");
          await sleep(20);
          log.push("child done");
        });
        log.push("start returned");
      }),
    );
    expect(log.slice(0, 3)).toEqual(["child before", "child ready", "child after started"]);
    expect(log).toContain("start returned");
    expect(log.indexOf("start returned")).toBeLessThan(log.indexOf("child done"));
    expect(log).toHaveLength(5);
  });

  test("a plain function that calls started() and returns a promise works with start()", async () => {
    const log: string[] = [];
    const value = await run(() =>
      createTaskGroup().run(async (tg) =>
        tg.start((status: TaskStatus<number>) => {
          status.started(5);
          return (async () => {
            await checkpoint();
            log.push("body ran");
          })();
        }),
      ),
    );
    expect(value).toBe(5);
    expect(log).toEqual(["body ran"]);
  });

  test("a TASK_STATUS_IGNORED default lets one function run under start() and startSoon()", async () => {
    const served: number[] = [];
    async function serve(port: number, status: TaskStatus<number> = TASK_STATUS_IGNORED): Promise<void> {
      served.push(port);
      status.started(port + 1000);
    }
    const value = await run(() =>
      createTaskGroup().run(async (tg) => {
        tg.startSoon(serve, 1);
        return tg.start(serve, 2);
      }),
    );
    expect(value).toBe(1002);
    expect(served.sort()).toEqual([1, 2]);
  });

  test("TASK_STATUS_IGNORED.started() may be called any number of times", () => {
    expect(() => {
      TASK_STATUS_IGNORED.started();
      TASK_STATUS_IGNORED.started(1);
      TASK_STATUS_IGNORED.started(2);
    }).not.toThrow();
  });
});

describe("start() misuse and failures", () => {
  test("calling started() twice throws an Error that states the rule", async () => {
    let second: unknown;
    await run(() =>
      createTaskGroup().run(async (tg) => {
        const value = await tg.start(async (status: TaskStatus<number>) => {
          status.started(1);
          second = await caught(() => status.started(2));
        });
        expect(value).toBe(1);
      }),
    );
    expect(second).toBeInstanceOf(Error);
    expect((second as Error).message).toMatch(/started.*twice/);
  });

  test("a child that returns without calling started() makes start() throw", async () => {
    let err: unknown;
    await run(() =>
      createTaskGroup().run(async (tg) => {
        err = await caught(tg.start(async () => {}));
      }),
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ExceptionGroup);
    expect((err as Error).message).toMatch(/hild exited without calling/);
  });

  test("a child that raises before started() has its error thrown directly by start()", async () => {
    const boom = new Error("foo");
    let err: unknown;
    let groupScope!: CancelScope;
    await run(() =>
      createTaskGroup().run(async (tg) => {
        groupScope = tg.cancelScope;
        err = await caught(
          tg.start(async () => {
            throw boom;
          }),
        );
      }),
    );
    expect(err).toBe(boom);
    expect(groupScope.cancelCalled).toBe(false);
  });

  test("an error before started() is not recorded by the target group and does not cancel it", async () => {
    const log: string[] = [];
    await run(() =>
      createTaskGroup().run(async (tg) => {
        const sibling = tg.startSoon(async () => {
          await sleep(30);
          return "sibling ok";
        });
        const err = await caught(
          tg.start(async () => {
            await sleep(5);
            throw new RangeError("early");
          }),
        );
        expect(err).toBeInstanceOf(RangeError);
        await checkpoint(); // the group was not cancelled, so this does not raise
        log.push(await sibling.result());
      }),
    );
    expect(log).toEqual(["sibling ok"]);
  });

  test("an error right after started() is returned as a value first, then raised by the group", async () => {
    let value: number | undefined;
    const err = await caught(
      run(() =>
        createTaskGroup().run(async (tg) => {
          value = await tg.start(async (status: TaskStatus<number>) => {
            status.started(2);
            throw new Error("foo");
          });
        }),
      ),
    );
    expect(value).toBe(2);
    expect(err).toBeInstanceOf(ExceptionGroup);
    expect(messagesOf(err as ExceptionGroup)).toEqual(["foo"]);
  });

  test("a later failure of a started child is recorded by the target group and cancels the host", async () => {
    const log: string[] = [];
    const err = await caught(
      run(() =>
        createTaskGroup().run(async (tg) => {
          await tg.start(async (status: TaskStatus) => {
            status.started();
            await sleep(20);
            throw new Error("late");
          });
          try {
            await sleep(LONG);
          } catch (e) {
            log.push(isCancelled(e) ? "host cancelled" : "host failed");
            throw e;
          }
        }),
      ),
    );
    expect(messagesOf(err as ExceptionGroup)).toEqual(["late"]);
    expect(log).toEqual(["host cancelled"]);
  });
});

describe("start() and cancellation", () => {
  test("start() in a cancelled group runs the child to its first checkpoint only", async () => {
    let started = false;
    let finished = false;
    await run(() =>
      createTaskGroup().run(async (tg) => {
        tg.cancelScope.cancel();
        await tg.start(async () => {
          started = true;
          await sleep(LONG);
          finished = true;
        });
      }),
    );
    expect(started).toBe(true);
    expect(finished).toBe(false);
  });

  test("cancelling the caller's scope cancels the child but not the target group", async () => {
    let started = false;
    let groupScope!: CancelScope;
    let inner!: CancelScope;
    await run(() =>
      createTaskGroup().run(async (tg) => {
        groupScope = tg.cancelScope;
        inner = new CancelScope();
        await inner.run(async () => {
          inner.cancel();
          await tg.start(async () => {
            started = true;
            await sleepForever();
          });
        });
      }),
    );
    expect(started).toBe(true);
    expect(inner.cancelledCaught).toBe(true);
    expect(groupScope.cancelCalled).toBe(false);
  });

  test("a cancelled start() waits for the child's cleanup, then raises Cancelled", async () => {
    const log: string[] = [];
    await run(() =>
      createTaskGroup().run(async (tg) => {
        const sibling = tg.startSoon(async () => {
          await sleep(80);
          return "sibling survived";
        });
        await moveOnAfter(30).run(async () => {
          try {
            await tg.start(async () => {
              try {
                await sleep(LONG);
              } finally {
                await new CancelScope({ shield: true }).run(() => sleep(20));
                log.push("child cleanup");
              }
            });
          } catch (e) {
            log.push(isCancelled(e) ? "start cancelled" : "start failed");
            throw e;
          }
        });
        log.push(await sibling.result());
        expect(tg.cancelScope.cancelCalled).toBe(false);
      }),
    );
    expect(log).toEqual(["child cleanup", "start cancelled", "sibling survived"]);
  });

  test("start() called and the group cancelled before awaiting it does not call started() twice", async () => {
    await run(() =>
      createTaskGroup().run(async (tg) => {
        const pending = tg.start(async (status: TaskStatus) => {
          status.started();
        });
        tg.cancelScope.cancel();
        await pending;
      }),
    );
    // reaching this point (no "twice" error, no ExceptionGroup) is the assertion
    expect(true).toBe(true);
  });

  test("a start() pending in a group that a failing sibling cancels is cancelled too", async () => {
    let sleepCompleted = false;
    const err = await caught(
      run(() =>
        createTaskGroup().run(async (outerTg) => {
          await createTaskGroup().run(async (innerTg) => {
            innerTg.startSoon(async () => {
              await waitAllTasksBlocked();
              throw new Error("this should cancel the start() call");
            });
            await outerTg.start(async (status: TaskStatus) => {
              await sleep(LONG);
              sleepCompleted = true;
              status.started();
            });
          });
        }),
      ),
    );
    const outer = err as ExceptionGroup;
    expect(outer).toBeInstanceOf(ExceptionGroup);
    expect(outer.exceptions).toHaveLength(1);
    const inner = outer.exceptions[0] as ExceptionGroup;
    expect(inner).toBeInstanceOf(ExceptionGroup);
    expect(messagesOf(inner)).toEqual(["this should cancel the start() call"]);
    expect(sleepCompleted).toBe(false);
  });

  test("a shielded region in a start() child holds when the starter is cancelled", async () => {
    const log: string[] = [];
    await run(async () => {
      const outer = new CancelScope();
      await outer.run(() =>
        createTaskGroup().run(async (tg) => {
          tg.startSoon(async () => {
            await tg.start(async () => {
              await new CancelScope({ shield: true }).run(async () => {
                try {
                  await sleep(50);
                  log.push("resumed in shield");
                } catch (e) {
                  log.push("cancelled in shield");
                  throw e;
                }
              });
              try {
                await checkpoint();
                log.push("past checkpoint");
              } catch (e) {
                log.push(isCancelled(e) ? "cancelled after shield" : "failed");
                throw e;
              }
            });
          });
          await waitAllTasksBlocked();
          outer.cancel();
        }),
      );
    });
    expect(log).toEqual(["resumed in shield", "cancelled after shield"]);
  });

  test("toggling shield off in a started child exposes the group's cancellation", async () => {
    let completed = false;
    const log: string[] = [];
    await run(() =>
      createTaskGroup().run(async (tg) => {
        await tg.start(async (status: TaskStatus) => {
          await new CancelScope().run(async (scope) => {
            await sleep(10);
            scope.shield = true;
            status.started();
            await sleep(30);
            completed = true;
            scope.shield = false;
            await sleep(LONG);
            log.push("unreachable in scope");
          });
          log.push("unreachable after scope");
        });
        tg.cancelScope.cancel();
      }),
    );
    expect(completed).toBe(true);
    expect(log).toEqual([]);
  });

  test("a child pending in start() is not cancelled by the target group until it calls started()", async () => {
    const log: string[] = [];
    await run(() =>
      createTaskGroup().run(async (outerTg) => {
        await createTaskGroup().run(async (target) => {
          outerTg.startSoon(async () => {
            await target.start(async (status: TaskStatus) => {
              await sleep(40);
              log.push("reached started");
              status.started();
              try {
                await sleep(LONG);
                log.push("not cancelled");
              } catch (e) {
                log.push(isCancelled(e) ? "cancelled after started" : "failed");
                throw e;
              }
            });
            log.push("start returned");
          });
          await waitAllTasksBlocked();
          target.cancel();
        });
        log.push("target exited");
      }),
    );
    expect(log[0]).toBe("reached started");
    expect([...log].sort()).toEqual(["cancelled after started", "reached started", "start returned", "target exited"]);
    expect(log.indexOf("cancelled after started")).toBeLessThan(log.indexOf("target exited"));
  });
});

describe("start() and task identity", () => {
  test("the child's parent is the starter before started() and the group's host after", async () => {
    const ids: Record<string, number | null> = {};
    await run(() =>
      createTaskGroup().run(async (tg) => {
        ids.root = getCurrentTask().id;
        tg.startSoon(async () => {
          ids.starter = getCurrentTask().id;
          await tg.start(async (status: TaskStatus) => {
            ids.initialParent = getCurrentTask().parentId;
            status.started();
            ids.permanentParent = getCurrentTask().parentId;
          });
        });
      }),
    );
    expect(ids.initialParent).toBe(ids.starter);
    expect(ids.permanentParent).toBe(ids.root);
    expect(ids.initialParent).not.toBe(ids.permanentParent);
  });

  test("the child runs as a task of its own", async () => {
    let hostId = -1;
    let childId = -1;
    await run(() =>
      createTaskGroup().run(async (tg) => {
        hostId = getCurrentTask().id;
        await tg.start(async (status: TaskStatus) => {
          childId = getCurrentTask().id;
          status.started();
        });
      }),
    );
    expect(childId).not.toBe(hostId);
  });

  test("an explicit name option names the started task", async () => {
    const name = await run(() =>
      createTaskGroup().run(async (tg) =>
        tg.start({ name: "custom name" }, async (status: TaskStatus<string>) => {
          status.started(getCurrentTask().name);
        }),
      ),
    );
    expect(name).toBe("custom name");
  });

  test("without a name option the started task is named after the function", async () => {
    async function listenerTask(status: TaskStatus<string>): Promise<void> {
      status.started(getCurrentTask().name);
    }
    const name = await run(() => createTaskGroup().run(async (tg) => tg.start(listenerTask)));
    expect(name).toMatch(/listenerTask/);
  });

  test("start() raises the child's Cancelled class when cancelled, never a group", async () => {
    let err: unknown;
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        await new CancelScope().run(async (scope) => {
          tg.startSoon(async () => {
            await waitAllTasksBlocked();
            scope.cancel();
          });
          try {
            await tg.start(() => sleepForever());
          } catch (e) {
            err = e;
            throw e;
          }
        });
      });
    });
    expect(err).toBeInstanceOf(Cancelled);
  });
});
