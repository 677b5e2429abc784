"use structured";
// A task ends when its body's promise settles, whatever compiled code the body started on the
// way. A suspended task whose body is a compiled async function holds no completion hook: the
// runtime attaches it when the body's own invocation exits. These tests pin down which
// invocation that is (not a callee started by a parameter default, not a callee of a body
// compiled as a leaf) and that the outcome (value, error, cancellation) is the body's.
import { Cancelled, createTaskGroup, ExceptionGroup, sleep, TaskFailed } from "anyio-ts";
import { structuredTest } from "anyio-ts/jest";
import { caught } from "../helpers";
import "./no-frame-leaks";

/** A compiled callee that ends after `ms`, logging `name`. */
async function later(log: string[], name: string, ms: number): Promise<string> {
  await sleep(ms);
  log.push(name);
  return name;
}

structuredTest("a compiled body's value is the task's result", async () => {
  await createTaskGroup().run(async (tg) => {
    const handle = tg.startSoon(async () => {
      await sleep(1);
      return 42;
    });
    expect(await handle.result()).toBe(42);
  });
});

structuredTest("a compiled body's error after an await fails the task and its group", async () => {
  let handle: { status: string } | undefined;
  const error = await caught(() =>
    createTaskGroup().run(async (tg) => {
      handle = tg.startSoon(async () => {
        await sleep(1);
        throw new Error("boom");
      });
    }),
  );
  expect(error).toBeInstanceOf(ExceptionGroup);
  expect((error as ExceptionGroup).exceptions.map((e) => (e as Error).message)).toEqual(["boom"]);
  expect(handle!.status).toBe("failed");
});

structuredTest("the body ends before a callee its parameter default started", async () => {
  const log: string[] = [];
  await createTaskGroup().run(async (tg) => {
    const handle = tg.startSoon(async (pending: Promise<string> = later(log, "default's callee", 30)) => {
      await sleep(1);
      return pending;
    });
    // The body returns the callee's promise: the task ends with the callee's value, once it has it.
    expect(await handle.result()).toBe("default's callee");
    log.push("task");
    let slow: Promise<string> | undefined;
    const early = tg.startSoon(async (unused: Promise<string> = (slow = later(log, "slow callee", 30))) => {
      void unused;
      await sleep(1);
      return "body";
    });
    expect(await early.result()).toBe("body");
    log.push("early task");
    await slow;
  });
  expect(log).toEqual(["default's callee", "task", "early task", "slow callee"]);
});

structuredTest("a body compiled as a leaf ends without waiting for the callee it started", async () => {
  const log: string[] = [];
  await createTaskGroup().run(async (tg) => {
    let callee: Promise<string> | undefined;
    const handle = tg.startSoon(async () => {
      callee = later(log, "callee", 20);
      return "leaf";
    });
    expect(await handle.result()).toBe("leaf");
    log.push("task");
    await callee;
  });
  expect(log).toEqual(["task", "callee"]);
});

structuredTest("a body cancelled at its first await ends with what its catch returns", async () => {
  await createTaskGroup().run(async (tg) => {
    const inner = createTaskGroup();
    let handle: { result(): Promise<unknown> } | undefined;
    await inner.run(async (group) => {
      group.cancel();
      handle = group.startSoon(async () => {
        try {
          await sleep(1000);
          return "slept";
        } catch (error) {
          return error instanceof Cancelled ? "caught" : "other";
        }
      });
    });
    expect(await handle!.result()).toBe("caught");
    void tg;
  });
});

structuredTest("a cancelled compiled body leaves its task cancelled, not failed", async () => {
  await createTaskGroup().run(async (tg) => {
    const handle = tg.startSoon(async () => {
      await sleep(1000);
    });
    await sleep(1);
    handle.cancel();
    expect(await caught(() => handle.result())).toBeInstanceOf(Error);
    expect(handle.status).toBe("cancelled");
  });
});

structuredTest("a plain body that returns a compiled callee's promise ends with it", async () => {
  const log: string[] = [];
  await createTaskGroup().run(async (tg) => {
    const handle = tg.startSoon(() => later(log, "callee", 5));
    expect(await handle.result()).toBe("callee");
  });
  expect(log).toEqual(["callee"]);
});

structuredTest("a body's rejection that nobody awaits is recorded once, as the group's error", async () => {
  const error = await caught(() =>
    createTaskGroup().run(async (tg) => {
      const handle = tg.startSoon(async () => {
        await sleep(1);
        throw new RangeError("late");
      });
      const failure = await caught(() => handle.result());
      expect(failure).toBeInstanceOf(TaskFailed);
    }),
  );
  expect((error as ExceptionGroup).exceptions).toHaveLength(1);
  expect((error as ExceptionGroup).exceptions[0]).toBeInstanceOf(RangeError);
});
