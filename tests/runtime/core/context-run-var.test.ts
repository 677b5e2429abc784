/**
 * RunVar: one value per run(), shared by every task of that run; tokens restore the previous
 * value once; every method needs a running task.
 */
import { createTaskGroup, NoCurrentTaskError, run, RunVar, RunVarToken, sleep } from "anyio-ts";
import { caught } from "../../helpers";

describe("RunVar", () => {
  test("get() without a value or a default throws, naming the variable", async () => {
    const v = new RunVar<number>("limit");
    await run(() => {
      expect(() => v.get()).toThrow(new Error('Run variable "limit" has no value and no default set'));
      expect(v.get(7)).toBe(7);
    });
  });

  test("the default is used until a value is set", async () => {
    const v = new RunVar<number>("v", { default: 1 });
    await run(() => {
      expect(v.get()).toBe(1);
      v.set(2);
      expect(v.get()).toBe(2);
      expect(v.get(3)).toBe(2);
    });
  });

  test("every task of the run sees the same value, whoever set it", async () => {
    const v = new RunVar<string>("v");
    const seen: string[] = [];
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          v.set("from a child");
        });
      });
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => void seen.push(v.get()));
      });
      seen.push(v.get());
    });
    expect(seen).toEqual(["from a child", "from a child"]);
  });

  test("each run starts without a value, also beside another run", async () => {
    const v = new RunVar<string>("v", { default: "fresh" });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = run(async () => {
      v.set("first run");
      await gate;
      return v.get();
    });
    const second = await run(() => {
      const seen = v.get();
      v.set("second run");
      return seen;
    });
    release();
    expect(await first).toBe("first run");
    expect(second).toBe("fresh");
    expect(await run(() => v.get())).toBe("fresh");
  });

  test("two RunVars with one name are independent", async () => {
    const a = new RunVar<number>("same");
    const b = new RunVar<number>("same");
    await run(() => {
      a.set(1);
      expect(b.get(0)).toBe(0);
    });
  });

  test("reset() restores the previous value, or none, and a token disposes the same way", async () => {
    const v = new RunVar<number>("v");
    await run(async () => {
      const first = v.set(1);
      const second = v.set(2);
      await sleep(0);
      v.reset(second);
      expect(v.get()).toBe(1);
      first[Symbol.dispose]();
      expect(v.get(-1)).toBe(-1);
    });
  });

  test("a token of another RunVar is a TypeError, a used one an Error", async () => {
    const a = new RunVar<number>("a");
    const b = new RunVar<number>("b");
    await run(() => {
      const token = a.set(1);
      expect(() => b.reset(token)).toThrow(new TypeError("This token does not belong to this RunVar"));
      a.reset(token);
      expect(() => a.reset(token)).toThrow(new Error("This token has already been used"));
      expect(token).toBeInstanceOf(RunVarToken);
    });
  });

  test("every method outside run() throws NoCurrentTaskError", async () => {
    const v = new RunVar<number>("v", { default: 1 });
    let token!: RunVarToken<number>;
    await run(() => {
      token = v.set(2);
    });
    expect(await caught(() => v.get())).toBeInstanceOf(NoCurrentTaskError);
    expect(await caught(() => v.set(3))).toBeInstanceOf(NoCurrentTaskError);
    expect(await caught(() => v.reset(token))).toBeInstanceOf(NoCurrentTaskError);
  });
});
