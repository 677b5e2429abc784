// A task group's exit, in the callback form: the host waits for its children there, a
// cancellation that reaches it meanwhile propagates out of the group once they have ended
// (docs/core.md, "Cancellation from outside"), and once the last child is gone the group takes no
// new task. Every test runs on an autojump mock clock: sleeps take no real time and the order of
// events is exact.
import {
  CancelScope,
  Cancelled,
  checkpoint,
  ExceptionGroup,
  TimeoutError,
  createTaskGroup,
  failAfter,
  getRunningTasks,
  moveOnAfter,
  sleep,
  sleepForever,
  waitAllTasksBlocked,
  type TaskGroup,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught, messagesOf } from "../../helpers";

/** A child that sleeps until cancelled and logs how it ended. */
function sleeper(log: string[], name = "child") {
  return async () => {
    try {
      await sleepForever();
    } catch (error) {
      log.push(`${name} ${error instanceof Cancelled ? "cancelled" : "failed"}`);
      throw error;
    }
  };
}

structuredDescribe(
  "a cancellation that reaches the host while it waits for its children",
  () => {
    structuredTest(
      "failAfter around a group whose body returned raises TimeoutError when its deadline cancels the children",
      async () => {
        const log: string[] = [];
        const error = await caught(
          failAfter(100).run(async () => {
            await createTaskGroup().run((tg) => {
              tg.startSoon(sleeper(log));
            });
            log.push("after the group");
          }),
        );
        expect(error).toBeInstanceOf(TimeoutError);
        expect(log).toEqual(["child cancelled"]);
      },
    );

    structuredTest(
      "moveOnAfter around such a group catches the cancellation, and run() resolves to undefined",
      async () => {
        const log: string[] = [];
        const scope = moveOnAfter(100);
        const value = await scope.run(async () => {
          await createTaskGroup().run((tg) => {
            tg.startSoon(sleeper(log));
          });
          log.push("after the group");
          return "body value";
        });
        expect(value).toBeUndefined();
        expect(scope.cancelledCaught).toBe(true);
        expect(log).toEqual(["child cancelled"]);
      },
    );

    structuredTest(
      "an explicit cancel() of an enclosing scope propagates out of the group into that scope",
      async () => {
        const log: string[] = [];
        const outer = new CancelScope();
        await outer.run(async () => {
          await createTaskGroup().run((tg) => {
            tg.startSoon(sleeper(log));
            tg.startSoon(async () => {
              await waitAllTasksBlocked();
              outer.cancel("stop");
            });
          });
          log.push("after the group");
        });
        expect(outer.cancelledCaught).toBe(true);
        expect(log).toEqual(["child cancelled"]);
      },
    );

    structuredTest("the Cancelled that leaves the group names the scope that was cancelled", async () => {
      const outer = new CancelScope();
      let seen: unknown;
      await outer.run(async () => {
        try {
          await createTaskGroup().run((tg) => {
            tg.startSoon(sleepForever);
            outer.cancel("shutting down");
          });
        } catch (error) {
          seen = error;
          throw error;
        }
      });
      expect(seen).toBeInstanceOf(Cancelled);
      expect((seen as Error).message).toMatch(/shutting down/);
    });

    structuredTest("a shielded child finishes its work, then the cancellation still propagates", async () => {
      const log: string[] = [];
      const scope = moveOnAfter(100);
      await scope.run(async () => {
        await createTaskGroup().run((tg) => {
          tg.startSoon(async () => {
            await new CancelScope({ shield: true }).run(() => sleep(500));
            log.push("shielded child done");
          });
        });
        log.push("after the group");
      });
      expect(scope.cancelledCaught).toBe(true);
      expect(log).toEqual(["shielded child done"]);
    });

    structuredTest(
      "a child that swallows Cancelled and returns does not stop the cancellation from propagating",
      async () => {
        const log: string[] = [];
        const error = await caught(
          failAfter(100).run(async () => {
            await createTaskGroup().run((tg) => {
              tg.startSoon(async () => {
                try {
                  await sleepForever();
                } catch {
                  log.push("child swallowed Cancelled");
                }
              });
            });
            log.push("after the group");
          }),
        );
        expect(error).toBeInstanceOf(TimeoutError);
        expect(log).toEqual(["child swallowed Cancelled"]);
      },
    );

    structuredTest(
      "nested groups: the cancellation goes out through both into the scope that was cancelled",
      async () => {
        const log: string[] = [];
        const scope = moveOnAfter(100);
        await scope.run(async () => {
          await createTaskGroup().run((outer) => {
            outer.startSoon(async () => {
              await createTaskGroup().run((inner) => {
                inner.startSoon(sleeper(log, "grandchild"));
              });
              log.push("after the inner group");
            });
          });
          log.push("after the outer group");
        });
        expect(scope.cancelledCaught).toBe(true);
        expect(log).toEqual(["grandchild cancelled"]);
      },
    );

    structuredTest(
      "a scope cancelled before the body returned, with no checkpoint since, counts as well (level-triggered)",
      async () => {
        const log: string[] = [];
        const outer = new CancelScope();
        await outer.run(async () => {
          await createTaskGroup().run((tg) => {
            tg.startSoon(sleeper(log));
            outer.cancel();
          });
          log.push("after the group");
        });
        expect(outer.cancelledCaught).toBe(true);
        expect(log).toEqual(["child cancelled"]);
      },
    );

    structuredTest("a child failure meanwhile raises an ExceptionGroup of that failure alone", async () => {
      const error = await caught(
        moveOnAfter(100).run(async () => {
          await createTaskGroup().run((tg) => {
            tg.startSoon(async () => {
              try {
                await sleepForever();
              } finally {
                // eslint-disable-next-line no-unsafe-finally
                throw new Error("cleanup failed");
              }
            });
          });
        }),
      );
      expect(error).toBeInstanceOf(ExceptionGroup);
      expect(messagesOf(error as ExceptionGroup)).toEqual(["cleanup failed"]);
    });

    structuredTest(
      "the group's own cancel() while the host waits is swallowed by the group, which returns the body's value",
      async () => {
        let group: TaskGroup | undefined;
        const value = await createTaskGroup().run((tg) => {
          group = tg;
          tg.startSoon(sleepForever);
          tg.startSoon(async () => {
            await waitAllTasksBlocked();
            tg.cancel();
          });
          return "body value";
        });
        expect(value).toBe("body value");
        expect(group!.cancelScope.cancelledCaught).toBe(true);
      },
    );

    structuredTest(
      "with no child left to wait for, exit is a shielded yield: the group exits normally and the next checkpoint raises",
      async () => {
        const log: string[] = [];
        const outer = new CancelScope();
        await outer.run(async () => {
          await createTaskGroup().run(() => {
            outer.cancel();
          });
          log.push("after the group");
          await sleep(0);
          log.push("not reached");
        });
        expect(outer.cancelledCaught).toBe(true);
        expect(log).toEqual(["after the group"]);
      },
    );
  },
  { clock: "autojump" },
);

structuredDescribe(
  "spawning while the host waits in exit",
  () => {
    structuredTest("a task spawned while children remain is accepted and waited for", async () => {
      const log: string[] = [];
      await createTaskGroup().run((tg) => {
        tg.startSoon(async () => {
          await sleep(10);
          tg.startSoon(async () => {
            await sleep(10);
            log.push("late child done");
          });
        });
      });
      log.push("group exited");
      expect(log).toEqual(["late child done", "group exited"]);
    });

    structuredTest("once the last child has ended, the group refuses new tasks (the issue's repro)", async () => {
      const log: string[] = [];
      await createTaskGroup().run(async (outer) => {
        let inner: TaskGroup | undefined;
        outer.startSoon(async () => {
          await sleep(0);
          try {
            inner!.startSoon(async () => {
              try {
                await sleep(20);
              } finally {
                log.push("late task finally");
              }
            });
            log.push("accepted");
          } catch (error) {
            log.push(`refused: ${(error as Error).message}`);
          }
        });
        await createTaskGroup().run((tg) => {
          inner = tg;
        });
        log.push("inner group exited");
      });
      expect(log).toEqual([
        "refused: This task group is not active; no new tasks can be started.",
        "inner group exited",
      ]);
    });

    structuredTest(
      "the group refuses new tasks from the moment its last child ends, before the host resumes",
      async () => {
        const log: string[] = [];
        let group: TaskGroup | undefined;
        await createTaskGroup().run(async (outer) => {
          await createTaskGroup().run((tg) => {
            group = tg;
            const last = tg.startSoon(() => sleep(5));
            // Woken by the child's end before the host is: it spawns after the last child ended
            // and before the host has left exit.
            outer.startSoon(async () => {
              await last.wait();
              try {
                group!.startSoon(async () => log.push("ran"));
                log.push("accepted");
              } catch {
                log.push(`refused while ${String(group)}`);
              }
            });
          });
          log.push(`group ${String(group)}`);
        });
        expect(log).toEqual(["refused while <TaskGroup closing children=0>", "group <TaskGroup closed children=0>"]);
        expect(getRunningTasks()).toHaveLength(1);
      },
    );

    structuredTest(
      "a task spawned at any moment of the exit either runs inside the group or is refused",
      async () => {
        const late: string[] = [];
        let exited = false;
        let refused = false;
        await createTaskGroup().run(async (outer) => {
          let inner: TaskGroup | undefined;
          outer.startSoon(async () => {
            // Tries at every scheduling point until the group says no.
            for (let attempt = 0; !refused; attempt++) {
              try {
                inner?.startSoon(async () => {
                  try {
                    await sleep(1);
                  } finally {
                    if (exited) late.push(`task ${attempt} ended after the group`);
                  }
                });
              } catch {
                refused = true;
              }
              await checkpoint();
            }
          });
          await sleep(2); // the spawner is looping by now
          await createTaskGroup().run((tg) => {
            inner = tg; // no child: the exit is one yield, during which the spawner tries
          });
          exited = true;
        });
        expect(refused).toBe(true);
        expect(late).toEqual([]);
      },
      { clock: "real" },
    ); // checkpoints in a loop keep an autojump clock from ever jumping
  },
  { clock: "autojump" },
);

structuredTest(
  "start() on a group whose host waits in exit counts as a child until the task reports",
  async () => {
    const log: string[] = [];
    await createTaskGroup().run((tg) => {
      tg.startSoon(async () => {
        await tg.start(async (status) => {
          await sleep(10);
          status.started();
          await sleep(10);
          log.push("started task done");
        });
        log.push("start() returned");
      });
    });
    log.push("group exited");
    expect(log).toEqual(["start() returned", "started task done", "group exited"]);
  },
  { clock: "autojump" },
);
