"use structured";
// Path used from structured code, where every await is a checkpoint and foreign promises are
// raced: a query the scope abandons returns Cancelled, a mutation still delivers its result, and
// `for await` over the iterators closes their directory handles when a timeout ends the loop.
import * as fs from "node:fs";
import * as os from "node:os";
import * as nodePath from "node:path";
import { CancelScope, Cancelled, CapacityLimiter, Path, createTaskGroup, moveOnAfter, sleep } from "anyio-ts";
import { isStructured } from "anyio-ts/rt";
import { structuredTest } from "anyio-ts/jest";
import { openDirectoryHandles } from "../../../runtime/platform/node/fs-path";
import { blockThreadPool, watchHostCall } from "./pool";

let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(nodePath.join(os.tmpdir(), "anyio-ts-spath-"));
  for (let i = 0; i < 20; i++) fs.writeFileSync(nodePath.join(tmp, `f${i}.txt`), "");
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("this file is compiled as structured code", () => {
  const local = async () => {};
  expect(isStructured(local)).toBe(true);
});

structuredTest(
  "cancelling the scope of a for-await over rglob() ends the loop at its next step and closes the handle",
  async () => {
    const seen: string[] = [];
    let outer: CancelScope | undefined;
    {
      using scope = moveOnAfter(Infinity);
      outer = scope;
      for await (const path of new Path(tmp).rglob("*.txt")) {
        seen.push(path.name);
        if (seen.length === 3) scope.cancel();
      }
      seen.push("not reached: the cancellation unwinds the block");
    }
    expect(seen).toHaveLength(3);
    expect(outer.cancelledCaught).toBe(true);
    expect(openDirectoryHandles()).toBe(0);
  },
);

structuredTest(
  "a mutation called in a scope cancelled before its checkpoint never starts, even when awaited later",
  async () => {
    const outcomes: string[] = [];
    const scope = new CancelScope();
    await scope.run(async () => {
      const write = new Path(tmp, "out").writeText("never");
      scope.cancel();
      try {
        outcomes.push(`wrote ${await write}`);
      } catch (error) {
        outcomes.push(error instanceof Cancelled ? "cancelled" : String(error));
        throw error;
      }
    });
    expect(outcomes).toEqual(["cancelled"]);
    expect(scope.cancelledCaught).toBe(true);
    expect(fs.existsSync(nodePath.join(tmp, "out"))).toBe(false);
  },
);

structuredTest(
  "a mutation in flight when its scope is cancelled delivers its result; Cancelled comes next",
  async () => {
    const limiter = new CapacityLimiter(1);
    const outcomes: string[] = [];
    const call = watchHostCall("writeText");
    const pool = blockThreadPool(tmp);
    let released = false;
    try {
      await createTaskGroup().run(async (tg) => {
        const scope = new CancelScope();
        tg.startSoon(async () => {
          await scope.run(async () => {
            outcomes.push(`wrote ${await new Path(tmp, "out").withLimiter(limiter).writeText("kept")}`);
            try {
              await sleep(0);
            } catch (error) {
              outcomes.push(error instanceof Cancelled ? "cancelled at the next checkpoint" : String(error));
              throw error;
            }
          });
        });
        await call.started.wait(); // the host call is under way (and stays so: the pool is blocked)
        scope.cancel();
        await sleep(20);
        outcomes.push("pool released");
        released = true;
        await pool.release();
      });
    } finally {
      call.restore();
      if (!released) await pool.release();
    }
    expect(outcomes).toEqual(["pool released", "wrote 4", "cancelled at the next checkpoint"]);
    expect(fs.readFileSync(nodePath.join(tmp, "out"), "utf8")).toBe("kept");
  },
);

structuredTest("a query in flight when its scope is cancelled raises Cancelled at once", async () => {
  const limiter = new CapacityLimiter(1);
  const outcomes: string[] = [];
  const call = watchHostCall("probe");
  const pool = blockThreadPool(tmp);
  try {
    await createTaskGroup().run(async (tg) => {
      const scope = new CancelScope();
      tg.startSoon(async () => {
        await scope.run(async () => {
          try {
            outcomes.push(`exists: ${await new Path(tmp).withLimiter(limiter).exists()}`);
          } catch (error) {
            outcomes.push(error instanceof Cancelled ? "cancelled" : String(error));
            throw error;
          }
        });
      });
      await call.started.wait(); // the host call is under way (and stays so: the pool is blocked)
      scope.cancel();
      while (outcomes.length === 0) await sleep(1);
      outcomes.push("pool still blocked");
    });
  } finally {
    call.restore();
    await pool.release();
  }
  expect(outcomes).toEqual(["cancelled", "pool still blocked"]);
  expect(limiter.borrowedTokens).toBe(0);
});

structuredTest("iterating in a cancelled scope raises Cancelled before opening anything", async () => {
  const scope = new CancelScope();
  scope.cancel();
  let steps = 0;
  await scope.run(async () => {
    for await (const _ of new Path(tmp).iterdir()) steps++;
  });
  expect(steps).toBe(0);
  expect(scope.cancelledCaught).toBe(true);
  expect(openDirectoryHandles()).toBe(0);
});
