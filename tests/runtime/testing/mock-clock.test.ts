/**
 * MockClock (Trio's MockClock, in milliseconds): manual advance, autojump, rate, and how sleeps,
 * deadlines and timeouts of callback code follow it.
 */
import {
  CancelScope,
  Event,
  NoCurrentTaskError,
  TimeoutError,
  createTaskGroup,
  currentEffectiveDeadline,
  currentTime,
  failAfter,
  moveOnAfter,
  run,
  runWith,
  sleep,
  sleepForever,
  sleepUntil,
  waitAllTasksBlocked,
} from "anyio-ts";
import { MockClock, currentMockClock } from "anyio-ts/jest";
import { caught, stopwatch } from "../../helpers";

const autojump = () => new MockClock({ autojumpThreshold: 0 });

describe("a MockClock", () => {
  test("starts at 0 and stands still without being advanced", async () => {
    const clock = new MockClock();
    expect(clock.now()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(clock.now()).toBe(0);
    await runWith({ clock }, () => {
      expect(currentTime()).toBe(0);
    });
  });

  test("advance(ms) moves it forward, even outside a run", () => {
    const clock = new MockClock();
    clock.advance(1500);
    clock.advance(0.25);
    expect(clock.now()).toBe(1500.25);
  });

  test("rejects a negative, infinite or non-number advance", () => {
    const clock = new MockClock();
    expect(() => clock.advance(-1)).toThrow(
      new TypeError("Expected `ms` to be a finite number >= 0, got `-1` (number)"),
    );
    expect(() => clock.advance(Infinity)).toThrow(TypeError);
    expect(() => clock.advance("5" as unknown as number)).toThrow(
      new TypeError('Expected `ms` to be a finite number >= 0, got `"5"` (string)'),
    );
    expect(clock.now()).toBe(0);
  });

  test("rejects bad options", () => {
    expect(() => new MockClock({ rate: -1 })).toThrow(/Expected `rate` to be a finite number >= 0, got `-1`/);
    expect(() => new MockClock({ rate: NaN })).toThrow(TypeError);
    expect(() => new MockClock({ autojumpThreshold: -5 })).toThrow(/Expected `autojumpThreshold` to be a number >= 0/);
    expect(() => new MockClock(null as unknown as object)).toThrow(
      new TypeError("Expected `options` to be an object or undefined, got `null` (object)"),
    );
    expect(new MockClock({ autojumpThreshold: Infinity }).autojumpThreshold).toBe(Infinity);
  });

  test("rejects an unknown option, suggesting the one that was meant", () => {
    expect(() => new MockClock({ autojump: 0 } as never)).toThrow(
      new TypeError("Unknown option `autojump` in `options`. The options are `rate` and `autojumpThreshold`"),
    );
    expect(() => new MockClock({ autojumpTreshold: 0 } as never)).toThrow(
      new TypeError(
        "Unknown option `autojumpTreshold` in `options`: did you mean `autojumpThreshold`? The options are `rate` and `autojumpThreshold`",
      ),
    );
  });

  test("describes itself", () => {
    expect(String(new MockClock())).toBe("<MockClock time=0 rate=0 manual>");
    expect(String(autojump())).toBe("<MockClock time=0 rate=0 autojump after 0 ms>");
  });
});

describe("manual mode", () => {
  test("a sleeper wakes only once the clock reaches its deadline", async () => {
    const log: string[] = [];
    await runWith({ clock: new MockClock() }, () =>
      createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          await sleep(1000);
          log.push(`woke at ${currentTime()}`);
        });
        await waitAllTasksBlocked();
        currentMockClock().advance(999);
        await waitAllTasksBlocked();
        log.push("after 999");
        currentMockClock().advance(1);
        await waitAllTasksBlocked();
        log.push("after 1000");
      }),
    );
    expect(log).toEqual(["after 999", "woke at 1000", "after 1000"]);
  });

  test("advance() cancels scopes whose deadline it reaches before it returns", async () => {
    await runWith({ clock: new MockClock() }, async () => {
      const scope = moveOnAfter(500);
      const result = await scope.run(async () => {
        currentMockClock().advance(499);
        expect(scope.cancelCalled).toBe(false);
        currentMockClock().advance(1);
        expect(scope.cancelCalled).toBe(true);
        await sleepForever();
      });
      expect(result).toBeUndefined();
      expect(scope.cancelledCaught).toBe(true);
    });
  });

  test("sleepUntil and a moved deadline follow the mock time", async () => {
    const clock = new MockClock();
    clock.advance(10_000);
    const log: number[] = [];
    await runWith({ clock }, () =>
      createTaskGroup().run(async (tg) => {
        let scope!: CancelScope;
        tg.startSoon(async () => {
          await sleepUntil(10_250);
          log.push(currentTime());
        });
        tg.startSoon(async () => {
          scope = new CancelScope({ deadline: 20_000 });
          await scope.run(() => sleepForever());
          log.push(currentTime());
        });
        await waitAllTasksBlocked();
        scope.deadline = 10_300;
        clock.advance(250);
        await waitAllTasksBlocked();
        clock.advance(50);
      }),
    );
    expect(log).toEqual([10_250, 10_300]);
  });

  test("advancing again from inside a deadline's callback fires what that makes due too", async () => {
    const clock = new MockClock();
    await runWith({ clock }, async () => {
      const first = new CancelScope({ deadline: 100 });
      const second = new CancelScope({ deadline: 200 });
      await first.run(() =>
        second.run(async () => {
          first.signal.addEventListener("abort", () => clock.advance(100));
          clock.advance(100);
          expect(first.cancelCalled).toBe(true);
          expect(second.cancelCalled).toBe(true);
          expect(currentTime()).toBe(200);
        }),
      );
    });
  });

  test("a sleep of zero still yields and needs no advance", async () => {
    const log: string[] = [];
    await runWith({ clock: new MockClock() }, () =>
      createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          await sleep(0);
          log.push("slept 0");
        });
        tg.startSoon(async () => {
          log.push("other ran");
        });
      }),
    );
    expect(log).toEqual(["other ran", "slept 0"]);
  });
});

describe("autojump mode", () => {
  test("a 60-second sleep takes far less than a second of real time and exactly 60 s of clock time", async () => {
    const elapsed = stopwatch();
    const after = await runWith({ clock: autojump() }, async () => {
      await sleep(60_000);
      return currentTime();
    });
    expect(after).toBe(60_000);
    expect(elapsed()).toBeLessThan(1000);
  });

  test("sleepers wake in deadline order, each at its own deadline", async () => {
    const woke: Array<[string, number]> = [];
    await runWith({ clock: autojump() }, () =>
      createTaskGroup().run((tg) => {
        for (const [name, ms] of [
          ["c", 3000],
          ["a", 1000],
          ["b", 2000],
          ["a2", 1000],
        ] as const) {
          tg.startSoon(async () => {
            await sleep(ms);
            woke.push([name, currentTime()]);
          });
        }
      }),
    );
    expect(woke).toEqual([
      ["a", 1000],
      ["a2", 1000],
      ["b", 2000],
      ["c", 3000],
    ]);
  });

  test("failAfter raises TimeoutError at exactly its deadline", async () => {
    let at = -1;
    const error = await caught(
      runWith({ clock: autojump() }, async () => {
        try {
          await failAfter(30_000, { reason: "took too long" }).run(async () => {
            expect(currentEffectiveDeadline()).toBe(30_000);
            await sleep(3_600_000);
          });
        } finally {
          at = currentTime();
        }
      }),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe("took too long");
    expect(at).toBe(30_000);
  });

  test("does not jump while a task waits for a plain foreign promise", async () => {
    const seen: number[] = [];
    await runWith({ clock: autojump() }, () =>
      createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          await sleep(10_000);
          seen.push(currentTime());
        });
        // A plain await of a host timer: this task is busy, not blocked, for 30 ms of real time.
        await new Promise((resolve) => setTimeout(resolve, 30));
        seen.push(currentTime());
      }),
    );
    expect(seen).toEqual([0, 10_000]);
  });

  test("waitAllTasksBlocked() takes priority: the clock stays still while a task waits in it", async () => {
    const seen: Array<[string, number]> = [];
    await runWith({ clock: autojump() }, () =>
      createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          await sleep(5000);
          seen.push(["sleeper", currentTime()]);
        });
        await waitAllTasksBlocked();
        seen.push(["waiter", currentTime()]);
      }),
    );
    expect(seen).toEqual([
      ["waiter", 0],
      ["sleeper", 5000],
    ]);
  });

  test("an event set by a timed task wakes the waiters at the right time", async () => {
    const ready = new Event();
    const seen: number[] = [];
    await runWith({ clock: autojump() }, () =>
      createTaskGroup().run((tg) => {
        tg.startSoon(async () => {
          await sleep(45_000);
          ready.set();
        });
        for (let i = 0; i < 3; i++) {
          tg.startSoon(async () => {
            await ready.wait();
            seen.push(currentTime());
          });
        }
      }),
    );
    expect(seen).toEqual([45_000, 45_000, 45_000]);
  });

  test("a positive threshold waits that much real time before jumping", async () => {
    const clock = new MockClock({ autojumpThreshold: 40 });
    const elapsed = stopwatch();
    const after = await runWith({ clock }, async () => {
      await sleep(1000);
      return currentTime();
    });
    expect(after).toBe(1000);
    expect(elapsed()).toBeGreaterThanOrEqual(30);
  });

  test("turning autojump on while every task is blocked starts jumping", async () => {
    const clock = new MockClock();
    const after = await runWith({ clock }, () =>
      createTaskGroup().run(async (tg) => {
        const woke = new Event();
        tg.startSoon(async () => {
          await sleep(7000);
          woke.set();
        });
        await waitAllTasksBlocked();
        expect(currentTime()).toBe(0);
        clock.autojumpThreshold = 0;
        await woke.wait();
        return currentTime();
      }),
    );
    expect(after).toBe(7000);
  });
});

describe("rate", () => {
  test("time flows `rate` times as fast as real time", async () => {
    const clock = new MockClock({ rate: 1000 });
    const elapsed = stopwatch();
    const after = await runWith({ clock }, async () => {
      await sleep(20_000);
      return currentTime();
    });
    expect(after).toBeGreaterThanOrEqual(20_000);
    expect(elapsed()).toBeLessThan(5000);
  });

  test("changing the rate keeps the time already passed", () => {
    const clock = new MockClock();
    clock.advance(100);
    clock.rate = 2;
    expect(clock.rate).toBe(2);
    expect(clock.now()).toBeGreaterThanOrEqual(100);
    clock.rate = 0;
    const frozen = clock.now();
    expect(frozen).toBeGreaterThanOrEqual(100);
    expect(clock.now()).toBe(frozen);
  });
});

describe("runs and clocks", () => {
  test("a clock drives one run at a time", async () => {
    const clock = new MockClock();
    const first = runWith({ clock }, async () => {
      await sleep(100);
    });
    const error = await caught(runWith({ clock }, () => "second"));
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/already drives a run/);
    clock.advance(100);
    await first;
  });

  test("a clock can drive another run once its run ended, its time going on", async () => {
    const clock = autojump();
    await runWith({ clock }, () => sleep(1000));
    const after = await runWith({ clock }, async () => {
      expect(currentTime()).toBe(1000);
      await sleep(500);
      return currentTime();
    });
    expect(after).toBe(1500);
  });

  test("currentMockClock() returns the run's MockClock", async () => {
    const clock = new MockClock();
    await runWith({ clock }, () => {
      expect(currentMockClock()).toBe(clock);
    });
  });

  test("currentMockClock() outside a run, or in a run on the real clock, says what is wrong", async () => {
    expect(() => currentMockClock()).toThrow(NoCurrentTaskError);
    await run(() => {
      expect(() => currentMockClock()).toThrow(/does not use a MockClock/);
    });
  });

  test("runs on separate clocks keep separate times", async () => {
    const [a, b] = await Promise.all([
      runWith({ clock: autojump() }, async () => {
        await sleep(1000);
        return currentTime();
      }),
      runWith({ clock: autojump() }, async () => {
        await sleep(3000);
        return currentTime();
      }),
    ]);
    expect([a, b]).toEqual([1000, 3000]);
  });
});
