/**
 * Adapters between our streams and Web Streams (runtime/streams/web-streams.ts): round trips,
 * backpressure (counted, never timed), end and close propagation, errors mapped to
 * BrokenResourceError, and cancellation of blocked operations leaving the data intact.
 */
import {
  BrokenResourceError,
  BusyResourceError,
  CancelScope,
  Cancelled,
  ClosedResourceError,
  EndOfStream,
  createMemoryObjectStream,
  createTaskGroup,
  fromReadableByteStream,
  fromReadableStream,
  fromWritableStream,
  run,
  toReadableStream,
  toWritableStream,
  waitAllTasksBlocked,
} from "anyio-ts";
import { assertCheckpoints, assertNoCheckpoints } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { inTaskGroup, settle, settleUntil } from "../helpers";

/** A ReadableStream whose chunks the test enqueues by hand, counting the pulls. */
function manualReadable<T>() {
  let controller!: ReadableStreamDefaultController<T>;
  const log = { pulls: 0, cancelled: [] as unknown[] };
  const readable = new ReadableStream<T>(
    {
      start: (c) => {
        controller = c;
      },
      pull: () => {
        log.pulls++;
      },
      cancel: (reason) => {
        log.cancelled.push(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { readable, controller, log };
}

/** A WritableStream whose writes complete only when the test releases them. */
function gatedWritable<T>() {
  const written: T[] = [];
  const gates: Array<() => void> = [];
  const writable = new WritableStream<T>({
    write: (chunk) =>
      new Promise<void>((resolve) => {
        gates.push(() => {
          written.push(chunk);
          resolve();
        });
      }),
  });
  const releaseAll = () => {
    while (gates.length > 0) gates.shift()!();
  };
  return { writable, written, gates, releaseAll };
}

describe("toReadableStream()", () => {
  test("streams every item of a memory object stream, then closes", async () => {
    const [send, receive] = createMemoryObjectStream<number>(Infinity);
    for (let i = 0; i < 5; i++) send.sendNowait(i);
    send.close();
    const seen: number[] = [];
    await run(async () => {
      const reader = toReadableStream(receive).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        seen.push(value);
      }
    });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    receive.close();
  });

  test("receives only when the consumer reads (backpressure)", async () => {
    const [send, receive] = createMemoryObjectStream<number>(Infinity);
    for (let i = 0; i < 100; i++) send.sendNowait(i);
    await run(async () => {
      const reader = toReadableStream(receive).getReader();
      expect((await reader.read()).value).toBe(0);
      expect((await reader.read()).value).toBe(1);
      expect((await reader.read()).value).toBe(2);
      await settle();
      expect(receive.statistics().currentBufferUsed).toBe(97);
      reader.releaseLock();
    });
    send.close();
    receive.close();
  });

  test("cancelling the ReadableStream closes our stream", async () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    await run(async () => {
      const readable = toReadableStream(receive);
      await readable.cancel("no more");
      expect(receive.statistics().openReceiveStreams).toBe(0);
      expect(await caught(send.send(1))).toBeInstanceOf(BrokenResourceError);
    });
    send.close();
  });

  test("an error other than EndOfStream errors the ReadableStream", async () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    receive.close();
    await run(async () => {
      const error = await caught(toReadableStream(receive).getReader().read());
      expect(error).toBeInstanceOf(ClosedResourceError);
    });
    send.close();
  });

  test("must be created inside a task", () => {
    const [send, receive] = createMemoryObjectStream<number>();
    expect(() => toReadableStream(receive)).toThrow(/must be called from a task/);
    send.close();
    receive.close();
  });
});

describe("fromReadableStream()", () => {
  test("round trip: memory stream → ReadableStream → receive stream", async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    const seen: string[] = [];
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        for (const word of ["a", "b", "c"]) await send.send(word);
        send.close();
      });
      const stream = fromReadableStream(toReadableStream(receive));
      for await (const word of stream) seen.push(word);
      expect(await caught(stream.receive())).toBeInstanceOf(EndOfStream);
      await stream.aclose();
    });
    receive.close();
    expect(seen).toEqual(["a", "b", "c"]);
  });

  test("reads from the source only when received from (backpressure)", async () => {
    let produced = 0;
    const readable = new ReadableStream<number>({ pull: (c) => c.enqueue(produced++) }, { highWaterMark: 0 });
    await run(async () => {
      const stream = fromReadableStream(readable);
      expect(await stream.receive()).toBe(0);
      expect(await stream.receive()).toBe(1);
      await settle();
      expect(produced).toBeLessThanOrEqual(3);
      await stream.aclose();
    });
  });

  test("a receive cancelled while the read is pending keeps the chunk for the next receive", async () => {
    const { readable, controller } = manualReadable<string>();
    await run(async () => {
      const stream = fromReadableStream(readable);
      const scope = new CancelScope();
      let reached = false;
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(() =>
          scope.run(async () => {
            await stream.receive();
            reached = true;
          }),
        );
        await settle(); // the receive is now waiting on reader.read()
        scope.cancel();
      });
      expect(reached).toBe(false);
      expect(scope.cancelledCaught).toBe(true);
      controller.enqueue("kept"); // resolves the read the cancelled receive started
      await settle();
      expect(await stream.receive()).toBe("kept");
      await stream.aclose();
    });
  });

  test("receive() is a checkpoint: cancelled first, it reads nothing", async () => {
    const { readable, controller, log } = manualReadable<string>();
    controller.enqueue("first");
    await run(async () => {
      const stream = fromReadableStream(readable);
      const scope = new CancelScope();
      const error = await scope.run(() => {
        scope.cancel();
        return caught(stream.receive());
      });
      expect(error).toBeInstanceOf(Cancelled);
      expect(await stream.receive()).toBe("first");
      expect(log.pulls).toBeGreaterThanOrEqual(0);
      await stream.aclose();
    });
  });

  test("an errored ReadableStream raises BrokenResourceError with the cause", async () => {
    const { readable, controller } = manualReadable<string>();
    const boom = new Error("boom");
    controller.error(boom);
    await run(async () => {
      const stream = fromReadableStream(readable);
      const error = await caught(stream.receive());
      expect(error).toBeInstanceOf(BrokenResourceError);
      expect((error as Error).cause).toBe(boom);
      expect(await caught(stream.receive())).toBeInstanceOf(BrokenResourceError);
      await stream.aclose();
    });
  });

  test("aclose() cancels the ReadableStream and fails a waiting receive with ClosedResourceError", async () => {
    const { readable, log } = manualReadable<string>();
    await inTaskGroup(async (tg) => {
      const stream = fromReadableStream(readable);
      let error: unknown;
      tg.startSoon(async () => {
        error = await caught(stream.receive());
      });
      await settle();
      await stream.aclose();
      await waitAllTasksBlocked();
      expect(error).toBeInstanceOf(ClosedResourceError);
      expect(log.cancelled).toHaveLength(1);
      expect(await caught(stream.receive())).toBeInstanceOf(ClosedResourceError);
    });
  });

  test("a second concurrent receive raises BusyResourceError", async () => {
    const { readable, controller } = manualReadable<string>();
    await inTaskGroup(async (tg) => {
      const stream = fromReadableStream(readable);
      let first: unknown;
      tg.startSoon(async () => {
        first = await stream.receive();
      });
      await settle();
      expect(await caught(stream.receive())).toBeInstanceOf(BusyResourceError);
      controller.enqueue("one");
      await settle();
      expect(first).toBe("one");
      await stream.aclose();
    });
  });
});

describe("fromReadableByteStream()", () => {
  test("honours maxBytes, keeping the surplus, and skips empty chunks", async () => {
    const { readable, controller } = manualReadable<Uint8Array>();
    controller.enqueue(new Uint8Array(0));
    controller.enqueue(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    controller.close();
    await run(async () => {
      const stream = fromReadableByteStream(readable);
      expect(await stream.receive(4)).toEqual(new Uint8Array([1, 2, 3, 4]));
      expect(await stream.receive(4)).toEqual(new Uint8Array([5, 6, 7, 8]));
      expect(await stream.receive()).toEqual(new Uint8Array([9, 10]));
      expect(await caught(stream.receive())).toBeInstanceOf(EndOfStream);
      await stream.aclose();
    });
  });

  test("rejects a maxBytes that is not a positive integer", async () => {
    const { readable } = manualReadable<Uint8Array>();
    await run(async () => {
      const stream = fromReadableByteStream(readable);
      for (const bad of [0, -1, 1.5, NaN]) {
        expect(await caught(stream.receive(bad))).toBeInstanceOf(RangeError);
      }
      // The same rule as the buffered and stapled streams: a non-number is a TypeError.
      const wrongType = await caught(stream.receive("4" as unknown as number));
      expect(wrongType).toBeInstanceOf(TypeError);
      expect((wrongType as Error).message).toBe('Expected `maxBytes` to be a positive integer, got `"4"` (string)');
      await stream.aclose();
    });
  });

  test("round trip of bytes: memory stream → ReadableStream → byte stream", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(Infinity);
    send.sendNowait(new Uint8Array([1, 2, 3]));
    send.sendNowait(new Uint8Array([4]));
    send.close();
    const chunks: number[] = [];
    await run(async () => {
      const stream = fromReadableByteStream(toReadableStream(receive));
      for await (const chunk of stream) chunks.push(...chunk);
      await stream.aclose();
    });
    receive.close();
    expect(chunks).toEqual([1, 2, 3, 4]);
  });
});

describe("toWritableStream()", () => {
  test("writes become sends and close() ends our stream", async () => {
    const [send, receive] = createMemoryObjectStream<number>(Infinity);
    await run(async () => {
      const writer = toWritableStream(send).getWriter();
      await writer.write(1);
      await writer.write(2);
      await writer.close();
    });
    expect(receive.receiveNowait()).toBe(1);
    expect(receive.receiveNowait()).toBe(2);
    expect(() => receive.receiveNowait()).toThrow(EndOfStream);
    receive.close();
  });

  test("a full memory stream holds the writer back (backpressure)", async () => {
    const [send, receive] = createMemoryObjectStream<number>(2);
    let written = 0;
    await inTaskGroup(async (tg) => {
      const writable = toWritableStream(send);
      tg.startSoon(async () => {
        const writer = writable.getWriter();
        for (let i = 0; i < 10; i++) {
          await writer.ready;
          void writer.write(i);
          written++;
        }
        await writer.close();
      });
      await settleUntil(() => receive.statistics().currentBufferUsed === 2);
      // 2 in the buffer, 1 blocked in send(), 1 queued in the WritableStream.
      expect(written).toBeLessThanOrEqual(4);
      expect(receive.statistics().currentBufferUsed).toBe(2);
      const seen: number[] = [];
      for await (const item of receive) seen.push(item);
      expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });
    receive.close();
  });

  test("abort() closes our stream", async () => {
    const [send, receive] = createMemoryObjectStream<number>(Infinity);
    await run(async () => {
      await toWritableStream(send).abort("stop");
    });
    expect(send.statistics().openSendStreams).toBe(0);
    expect(() => receive.receiveNowait()).toThrow(EndOfStream);
    receive.close();
  });

  test("pipeTo() from a ReadableStream into a memory stream", async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    const seen: string[] = [];
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        for await (const item of receive) seen.push(item);
      });
      const source = new ReadableStream<string>({
        start: (c) => {
          for (const s of ["x", "y", "z"]) c.enqueue(s);
          c.close();
        },
      });
      await source.pipeTo(toWritableStream(send));
    });
    expect(seen).toEqual(["x", "y", "z"]);
    receive.close();
  });
});

describe("fromWritableStream()", () => {
  test("sends wait for the sink (backpressure) and arrive in order", async () => {
    const { writable, written, gates, releaseAll } = gatedWritable<number>();
    let sent = 0;
    await inTaskGroup(async (tg) => {
      const stream = fromWritableStream(writable);
      tg.startSoon(async () => {
        for (let i = 0; i < 10; i++) {
          await stream.send(i);
          sent++;
        }
        await stream.aclose();
      });
      await settleUntil(() => sent >= 2);
      expect(sent).toBeLessThanOrEqual(2);
      expect(gates).toHaveLength(1);
      while (written.length < 10) {
        releaseAll();
        await settle();
      }
    });
    expect(sent).toBe(10);
    expect(written).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("a send cancelled while waiting for room writes nothing", async () => {
    const { writable, written, gates, releaseAll } = gatedWritable<string>();
    await run(async () => {
      const stream = fromWritableStream(writable);
      await stream.send("one"); // handed over; the sink is busy with it
      const scope = new CancelScope();
      let reached = false;
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(() =>
          scope.run(async () => {
            await stream.send("never");
            reached = true;
          }),
        );
        await settle();
        scope.cancel();
      });
      expect(reached).toBe(false);
      releaseAll();
      await settle();
      await stream.send("two");
      await settleUntil(() => gates.length > 0);
      releaseAll();
      await settle();
      expect(written).toEqual(["one", "two"]);
      await stream.aclose();
    });
  });

  test("a failing sink surfaces as BrokenResourceError with the cause", async () => {
    const boom = new Error("disk full");
    const writable = new WritableStream<number>({
      write: () => {
        throw boom;
      },
    });
    await run(async () => {
      const stream = fromWritableStream(writable);
      await stream.send(1);
      await settle();
      const error = await caught(stream.send(2));
      expect(error).toBeInstanceOf(BrokenResourceError);
      expect((error as Error).cause).toBe(boom);
      await stream.aclose();
    });
  });

  test("aclose() closes the WritableStream and later sends raise ClosedResourceError", async () => {
    let closed = 0;
    const writable = new WritableStream<number>({ close: () => void closed++ });
    await run(async () => {
      const stream = fromWritableStream(writable);
      await stream.send(1);
      await stream.aclose();
      await stream.aclose();
      expect(closed).toBe(1);
      expect(await caught(stream.send(2))).toBeInstanceOf(ClosedResourceError);
    });
  });
});

describe("checkpoints", () => {
  test("fromReadableStream(): receive() and a for await step are checkpoints, also with a chunk ready", async () => {
    const { readable, controller } = manualReadable<string>();
    controller.enqueue("first");
    controller.enqueue("second");
    await run(async () => {
      const stream = fromReadableStream(readable);
      expect(await assertCheckpoints(() => stream.receive())).toBe("first");
      expect(await assertCheckpoints(() => stream[Symbol.asyncIterator]().next())).toEqual({
        done: false,
        value: "second",
      });
      await stream.aclose();
    });
  });

  test("fromReadableStream(): a receive() that waits for the source is a checkpoint", async () => {
    const { readable, controller } = manualReadable<string>();
    await inTaskGroup(async (tg) => {
      const stream = fromReadableStream(readable);
      tg.startSoon(async () => {
        await waitAllTasksBlocked();
        controller.enqueue("late");
      });
      expect(await assertCheckpoints(() => stream.receive())).toBe("late");
      await stream.aclose();
    });
  });

  test("fromReadableByteStream(): receive() is a checkpoint, also when served from the surplus of a chunk", async () => {
    const { readable, controller } = manualReadable<Uint8Array>();
    controller.enqueue(new Uint8Array([1, 2, 3, 4]));
    await run(async () => {
      const stream = fromReadableByteStream(readable);
      expect(await assertCheckpoints(() => stream.receive(2))).toEqual(new Uint8Array([1, 2]));
      expect(await assertCheckpoints(() => stream.receive(2))).toEqual(new Uint8Array([3, 4]));
      await stream.aclose();
    });
  });

  test("fromWritableStream(): send() is a checkpoint", async () => {
    const written: string[] = [];
    const writable = new WritableStream<string>({ write: (chunk) => void written.push(chunk) });
    await run(async () => {
      const stream = fromWritableStream(writable);
      await assertCheckpoints(() => stream.send("a"));
      await stream.aclose();
    });
    expect(written).toEqual(["a"]);
  });

  test("the from* adapters and their aclose() are no checkpoints", async () => {
    const { readable } = manualReadable<string>();
    const { readable: byteReadable } = manualReadable<Uint8Array>();
    const writable = new WritableStream<string>();
    await run(async () => {
      const stream = await assertNoCheckpoints(() => fromReadableStream(readable));
      const byteStream = await assertNoCheckpoints(() => fromReadableByteStream(byteReadable));
      const sendStream = await assertNoCheckpoints(() => fromWritableStream(writable));
      await assertNoCheckpoints(() => stream.aclose());
      await assertNoCheckpoints(() => byteStream.aclose());
      await assertNoCheckpoints(() => sendStream.aclose());
      expect(await caught(stream.receive())).toBeInstanceOf(ClosedResourceError);
      expect(await caught(sendStream.send("x"))).toBeInstanceOf(ClosedResourceError);
    });
  });

  test("toReadableStream() and toWritableStream() are no checkpoints", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    await run(async () => {
      expect(await assertNoCheckpoints(() => toReadableStream(receive))).toBeInstanceOf(ReadableStream);
      expect(await assertNoCheckpoints(() => toWritableStream(send))).toBeInstanceOf(WritableStream);
    });
    send.close();
    receive.close();
  });
});

describe("argument errors", () => {
  test("the from* adapters need a Web stream, checked at the call", () => {
    expect(() => fromReadableStream(null as never)).toThrow(
      new TypeError("Expected `readable` to be a ReadableStream (an object with getReader()), got `null` (object)"),
    );
    expect(() => fromReadableByteStream({} as never)).toThrow(
      new TypeError(
        "Expected `readable` to be a ReadableStream (an object with getReader()), got `[object Object]` (object)",
      ),
    );
    expect(() => fromWritableStream(undefined as never)).toThrow(
      new TypeError(
        "Expected `writable` to be a WritableStream (an object with getWriter()), got `undefined` (undefined)",
      ),
    );
  });

  test("the to* adapters need one of our streams, checked at the call", async () => {
    await run(() => {
      expect(() => toReadableStream(null as never)).toThrow(
        new TypeError(
          "Expected `receiveStream` to be a receive stream (an object with receive() and aclose()), got `null` (object)",
        ),
      );
      expect(() => toWritableStream(new WritableStream() as never)).toThrow(
        new TypeError(
          "Expected `sendStream` to be a send stream (an object with send() and aclose()), got `[object WritableStream]` (object)",
        ),
      );
    });
  });

  test("the to* adapters' options: an object, only highWaterMark, a number >= 0", async () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    await run(() => {
      expect(() => toReadableStream(receive, null as never)).toThrow(
        new TypeError("Expected `options` to be an object or undefined, got `null` (object)"),
      );
      expect(() => toWritableStream(send, { highWatermark: 4 } as never)).toThrow(
        new TypeError(
          "Unknown option `highWatermark` in `options`: did you mean `highWaterMark`? The only option is `highWaterMark`",
        ),
      );
      expect(() => toReadableStream(receive, { highWaterMark: "4" as never })).toThrow(
        new TypeError('Expected `highWaterMark` to be a number >= 0, got `"4"` (string)'),
      );
      expect(() => toWritableStream(send, { highWaterMark: -1 })).toThrow(
        new RangeError("Expected `highWaterMark` to be a number >= 0, got `-1` (number)"),
      );
      expect(() => toWritableStream(send, { highWaterMark: NaN })).toThrow(RangeError);
    });
    send.close();
    receive.close();
  });
});
