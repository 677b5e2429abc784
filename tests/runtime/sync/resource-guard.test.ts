/**
 * ResourceGuard: concurrent use of a resource fails fast.
 */
import { BusyResourceError, ResourceGuard, checkpoint, run } from "anyio-ts";
import { assertNoCheckpoints } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { inTaskGroup } from "../helpers";

describe("ResourceGuard", () => {
  test("entering while entered throws BusyResourceError naming the action", () => {
    const guard = new ResourceGuard("reading from");
    using _ = guard.enter();
    let error: unknown;
    try {
      guard.enter();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BusyResourceError);
    expect((error as BusyResourceError).message).toBe("Another task is already reading from this resource");
    expect((error as BusyResourceError).action).toBe("reading from");
  });

  test("the default action is 'using'", () => {
    const guard = new ResourceGuard();
    expect(guard.action).toBe("using");
    using _ = guard.enter();
    expect(() => guard.enter()).toThrow("Another task is already using this resource");
  });

  test("the guard is free again once the entry is disposed", () => {
    const guard = new ResourceGuard();
    {
      using _ = guard.enter();
    }
    using _ = guard.enter();
    expect(String(guard)).toBe("<ResourceGuard busy action='using'>");
  });

  test("disposing an old entry again does not free a later one", () => {
    const guard = new ResourceGuard();
    const first = guard.enter();
    first[Symbol.dispose]();
    const second = guard.enter();
    first[Symbol.dispose]();
    expect(() => guard.enter()).toThrow(BusyResourceError);
    second[Symbol.dispose]();
    guard.enter();
  });

  test("two tasks using one resource at once: the second fails, the first is unaffected", async () => {
    const guard = new ResourceGuard("writing to");
    const log: string[] = [];
    await inTaskGroup(async (tg) => {
      const use = async (name: string) => {
        try {
          using _ = guard.enter();
          await checkpoint();
          log.push(`${name} done`);
        } catch (error) {
          log.push(`${name}: ${(error as Error).message}`);
        }
      };
      tg.startSoon(use, "first");
      tg.startSoon(use, "second");
    });
    expect(log).toEqual(["second: Another task is already writing to this resource", "first done"]);
  });

  test("enter() is no checkpoint, whether it enters or raises BusyResourceError, and neither is disposing the entry", async () => {
    const guard = new ResourceGuard();
    await run(async () => {
      const entry = await assertNoCheckpoints(() => guard.enter());
      expect(await caught(assertNoCheckpoints(() => guard.enter()))).toBeInstanceOf(BusyResourceError);
      await assertNoCheckpoints(() => entry[Symbol.dispose]());
      expect(String(guard)).toBe("<ResourceGuard free action='using'>");
    });
  });

  test("the action must be a string", () => {
    expect(() => new ResourceGuard(3 as unknown as string)).toThrow(
      new TypeError("Expected `action` to be a string, got `3` (number)"),
    );
    expect(() => new ResourceGuard(null as never)).toThrow(
      new TypeError("Expected `action` to be a string, got `null` (object)"),
    );
  });
});
