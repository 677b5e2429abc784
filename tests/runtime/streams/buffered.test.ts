/**
 * Buffered byte streams, re-expressed from AnyIO's tests/streams/test_buffered.py, plus what a
 * byte buffer must never do: lose bytes when a read fails part-way or is cancelled, or miss a
 * delimiter split across chunks.
 */
import {
  BufferedByteReceiveStream,
  BufferedByteStream,
  BufferedConnectable,
  CancelScope,
  Cancelled,
  ClosedResourceError,
  DelimiterNotFound,
  EndOfStream,
  IncompleteRead,
  StapledObjectStream,
  TypedAttributeProvider,
  checkpoint,
  createMemoryObjectStream,
  run,
  typedAttribute,
  waitAllTasksBlocked,
  type ByteReceiveStream,
  type ObjectStream,
  type TypedAttributeMap,
} from "anyio-ts";
import { assertCheckpoints, assertNoCheckpoints } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { inTaskGroup } from "../helpers";

const encoder = new TextEncoder();
const b = (text: string): Uint8Array => encoder.encode(text);
const s = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** A byte stream over a memory object stream of chunks that honours `maxBytes` by splitting. */
class ChunkedByteStream extends TypedAttributeProvider implements ByteReceiveStream {
  private pending: Uint8Array | undefined;
  readonly maxBytesSeen: number[] = [];
  constructor(private readonly chunks: { receive(): Promise<Uint8Array>; aclose(): Promise<void> }) {
    super();
  }
  async receive(maxBytes = 65536): Promise<Uint8Array> {
    this.maxBytesSeen.push(maxBytes);
    const chunk = this.pending ?? (await this.chunks.receive());
    this.pending = chunk.length > maxBytes ? chunk.subarray(maxBytes) : undefined;
    return chunk.subarray(0, maxBytes);
  }
  aclose(): Promise<void> {
    return this.chunks.aclose();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      try {
        yield await this.receive();
      } catch (error) {
        if (error instanceof EndOfStream) return;
        throw error;
      }
    }
  }
}

describe("BufferedByteReceiveStream.receiveExactly()", () => {
  test("joins chunks until it has exactly the requested number of bytes", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(2);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      await send.send(b("abcd"));
      await send.send(b("efgh"));
      const result = await buffered.receiveExactly(8);
      expect(result).toBeInstanceOf(Uint8Array);
      expect(s(result)).toBe("abcdefgh");
    });
    send.close();
    receive.close();
  });

  test("keeps the surplus of a chunk in the buffer for the next read", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(2);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      await send.send(b("abcdef"));
      expect(s(await buffered.receiveExactly(2))).toBe("ab");
      expect(s(buffered.buffer)).toBe("cdef");
      expect(s(await buffered.receiveExactly(4))).toBe("cdef");
      expect(buffered.buffer).toHaveLength(0);
    });
    send.close();
    receive.close();
  });

  test("asks a byte stream for no more than the bytes still missing", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(Infinity);
    const transport = new ChunkedByteStream(receive);
    const buffered = new BufferedByteReceiveStream(transport);
    await run(async () => {
      send.sendNowait(b("abcdefgh"));
      expect(s(await buffered.receiveExactly(3))).toBe("abc");
      expect(s(await buffered.receiveExactly(5))).toBe("defgh");
    });
    expect(transport.maxBytesSeen).toEqual([3, 5]);
    send.close();
    receive.close();
  });

  test("returns an empty array for 0 bytes and rejects a negative count", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      expect(await buffered.receiveExactly(0)).toHaveLength(0);
      const error = await caught(buffered.receiveExactly(-1));
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toBe("Expected `nbytes` to be an integer >= 0, got `-1` (number)");
    });
    send.close();
    receive.close();
  });

  test("raises IncompleteRead when the stream ends first, and keeps what it read in the buffer", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      await send.send(b("abcd"));
      await send.aclose();
      const error = await caught(buffered.receiveExactly(8));
      expect(error).toBeInstanceOf(IncompleteRead);
      expect((error as Error).cause).toBeInstanceOf(EndOfStream);
      expect(s(buffered.buffer)).toBe("abcd");
      expect(s(await buffered.receive())).toBe("abcd");
      await expect(buffered.receive()).rejects.toBeInstanceOf(EndOfStream);
    });
    receive.close();
  });

  test("a cancelled receiveExactly() keeps the bytes it already read", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(0);
    const buffered = new BufferedByteReceiveStream(receive);
    await inTaskGroup(async (tg) => {
      const scope = new CancelScope();
      tg.startSoon(() => scope.run(() => buffered.receiveExactly(6)));
      await send.send(b("ab"));
      await send.send(b("cd"));
      await waitAllTasksBlocked();
      scope.cancel();
      await waitAllTasksBlocked();
      expect(s(buffered.buffer)).toBe("abcd");
      tg.startSoon(() => send.send(b("efgh")));
      expect(s(await buffered.receiveExactly(6))).toBe("abcdef");
      expect(s(await buffered.receive())).toBe("gh");
    });
    send.close();
    receive.close();
  });
});

describe("BufferedByteReceiveStream.receiveUntil()", () => {
  test("returns the bytes before the delimiter and consumes the delimiter", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(2);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      await send.send(b("abcd"));
      await send.send(b("efgh"));
      const first = await buffered.receiveUntil(b("de"), 10);
      expect(first).toBeInstanceOf(Uint8Array);
      expect(s(first)).toBe("abc");
      expect(s(await buffered.receiveUntil(b("h"), 10))).toBe("fg");
    });
    send.close();
    receive.close();
  });

  test("finds a delimiter split across chunk boundaries", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(Infinity);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      for (const chunk of ["GET / HTTP/1.1\r", "\nHost: x\r\n", "\r", "\n", "body"]) send.sendNowait(b(chunk));
      expect(s(await buffered.receiveUntil(b("\r\n"), 100))).toBe("GET / HTTP/1.1");
      expect(s(await buffered.receiveUntil(b("\r\n\r\n"), 100))).toBe("Host: x");
      expect(s(await buffered.receive())).toBe("body");
    });
    send.close();
    receive.close();
  });

  test("finds a delimiter that arrives one byte per chunk, after partial matches", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(Infinity);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      for (const byte of b("xx--x---x--+rest")) send.sendNowait(new Uint8Array([byte]));
      expect(s(await buffered.receiveUntil(b("---x--+"), 100))).toBe("xx--x");
      expect(s(await buffered.receiveExactly(4))).toBe("rest");
    });
    send.close();
    receive.close();
  });

  test("serves consecutive lines from one chunk without reading more", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      await send.send(b("one\ntwo\nthree\n"));
      send.close();
      const lines = [];
      for (let i = 0; i < 3; i++) lines.push(s(await buffered.receiveUntil(b("\n"), 10)));
      expect(lines).toEqual(["one", "two", "three"]);
      await expect(buffered.receiveUntil(b("\n"), 10)).rejects.toBeInstanceOf(IncompleteRead);
    });
    receive.close();
  });

  test("raises IncompleteRead when the stream ends first, and keeps the bytes in the buffer", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      await send.send(b("abcd"));
      await send.aclose();
      await expect(buffered.receiveUntil(b("de"), 10)).rejects.toBeInstanceOf(IncompleteRead);
      expect(s(buffered.buffer)).toBe("abcd");
    });
    receive.close();
  });

  test("raises DelimiterNotFound once maxBytes are buffered without the delimiter, keeping them", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(Infinity);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      send.sendNowait(b("abc"));
      send.sendNowait(b("def"));
      const error = await caught(buffered.receiveUntil(b("\n"), 5));
      expect(error).toBeInstanceOf(DelimiterNotFound);
      expect((error as Error).message).toBe("The delimiter was not found among the first 5 bytes");
      expect(s(buffered.buffer)).toBe("abcdef");
    });
    send.close();
    receive.close();
  });

  test("still returns a delimiter found in a chunk that goes past maxBytes", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      await send.send(b("abcdefgh\n"));
      expect(s(await buffered.receiveUntil(b("\n"), 3))).toBe("abcdefgh");
    });
    send.close();
    receive.close();
  });

  test("rejects an empty delimiter and an invalid maxBytes", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      await expect(buffered.receiveUntil(new Uint8Array(0), 10)).rejects.toThrow(RangeError);
      await expect(buffered.receiveUntil(b("\n"), 0)).rejects.toThrow(
        "Expected `maxBytes` to be a positive integer, got `0` (number)",
      );
    });
    send.close();
    receive.close();
  });

  test("a cancelled receiveUntil() keeps the bytes it already read", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(0);
    const buffered = new BufferedByteReceiveStream(receive);
    await inTaskGroup(async (tg) => {
      const scope = new CancelScope();
      tg.startSoon(() => scope.run(() => buffered.receiveUntil(b("\n"), 100)));
      await send.send(b("partial "));
      await waitAllTasksBlocked();
      scope.cancel();
      await waitAllTasksBlocked();
      expect(scope.cancelledCaught).toBe(true);
      tg.startSoon(() => send.send(b("line\nnext")));
      expect(s(await buffered.receiveUntil(b("\n"), 100))).toBe("partial line");
      expect(s(buffered.buffer)).toBe("next");
    });
    send.close();
    receive.close();
  });
});

describe("BufferedByteReceiveStream.receive()", () => {
  test("serves the buffer first, up to maxBytes", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      buffered.feedData(b("abcdef"));
      await send.send(b("ghi"));
      expect(s(await buffered.receive(4))).toBe("abcd");
      expect(s(await buffered.receive())).toBe("ef");
      expect(s(await buffered.receive())).toBe("ghi");
    });
    send.close();
    receive.close();
  });

  test("splits a long chunk from an object stream and buffers the rest", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      await send.send(b("abcdef"));
      expect(s(await buffered.receive(2))).toBe("ab");
      expect(s(buffered.buffer)).toBe("cdef");
      expect(s(await buffered.receive(10))).toBe("cdef");
    });
    send.close();
    receive.close();
  });

  test("skips empty chunks from an object stream: it never returns an empty chunk", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(Infinity);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      send.sendNowait(new Uint8Array(0));
      send.sendNowait(b("x"));
      expect(s(await buffered.receive())).toBe("x");
    });
    send.close();
    receive.close();
  });

  test.each([0, -1, 1.5])("rejects maxBytes=%p with a RangeError", async (maxBytes) => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      const error = await caught(buffered.receive(maxBytes));
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toBe(
        `Expected \`maxBytes\` to be a positive integer, got \`${maxBytes}\` (number)`,
      );
    });
    send.close();
    receive.close();
  });

  test("is a checkpoint even when the buffer holds bytes, and a cancelled one takes nothing", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    buffered.feedData(b("kept"));
    await run(async () => {
      const scope = new CancelScope();
      const error = await scope.run(() => {
        const pending = buffered.receive();
        scope.cancel();
        return caught(pending);
      });
      expect(error).toBeInstanceOf(Cancelled);
      expect(s(buffered.buffer)).toBe("kept");
      expect(s(await buffered.receive())).toBe("kept");
    });
    send.close();
    receive.close();
  });

  test("iterates over chunks until the end of the stream", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(Infinity);
    const buffered = new BufferedByteReceiveStream(receive);
    buffered.feedData(b("a"));
    send.sendNowait(b("b"));
    send.sendNowait(b("c"));
    send.close();
    const chunks: string[] = [];
    await run(async () => {
      for await (const chunk of buffered) chunks.push(s(chunk));
    });
    expect(chunks).toEqual(["a", "b", "c"]);
    receive.close();
  });
});

describe("BufferedByteReceiveStream.feedData()", () => {
  test("fed bytes come out before anything not yet received from the wrapped stream", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteStream(new StapledObjectStream(send, receive));
    send.sendNowait(b("abcd"));
    buffered.feedData(b("xxx"));
    buffered.feedData([0x66, 0x6f, 0x6f]);
    await run(async () => {
      expect(s(await buffered.receiveExactly(10))).toBe("xxxfooabcd");
    });
    await run(() => buffered.aclose());
  });

  test("rejects what is not bytes", () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    expect(() => buffered.feedData(42 as never)).toThrow(TypeError);
    send.close();
    receive.close();
  });
});

describe("closing", () => {
  test("aclose() closes the wrapped stream, and receives then raise ClosedResourceError", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteReceiveStream(receive);
    buffered.feedData(b("left over"));
    await run(async () => {
      await buffered.aclose();
      expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);
      await expect(buffered.receive()).rejects.toBeInstanceOf(ClosedResourceError);
      await expect(buffered.receiveExactly(1)).rejects.toBeInstanceOf(ClosedResourceError);
      await expect(buffered.receiveUntil(b("\n"), 10)).rejects.toBeInstanceOf(ClosedResourceError);
    });
    send.close();
  });

  test("`await using` closes it", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    await run(async () => {
      await using buffered = new BufferedByteReceiveStream(receive);
      buffered.feedData(b("x"));
    });
    expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);
    send.close();
  });
});

describe("BufferedByteStream", () => {
  test("sends through, sendEof() finishes only the sending side, aclose() closes both", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteStream(new StapledObjectStream(send, receive));
    await run(async () => {
      await buffered.send(b("abcd"));
      expect(s(await buffered.receiveExactly(2))).toBe("ab");
      expect(s(await buffered.receiveExactly(2))).toBe("cd");
      await buffered.sendEof();
      expect(() => send.sendNowait(b("abc"))).toThrow(ClosedResourceError);
      expect(() => receive.receiveNowait()).toThrow(EndOfStream);
      await buffered.aclose();
      expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);
    });
  });

  test.each([0, -1])("rejects maxBytes=%p", async (maxBytes) => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteStream(new StapledObjectStream(send, receive));
    await run(async () => {
      await expect(buffered.receive(maxBytes)).rejects.toThrow(/^Expected `maxBytes` to be a positive integer/);
      await buffered.aclose();
    });
  });

  test("offers the wrapped stream's typed attributes", async () => {
    const answer = typedAttribute<number>("answer");
    class Tagged extends StapledObjectStream<Uint8Array> {
      override get extraAttributes(): TypedAttributeMap {
        return { ...super.extraAttributes, [answer]: () => 42 };
      }
    }
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const buffered = new BufferedByteStream(new Tagged(send, receive));
    expect(buffered.extra(answer)).toBe(42);
    expect(buffered.extra(typedAttribute<string>(), "none")).toBe("none");
    send.close();
    receive.close();
  });
});

describe("BufferedConnectable", () => {
  test("wraps every connected stream in a BufferedByteStream", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const memoryStream = new StapledObjectStream(send, receive);
    const connectable = new BufferedConnectable({
      connect: async (): Promise<ObjectStream<Uint8Array>> => memoryStream,
    });
    await run(async () => {
      await using stream = await connectable.connect();
      expect(stream).toBeInstanceOf(BufferedByteStream);
      await stream.send(b("abcd"));
      expect(s(await stream.receiveExactly(2))).toBe("ab");
      expect(s(await stream.receiveExactly(2))).toBe("cd");
    });
    expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);
  });
});

describe("checkpoints", () => {
  /** A buffered byte stream over a memory object stream (buffer of 10) with `chunks` ready in it. */
  function bufferedOver(...chunks: string[]) {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(10);
    for (const chunk of chunks) send.sendNowait(b(chunk));
    const buffered = new BufferedByteStream(new StapledObjectStream(send, receive));
    return { buffered, send, receive };
  }

  test.each<[string, (buffered: BufferedByteStream) => Promise<unknown>, string]>([
    ["receive()", (buffered) => buffered.receive(), "a|b"],
    ["receiveExactly()", (buffered) => buffered.receiveExactly(2), "a|"],
    ["receiveUntil()", (buffered) => buffered.receiveUntil(b("|"), 10), "a"],
    ["a for await step", async (buffered) => (await buffered[Symbol.asyncIterator]().next()).value, "a|b"],
  ])("%s served from the buffer is a checkpoint", async (_name, operation, expected) => {
    const { buffered } = bufferedOver();
    buffered.feedData(b("a|b"));
    await run(async () => {
      expect(s((await assertCheckpoints(() => operation(buffered))) as Uint8Array)).toBe(expected);
      await buffered.aclose();
    });
  });

  test.each<[string, (buffered: BufferedByteStream) => Promise<unknown>, string]>([
    ["receive()", (buffered) => buffered.receive(), "ab"],
    ["receiveExactly()", (buffered) => buffered.receiveExactly(4), "abc|"],
    ["receiveUntil()", (buffered) => buffered.receiveUntil(b("|"), 10), "abc"],
    ["a for await step", async (buffered) => (await buffered[Symbol.asyncIterator]().next()).value, "ab"],
  ])("%s that reads from the wrapped stream is a checkpoint", async (_name, operation, expected) => {
    const { buffered } = bufferedOver("ab", "c|d");
    await run(async () => {
      expect(s((await assertCheckpoints(() => operation(buffered))) as Uint8Array)).toBe(expected);
      await buffered.aclose();
    });
  });

  test("send() over a stream whose send() is a checkpoint is a checkpoint", async () => {
    const { buffered, receive } = bufferedOver();
    await run(async () => {
      await assertCheckpoints(() => buffered.send(b("abc")));
      expect(s(receive.receiveNowait())).toBe("abc");
      await buffered.aclose();
    });
  });

  test("sendEof() and aclose() over streams whose sendEof() and aclose() are no checkpoints are no checkpoints", async () => {
    const { buffered, send, receive } = bufferedOver();
    await run(async () => {
      await assertNoCheckpoints(() => buffered.sendEof());
      expect(() => send.sendNowait(b("x"))).toThrow(ClosedResourceError);
      await assertNoCheckpoints(() => buffered.aclose());
      expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);
    });
  });

  test("BufferedConnectable.connect() is a checkpoint when the wrapped connect() is", async () => {
    const { buffered: inner } = bufferedOver();
    const connectable = new BufferedConnectable({
      connect: async () => {
        await checkpoint();
        return inner;
      },
    });
    await run(async () => {
      const stream = await assertCheckpoints(() => connectable.connect());
      expect(stream).toBeInstanceOf(BufferedByteStream);
      await stream.aclose();
    });
  });

  test("feedData(), buffer and extraAttributes are no checkpoints", async () => {
    const { buffered } = bufferedOver();
    await run(async () => {
      await assertNoCheckpoints(() => buffered.feedData(b("fed")));
      expect(s(await assertNoCheckpoints(() => buffered.buffer))).toBe("fed");
      await assertNoCheckpoints(() => buffered.extraAttributes);
      await buffered.aclose();
    });
  });
});

describe("argument errors", () => {
  test("a wrapped stream that is null or lacks receive()/aclose() is a TypeError at construction", () => {
    expect(() => new BufferedByteReceiveStream(null as never)).toThrow(
      new TypeError(
        "Expected `receiveStream` to be a byte receive stream (an object with receive() and aclose()), got `null` (object)",
      ),
    );
    expect(() => new BufferedByteReceiveStream({ receive: async () => b("x") } as never)).toThrow(
      /^Expected `receiveStream` to be a byte receive stream \(an object with receive\(\) and aclose\(\)\), got `\[object Object\]` \(object\)$/,
    );
  });

  test("BufferedByteStream names its own parameter and needs the sending methods too", () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    expect(() => new BufferedByteStream(undefined as never)).toThrow(
      new TypeError(
        "Expected `stream` to be a byte stream (an object with receive(), send(), sendEof() and aclose()), got `undefined` (undefined)",
      ),
    );
    expect(() => new BufferedByteStream(receive as never)).toThrow(/^Expected `stream` to be a byte stream/);
    send.close();
    receive.close();
  });

  test("BufferedConnectable needs an object with connect()", () => {
    expect(() => new BufferedConnectable(null as never)).toThrow(
      new TypeError("Expected `connectable` to be a connectable (an object with connect()), got `null` (object)"),
    );
  });
});
