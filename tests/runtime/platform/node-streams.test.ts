/**
 * Adapters between our streams and Node streams (runtime/platform/node/streams.ts): round trips,
 * backpressure (counted, never timed), end and close propagation, errors mapped to
 * BrokenResourceError, and cancellation of blocked operations leaving the data intact.
 */
import { Duplex, PassThrough, Readable, Writable } from "node:stream";
import {
  BrokenResourceError,
  CancelScope,
  Cancelled,
  ClosedResourceError,
  EndOfStream,
  createMemoryObjectStream,
  createTaskGroup,
  fromNodeDuplex,
  fromNodeReadable,
  fromNodeWritable,
  run,
  toNodeDuplex,
  toNodeReadable,
  toNodeWritable,
} from "anyio-ts";
import { caught } from "../../helpers";
import { inTaskGroup, settle, settleUntil } from "../helpers";

/** A Writable whose writes complete only when the test releases them. */
function gatedWritable(options: { objectMode?: boolean; highWaterMark?: number } = {}) {
  const written: unknown[] = [];
  const gates: Array<() => void> = [];
  const writable = new Writable({
    ...options,
    write(chunk, _encoding, callback) {
      gates.push(() => {
        written.push(chunk);
        callback();
      });
    },
  });
  const releaseAll = () => {
    while (gates.length > 0) gates.shift()!();
  };
  return { writable, written, gates, releaseAll };
}

describe("fromNodeReadable()", () => {
  test("receives the objects of an object-mode Readable, then EndOfStream", async () => {
    await run(async () => {
      const stream = fromNodeReadable<string>(Readable.from(["a", "b", "c"]));
      const seen: string[] = [];
      for await (const item of stream) seen.push(item);
      expect(seen).toEqual(["a", "b", "c"]);
      expect(await caught(stream.receive())).toBeInstanceOf(EndOfStream);
      await stream.aclose();
    });
  });

  test("byte mode honours maxBytes and puts the surplus back", async () => {
    const source = new PassThrough();
    source.end(Buffer.from([1, 2, 3, 4, 5, 6]));
    await run(async () => {
      const stream = fromNodeReadable(source);
      expect(await stream.receive(4)).toEqual(new Uint8Array([1, 2, 3, 4]));
      expect(await stream.receive(4)).toEqual(new Uint8Array([5, 6]));
      expect(await caught(stream.receive())).toBeInstanceOf(EndOfStream);
      expect(await caught(stream.receive(0))).toBeInstanceOf(RangeError);
      expect(await caught(stream.receive(null as unknown as number))).toBeInstanceOf(TypeError);
      await stream.aclose();
    });
  });

  test("reads the source only up to its highWaterMark while nobody receives (backpressure)", async () => {
    let produced = 0;
    const source = new Readable({
      objectMode: true,
      highWaterMark: 2,
      read() {
        if (produced < 1000) this.push(produced++);
      },
    });
    await run(async () => {
      const stream = fromNodeReadable<number>(source);
      expect(await stream.receive()).toBe(0);
      await settle();
      expect(produced).toBeLessThanOrEqual(5);
      expect(await stream.receive()).toBe(1);
      await stream.aclose();
    });
    expect(source.destroyed).toBe(true);
  });

  test("a receive cancelled while waiting takes nothing; the chunk goes to the next receive", async () => {
    const source = new PassThrough({ objectMode: true });
    await run(async () => {
      const stream = fromNodeReadable<string>(source);
      const scope = new CancelScope();
      let reached = false;
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(() =>
          scope.run(async () => {
            await stream.receive();
            reached = true;
          }),
        );
        await settle();
        scope.cancel();
      });
      expect(reached).toBe(false);
      source.write("kept");
      await settle();
      expect(await stream.receive()).toBe("kept");
      const early = new CancelScope();
      const error = await early.run(() => {
        early.cancel();
        source.write("also kept");
        return caught(stream.receive());
      });
      expect(error).toBeInstanceOf(Cancelled);
      expect(await stream.receive()).toBe("also kept");
      await stream.aclose();
    });
  });

  test("an 'error' becomes BrokenResourceError with the cause", async () => {
    const source = new PassThrough();
    const boom = new Error("boom");
    await inTaskGroup(async (tg) => {
      const stream = fromNodeReadable(source);
      let error: unknown;
      tg.startSoon(async () => {
        error = await caught(stream.receive());
      });
      await settle();
      source.destroy(boom);
      await settleUntil(() => error !== undefined);
      expect(error).toBeInstanceOf(BrokenResourceError);
      expect((error as Error).cause).toBe(boom);
      await stream.aclose();
    });
  });

  test("aclose() destroys the Readable and fails a waiting receive with ClosedResourceError", async () => {
    const source = new PassThrough();
    await inTaskGroup(async (tg) => {
      const stream = fromNodeReadable(source);
      let error: unknown;
      tg.startSoon(async () => {
        error = await caught(stream.receive());
      });
      await settle();
      await stream.aclose();
      await settleUntil(() => error !== undefined);
      expect(error).toBeInstanceOf(ClosedResourceError);
      expect(source.destroyed).toBe(true);
    });
  });
});

describe("fromNodeWritable()", () => {
  test("send() waits for 'drain' once write() returned false (backpressure)", async () => {
    const { writable, written, releaseAll } = gatedWritable({ objectMode: true, highWaterMark: 2 });
    let sent = 0;
    await inTaskGroup(async (tg) => {
      const stream = fromNodeWritable<number>(writable);
      tg.startSoon(async () => {
        for (let i = 0; i < 20; i++) {
          await stream.send(i);
          sent++;
        }
        await stream.aclose();
      });
      await settleUntil(() => sent >= 2);
      expect(sent).toBeLessThanOrEqual(3);
      while (written.length < 20) {
        releaseAll();
        await settle();
      }
    });
    expect(sent).toBe(20);
    expect(written).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(writable.writableFinished).toBe(true);
  });

  test("a send cancelled while waiting for 'drain' writes nothing", async () => {
    const { writable, written, gates, releaseAll } = gatedWritable({ objectMode: true, highWaterMark: 1 });
    await run(async () => {
      const stream = fromNodeWritable<string>(writable);
      await stream.send("one"); // write() returned false: the next send waits for 'drain'
      const scope = new CancelScope();
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(() => scope.run(() => stream.send("never")));
        await settle();
        scope.cancel();
      });
      releaseAll();
      await settle();
      await stream.send("two");
      await settleUntil(() => gates.length > 0);
      releaseAll();
      await stream.aclose();
    });
    expect(written).toEqual(["one", "two"]);
  });

  test("an 'error' becomes BrokenResourceError with the cause", async () => {
    const boom = new Error("EPIPE");
    const writable = new Writable({
      write(_chunk, _encoding, callback) {
        callback(boom);
      },
    });
    await run(async () => {
      const stream = fromNodeWritable(writable);
      await stream.send(new Uint8Array([1]));
      await settle();
      const error = await caught(stream.send(new Uint8Array([2])));
      expect(error).toBeInstanceOf(BrokenResourceError);
      expect((error as Error).cause).toBe(boom);
      await stream.aclose();
      expect(await caught(stream.send(new Uint8Array([3])))).toBeInstanceOf(ClosedResourceError);
    });
  });
});

describe("toNodeReadable()", () => {
  test("streams a memory object stream into a Node consumer, then ends", async () => {
    const [send, receive] = createMemoryObjectStream<string>(Infinity);
    for (const s of ["a", "b", "c"]) send.sendNowait(s);
    send.close();
    const seen: string[] = [];
    await run(async () => {
      const readable = toNodeReadable(receive, { objectMode: true });
      for await (const item of readable) seen.push(item as string);
    });
    expect(seen).toEqual(["a", "b", "c"]);
    expect(receive.statistics().openReceiveStreams).toBe(0); // closed when the Readable was destroyed
  });

  test("receives only up to the highWaterMark when nobody reads (backpressure)", async () => {
    const [send, receive] = createMemoryObjectStream<number>(Infinity);
    for (let i = 0; i < 100; i++) send.sendNowait(i);
    await run(async () => {
      const readable = toNodeReadable(receive, { objectMode: true, highWaterMark: 3 });
      readable.read(0); // start filling
      await settleUntil(() => receive.statistics().currentBufferUsed <= 97);
      expect(receive.statistics().currentBufferUsed).toBeGreaterThanOrEqual(96);
      readable.destroy();
      await settle();
    });
    expect(receive.statistics().openReceiveStreams).toBe(0);
    send.close();
  });

  test("bytes round trip: memory stream → Readable → fromNodeReadable", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(Infinity);
    send.sendNowait(new Uint8Array([1, 2]));
    send.sendNowait(new Uint8Array([3]));
    send.close();
    const bytes: number[] = [];
    await run(async () => {
      const stream = fromNodeReadable(toNodeReadable(receive));
      for await (const chunk of stream) bytes.push(...chunk);
      await stream.aclose();
    });
    expect(bytes).toEqual([1, 2, 3]);
  });
});

describe("toNodeWritable()", () => {
  test("a Node producer piping into a memory object stream, with end() closing it", async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    const seen: string[] = [];
    await inTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        for await (const item of receive) seen.push(item);
      });
      const writable = toNodeWritable(send, { objectMode: true });
      Readable.from(["x", "y", "z"]).pipe(writable);
      await settleUntil(() => writable.writableFinished);
    });
    expect(seen).toEqual(["x", "y", "z"]);
    receive.close();
  });

  test("write() returns false while our stream is full (backpressure)", async () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    await run(async () => {
      const writable = toNodeWritable(send, { objectMode: true, highWaterMark: 2 });
      const results: boolean[] = [];
      for (let i = 0; i < 5; i++) results.push(writable.write(i));
      expect(results.slice(0, 1)).toEqual([true]);
      expect(results[results.length - 1]).toBe(false);
      await settle();
      expect(receive.statistics().currentBufferUsed).toBe(1);
      writable.destroy();
      await settle();
    });
    expect(send.statistics().openSendStreams).toBe(0);
    receive.close();
  });

  test("an error from our stream destroys the Writable with it", async () => {
    const [send, receive] = createMemoryObjectStream<number>(1);
    receive.close();
    await run(async () => {
      const writable = toNodeWritable(send, { objectMode: true });
      const failure = new Promise<unknown>((resolve) => writable.on("error", resolve));
      writable.write(1);
      expect(await failure).toBeInstanceOf(BrokenResourceError);
    });
  });
});

describe("Duplex adapters", () => {
  test("fromNodeDuplex(): send and receive through a PassThrough, sendEof() ends the writable side", async () => {
    await run(async () => {
      const stream = fromNodeDuplex(new PassThrough());
      await stream.send(new Uint8Array([7, 8, 9]));
      await stream.sendEof();
      expect(await stream.receive(2)).toEqual(new Uint8Array([7, 8]));
      expect(await stream.receive()).toEqual(new Uint8Array([9]));
      expect(await caught(stream.receive())).toBeInstanceOf(EndOfStream);
      expect(await caught(stream.send(new Uint8Array([1])))).toBeInstanceOf(ClosedResourceError);
      await stream.aclose();
    });
  });

  test("errors of a destroyed Duplex name it a Duplex on both sides", async () => {
    await run(async () => {
      const duplex = new PassThrough();
      const stream = fromNodeDuplex(duplex);
      duplex.destroy();
      const receiveError = await caught(stream.receive());
      const sendError = await caught(stream.send(new Uint8Array([1])));
      expect(receiveError).toBeInstanceOf(BrokenResourceError);
      expect(sendError).toBeInstanceOf(BrokenResourceError);
      expect((receiveError as Error).message).toBe("The Node Duplex failed: the stream was destroyed before it ended");
      expect((sendError as Error).message).toBe("The Node Duplex failed: the stream was destroyed or ended");
      await stream.aclose();
    });
  });

  test("toNodeDuplex(): a Node peer talks to our byte stream, end() half-closes", async () => {
    // Our side: a stapled-like byte stream made of two memory streams.
    const [toUs, fromPeer] = createMemoryObjectStream<Uint8Array>(Infinity);
    const [toPeer, fromUs] = createMemoryObjectStream<Uint8Array>(Infinity);
    let eofSent = false;
    const ours = {
      receive: () => fromUs.receive(),
      send: (data: Uint8Array) => toUs.send(data),
      sendEof: async () => {
        eofSent = true;
        toUs.close();
      },
      aclose: async () => {
        toUs.close();
        fromUs.close();
      },
    };
    toPeer.sendNowait(new Uint8Array([1, 2, 3]));
    toPeer.close();
    const readBack: number[] = [];
    await run(async () => {
      const duplex: Duplex = toNodeDuplex(ours);
      duplex.write(Buffer.from([4, 5]));
      duplex.end();
      for await (const chunk of duplex) readBack.push(...(chunk as Buffer));
      await settleUntil(() => eofSent);
    });
    expect(readBack).toEqual([1, 2, 3]);
    expect(eofSent).toBe(true);
    expect(fromPeer.receiveNowait()).toEqual(new Uint8Array([4, 5]));
    expect(() => fromPeer.receiveNowait()).toThrow(EndOfStream);
    fromPeer.close();
  });
});

describe("argument errors", () => {
  test("the fromNode* adapters need a Node stream, checked at the call", () => {
    expect(() => fromNodeReadable(null as never)).toThrow(
      new TypeError(
        "Expected `readable` to be a Node Readable (an object with read(), unshift(), on() and destroy()), got `null` (object)",
      ),
    );
    expect(() => fromNodeWritable(new Readable() as never)).toThrow(
      /^Expected `writable` to be a Node Writable \(an object with write\(\), end\(\) and on\(\)\), got `\[object Object\]` \(object\)$/,
    );
    expect(() => fromNodeDuplex(undefined as never)).toThrow(
      new TypeError(
        "Expected `duplex` to be a Node Duplex (an object with read(), unshift(), write(), end(), on() and destroy()), got `undefined` (undefined)",
      ),
    );
  });

  test("fromNodeReadable's options: an object, only bytes, a boolean", () => {
    const source = new PassThrough();
    expect(() => fromNodeReadable(source, null as never)).toThrow(
      new TypeError("Expected `options` to be an object or undefined, got `null` (object)"),
    );
    expect(() => fromNodeReadable(source, { byte: true } as never)).toThrow(
      new TypeError("Unknown option `byte` in `options`: did you mean `bytes`? The only option is `bytes`"),
    );
    expect(() => fromNodeReadable(source, { bytes: "yes" as never })).toThrow(
      new TypeError('Expected `bytes` to be a boolean, got `"yes"` (string)'),
    );
    source.destroy();
  });

  test("the toNode* adapters need one of our streams and check their options, at the call", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    await run(() => {
      expect(() => toNodeReadable(null as never)).toThrow(
        new TypeError(
          "Expected `receiveStream` to be a receive stream (an object with receive() and aclose()), got `null` (object)",
        ),
      );
      expect(() => toNodeWritable(receive as never)).toThrow(
        /^Expected `sendStream` to be a send stream \(an object with send\(\) and aclose\(\)\)/,
      );
      expect(() => toNodeDuplex(send as never)).toThrow(
        /^Expected `byteStream` to be a byte stream \(an object with receive\(\), send\(\), sendEof\(\) and aclose\(\)\)/,
      );
      expect(() => toNodeReadable(receive, null as never)).toThrow(
        new TypeError("Expected `options` to be an object or undefined, got `null` (object)"),
      );
      expect(() => toNodeWritable(send, { objectmode: true } as never)).toThrow(
        new TypeError(
          "Unknown option `objectmode` in `options`: did you mean `objectMode`? The options are `objectMode` and `highWaterMark`",
        ),
      );
      expect(() => toNodeReadable(receive, { objectMode: 1 as never })).toThrow(
        new TypeError("Expected `objectMode` to be a boolean, got `1` (number)"),
      );
      expect(() => toNodeWritable(send, { highWaterMark: 1.5 })).toThrow(
        new RangeError("Expected `highWaterMark` to be an integer >= 0, got `1.5` (number)"),
      );
      expect(() => toNodeReadable(receive, { highWaterMark: "16" as never })).toThrow(
        new TypeError('Expected `highWaterMark` to be an integer >= 0, got `"16"` (string)'),
      );
    });
    send.close();
    receive.close();
  });
});
