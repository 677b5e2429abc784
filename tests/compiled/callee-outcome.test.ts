"use structured";
// No callee outlives its caller, and no callee's outcome is lost. A compiled callee awaited
// through a variable or with spread arguments is raced like any promise; when the caller's scope
// is cancelled while the callee is still running (here, in a shielded region), the caller must
// still see the callee's own outcome, as a direct `await f()` does. A callee handed on without
// await (`return work()`) stays a live callee of the whole chain.
import {
  CancelScope,
  Cancelled,
  ExceptionGroup,
  createTaskGroup,
  failAfter,
  moveOnAfter,
  run,
  runWith,
  sleep,
  TimeoutError,
} from "anyio-ts";
import { MockClock, ResourceLeakError, structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught, messagesOf } from "../helpers";
import "./no-frame-leaks";

/** Sleeps in a shielded region (the caller's cancellation cannot stop it), then throws. */
async function work(): Promise<never> {
  {
    using _ = new CancelScope({ shield: true });
    await sleep(20);
  }
  throw new Error("boom");
}

async function value(): Promise<string> {
  using _ = new CancelScope({ shield: true });
  await sleep(20);
  return "value";
}

const holder = { work };

structuredDescribe(
  "a raced await of a compiled callee whose caller is cancelled meanwhile",
  () => {
    structuredTest("const p = work(); await p: the caller gets the callee's error", async () => {
      const error = await caught(async () => {
        using _t = moveOnAfter(5);
        const p = work();
        await p;
      });
      expect((error as Error).message).toBe("boom");
    });

    structuredTest("await work(...args) with spread arguments", async () => {
      const args: [] = [];
      const error = await caught(async () => {
        using _t = moveOnAfter(5);
        await work(...args);
      });
      expect((error as Error).message).toBe("boom");
    });

    structuredTest("await f(x.y, [...z]) with arguments that run code", async () => {
      async function withArgs(_a: unknown, _b: unknown[]) {
        return work();
      }
      const z = [1, 2];
      const error = await caught(async () => {
        using _t = moveOnAfter(5);
        await withArgs(holder.work, [...z]);
      });
      expect((error as Error).message).toBe("boom");
    });

    structuredTest("inside a task group the error is recorded, not lost", async () => {
      const error = await caught(async () => {
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          using _t = moveOnAfter(5);
          const p = work();
          await p;
        });
      });
      expect(error).toBeInstanceOf(ExceptionGroup);
      expect(messagesOf(error as ExceptionGroup)).toEqual(["boom"]);
    });

    structuredTest("a callee that returns a value: the caller gets it, and its next checkpoint raises", async () => {
      const log: string[] = [];
      let scope: CancelScope | undefined;
      {
        using s = moveOnAfter(5);
        scope = s;
        const p = value();
        log.push(await p);
        await sleep(0);
        log.push("not reached");
      }
      expect(log).toEqual(["value"]);
      expect(scope!.cancelledCaught).toBe(true);
    });

    structuredTest("failAfter: the value comes through, then the deadline raises TimeoutError", async () => {
      const log: string[] = [];
      const error = await caught(async () => {
        using _t = failAfter(5);
        const p = value();
        log.push(await p);
        await sleep(0);
      });
      expect(error).toBeInstanceOf(TimeoutError);
      expect(log).toEqual(["value"]);
    });
  },
  { clock: "autojump" },
);

structuredDescribe(
  "a callee handed on without await",
  () => {
    async function slowCleanup(log: string[]) {
      try {
        await sleep(30);
        log.push("work done");
      } finally {
        {
          using _ = new CancelScope({ shield: true });
          await sleep(10);
        }
        log.push("work finally");
      }
    }
    async function relay(log: string[]) {
      return slowCleanup(log);
    }
    async function relayTwice(log: string[]) {
      return relay(log);
    }

    structuredTest("return work(): the caller's Cancelled waits for work's finally", async () => {
      const log: string[] = [];
      {
        using _t = moveOnAfter(5);
        const p = relay(log);
        try {
          await p;
        } finally {
          log.push("caller finally");
        }
      }
      log.push("after the scope");
      expect(log).toEqual(["work finally", "caller finally", "after the scope"]);
    });

    structuredTest("through two relays", async () => {
      const log: string[] = [];
      {
        using _t = moveOnAfter(5);
        const p = relayTwice(log);
        await p;
      }
      expect(log).toEqual(["work finally"]);
    });

    structuredTest("a task whose body relays ends only after work's finally, so its group does too", async () => {
      const log: string[] = [];
      {
        using _t = moveOnAfter(5);
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          const p = relay(log);
          await p;
        });
      }
      log.push("after the group");
      expect(log).toEqual(["work finally", "after the group"]);
    });
  },
  { clock: "autojump" },
);

describe("run() and compiled calls still running", () => {
  test("a relayed callee's finally runs before run() returns", async () => {
    const log: string[] = [];
    async function slow() {
      try {
        await sleep(30);
      } finally {
        {
          using _ = new CancelScope({ shield: true });
          await sleep(10);
        }
        log.push("work finally");
      }
    }
    async function relay() {
      return slow();
    }
    await runWith({ clock: new MockClock({ autojumpThreshold: 0 }) }, async () => {
      using _t = moveOnAfter(5);
      const p = relay();
      await p;
    });
    log.push("run returned");
    expect(log).toEqual(["work finally", "run returned"]);
  });

  test("the leak check reports a compiled call started and never awaited", async () => {
    let reported: unknown;
    const done = new Promise<void>((resolve) => {
      // A test registered through the public helper, run by hand: its body forgets a call.
      const { runTestBody } =
        require("../../runtime/testing/test-run") as typeof import("../../runtime/testing/test-run");
      async function forgotten() {
        using _ = new CancelScope({ shield: true });
        await sleep(50);
      }
      runTestBody(
        'test "forgets a call"',
        async () => {
          forgotten().catch(() => {}); // started, never awaited
        },
        { timeout: 2000, clock: "autojump", checkLeaks: true },
      ).then(
        () => resolve(),
        (error: unknown) => {
          reported = error;
          resolve();
        },
      );
    });
    await done;
    expect(reported).toBeInstanceOf(ResourceLeakError);
    const leaks = (reported as ResourceLeakError).leaks;
    expect(leaks.map((leak) => leak.kind)).toEqual(["call"]);
    expect(leaks[0]!.description).toMatch(/^a compiled async function still running, called in task '.+' \(id \d+\)$/);
  });
});

describe("a finally that overrides the return of a promise", () => {
  async function withUnhandledWatch(body: () => Promise<unknown>): Promise<unknown[]> {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", listener);
    try {
      await body();
      // Let any rejection surface: Node reports unhandled ones between macrotasks.
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("unhandledRejection", listener);
    }
    return unhandled;
  }

  test("try { return p } finally { throw e }: p's later rejection is not reported as unhandled", async () => {
    async function overridden(p: Promise<unknown>) {
      await Promise.resolve(); // not a leaf: a leaf returns p itself
      try {
        return p;
      } finally {
        // eslint-disable-next-line no-unsafe-finally
        throw new Error("from finally");
      }
    }
    const unhandled = await withUnhandledWatch(() =>
      run(async () => {
        const p = new Promise((_, reject) => setTimeout(() => reject(new Error("late")), 5));
        p.catch(() => {}); // handled, as plain code would see it
        const error = await caught(overridden(p));
        expect((error as Error).message).toBe("from finally");
        await sleep(10);
      }),
    );
    expect(unhandled).toEqual([]);
  });

  test("try { return p } finally { return v }", async () => {
    async function overridden(p: Promise<unknown>) {
      await Promise.resolve(); // not a leaf: a leaf returns p itself
      try {
        return p;
      } finally {
        // eslint-disable-next-line no-unsafe-finally
        return "from finally";
      }
    }
    const unhandled = await withUnhandledWatch(() =>
      run(async () => {
        const p = new Promise((_, reject) => setTimeout(() => reject(new Error("late")), 5));
        p.catch(() => {});
        expect(await overridden(p)).toBe("from finally");
        await sleep(10);
      }),
    );
    expect(unhandled).toEqual([]);
  });

  test("in a cancelled scope too", async () => {
    async function overridden(p: Promise<unknown>) {
      {
        using _ = new CancelScope({ shield: true }); // reach the return in the cancelled scope
        await Promise.resolve();
      }
      try {
        return p;
      } finally {
        // eslint-disable-next-line no-unsafe-finally
        return "from finally";
      }
    }
    const seen: unknown[] = [];
    const unhandled = await withUnhandledWatch(() =>
      run(async () => {
        const p = new Promise((resolve) => setTimeout(resolve, 5));
        using scope = new CancelScope();
        scope.cancel();
        seen.push(await overridden(p)); // a direct call: not a checkpoint of its own
      }),
    );
    expect(seen).toEqual(["from finally"]);
    expect(unhandled).toEqual([]);
  });
});
