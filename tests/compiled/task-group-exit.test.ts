"use structured";
// A task group's exit in structured code (`await using tg = createTaskGroup()` inside `using`
// scopes, the shape of the README's examples): a cancellation that reaches the host while it waits
// for the children propagates out of the group into the cancelled scope once they have ended, and
// no code after the group inside that scope runs. Autojump mock clock: sleeps take no real time.
import {
  CancelScope,
  Cancelled,
  ExceptionGroup,
  TimeoutError,
  createTaskGroup,
  failAfter,
  moveOnAfter,
  sleep,
  sleepForever,
  waitAllTasksBlocked,
  type TaskGroup,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught, messagesOf } from "../helpers";
import "./no-frame-leaks";

async function sleeper(log: string[], name = "child") {
  try {
    await sleepForever();
  } catch (error) {
    log.push(`${name} ${error instanceof Cancelled ? "cancelled" : "failed"}`);
    throw error;
  }
}

structuredDescribe(
  "await using tg = createTaskGroup() inside a scope that is cancelled while the group waits",
  () => {
    structuredTest(
      "moveOnAfter: the children are cancelled, nothing after the group runs, the scope catches it",
      async () => {
        const log: string[] = [];
        let scope: CancelScope | undefined;
        {
          using s = moveOnAfter(100);
          scope = s;
          {
            await using tg = createTaskGroup();
            tg.startSoon(sleeper, log);
          }
          log.push("after the group");
        }
        log.push("after the scope");
        expect(scope!.cancelledCaught).toBe(true);
        expect(log).toEqual(["child cancelled", "after the scope"]);
      },
    );

    structuredTest("failAfter: the block raises TimeoutError", async () => {
      const log: string[] = [];
      async function work() {
        using _ = failAfter(100);
        await using tg = createTaskGroup();
        tg.startSoon(sleeper, log);
      }
      const error = await caught(work());
      expect(error).toBeInstanceOf(TimeoutError);
      expect(log).toEqual(["child cancelled"]);
    });

    structuredTest("an explicit cancel() of the enclosing scope from a child", async () => {
      const log: string[] = [];
      let scope: CancelScope | undefined;
      {
        using s = new CancelScope();
        scope = s;
        {
          await using tg = createTaskGroup();
          tg.startSoon(sleeper, log);
          tg.startSoon(async () => {
            await waitAllTasksBlocked();
            s.cancel();
          });
        }
        log.push("after the group");
      }
      expect(scope!.cancelledCaught).toBe(true);
      expect(log).toEqual(["child cancelled"]);
    });

    structuredTest("a shielded child finishes first, and the cancellation still propagates", async () => {
      const log: string[] = [];
      {
        using _ = moveOnAfter(100);
        {
          await using tg = createTaskGroup();
          tg.startSoon(async () => {
            using _shield = new CancelScope({ shield: true });
            await sleep(500);
            log.push("shielded child done");
          });
        }
        log.push("after the group");
      }
      expect(log).toEqual(["shielded child done"]);
    });

    structuredTest("a child that swallows Cancelled and returns", async () => {
      const log: string[] = [];
      async function work() {
        using _ = failAfter(100);
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          try {
            await sleepForever();
          } catch {
            log.push("child swallowed Cancelled");
          }
        });
      }
      expect(await caught(work())).toBeInstanceOf(TimeoutError);
      expect(log).toEqual(["child swallowed Cancelled"]);
    });

    structuredTest("nested groups", async () => {
      const log: string[] = [];
      let scope: CancelScope | undefined;
      {
        using s = moveOnAfter(100);
        scope = s;
        {
          await using outer = createTaskGroup();
          outer.startSoon(async () => {
            {
              await using inner = createTaskGroup();
              inner.startSoon(sleeper, log, "grandchild");
            }
            log.push("after the inner group");
          });
        }
        log.push("after the outer group");
      }
      expect(scope!.cancelledCaught).toBe(true);
      expect(log).toEqual(["grandchild cancelled"]);
    });

    structuredTest("a failing cleanup meanwhile gives an ExceptionGroup of that failure alone", async () => {
      async function work() {
        using _ = moveOnAfter(100);
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          try {
            await sleepForever();
          } finally {
            // eslint-disable-next-line no-unsafe-finally
            throw new Error("cleanup failed");
          }
        });
      }
      const error = await caught(work());
      expect(error).toBeInstanceOf(ExceptionGroup);
      expect(messagesOf(error as ExceptionGroup)).toEqual(["cleanup failed"]);
    });

    structuredTest("the group's own cancel() while the host waits is swallowed by the group", async () => {
      const log: string[] = [];
      let group: TaskGroup | undefined;
      {
        await using tg = createTaskGroup();
        group = tg;
        tg.startSoon(sleeper, log);
        tg.startSoon(async () => {
          await waitAllTasksBlocked();
          tg.cancel();
        });
      }
      log.push("after the group");
      expect(group!.cancelScope.cancelledCaught).toBe(true);
      expect(log).toEqual(["child cancelled", "after the group"]);
    });

    structuredTest("the README's shape: a crawl that gives up after a deadline", async () => {
      const fetched: string[] = [];
      async function crawl(urls: string[]) {
        using _ = moveOnAfter(250);
        await using tg = createTaskGroup();
        for (const url of urls) {
          tg.startSoon(async () => {
            await sleep(url.length * 100);
            fetched.push(url);
          });
        }
      }
      await crawl(["a", "bb", "ccc", "dddd"]);
      expect(fetched).toEqual(["a", "bb"]);
    });
  },
  { clock: "autojump" },
);
