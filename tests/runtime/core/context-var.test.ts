/**
 * ContextVar in plain (uncompiled) code: values belong to the current task's context, a new task
 * starts with a copy of its spawner's context as it was at the spawn call, and tokens put values
 * back once, in the context that made them.
 */
import {
  CancelScope,
  ContextVar,
  ContextVarToken,
  createTaskGroup,
  Event,
  run,
  sleep,
  type TaskStatus,
} from "anyio-ts";
import { caught } from "../../helpers";

describe("get and set", () => {
  test("get() without a value or a default throws, naming the variable", async () => {
    const v = new ContextVar<number>("answer");
    await run(() => {
      expect(() => v.get()).toThrow(new Error('ContextVar "answer" has no value and no default'));
    });
  });

  test("get(defaultValue) wins over the variable's default, and a set value wins over both", async () => {
    const v = new ContextVar<string>("v", { default: "var default" });
    await run(() => {
      expect(v.get()).toBe("var default");
      expect(v.get("argument")).toBe("argument");
      v.set("set");
      expect(v.get()).toBe("set");
      expect(v.get("argument")).toBe("set");
    });
  });

  test("a default of undefined is still a default", async () => {
    const v = new ContextVar<string | undefined>("v", { default: undefined });
    await run(() => expect(v.get()).toBeUndefined());
  });

  test("set() returns a token with the variable and its previous value", async () => {
    const v = new ContextVar<number>("v");
    await run(() => {
      const first = v.set(1);
      expect(first.var).toBe(v);
      expect(first.oldValue).toBe(ContextVarToken.MISSING);
      const second = v.set(2);
      expect(second.oldValue).toBe(1);
    });
  });

  test("reset() puts the previous value back, or no value", async () => {
    const v = new ContextVar<number>("v");
    await run(() => {
      const first = v.set(1);
      const second = v.set(2);
      v.reset(second);
      expect(v.get()).toBe(1);
      v.reset(first);
      expect(v.get(-1)).toBe(-1);
    });
  });

  test("disposing a token resets the variable", async () => {
    const v = new ContextVar<string>("v", { default: "before" });
    await run(() => {
      const token = v.set("inside");
      token[Symbol.dispose]();
      expect(v.get()).toBe("before");
    });
  });

  test("two variables with one name are two variables", async () => {
    const a = new ContextVar<number>("same");
    const b = new ContextVar<number>("same");
    await run(() => {
      a.set(1);
      expect(b.get(0)).toBe(0);
    });
  });

  test("the constructor checks its arguments", () => {
    expect(() => new ContextVar(1 as never)).toThrow(new TypeError("Expected `name` to be a string, got `1` (number)"));
    expect(() => new ContextVar("v", { defualt: 1 } as never)).toThrow(
      new TypeError("Unknown option `defualt` in `options`: did you mean `default`? The only option is `default`"),
    );
  });
});

describe("token misuse", () => {
  test("a token of another variable is a TypeError", async () => {
    const a = new ContextVar<number>("a");
    const b = new ContextVar<number>("b");
    await run(() => {
      const token = a.set(1);
      expect(() => b.reset(token)).toThrow(new TypeError("this token was created by a different ContextVar"));
      expect(a.get()).toBe(1);
    });
  });

  test("a used token is an Error, and resetting twice changes nothing", async () => {
    const v = new ContextVar<number>("v");
    await run(() => {
      const token = v.set(1);
      v.reset(token);
      v.set(5);
      expect(() => v.reset(token)).toThrow(new Error("this token has already been used"));
      expect(() => token[Symbol.dispose]()).toThrow(new Error("this token has already been used"));
      expect(v.get()).toBe(5);
    });
  });

  test("a token from another task's context is an Error", async () => {
    const v = new ContextVar<number>("v");
    let token: ContextVarToken<number> | undefined;
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          token = v.set(1);
        });
      });
      const error = await caught(() => v.reset(token!));
      expect(error).toEqual(new Error("this token was created in a different context"));
      expect(v.get(0)).toBe(0);
    });
  });

  test("a token made outside any task cannot be used inside a run", async () => {
    const v = new ContextVar<number>("v");
    const token = v.set(1);
    try {
      await run(() => {
        expect(() => v.reset(token)).toThrow(new Error("this token was created in a different context"));
      });
    } finally {
      v.reset(token);
    }
    expect(v.get(0)).toBe(0);
  });
});

describe("the root context", () => {
  test("outside any task, get and set use the thread's context, which run() copies for its root task", async () => {
    const v = new ContextVar<string>("v", { default: "none" });
    const token = v.set("outside");
    try {
      const seen = await run(() => {
        const inside = v.get();
        v.set("changed inside");
        return inside;
      });
      expect(seen).toBe("outside");
      expect(v.get()).toBe("outside");
    } finally {
      v.reset(token);
    }
    expect(v.get()).toBe("none");
  });

  test("each run starts from the thread's context, not from another run's", async () => {
    const v = new ContextVar<number>("v", { default: 0 });
    const first = await run(() => {
      v.set(1);
      return v.get();
    });
    const second = await run(() => v.get());
    expect([first, second]).toEqual([1, 0]);
  });
});

describe("copy at spawn", () => {
  test("a task started with startSoon sees the value its spawner had at the spawn call", async () => {
    const v = new ContextVar<string>("v");
    const seen: string[] = [];
    await run(async () => {
      v.set("before");
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => void seen.push(`first ${v.get()}`));
        v.set("after");
        tg.startSoon(async () => void seen.push(`second ${v.get()}`));
      });
    });
    expect(seen).toEqual(["first before", "second after"]);
  });

  test("later sets are invisible across tasks, in both directions", async () => {
    const v = new ContextVar<string>("v");
    const seen: string[] = [];
    await run(async () => {
      v.set("parent");
      const childSet = new Event();
      const parentSet = new Event();
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          v.set("child");
          childSet.set();
          await parentSet.wait();
          seen.push(`child sees ${v.get()}`);
        });
        tg.startSoon(async () => {
          await childSet.wait();
          seen.push(`sibling sees ${v.get()}`);
        });
        await childSet.wait();
        seen.push(`parent sees ${v.get()}`);
        v.set("parent again");
        parentSet.set();
      });
      seen.push(`parent ends with ${v.get()}`);
    });
    expect(seen.sort()).toEqual(
      ["child sees child", "parent ends with parent again", "parent sees parent", "sibling sees parent"].sort(),
    );
  });

  test("startSoon copies the calling task's context, not the group's host's", async () => {
    const v = new ContextVar<string>("v", { default: "unset" });
    let seen = "";
    await run(async () => {
      v.set("host");
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          v.set("child");
          tg.startSoon(async () => {
            seen = v.get();
          });
        });
      });
    });
    expect(seen).toBe("child");
  });

  test("start() copies the caller's context at the call, and the new task keeps its own after started()", async () => {
    const v = new ContextVar<string>("v", { default: "unset" });
    const seen: string[] = [];
    await run(async () => {
      await createTaskGroup().run(async (outer) => {
        await createTaskGroup().run(async (inner) => {
          v.set("caller");
          const value = await inner.start(async (status: TaskStatus<string>) => {
            seen.push(`starting ${v.get()}`);
            v.set("started task");
            status.started(v.get());
            await sleep(1);
            seen.push(`after started ${v.get()}`);
          });
          seen.push(`start returned ${value}, caller has ${v.get()}`);
        });
        void outer;
      });
    });
    expect(seen).toEqual([
      "starting caller",
      "start returned started task, caller has caller",
      "after started started task",
    ]);
  });

  test("grandchildren in nested groups see the chain of copies", async () => {
    const v = new ContextVar<number[]>("path", { default: [] });
    const seen: number[][] = [];
    await run(async () => {
      v.set([0]);
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          v.set([...v.get(), 1]);
          await createTaskGroup().run(async (tg2) => {
            tg2.startSoon(async () => {
              v.set([...v.get(), 2]);
              seen.push(v.get());
            });
          });
          seen.push(v.get());
        });
      });
      seen.push(v.get());
    });
    expect(seen).toEqual([[0, 1, 2], [0, 1], [0]]);
  });

  test("a scope body and a group's host body share their task's context", async () => {
    const v = new ContextVar<string>("v", { default: "unset" });
    await run(async () => {
      await new CancelScope().run(async () => {
        await sleep(0);
        v.set("in scope");
      });
      expect(v.get()).toBe("in scope");
      await createTaskGroup().run(async () => {
        await sleep(0);
        v.set("in host body");
      });
      expect(v.get()).toBe("in host body");
    });
  });

  test("plain callbacks keep their task's value across foreign awaits", async () => {
    const v = new ContextVar<string>("v");
    const seen: string[] = [];
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        for (const name of ["a", "b", "c"]) {
          v.set(name);
          tg.startSoon(async () => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            seen.push(v.get());
            await Promise.resolve();
            seen.push(v.get());
          });
        }
      });
    });
    expect(seen.sort()).toEqual(["a", "a", "b", "b", "c", "c"]);
  });

  test("many tasks writing their own copies never see each other's values", async () => {
    const v = new ContextVar<number>("n");
    const mismatches: string[] = [];
    await run(async () => {
      v.set(-1);
      await createTaskGroup().run(async (tg) => {
        for (let i = 0; i < 200; i++) {
          tg.startSoon(async () => {
            if (v.get() !== -1) mismatches.push(`task ${i} started with ${v.get()}`);
            for (let step = 0; step < 3; step++) {
              v.set(i * 10 + step);
              await sleep(0);
              if (v.get() !== i * 10 + step) mismatches.push(`task ${i} step ${step} saw ${v.get()}`);
            }
          });
        }
      });
      expect(v.get()).toBe(-1);
    });
    expect(mismatches).toEqual([]);
  });
});
