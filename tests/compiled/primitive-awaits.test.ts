"use structured";
// A resource handed to a waiter is never stranded by cancellation. A runtime operation's promise
// is awaited as it is in structured code (runtime/core/primitive.ts): an operation that took
// effect before its scope was cancelled completes the await, and the cancellation lands at the
// next checkpoint; one still waiting is cancelled and takes nothing. Other primitive calls between
// the call and the await used to make the await forget which promise was a primitive's.
import {
  CancelScope,
  Cancelled,
  CapacityLimiter,
  Condition,
  Lock,
  Semaphore,
  cancelShieldedCheckpoint,
  createMemoryObjectStream,
  createTaskGroup,
  sleep,
  waitAllTasksBlocked,
  WouldBlock,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { until } from "../runtime/helpers";
import "./no-frame-leaks";

structuredDescribe(
  "an operation granted before its scope was cancelled completes the await",
  () => {
    structuredTest("Lock.acquire(), with another primitive call before the await", async () => {
      const lock = new Lock();
      const log: string[] = [];
      {
        using scope = new CancelScope();
        const p = lock.acquire();
        const other = cancelShieldedCheckpoint();
        scope.cancel();
        {
          using _held = await p;
          log.push(`held: ${String(lock.locked())}`);
        }
        log.push(`released: ${String(!lock.locked())}`);
        try {
          await sleep(0);
          log.push("next checkpoint: no");
        } catch (error) {
          log.push(`next checkpoint: ${error instanceof Cancelled ? "Cancelled" : "other"}`);
        }
        await other;
      }
      expect(log).toEqual(["held: true", "released: true", "next checkpoint: Cancelled"]);
      expect(lock.locked()).toBe(false);
    });

    structuredTest("Semaphore.acquire()", async () => {
      const log: string[] = [];
      const semaphore = new Semaphore(2);
      {
        using scope = new CancelScope();
        const p = semaphore.acquire();
        const other = semaphore.acquire();
        scope.cancel();
        using _first = await p;
        using _second = await other;
        log.push(`value while held: ${semaphore.value}`);
      }
      expect(log).toEqual(["value while held: 0"]);
      expect(semaphore.value).toBe(2);
    });

    structuredTest("Condition.acquire()", async () => {
      const log: string[] = [];
      const condition = new Condition();
      {
        using scope = new CancelScope();
        const p = condition.acquire();
        const other = cancelShieldedCheckpoint();
        scope.cancel();
        using _held = await p;
        log.push(`locked: ${String(condition.locked())}`);
        await other;
      }
      expect(log).toEqual(["locked: true"]);
      expect(condition.locked()).toBe(false);
    });

    structuredTest("CapacityLimiter.acquire()", async () => {
      const log: string[] = [];
      const limiter = new CapacityLimiter(1);
      {
        using scope = new CancelScope();
        const p = limiter.acquire();
        const other = cancelShieldedCheckpoint();
        scope.cancel();
        using _token = await p;
        log.push(`borrowed: ${limiter.borrowedTokens}`);
        await other;
      }
      expect(log).toEqual(["borrowed: 1"]);
      expect(limiter.borrowedTokens).toBe(0);
    });

    structuredTest(
      "a Lock handed over by its owner's release() to a waiter that is cancelled before it resumes",
      async () => {
        const lock = new Lock();
        const log: string[] = [];
        let waiterScope: CancelScope | undefined;
        const owner = await lock.acquire();
        {
          await using tg = createTaskGroup();
          tg.startSoon(async () => {
            using scope = new CancelScope();
            waiterScope = scope;
            const p = lock.acquire(); // waits: the lock is held
            const other = cancelShieldedCheckpoint();
            using _held = await p; // handed over before the cancel: ours
            log.push(`waiter holds it: ${String(lock.statistics().owner?.name)}`);
            await other;
          });
          await waitAllTasksBlocked();
          owner[Symbol.dispose](); // hands the lock to the waiter, which has not resumed yet
          waiterScope!.cancel();
        }
        expect(log).toHaveLength(1);
        expect(log[0]).toMatch(/^waiter holds it: /);
        expect(lock.locked()).toBe(false);
      },
    );

    structuredTest(
      "through a function that awaits it: `return await lock.acquire()`, awaited later through a variable",
      async () => {
        const lock = new Lock();
        const log: string[] = [];
        async function take() {
          return await lock.acquire();
        }
        {
          using scope = new CancelScope();
          const p = take();
          scope.cancel();
          using _held = await p; // take() was still running when the scope was cancelled: its outcome wins
          log.push(`held: ${String(lock.locked())}`);
        }
        expect(log).toEqual(["held: true"]);
        expect(lock.locked()).toBe(false);
      },
    );

    structuredTest("a memory stream item handed to a waiting receiver", async () => {
      const received: number[] = [];
      const [send, receive] = createMemoryObjectStream<number>();
      using _s = send;
      using _r = receive;
      {
        using scope = new CancelScope();
        const p = receive.receive();
        await until(receive, { tasksWaitingReceive: 1 });
        send.sendNowait(7);
        const other = cancelShieldedCheckpoint();
        scope.cancel();
        received.push(await p);
        await other;
      }
      expect(received).toEqual([7]);
    });
  },
  { clock: "autojump" },
);

structuredDescribe(
  "an operation still waiting when its scope is cancelled takes nothing",
  () => {
    structuredTest("Lock.acquire() on a held lock", async () => {
      const log: string[] = [];
      const lock = new Lock();
      const owner = await lock.acquire();
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        using scope = new CancelScope();
        const p = lock.acquire();
        const other = cancelShieldedCheckpoint();
        scope.cancel();
        let outcome = "acquired";
        try {
          using _held = await p;
        } catch (error) {
          outcome = error instanceof Cancelled ? "Cancelled" : "other";
        }
        log.push(outcome);
        await other;
      });
      await waitAllTasksBlocked();
      expect(log).toEqual(["Cancelled"]);
      expect(lock.statistics().tasksWaiting).toBe(0);
      owner[Symbol.dispose]();
      expect(lock.locked()).toBe(false);
    });

    structuredTest("a memory stream receive with nothing sent", async () => {
      const log: string[] = [];
      const [send, receive] = createMemoryObjectStream<number>();
      using _s = send;
      using _r = receive;
      {
        using scope = new CancelScope();
        const p = receive.receive();
        const other = cancelShieldedCheckpoint();
        scope.cancel();
        try {
          log.push(`received ${await p}`);
        } catch (error) {
          log.push(error instanceof Cancelled ? "Cancelled" : "other");
        }
        await other;
      }
      expect(log).toEqual(["Cancelled"]);
      expect(receive.statistics().tasksWaitingReceive).toBe(0);
      expect(() => send.sendNowait(1)).toThrow(WouldBlock); // buffer 0, and nobody receives
    });
  },
  { clock: "autojump" },
);
