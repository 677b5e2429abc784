/**
 * Memory object streams, re-expressed from AnyIO's tests/streams/test_memory.py, plus the cases
 * its issue tracker taught (#143, #186, #440, #731) and the parts that are ours (validation
 * messages, iteration without closing, `using`, the unclosed-end warning).
 */
import * as v8 from "node:v8";
import * as vm from "node:vm";
import {
  BrokenResourceError,
  CancelScope,
  Cancelled,
  ClosedResourceError,
  EndOfStream,
  ExceptionGroup,
  MemoryObjectReceiveStream,
  MemoryObjectSendStream,
  NoCurrentTaskError,
  WouldBlock,
  checkpoint,
  createMemoryObjectStream,
  createTaskGroup,
  failAfter,
  run,
  waitAllTasksBlocked,
  type MemoryObjectStreamStatistics,
  type TaskStatus,
} from "anyio-ts";
import { assertCheckpoints, assertNoCheckpoints } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { inTaskGroup } from "../helpers";

/** The only member of the ExceptionGroup that `action` raised. */
async function onlyErrorOf(action: Promise<unknown>): Promise<unknown> {
  const error = await caught(action);
  expect(error).toBeInstanceOf(ExceptionGroup);
  const members = (error as ExceptionGroup).exceptions;
  expect(members).toHaveLength(1);
  return members[0];
}

describe("createMemoryObjectStream()", () => {
  test("returns a send end and a receive end on one stream, rendezvous by default", () => {
    const [send, receive] = createMemoryObjectStream<string>();
    expect(send).toBeInstanceOf(MemoryObjectSendStream);
    expect(receive).toBeInstanceOf(MemoryObjectReceiveStream);
    expect(send.statistics().maxBufferSize).toBe(0);
    send.close();
    receive.close();
  });

  test.each([1.5, NaN, -Infinity, "1", null, true])("rejects a buffer size of %p with a TypeError", (size) => {
    expect(() => createMemoryObjectStream(size as number)).toThrow(TypeError);
    expect(() => createMemoryObjectStream(size as number)).toThrow(
      /^Expected `maxBufferSize` to be an integer or Infinity, got `.*` \(\w+\)$/,
    );
  });

  test("rejects a negative buffer size with a RangeError", () => {
    expect(() => createMemoryObjectStream(-1)).toThrow(RangeError);
    expect(() => createMemoryObjectStream(-1)).toThrow("Expected `maxBufferSize` to be >= 0, got `-1` (number)");
  });

  test("accepts Infinity: sendNowait() never blocks", () => {
    const [send, receive] = createMemoryObjectStream<number>(Infinity);
    for (let i = 0; i < 10_000; i++) send.sendNowait(i);
    expect(send.statistics()).toMatchObject({ currentBufferUsed: 10_000, maxBufferSize: Infinity });
    for (let i = 0; i < 10_000; i++) expect(receive.receiveNowait()).toBe(i);
    send.close();
    receive.close();
  });
});

describe("the buffer", () => {
  test("keeps FIFO order through growth, wrap-around and shrinking", () => {
    const [send, receive] = createMemoryObjectStream<number>(Infinity);
    const model: number[] = [];
    let next = 0;
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    // Bursts of sends and receives of random lengths, sometimes up to a few thousand items.
    for (let round = 0; round < 200; round++) {
      const burst = Math.floor(random() * (round % 20 === 0 ? 5000 : 40));
      if (random() < 0.55) {
        for (let i = 0; i < burst; i++) {
          send.sendNowait(next);
          model.push(next++);
        }
      } else {
        for (let i = 0; i < burst && model.length > 0; i++) expect(receive.receiveNowait()).toBe(model.shift());
      }
      expect(send.statistics().currentBufferUsed).toBe(model.length);
    }
    while (model.length > 0) expect(receive.receiveNowait()).toBe(model.shift());
    expect(() => receive.receiveNowait()).toThrow(WouldBlock);
    send.close();
    receive.close();
  });
});

describe("sending and receiving", () => {
  test("a receiver that waits first gets the items in order", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const received: string[] = [];
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        received.push(await receive.receive());
        received.push(await receive.receive());
      });
      await waitAllTasksBlocked();
      await send.send("hello");
      await send.send("anyio");
    });
    expect(received).toEqual(["hello", "anyio"]);
    send.close();
    receive.close();
  });

  test("sendNowait() hands items to waiting receivers, in the order they started waiting", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const received: string[] = [];
    await inTaskGroup(async (tg) => {
      for (const name of ["first", "second"]) {
        tg.startSoon(async () => {
          received.push(`${name}: ${await receive.receive()}`);
        });
      }
      await waitAllTasksBlocked();
      send.sendNowait("hello");
      send.sendNowait("anyio");
      expect(send.statistics().tasksWaitingReceive).toBe(0);
    });
    expect(received).toEqual(["first: hello", "second: anyio"]);
    send.close();
    receive.close();
  });

  test("receiveNowait() takes the item of a waiting sender, whose send() then returns", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    let sent = false;
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await send.send("hello");
        sent = true;
      });
      await waitAllTasksBlocked();
      expect(sent).toBe(false);
      expect(receive.receiveNowait()).toBe("hello");
    });
    expect(sent).toBe(true);
    send.close();
    receive.close();
  });

  test("waiting senders deliver in the order they started waiting", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const received: string[] = [];
    await inTaskGroup(async (tg) => {
      for (const name of ["first", "second", "third"]) {
        tg.startSoon(() => send.send(name));
        await waitAllTasksBlocked();
      }
      expect(send.statistics().tasksWaitingSend).toBe(3);
      received.push(receive.receiveNowait(), await receive.receive());
      for await (const item of receive) {
        received.push(item);
        break;
      }
    });
    expect(received).toEqual(["first", "second", "third"]);
    send.close();
    receive.close();
  });

  test("a sender blocked on a full buffer moves in as soon as receiveNowait() frees a slot (#143)", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    send.sendNowait("hello");
    await run(() =>
      failAfter(1000).run(() =>
        createTaskGroup().run(async (tg) => {
          tg.startSoon(() => send.send("anyio"));
          await waitAllTasksBlocked();
          expect(send.statistics().tasksWaitingSend).toBe(1);
          expect(receive.receiveNowait()).toBe("hello");
          expect(send.statistics()).toMatchObject({ currentBufferUsed: 1, tasksWaitingSend: 0 });
        }),
      ),
    );
    expect(receive.receiveNowait()).toBe("anyio");
    send.close();
    receive.close();
  });

  test("sendNowait() fills the buffer, then raises WouldBlock; receiveNowait() empties it in order", () => {
    const [send, receive] = createMemoryObjectStream<string>(2);
    send.sendNowait("hello");
    send.sendNowait("anyio");
    expect(() => send.sendNowait("overflow")).toThrow(WouldBlock);
    expect(receive.receiveNowait()).toBe("hello");
    expect(receive.receiveNowait()).toBe("anyio");
    expect(() => receive.receiveNowait()).toThrow(WouldBlock);
    send.close();
    receive.close();
  });

  test("with a buffer of 0, send() returns only once a receiver has taken the item", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const log: string[] = [];
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await send.send("item");
        log.push("sent");
      });
      await waitAllTasksBlocked();
      log.push("nobody received yet");
      log.push(`received ${await receive.receive()}`);
    });
    expect(log).toEqual(["nobody received yet", "received item", "sent"]);
    send.close();
    receive.close();
  });

  test("a rendezvous send() succeeds even when the receiver closes its end right after (#186)", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        using sender = send;
        await sender.send("test");
      });
      tg.startSoon(async () => {
        using receiver = receive;
        expect(await receiver.receive()).toBe("test");
      });
    });
    expect(send.statistics()).toMatchObject({ openSendStreams: 0, openReceiveStreams: 0 });
  });

  test("items can be undefined, null and other falsy values", async () => {
    const [send, receive] = createMemoryObjectStream<unknown>(Infinity);
    const items = [undefined, null, 0, "", false, NaN];
    await run(async () => {
      for (const item of items) await send.send(item);
      send.close();
      const received: unknown[] = [];
      for await (const item of receive) received.push(item);
      expect(received).toEqual(items);
    });
    receive.close();
  });

  test("several receivers on one end share the items: each item goes to exactly one of them", async () => {
    const [send, receive] = createMemoryObjectStream<number>(0);
    const received = new Map<string, number[]>();
    await inTaskGroup(async (tg) => {
      for (const name of ["a", "b", "c"]) {
        received.set(name, []);
        tg.startSoon(async () => {
          for await (const n of receive) received.get(name)!.push(n);
        });
      }
      for (let n = 0; n < 30; n++) await send.send(n);
      send.close();
    });
    const all = [...received.values()].flat().sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 30 }, (_, n) => n));
    for (const items of received.values()) expect(items.length).toBeGreaterThan(0);
    receive.close();
  });
});

describe("checkpoints", () => {
  test("send() is a checkpoint even when the buffer has room", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    await run(() => assertCheckpoints(() => send.send("x")));
    expect(receive.receiveNowait()).toBe("x");
    send.close();
    receive.close();
  });

  test("send() is a checkpoint even when a receiver is waiting for the item", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const received: string[] = [];
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        received.push(await receive.receive());
      });
      await waitAllTasksBlocked();
      await assertCheckpoints(() => send.send("x"));
    });
    expect(received).toEqual(["x"]);
    send.close();
    receive.close();
  });

  test("a send() that waits for a receiver is a checkpoint", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const received: string[] = [];
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await waitAllTasksBlocked();
        received.push(receive.receiveNowait());
      });
      await assertCheckpoints(() => send.send("x"));
    });
    expect(received).toEqual(["x"]);
    send.close();
    receive.close();
  });

  test("receive() is a checkpoint even when an item is in the buffer", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    send.sendNowait("x");
    expect(await run(() => assertCheckpoints(() => receive.receive()))).toBe("x");
    send.close();
    receive.close();
  });

  test("receive() is a checkpoint even when a sender is waiting with an item", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    await inTaskGroup(async (tg) => {
      tg.startSoon(() => send.send("x"));
      await waitAllTasksBlocked();
      expect(await assertCheckpoints(() => receive.receive())).toBe("x");
    });
    send.close();
    receive.close();
  });

  test("a receive() that waits for an item is a checkpoint", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await waitAllTasksBlocked();
        send.sendNowait("x");
      });
      expect(await assertCheckpoints(() => receive.receive())).toBe("x");
    });
    send.close();
    receive.close();
  });

  test("receive() in a cancelled scope raises Cancelled and takes nothing, even with items waiting", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    await inTaskGroup(async (tg) => {
      tg.startSoon(() => send.send("hello"));
      await waitAllTasksBlocked();
      tg.startSoon(() => send.send("world"));
      await waitAllTasksBlocked();
      let reached = false;
      const scope = new CancelScope();
      await scope.run(async () => {
        scope.cancel();
        await receive.receive();
        reached = true;
      });
      expect(reached).toBe(false);
      expect(scope.cancelledCaught).toBe(true);
      expect(await receive.receive()).toBe("hello");
      expect(await receive.receive()).toBe("world");
    });
    send.close();
    receive.close();
  });

  test("send() in a cancelled scope raises Cancelled and sends nothing, even to a waiting receiver", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const received: string[] = [];
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        received.push(await receive.receive());
      });
      const scope = new CancelScope();
      await scope.run(async () => {
        scope.cancel();
        await send.send("hello");
      });
      expect(scope.cancelledCaught).toBe(true);
      await send.send("world");
    });
    expect(received).toEqual(["world"]);
    send.close();
    receive.close();
  });

  test("a send() cancelled during its checkpoint sends nothing", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    await run(async () => {
      const scope = new CancelScope();
      const error = await scope.run(() => {
        const pending = send.send("never");
        scope.cancel();
        return caught(pending);
      });
      expect(error).toBeInstanceOf(Cancelled);
      expect(send.statistics().currentBufferUsed).toBe(0);
    });
    send.close();
    receive.close();
  });

  test("a receive() cancelled during its checkpoint takes nothing", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    send.sendNowait("kept");
    await run(async () => {
      const scope = new CancelScope();
      const error = await scope.run(() => {
        const pending = receive.receive();
        scope.cancel();
        return caught(pending);
      });
      expect(error).toBeInstanceOf(Cancelled);
    });
    expect(receive.receiveNowait()).toBe("kept");
    send.close();
    receive.close();
  });

  test("*Nowait methods work outside run(); send() and receive() need a task", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    send.sendNowait("outside");
    expect(receive.receiveNowait()).toBe("outside");
    expect(await caught(send.send("x"))).toBeInstanceOf(NoCurrentTaskError);
    expect(await caught(receive.receive())).toBeInstanceOf(NoCurrentTaskError);
    expect(((await caught(receive.receive())) as Error).message).toMatch(/MemoryObjectReceiveStream\.receive\(\)/);
    send.close();
    receive.close();
  });
});

describe("operations that are never checkpoints", () => {
  test("createMemoryObjectStream() is no checkpoint", async () => {
    const [send, receive] = await run(() => assertNoCheckpoints(() => createMemoryObjectStream<string>(1)));
    send.close();
    receive.close();
  });

  test("sendNowait() is no checkpoint, whether the item goes into the buffer, to a waiting receiver, or raises WouldBlock", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    const received: string[] = [];
    await inTaskGroup(async (tg) => {
      await assertNoCheckpoints(() => send.sendNowait("buffered"));
      expect(await caught(assertNoCheckpoints(() => send.sendNowait("no room")))).toBeInstanceOf(WouldBlock);
      expect(receive.receiveNowait()).toBe("buffered");
      tg.startSoon(async () => {
        received.push(await receive.receive());
      });
      await waitAllTasksBlocked();
      await assertNoCheckpoints(() => send.sendNowait("handed over"));
    });
    expect(received).toEqual(["handed over"]);
    send.close();
    receive.close();
  });

  test("receiveNowait() is no checkpoint, whether it takes from the buffer, from a waiting sender, or raises WouldBlock", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    let sent = false;
    await inTaskGroup(async (tg) => {
      expect(await caught(assertNoCheckpoints(() => receive.receiveNowait()))).toBeInstanceOf(WouldBlock);
      tg.startSoon(async () => {
        await send.send("from a sender");
        sent = true;
      });
      await waitAllTasksBlocked();
      expect(await assertNoCheckpoints(() => receive.receiveNowait())).toBe("from a sender");
    });
    expect(sent).toBe(true);
    const [send2, receive2] = createMemoryObjectStream<string>(1);
    send2.sendNowait("buffered");
    expect(await run(() => assertNoCheckpoints(() => receive2.receiveNowait()))).toBe("buffered");
    for (const end of [send, receive, send2, receive2]) end.close();
  });

  test("receiveNowait() that raises EndOfStream is no checkpoint", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    send.close();
    expect(await run(() => caught(assertNoCheckpoints(() => receive.receiveNowait())))).toBeInstanceOf(EndOfStream);
    receive.close();
  });

  test("clone(), close(), aclose() and statistics() are no checkpoints", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    await run(async () => {
      const sendClone = await assertNoCheckpoints(() => send.clone());
      const receiveClone = await assertNoCheckpoints(() => receive.clone());
      expect(await assertNoCheckpoints(() => send.statistics())).toMatchObject({
        openSendStreams: 2,
        openReceiveStreams: 2,
      });
      await assertNoCheckpoints(() => sendClone.close());
      await assertNoCheckpoints(() => receiveClone.close());
      await assertNoCheckpoints(() => send.aclose());
      await assertNoCheckpoints(() => receive.aclose());
    });
    expect(send.statistics()).toMatchObject({ openSendStreams: 0, openReceiveStreams: 0 });
  });

  test("closing the send end is no checkpoint, also when it wakes a waiting receiver", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    let ended: unknown;
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        ended = await caught(receive.receive());
      });
      await waitAllTasksBlocked();
      await assertNoCheckpoints(() => send.close());
    });
    expect(ended).toBeInstanceOf(EndOfStream);
    receive.close();
  });
});

describe("cancellation never loses an item", () => {
  test("a cancelled waiting receiver leaves the queue: a later sendNowait() raises WouldBlock", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    await inTaskGroup(async (tg) => {
      tg.startSoon(() => receive.receive());
      await waitAllTasksBlocked();
      expect(send.statistics().tasksWaitingReceive).toBe(1);
      tg.cancel();
    });
    expect(send.statistics().tasksWaitingReceive).toBe(0);
    expect(() => send.sendNowait("hello")).toThrow(WouldBlock);
    send.close();
    receive.close();
  });

  test("a cancelled waiting sender withdraws its item: a later receiveNowait() raises WouldBlock", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    await inTaskGroup(async (tg) => {
      tg.startSoon(() => send.send("hello"));
      await waitAllTasksBlocked();
      expect(send.statistics().tasksWaitingSend).toBe(1);
      tg.cancel();
    });
    expect(send.statistics().tasksWaitingSend).toBe(0);
    expect(() => receive.receiveNowait()).toThrow(WouldBlock);
    send.close();
    receive.close();
  });

  test("a receiver handed an item keeps it even when its scope is cancelled before it resumes", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const received: string[] = [];
    using _send = send;
    using _receive = receive;
    await inTaskGroup(async (tg) => {
      const receiverScope = await tg.start(async (status: TaskStatus<CancelScope>) => {
        const scope = new CancelScope();
        await scope.run(async () => {
          status.started(scope);
          received.push(await receive.receive());
        });
        expect(scope.cancelCalled).toBe(true);
      });
      await waitAllTasksBlocked();
      send.sendNowait("hello");
      receiverScope.cancel();
    });
    expect(received).toEqual(["hello"]);
  });

  test("an item sent after the next receiver in line was cancelled stays in the buffer", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    using _send = send;
    using _receive = receive;
    await inTaskGroup(async (tg) => {
      const receiverScope = await tg.start(async (status: TaskStatus<CancelScope>) => {
        const scope = new CancelScope();
        await scope.run(async () => {
          status.started(scope);
          await receive.receive();
        });
      });
      await waitAllTasksBlocked();
      receiverScope.cancel();
      send.sendNowait("item");
    });
    expect(receive.receiveNowait()).toBe("item");
  });

  test("an item sent after a waiting receiver's task was cancelled goes to the buffer, not to it", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    using _send = send;
    using _receive = receive;
    await inTaskGroup(async (tg) => {
      const handle = tg.startSoon(() => receive.receive());
      await waitAllTasksBlocked();
      handle.cancel();
      send.sendNowait("hello");
      await handle.wait();
      expect(handle.status).toBe("cancelled");
    });
    expect(receive.receiveNowait()).toBe("hello");
  });

  test("a receiver that is cancelled is skipped: the item goes to the next receiver in line", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const received: string[] = [];
    using _send = send;
    using _receive = receive;
    await inTaskGroup(async (tg) => {
      const first = tg.startSoon(async () => {
        received.push(`first: ${await receive.receive()}`);
      });
      tg.startSoon(async () => {
        received.push(`second: ${await receive.receive()}`);
      });
      await waitAllTasksBlocked();
      first.cancel();
      send.sendNowait("hello");
    });
    expect(received).toEqual(["second: hello"]);
  });

  test("a sender whose item was taken returns normally even when cancelled before it resumes", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const log: string[] = [];
    using _send = send;
    using _receive = receive;
    await inTaskGroup(async (tg) => {
      const senderScope = await tg.start(async (status: TaskStatus<CancelScope>) => {
        const scope = new CancelScope();
        await scope.run(async () => {
          status.started(scope);
          await send.send("hello");
          log.push("send returned");
          await checkpoint();
          log.push("not reached");
        });
      });
      await waitAllTasksBlocked();
      expect(receive.receiveNowait()).toBe("hello");
      senderScope.cancel();
    });
    expect(log).toEqual(["send returned"]);
  });
});

describe("closing", () => {
  test("after the send end closes, buffered items remain receivable, then EndOfStream", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    await run(async () => {
      await send.send("hello");
      await send.aclose();
      expect(await receive.receive()).toBe("hello");
      expect(await caught(receive.receive())).toBeInstanceOf(EndOfStream);
    });
    expect(() => receive.receiveNowait()).toThrow(EndOfStream);
    receive.close();
  });

  test("receiveNowait() raises EndOfStream once the send end is closed; send() on it raises ClosedResourceError", async () => {
    const [send, receive] = createMemoryObjectStream<undefined>();
    await run(async () => {
      await send.aclose();
      expect(() => receive.receiveNowait()).toThrow(EndOfStream);
      expect(await caught(send.send(undefined))).toBeInstanceOf(ClosedResourceError);
      expect(() => send.sendNowait(undefined)).toThrow(ClosedResourceError);
    });
    receive.close();
  });

  test("once the receive end is closed, receiveNowait() on it raises ClosedResourceError and send() BrokenResourceError", async () => {
    const [send, receive] = createMemoryObjectStream<undefined>();
    await run(async () => {
      await receive.aclose();
      expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);
      expect(await caught(receive.receive())).toBeInstanceOf(ClosedResourceError);
      expect(await caught(send.send(undefined))).toBeInstanceOf(BrokenResourceError);
      expect(() => send.sendNowait(undefined)).toThrow(BrokenResourceError);
    });
    send.close();
  });

  test("closing the send end wakes a waiting receiver with EndOfStream", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    const error = await onlyErrorOf(
      inTaskGroup(async (tg) => {
        tg.startSoon(() => receive.receive());
        await waitAllTasksBlocked();
        await send.aclose();
      }),
    );
    expect(error).toBeInstanceOf(EndOfStream);
    receive.close();
  });

  test("closing the receive end fails a waiting sender with BrokenResourceError, also for a falsy item (#440, #731)", async () => {
    for (const item of [undefined, null, 0, false]) {
      const [send, receive] = createMemoryObjectStream<unknown>(0);
      const error = await onlyErrorOf(
        inTaskGroup(async (tg) => {
          tg.startSoon(() => send.send(item));
          await waitAllTasksBlocked();
          await receive.aclose();
          expect(send.statistics().tasksWaitingSend).toBe(0);
        }),
      );
      expect(error).toBeInstanceOf(BrokenResourceError);
      send.close();
    }
  });

  test("a send() in progress when its own end closes raises ClosedResourceError", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    await run(async () => {
      const pending = send.send("late");
      send.close();
      expect(await caught(pending)).toBeInstanceOf(ClosedResourceError);
    });
    expect(() => receive.receiveNowait()).toThrow(EndOfStream);
    receive.close();
  });

  test("close() and aclose() are idempotent and count once", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const other = send.clone();
    send.close();
    send.close();
    await send.aclose();
    expect(receive.statistics().openSendStreams).toBe(1);
    other.close();
    receive.close();
    await receive.aclose();
    expect(receive.statistics()).toMatchObject({ openSendStreams: 0, openReceiveStreams: 0 });
  });

  test("aclose() is not a checkpoint: it closes even inside a cancelled scope", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    await run(async () => {
      const scope = new CancelScope();
      await scope.run(async () => {
        scope.cancel();
        await send.aclose();
        await receive.aclose();
      });
      expect(scope.cancelledCaught).toBe(false);
    });
    expect(send.statistics()).toMatchObject({ openSendStreams: 0, openReceiveStreams: 0 });
  });

  test("using and await using close the ends", async () => {
    const [send, receive] = createMemoryObjectStream<undefined>(1);
    {
      using _s = send;
      using _r = receive;
    }
    expect(() => send.sendNowait(undefined)).toThrow(ClosedResourceError);
    expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);

    const [send2, receive2] = createMemoryObjectStream<undefined>(1);
    await (async () => {
      await using _s = send2;
      await using _r = receive2;
    })();
    expect(send2.statistics()).toMatchObject({ openSendStreams: 0, openReceiveStreams: 0 });
  });
});

describe("clones", () => {
  test("the stream stays open while any clone of an end is open", () => {
    const [send1, receive1] = createMemoryObjectStream<string>(1);
    const send2 = send1.clone();
    const receive2 = receive1.clone();
    expect(send1.statistics()).toMatchObject({ openSendStreams: 2, openReceiveStreams: 2 });
    send1.close();
    receive1.close();
    send2.sendNowait("hello");
    expect(receive2.receiveNowait()).toBe("hello");
    send2.close();
    expect(() => receive2.receiveNowait()).toThrow(EndOfStream);
    receive2.close();
  });

  test("cloning a closed end raises ClosedResourceError", () => {
    const [send, receive] = createMemoryObjectStream<never>(1);
    send.close();
    receive.close();
    expect(() => send.clone()).toThrow(ClosedResourceError);
    expect(() => receive.clone()).toThrow(ClosedResourceError);
  });

  test("one clone per producer: the consumer's loop ends when the last producer closes its clone", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const received: string[] = [];
    await inTaskGroup(async (tg) => {
      for (const name of ["a", "b", "c"]) {
        tg.startSoon(async (producer: MemoryObjectSendStream<string>) => {
          using _ = producer;
          for (let i = 0; i < 3; i++) await producer.send(`${name}${i}`);
        }, send.clone());
      }
      send.close();
      for await (const item of receive) received.push(item);
    });
    expect(received.sort()).toEqual(["a0", "a1", "a2", "b0", "b1", "b2", "c0", "c1", "c2"]);
    receive.close();
  });
});

describe("iteration", () => {
  test("for await yields every item and ends when the send end closes", async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    const received: string[] = [];
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        for await (const item of receive) received.push(item);
      });
      await send.send("hello");
      await send.send("anyio");
      await send.aclose();
    });
    expect(received).toEqual(["hello", "anyio"]);
    receive.close();
  });

  test("leaving the loop early does not close the stream: the next loop continues with the next item", async () => {
    const [send, receive] = createMemoryObjectStream<number>(10);
    for (let n = 0; n < 5; n++) send.sendNowait(n);
    send.close();
    const first: number[] = [];
    const rest: number[] = [];
    await run(async () => {
      for await (const n of receive) {
        first.push(n);
        if (n === 1) break;
      }
      expect(receive.statistics().openReceiveStreams).toBe(1);
      for await (const n of receive) rest.push(n);
    });
    expect(first).toEqual([0, 1]);
    expect(rest).toEqual([2, 3, 4]);
    receive.close();
  });

  test("iterating a closed receive end raises ClosedResourceError", async () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    receive.close();
    const error = await caught(
      run(async () => {
        for await (const _ of receive) {
          // nothing
        }
      }),
    );
    expect(error).toBeInstanceOf(ClosedResourceError);
    send.close();
  });

  test("each step is a checkpoint, even with an item ready", async () => {
    const [send, receive] = createMemoryObjectStream<number>(10);
    for (let n = 0; n < 2; n++) send.sendNowait(n);
    send.close();
    await run(async () => {
      const iterator = receive[Symbol.asyncIterator]();
      expect(await assertCheckpoints(() => iterator.next())).toEqual({ done: false, value: 0 });
      expect(await assertCheckpoints(() => iterator.next())).toEqual({ done: false, value: 1 });
      expect(await assertCheckpoints(() => iterator.next())).toEqual({ done: true, value: undefined });
    });
    receive.close();
  });

  test("each step is a checkpoint: a cancelled loop raises Cancelled and takes nothing", async () => {
    const [send, receive] = createMemoryObjectStream<number>(10);
    for (let n = 0; n < 3; n++) send.sendNowait(n);
    const received: number[] = [];
    await run(async () => {
      const scope = new CancelScope();
      await scope.run(async () => {
        for await (const n of receive) {
          received.push(n);
          if (n === 0) scope.cancel();
        }
      });
      expect(scope.cancelledCaught).toBe(true);
    });
    expect(received).toEqual([0]);
    expect(receive.receiveNowait()).toBe(1);
    send.close();
    receive.close();
  });
});

describe("statistics()", () => {
  const zero: MemoryObjectStreamStatistics = {
    currentBufferUsed: 0,
    maxBufferSize: 1,
    openSendStreams: 1,
    openReceiveStreams: 1,
    tasksWaitingSend: 0,
    tasksWaitingReceive: 0,
  };

  test("reports the same frozen record from either end", () => {
    const [send, receive] = createMemoryObjectStream<undefined>(1);
    for (const end of [send, receive]) {
      expect(end.statistics()).toEqual(zero);
      expect(Object.isFrozen(end.statistics())).toBe(true);
    }
    send.close();
    receive.close();
  });

  test.each(["send", "receive"])("counts buffered items and waiting tasks, seen from the %s end", async (which) => {
    const [send, receive] = createMemoryObjectStream<undefined>(1);
    const end = which === "send" ? send : receive;
    await run(async () => {
      await createTaskGroup().run(async (tg) => {
        send.sendNowait(undefined);
        expect(end.statistics().currentBufferUsed).toBe(1);
        tg.startSoon(() => send.send(undefined));
        await waitAllTasksBlocked();
        expect(end.statistics()).toMatchObject({ currentBufferUsed: 1, tasksWaitingSend: 1 });
        receive.receiveNowait();
        expect(end.statistics()).toMatchObject({ currentBufferUsed: 1, tasksWaitingSend: 0 });
        receive.receiveNowait();
        expect(end.statistics().currentBufferUsed).toBe(0);

        tg.startSoon(() => receive.receive());
        await waitAllTasksBlocked();
        expect(end.statistics().tasksWaitingReceive).toBe(1);
        send.sendNowait(undefined);
        expect(end.statistics().tasksWaitingReceive).toBe(0);
      });

      await createTaskGroup().run(async (tg) => {
        send.sendNowait(undefined);
        expect(end.statistics().tasksWaitingSend).toBe(0);
        for (let i = 0; i < 3; i++) tg.startSoon(() => send.send(undefined));
        await waitAllTasksBlocked();
        expect(end.statistics().tasksWaitingSend).toBe(3);
        for (let i = 2; i >= 0; i--) {
          receive.receiveNowait();
          expect(end.statistics().tasksWaitingSend).toBe(i);
        }
        receive.receiveNowait();
      });
    });
    expect(end.statistics()).toEqual(zero);
    send.close();
    receive.close();
  });
});

describe("toString()", () => {
  test("names the end, its state and the buffer", () => {
    const [send, receive] = createMemoryObjectStream<number>(Infinity);
    send.sendNowait(1);
    expect(String(send)).toMatch(
      /^<MemoryObjectSendStream #\d+ open buffer=1\/Infinity waitingSend=0 waitingReceive=0>$/,
    );
    receive.close();
    expect(String(receive)).toMatch(/^<MemoryObjectReceiveStream #\d+ closed buffer=1\/Infinity/);
    send.close();
  });
});

describe("an end garbage-collected while open", () => {
  // A real collection: V8 exposes gc() to a fresh context once the flag is set at run time.
  v8.setFlagsFromString("--expose-gc");
  const collect = vm.runInNewContext("gc") as () => void;

  /** An end's id, as its toString() shows it. */
  function idOf(end: object): string {
    return /#(\d+)/.exec(String(end))![1];
  }

  /**
   * Creates a pair of ends that it closes and a pair that it leaves open, in a frame of its own
   * so that nothing keeps them alive afterwards; returns their ids.
   */
  function dropEnds(): { closed: string[]; open: string[] } {
    const [closedSend, closedReceive] = createMemoryObjectStream<number>();
    closedSend.close();
    closedReceive.close();
    const [openSend, openReceive] = createMemoryObjectStream<number>();
    return { closed: [idOf(closedSend), idOf(closedReceive)], open: [idOf(openSend), idOf(openReceive)] };
  }

  test("emits one ResourceWarning per unclosed end, and none for closed ends", async () => {
    const warnings: string[] = [];
    const spy = jest.spyOn(process, "emitWarning").mockImplementation(((message: string | Error, options?: unknown) => {
      expect(options).toMatchObject({ type: "ResourceWarning" });
      warnings.push(String(message));
    }) as typeof process.emitWarning);
    const ids = dropEnds();
    const about = (id: string) => warnings.filter((w) => w.includes(` #${id}> `));
    try {
      // Finalization callbacks run in a later task after the collection; give them a few turns.
      for (let attempt = 0; attempt < 20 && ids.open.some((id) => about(id).length === 0); attempt++) {
        collect();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      spy.mockRestore();
    }
    const [sendId, receiveId] = ids.open;
    expect(about(sendId)).toHaveLength(1);
    expect(about(sendId)[0]).toMatch(/^Unclosed <MemoryObjectSendStream #\d+> was garbage-collected: close every end/);
    expect(about(receiveId)).toHaveLength(1);
    expect(about(receiveId)[0]).toMatch(/^Unclosed <MemoryObjectReceiveStream #\d+> was garbage-collected/);
    for (const id of ids.closed) expect(about(id)).toEqual([]);
  });
});

// Compile-time checks: a send end accepts a narrower item type (contravariance), a receive end
// can be read as a wider one (covariance), like AnyIO's test_type_variance.
export function typeVariance(
  send: MemoryObjectSendStream<number | string>,
  receive: MemoryObjectReceiveStream<number>,
) {
  const narrowerSend: MemoryObjectSendStream<number> = send;
  const widerReceive: MemoryObjectReceiveStream<number | string> = receive;
  // @ts-expect-error a send end of numbers cannot take strings
  const wrongSend: MemoryObjectSendStream<number | string> = narrowerSend;
  // @ts-expect-error a receive end of numbers | strings is not a receive end of numbers
  const wrongReceive: MemoryObjectReceiveStream<number> = widerReceive;
  return [wrongSend, wrongReceive];
}
