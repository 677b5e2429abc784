"use structured";
// Context variables in code compiled by the transformer: exact everywhere, since every segment
// of compiled code runs with its task's frame; a directly awaited structured callee shares its
// caller's context; `using` resets a token at the end of the block.
import { AsyncLocalStorage } from "node:async_hooks";
import { ContextVar, createTaskGroup, run, sleep, type TaskStatus } from "anyio-ts";
import { isStructured } from "anyio-ts/rt";

const foreign = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("context variables in structured code", () => {
  test("this file is compiled as structured code", () => {
    const local = async () => {};
    expect(isStructured(local)).toBe(true);
  });

  test("a set() inside an awaited structured callee is visible after it returns", async () => {
    const v = new ContextVar<string>("v", { default: "unset" });
    async function callee(): Promise<void> {
      await sleep(0);
      v.set("from callee");
    }
    const seen = await run(async () => {
      await callee();
      return v.get();
    });
    expect(seen).toBe("from callee");
  });

  test("`using _ = variable.set(value)` resets the variable at the end of the block", async () => {
    const v = new ContextVar<string>("v", { default: "outer" });
    const seen: string[] = [];
    await run(async () => {
      {
        using _ = v.set("inner");
        await sleep(0);
        seen.push(v.get());
      }
      seen.push(v.get());
    });
    expect(seen).toEqual(["inner", "outer"]);
  });

  test("compiled tasks get a copy at the spawn call and keep it across foreign awaits", async () => {
    const v = new ContextVar<string>("v");
    const seen: string[] = [];
    await run(async () => {
      await using tg = createTaskGroup();
      for (const name of ["a", "b"]) {
        v.set(name);
        tg.startSoon(async () => {
          await foreign(5);
          seen.push(`${name}:${v.get()}`);
          v.set(`${name} changed`);
          await sleep(0);
          seen.push(`${name}:${v.get()}`);
        });
      }
      v.set("host");
    });
    expect(seen.sort()).toEqual(["a:a", "a:a changed", "b:b", "b:b changed"]);
  });

  test("start() in compiled code copies the caller's context", async () => {
    const v = new ContextVar<string>("v", { default: "unset" });
    const value = await run(async () => {
      await using tg = createTaskGroup();
      v.set("caller");
      const seen = await tg.start(async (status: TaskStatus<string>) => {
        await sleep(0);
        status.started(v.get());
      });
      return seen;
    });
    expect(value).toBe("caller");
  });

  test("a task started inside als.run() sees that store, in compiled code too", async () => {
    const als = new AsyncLocalStorage<string>();
    const seen: string[] = [];
    await run(async () => {
      await als.run("outer", async () => {
        await using tg = createTaskGroup();
        als.run("inner", () =>
          tg.startSoon(async () => {
            seen.push(`start ${als.getStore()}`);
            await foreign(1);
            seen.push(`after a foreign await ${als.getStore()}`);
            await sleep(1);
            seen.push(`after sleep ${als.getStore()}`);
          }),
        );
        tg.startSoon(async () => {
          seen.push(`sibling ${als.getStore()}`);
        });
      });
    });
    expect(seen).toEqual(["start inner", "sibling outer", "after a foreign await inner", "after sleep inner"]);
  });
});
