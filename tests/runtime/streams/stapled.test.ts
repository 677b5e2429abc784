/**
 * Stapled streams, re-expressed from AnyIO's tests/streams/test_stapled.py: a send stream and a
 * receive stream used as one two-way stream.
 */
import {
  ClosedResourceError,
  EndOfStream,
  MemoryObjectReceiveStream,
  StapledByteStream,
  StapledObjectStream,
  TypedAttributeProvider,
  WouldBlock,
  createMemoryObjectStream,
  run,
  typedAttribute,
  type ByteReceiveStream,
  type ByteSendStream,
  type ObjectSendStream,
  type TypedAttributeMap,
} from "anyio-ts";
import { assertCheckpoints, assertNoCheckpoints } from "anyio-ts/jest";
import { caught } from "../../helpers";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const side = typedAttribute<string>("side");
const sendOnly = typedAttribute<string>("sendOnly");

/** Collects what is sent to it. */
class DummyByteSendStream extends TypedAttributeProvider implements ByteSendStream {
  readonly sent: Uint8Array[] = [];
  closed = false;
  async send(data: Uint8Array): Promise<void> {
    if (this.closed) throw new ClosedResourceError();
    this.sent.push(data);
  }
  async aclose(): Promise<void> {
    this.closed = true;
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
  override get extraAttributes(): TypedAttributeMap {
    return { [side]: () => "send", [sendOnly]: () => "yes" };
  }
}

/** Serves a fixed buffer of bytes. */
class DummyByteReceiveStream extends TypedAttributeProvider implements ByteReceiveStream {
  closed = false;
  constructor(private data: Uint8Array) {
    super();
  }
  async receive(maxBytes = 65536): Promise<Uint8Array> {
    if (this.closed) throw new ClosedResourceError();
    if (this.data.length === 0) throw new EndOfStream();
    const chunk = this.data.subarray(0, maxBytes);
    this.data = this.data.subarray(chunk.length);
    return chunk;
  }
  async aclose(): Promise<void> {
    this.closed = true;
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    while (this.data.length > 0) yield await this.receive();
  }
  override get extraAttributes(): TypedAttributeMap {
    return { [side]: () => "receive" };
  }
}

function stapledBytes() {
  const send = new DummyByteSendStream();
  const receive = new DummyByteReceiveStream(utf8("hello, world"));
  return { send, receive, stapled: new StapledByteStream(send, receive) };
}

describe("StapledByteStream", () => {
  test("receives from the receive stream and sends to the send stream", async () => {
    const { send, stapled } = stapledBytes();
    await run(async () => {
      expect(text(await stapled.receive(3))).toBe("hel");
      expect(text(await stapled.receive())).toBe("lo, world");
      await expect(stapled.receive()).rejects.toBeInstanceOf(EndOfStream);
      await stapled.send(utf8("how are you "));
      await stapled.send(utf8("today?"));
    });
    expect(stapled.sendStream).toBe(send);
    expect(send.sent.map(text).join("")).toBe("how are you today?");
  });

  test("sendEof() closes the send stream; receiving continues", async () => {
    const { send, stapled } = stapledBytes();
    await run(async () => {
      await stapled.sendEof();
      expect(send.closed).toBe(true);
      await expect(stapled.send(utf8("x"))).rejects.toBeInstanceOf(ClosedResourceError);
      expect(text(await stapled.receive())).toBe("hello, world");
      await stapled.sendEof(); // again: nothing more happens
    });
  });

  test("aclose() closes both streams", async () => {
    const { send, receive, stapled } = stapledBytes();
    await run(async () => {
      await stapled.aclose();
      expect(send.closed && receive.closed).toBe(true);
      await expect(stapled.send(utf8("x"))).rejects.toBeInstanceOf(ClosedResourceError);
      await expect(stapled.receive()).rejects.toBeInstanceOf(ClosedResourceError);
    });
  });

  test("aclose() closes the receive stream even when closing the send stream fails", async () => {
    const { send, receive, stapled } = stapledBytes();
    send.aclose = async () => {
      throw new Error("send side failed to close");
    };
    await run(async () => {
      expect(((await caught(stapled.aclose())) as Error).message).toBe("send side failed to close");
    });
    expect(receive.closed).toBe(true);
  });

  test.each([0, -1])("rejects maxBytes=%p with a RangeError", async (maxBytes) => {
    const { stapled } = stapledBytes();
    await run(async () => {
      const error = await caught(stapled.receive(maxBytes));
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(/^Expected `maxBytes` to be a positive integer/);
    });
  });

  test("merges both streams' typed attributes, the receive stream winning", () => {
    const { stapled } = stapledBytes();
    expect(stapled.extra(side)).toBe("receive");
    expect(stapled.extra(sendOnly)).toBe("yes");
  });

  test("iterates over the received chunks", async () => {
    const { stapled } = stapledBytes();
    const chunks: string[] = [];
    await run(async () => {
      for await (const chunk of stapled) chunks.push(text(chunk));
    });
    expect(chunks).toEqual(["hello, world"]);
  });
});

describe("StapledObjectStream", () => {
  test("receives from the receive stream and sends to the send stream", async () => {
    const [toPeer, fromUs] = createMemoryObjectStream<string>(Infinity);
    const [toUs, fromPeer] = createMemoryObjectStream<string>(Infinity);
    const stapled = new StapledObjectStream(toPeer, fromPeer);
    toUs.sendNowait("hello");
    toUs.sendNowait("world");
    toUs.close();
    await run(async () => {
      expect(await stapled.receive()).toBe("hello");
      expect(await stapled.receive()).toBe("world");
      await expect(stapled.receive()).rejects.toBeInstanceOf(EndOfStream);
      await stapled.send("how are you ");
      await stapled.send("today?");
    });
    expect(stapled.sendStream).toBe(toPeer);
    expect([fromUs.receiveNowait(), fromUs.receiveNowait()]).toEqual(["how are you ", "today?"]);
    for (const end of [toPeer, fromUs, fromPeer]) end.close();
  });

  test("sendNowait() delegates to the send stream's sendNowait()", () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    const stapled = new StapledObjectStream(send, receive);
    stapled.sendNowait("hello");
    expect(() => stapled.sendNowait("full")).toThrow(WouldBlock);
    expect(receive.receiveNowait()).toBe("hello");
    send.close();
    receive.close();
  });

  test("sendNowait() raises a TypeError when the send stream has none", () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    const sendOnlyAsync: ObjectSendStream<string> = {
      send: (item) => send.send(item),
      aclose: () => send.aclose(),
      [Symbol.asyncDispose]: () => send.aclose(),
      extraAttributes: {},
      extra: send.extra.bind(send),
    };
    const stapled = new StapledObjectStream(sendOnlyAsync, receive);
    const error = caughtSync(() => stapled.sendNowait("x"));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^The send stream \(Object\) has no sendNowait\(\) method/);
    send.close();
    receive.close();
  });

  test("sendNowait() does not mask an error raised inside the delegate", () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    const stapled = new StapledObjectStream(send, receive);
    send.close();
    expect(() => stapled.sendNowait("x")).toThrow(ClosedResourceError);
    receive.close();
  });

  test("sendEof() closes the send stream; receiving continues", async () => {
    const [send, receive] = createMemoryObjectStream<string>(2);
    const stapled = new StapledObjectStream(send, receive);
    send.sendNowait("hello");
    send.sendNowait("world");
    await run(async () => {
      await stapled.sendEof();
      await expect(stapled.send("x")).rejects.toBeInstanceOf(ClosedResourceError);
      expect(await stapled.receive()).toBe("hello");
      expect(await stapled.receive()).toBe("world");
      await expect(stapled.receive()).rejects.toBeInstanceOf(EndOfStream);
    });
    receive.close();
  });

  test("aclose() closes both streams", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    const stapled = new StapledObjectStream(send, receive);
    await run(async () => {
      await stapled.aclose();
      await expect(stapled.send("x")).rejects.toBeInstanceOf(ClosedResourceError);
      await expect(stapled.receive()).rejects.toBeInstanceOf(ClosedResourceError);
    });
  });

  test("`await using` closes both streams; iteration ends at the end of the stream", async () => {
    const [send, receive] = createMemoryObjectStream<number>(Infinity);
    const items: number[] = [];
    await run(async () => {
      await using stapled = new StapledObjectStream(send, receive);
      await stapled.send(1);
      await stapled.send(2);
      await stapled.sendEof();
      for await (const item of stapled) items.push(item);
    });
    expect(items).toEqual([1, 2]);
    expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);
  });

  test("offers no attributes over memory object streams", () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    const stapled = new StapledObjectStream(send, receive);
    expect(Object.getOwnPropertySymbols(stapled.extraAttributes)).toEqual([]);
    expect(stapled.extra(side, null)).toBeNull();
    send.close();
    receive.close();
  });
});

function caughtSync(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected the operation to fail, but it completed normally");
}

describe("checkpoints", () => {
  /** The two ends of one memory object stream: stapled together, what is sent comes back. */
  function loopback<T>(bufferSize = 10) {
    const [send, receive] = createMemoryObjectStream<T>(bufferSize);
    return { send, receive };
  }

  test("StapledByteStream: receive(), send() and a for await step over memory object streams are checkpoints", async () => {
    const { send, receive } = loopback<Uint8Array>();
    const stapled = new StapledByteStream(send, receive);
    await run(async () => {
      await assertCheckpoints(() => stapled.send(utf8("ab")));
      await assertCheckpoints(() => stapled.send(utf8("cd")));
      expect(text(await assertCheckpoints(() => stapled.receive()))).toBe("ab");
      const step = await assertCheckpoints(() => stapled[Symbol.asyncIterator]().next());
      expect(text(step.value as Uint8Array)).toBe("cd");
      await stapled.aclose();
    });
  });

  test("StapledObjectStream: receive(), send() and a for await step over memory object streams are checkpoints", async () => {
    const { send, receive } = loopback<string>();
    const stapled = new StapledObjectStream(send, receive);
    await run(async () => {
      await assertCheckpoints(() => stapled.send("a"));
      await assertCheckpoints(() => stapled.send("b"));
      expect(await assertCheckpoints(() => stapled.receive())).toBe("a");
      expect(await assertCheckpoints(() => stapled[Symbol.asyncIterator]().next())).toEqual({
        done: false,
        value: "b",
      });
      await stapled.aclose();
    });
  });

  test("StapledObjectStream.sendNowait() is no checkpoint, whether it sends or raises WouldBlock", async () => {
    const { send, receive } = loopback<string>(1);
    const stapled = new StapledObjectStream(send, receive);
    await run(async () => {
      await assertNoCheckpoints(() => stapled.sendNowait("a"));
      expect(await caught(assertNoCheckpoints(() => stapled.sendNowait("b")))).toBeInstanceOf(WouldBlock);
      expect(receive.receiveNowait()).toBe("a");
      await stapled.aclose();
    });
  });

  test.each<[string, () => StapledByteStream | StapledObjectStream<Uint8Array>]>([
    [
      "StapledByteStream",
      () => {
        const { send, receive } = loopback<Uint8Array>();
        return new StapledByteStream(send, receive);
      },
    ],
    [
      "StapledObjectStream",
      () => {
        const { send, receive } = loopback<Uint8Array>();
        return new StapledObjectStream(send, receive);
      },
    ],
  ])(
    "%s: sendEof(), aclose() and extraAttributes over memory object streams are no checkpoints",
    async (_name, make) => {
      const stapled = make();
      await run(async () => {
        await assertNoCheckpoints(() => stapled.extraAttributes);
        await assertNoCheckpoints(() => stapled.sendEof());
        await assertNoCheckpoints(() => stapled.aclose());
      });
      expect(() => (stapled.receiveStream as MemoryObjectReceiveStream<Uint8Array>).receiveNowait()).toThrow(
        ClosedResourceError,
      );
    },
  );
});

describe("argument errors", () => {
  test("StapledByteStream checks both streams at construction", () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    expect(() => new StapledByteStream(null as never, receive)).toThrow(
      new TypeError(
        "Expected `sendStream` to be a byte send stream (an object with send() and aclose()), got `null` (object)",
      ),
    );
    expect(() => new StapledByteStream(send, null as never)).toThrow(
      new TypeError(
        "Expected `receiveStream` to be a byte receive stream (an object with receive() and aclose()), got `null` (object)",
      ),
    );
    send.close();
    receive.close();
  });

  test("StapledObjectStream checks both streams at construction, also that they are not swapped", () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    expect(() => new StapledObjectStream(null as never, receive)).toThrow(
      new TypeError(
        "Expected `sendStream` to be an object send stream (an object with send() and aclose()), got `null` (object)",
      ),
    );
    expect(() => new StapledObjectStream(send, undefined as never)).toThrow(
      new TypeError(
        "Expected `receiveStream` to be an object receive stream (an object with receive() and aclose()), got `undefined` (undefined)",
      ),
    );
    expect(() => new StapledObjectStream(receive as never, send as never)).toThrow(
      /^Expected `sendStream` to be an object send stream/,
    );
    send.close();
    receive.close();
  });
});
