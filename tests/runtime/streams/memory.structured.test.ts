"use structured";
// Memory object streams in code compiled by the transformer: every await is a checkpoint and
// foreign promises are raced against cancellation, so send(), receive() and `for await` steps
// must be awaited as runtime primitives; a racing wrapper could reject with Cancelled after
// the item changed hands, and lose it.
import {
  CancelScope,
  Cancelled,
  ClosedResourceError,
  createMemoryObjectStream,
  createTaskGroup,
  run,
  type TaskStatus,
} from "anyio-ts";
import { assertCheckpoints, assertNoCheckpoints } from "anyio-ts/jest";
import { isStructured } from "anyio-ts/rt";
import { until } from "../helpers";

describe("memory object streams in structured code", () => {
  test("this file is compiled as structured code", () => {
    const local = async () => {};
    expect(isStructured(local)).toBe(true);
  });

  test("a receiver handed an item keeps it even when its scope is cancelled before it resumes", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const received: string[] = [];
    await run(async () => {
      await using tg = createTaskGroup();
      const scope = await tg.start(async (status: TaskStatus<CancelScope>) => {
        using inner = new CancelScope();
        status.started(inner);
        received.push(await receive.receive());
      });
      await until(receive, { tasksWaitingReceive: 1 });
      send.sendNowait("hello");
      scope.cancel();
    });
    expect(received).toEqual(["hello"]);
    send.close();
    receive.close();
  });

  test("a for await step handed an item keeps it even when its scope is cancelled before it resumes", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const received: string[] = [];
    await run(async () => {
      await using tg = createTaskGroup();
      const scope = await tg.start(async (status: TaskStatus<CancelScope>) => {
        using inner = new CancelScope();
        status.started(inner);
        for await (const item of receive) received.push(item);
      });
      await until(receive, { tasksWaitingReceive: 1 });
      send.sendNowait("hello");
      scope.cancel();
    });
    expect(received).toEqual(["hello"]);
    expect(() => receive.receiveNowait()).not.toThrow(ClosedResourceError); // breaking out did not close it
    send.close();
    receive.close();
  });

  test("a rendezvous send() whose item was taken returns normally even when cancelled before it resumes", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const log: string[] = [];
    await run(async () => {
      await using tg = createTaskGroup();
      const scope = await tg.start(async (status: TaskStatus<CancelScope>) => {
        using inner = new CancelScope();
        status.started(inner);
        await send.send("hello");
        log.push("send returned");
      });
      await until(send, { tasksWaitingSend: 1 });
      expect(receive.receiveNowait()).toBe("hello");
      scope.cancel();
    });
    expect(log).toEqual(["send returned"]);
    send.close();
    receive.close();
  });

  test("a send() in a cancelled scope sends nothing; a receive() there takes nothing", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    send.sendNowait("kept");
    const log: string[] = [];
    await run(async () => {
      for (const op of [() => send.send("never"), () => receive.receive()]) {
        using scope = new CancelScope();
        scope.cancel();
        try {
          await op();
          log.push("not reached");
        } catch (error) {
          log.push(error instanceof Cancelled ? "cancelled" : String(error));
          throw error; // the scope swallows its own cancellation when the block exits
        }
      }
    });
    expect(log).toEqual(["cancelled", "cancelled"]);
    expect(receive.receiveNowait()).toBe("kept");
    send.close();
    receive.close();
  });

  test("awaited from structured code, send(), receive() and a for await step are checkpoints; sendNowait() and receiveNowait() are not", async () => {
    const [send, receive] = createMemoryObjectStream<number>(2);
    await run(async () => {
      await assertCheckpoints(async () => {
        await send.send(1);
      });
      expect(await assertCheckpoints(async () => await receive.receive())).toBe(1);
      await assertNoCheckpoints(async () => {
        send.sendNowait(2);
        send.sendNowait(3);
      });
      expect(await assertNoCheckpoints(async () => receive.receiveNowait())).toBe(2);
      expect(
        await assertCheckpoints(async () => {
          for await (const n of receive) return n;
          return undefined;
        }),
      ).toBe(3);
    });
    send.close();
    receive.close();
  });

  test("using and await using close the ends at the end of the block", async () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    const received: number[] = [];
    await run(async () => {
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        using producer = send;
        for (let n = 0; n < 3; n++) await producer.send(n);
      });
      await using consumer = receive;
      for await (const n of consumer) received.push(n);
    });
    expect(received).toEqual([0, 1, 2]);
    expect(send.statistics()).toMatchObject({ openSendStreams: 0, openReceiveStreams: 0 });
  });
});
