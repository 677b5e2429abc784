import {
  Cancelled,
  ExceptionGroup,
  TimeoutError,
  createTaskGroup,
  currentEffectiveDeadline,
  currentTime,
  getCurrentTask,
  moveOnAfter,
  sleep,
  sleepForever,
} from "anyio-ts";
import { MockClock, currentMockClock, structuredDescribe, structuredTest } from "anyio-ts/jest";
import { stopwatch } from "../../helpers";
import { failureOf, register } from "./capture";

const order: string[] = [];

// First in the file on purpose: anyio-ts/jest is structured code (compiled here by jest's
// transformer, like in the build), and a plain body it calls must still keep its task after its
// awaits, before anything else in this file has used the context carrier.
structuredTest("a plain body keeps its task after awaiting a foreign promise", async () => {
  const before = getCurrentTask();
  await new Promise((resolve) => setTimeout(resolve, 1));
  expect(getCurrentTask()).toBe(before);
  await sleep(1);
  expect(getCurrentTask()).toBe(before);
});

structuredTest("runs the body inside run(), as a task", async () => {
  expect(getCurrentTask().name).toBeTruthy();
  await createTaskGroup().run(async (tg) => {
    tg.startSoon(async () => {
      await sleep(1);
      order.push("child");
    });
    order.push("host");
  });
  expect(order).toEqual(["host", "child"]);
});

structuredTest(
  "puts the body under the given deadline",
  async () => {
    const remaining = currentEffectiveDeadline() - currentTime();
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(250);
  },
  { timeout: 250 },
);

structuredTest(
  "leaves the body without a deadline when the timeout is null",
  async () => {
    expect(currentEffectiveDeadline()).toBe(Infinity);
  },
  { timeout: null },
);

describe("the clock option", () => {
  structuredTest(
    "autojump: a 60-second sleep takes well under a second, and the clock reads exactly 60 s",
    async () => {
      const realTime = stopwatch(); // real time goes on, whatever the run's clock says
      const start = currentTime();
      await sleep(60_000);
      expect(currentTime() - start).toBe(60_000);
      expect(realTime()).toBeLessThan(1000);
    },
    { clock: "autojump" },
  );

  structuredTest(
    "autojump: the test's own deadline is real time, so it never cuts a long virtual sleep short",
    async () => {
      expect(currentEffectiveDeadline()).toBe(Infinity);
      const scope = moveOnAfter(3_600_000);
      await scope.run(() => sleepForever());
      expect(scope.cancelledCaught).toBe(true);
      expect(currentTime()).toBe(3_600_000);
    },
    { clock: "autojump", timeout: 2000 },
  );

  structuredTest(
    "manual: time moves only when the test advances it",
    async () => {
      const clock = currentMockClock();
      await createTaskGroup().run(async (tg) => {
        let woke = -1;
        tg.startSoon(async () => {
          await sleep(1000);
          woke = currentTime();
        });
        await sleep(0);
        expect(woke).toBe(-1);
        clock.advance(1000);
        await sleep(0);
        await sleep(0);
        expect(woke).toBe(1000);
      });
    },
    { clock: "manual" },
  );

  const shared = new MockClock({ autojumpThreshold: 0 });
  structuredTest(
    "a clock object: the test runs on it",
    async () => {
      expect(currentMockClock()).toBe(shared);
      await sleep(10);
    },
    { clock: shared },
  );
  test("(the clock moved with that test)", () => {
    expect(shared.now()).toBe(10);
  });
});

structuredDescribe(
  "structuredDescribe",
  () => {
    structuredTest("gives its tests its options", async () => {
      expect(currentMockClock()).toBeInstanceOf(MockClock);
      await sleep(120_000);
      expect(currentTime()).toBe(120_000);
    });

    structuredDescribe(
      "nested",
      () => {
        structuredTest("a nested block overrides some options and keeps the others", async () => {
          expect(currentMockClock().autojumpThreshold).toBe(Infinity);
          expect(currentEffectiveDeadline()).toBe(Infinity);
        });

        structuredTest(
          "a test's own options override the blocks'",
          async () => {
            expect(() => currentMockClock()).toThrow(/does not use a MockClock/);
            expect(currentEffectiveDeadline() - currentTime()).toBeLessThanOrEqual(3000);
          },
          { clock: "real" },
        );
      },
      { clock: "manual" },
    );

    test("plain tests inside it are plain", () => {
      expect(() => getCurrentTask()).toThrow();
    });
  },
  { clock: "autojump", timeout: 3000 },
);

describe("failures", () => {
  test("a body that overruns its deadline is cancelled, cleans up, and fails with TimeoutError", async () => {
    let cleanedUp = false;
    const registered = register(
      "hangs",
      async () => {
        try {
          await sleepForever();
        } finally {
          cleanedUp = true;
        }
      },
      { timeout: 30 },
    );
    expect(registered.timeout).toBe(1030);
    const error = await failureOf(registered);
    expect(error).toBeInstanceOf(TimeoutError);
    // The message goes on with the task tree as it was at the deadline (tests/runtime/introspection).
    expect((error as Error).message).toMatch(
      /^test "hangs" exceeded its 30 ms deadline\n\nTasks when the deadline passed:\n/,
    );
    expect(cleanedUp).toBe(true);
  });

  test("a body stuck on a foreign promise still ends with TimeoutError at the deadline", async () => {
    const error = await failureOf(register("stuck", () => new Promise(() => {}), { timeout: 30, checkLeaks: false }));
    expect(error).toBeInstanceOf(TimeoutError);
  });

  test("on a mock clock, the deadline is real time: a deadlocked body fails with TimeoutError", async () => {
    let cleanedUp = false;
    const elapsed = stopwatch();
    const error = await failureOf(
      register(
        "deadlocked",
        async () => {
          try {
            await sleepForever();
          } finally {
            cleanedUp = true;
          }
        },
        { clock: "autojump", timeout: 50 },
      ),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(
      /^test "deadlocked" exceeded its 50 ms deadline\n\nTasks when the deadline passed:\n/,
    );
    expect(cleanedUp).toBe(true);
    expect(elapsed()).toBeGreaterThanOrEqual(40);
  });

  test("a child task's failure fails the test with the child's own error, not a group", async () => {
    const boom = new Error("boom in the worker");
    const error = await failureOf(
      register("one child fails", () =>
        createTaskGroup().run((tg) => {
          tg.startSoon(sleepForever);
          tg.startSoon(async () => {
            await sleep(1);
            throw boom;
          });
        }),
      ),
    );
    expect(error).toBe(boom);
  });

  test("several failures come as one AggregateError that lists them, the group as its cause", async () => {
    const error = await failureOf(
      register("two children fail", () =>
        createTaskGroup().run((tg) => {
          // Both fail in their first step, before the group's cancellation can reach them.
          tg.startSoon(async function first() {
            throw new RangeError("first failure");
          });
          tg.startSoon(async () => {
            await createTaskGroup().run((inner) => {
              inner.startSoon(async () => {
                throw new TypeError("second failure, nested");
              });
            });
          });
        }),
      ),
    );
    expect(error).toBeInstanceOf(AggregateError);
    expect(error).not.toBeInstanceOf(ExceptionGroup);
    const aggregate = error as AggregateError;
    expect(aggregate.message).toBe(
      "2 tasks of the test failed:\n  1. RangeError: first failure\n  2. TypeError: second failure, nested",
    );
    expect(aggregate.errors.map((e: Error) => e.message)).toEqual(["first failure", "second failure, nested"]);
    expect(aggregate.errors.some((e: unknown) => e instanceof Cancelled)).toBe(false);
    expect(aggregate.cause).toBeInstanceOf(ExceptionGroup);
    expect(aggregate.stack).toMatch(/\n\s+at first /);
  });

  test("an error of the body itself is passed through unchanged", async () => {
    const error = await failureOf(register("throws", () => Promise.reject("a string")));
    expect(error).toBe("a string");
  });
});

describe("registration", () => {
  test("gives Jest a timeout a little above the deadline, or none without one", () => {
    expect(register("default", () => {}).timeout).toBe(6000);
    expect(register("none", () => {}, { timeout: null }).timeout).toBeUndefined();
    expect(register("infinite", () => {}, { timeout: Infinity }).timeout).toBeUndefined();
  });

  test("rejects invalid options with a message naming the option", () => {
    expect(() => structuredTest("bad", async () => {}, { timeout: -1 })).toThrow(
      new TypeError("Expected `timeout` to be a number >= 0 or null, got `-1` (number)"),
    );
    expect(() => structuredTest("bad", async () => {}, { timeout: "5" as unknown as number })).toThrow(
      new TypeError('Expected `timeout` to be a number >= 0 or null, got `"5"` (string)'),
    );
    expect(() => structuredTest("bad", async () => {}, { clock: "fast" as "real" })).toThrow(
      new TypeError(
        'Expected `clock` to be "real", "autojump", "manual" or a clock object (with a now() method), got `"fast"` (string)',
      ),
    );
    expect(() => structuredTest("bad", async () => {}, { checkLeaks: 1 as unknown as boolean })).toThrow(
      new TypeError("Expected `checkLeaks` to be a boolean, got `1` (number)"),
    );
    expect(() => structuredTest("bad", async () => {}, 5 as unknown as object)).toThrow(
      new TypeError("Expected `options` to be an object or undefined, got `5` (number)"),
    );
    expect(() => structuredTest("bad", async () => {}, null as unknown as object)).toThrow(
      new TypeError("Expected `options` to be an object or undefined, got `null` (object)"),
    );
    expect(() => structuredTest("bad", "body" as unknown as () => void)).toThrow(/Expected `fn` to be a function/);
    expect(() => structuredDescribe("bad", () => {}, { clock: 3 as unknown as "real" })).toThrow(/Expected `clock`/);
  });

  test("rejects an unknown option, naming the options and the one probably meant", () => {
    expect(() => structuredTest("bad", async () => {}, { timout: 100 } as never)).toThrow(
      new TypeError(
        "Unknown option `timout` in `options`: did you mean `timeout`? The options are `timeout`, `clock` and `checkLeaks`",
      ),
    );
    expect(() => structuredDescribe("bad", () => {}, { mockClock: true } as never)).toThrow(
      new TypeError("Unknown option `mockClock` in `options`. The options are `timeout`, `clock` and `checkLeaks`"),
    );
  });

  test("a structuredDescribe name that is not a string is a TypeError", () => {
    expect(() => structuredDescribe(42 as never, () => {})).toThrow(
      new TypeError("Expected `name` to be a string, got `42` (number)"),
    );
  });

  test("says what is wrong when there is no global test or describe", () => {
    const globals = globalThis as { test: unknown; describe: unknown };
    const { test: jestTest, describe: jestDescribe } = globals;
    globals.test = undefined;
    globals.describe = undefined;
    try {
      expect(() => structuredTest("x", () => {})).toThrow(/there is no global `test` function/);
      expect(() => structuredDescribe("x", () => {})).toThrow(/there is no global `describe` function/);
    } finally {
      globals.test = jestTest;
      globals.describe = jestDescribe;
    }
  });
});
