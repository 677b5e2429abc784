/**
 * Text streams, re-expressed from AnyIO's tests/streams/test_text.py, plus multi-byte characters
 * split across chunks in several ways, other encodings, and the end of the stream in the middle of
 * a character.
 */
import {
  CancelScope,
  ClosedResourceError,
  EndOfStream,
  StapledObjectStream,
  TextReceiveStream,
  TextSendStream,
  TextConnectable,
  TextStream,
  checkpoint,
  createMemoryObjectStream,
  run,
  typedAttribute,
  waitAllTasksBlocked,
  type ObjectStream,
  type TypedAttributeMap,
} from "anyio-ts";
import { assertCheckpoints, assertNoCheckpoints } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { inTaskGroup } from "../helpers";

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("TextReceiveStream", () => {
  test("returns the complete characters and carries half a character over to the next chunk", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextReceiveStream(receive);
    await run(async () => {
      await send.send(bytes(0xc3, 0xa5, 0xc3, 0xa4, 0xc3)); // "åä" and half of "ö"
      expect(await text.receive()).toBe("åä");
      await send.send(bytes(0xb6));
      expect(await text.receive()).toBe("ö");
    });
    send.close();
    receive.close();
  });

  test('decodes "€" split 1 + 2 bytes, waiting for the rest instead of returning ""', async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(Infinity);
    const text = new TextReceiveStream(receive);
    const euro = utf8("€");
    expect(euro).toHaveLength(3);
    send.sendNowait(euro.subarray(0, 1));
    send.sendNowait(euro.subarray(1));
    await run(async () => {
      expect(await text.receive()).toBe("€");
    });
    send.close();
    receive.close();
  });

  test("decodes an emoji split across three chunks", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(Infinity);
    const text = new TextReceiveStream(receive);
    const emoji = utf8("a😀b");
    expect(emoji).toHaveLength(6);
    send.sendNowait(emoji.subarray(0, 2)); // "a" + 1 byte
    send.sendNowait(emoji.subarray(2, 4)); // 2 bytes
    send.sendNowait(emoji.subarray(4)); // last byte + "b"
    send.close();
    const pieces: string[] = [];
    await run(async () => {
      for await (const piece of text) pieces.push(piece);
    });
    expect(pieces).toEqual(["a", "😀b"]);
    receive.close();
  });

  test("decodes every way of splitting a mixed string into two chunks", async () => {
    const source = "x€😀é";
    const encoded = utf8(source);
    await run(async () => {
      for (let cut = 0; cut <= encoded.length; cut++) {
        const [send, receive] = createMemoryObjectStream<Uint8Array>(Infinity);
        const text = new TextReceiveStream(receive);
        send.sendNowait(encoded.subarray(0, cut));
        send.sendNowait(encoded.subarray(cut));
        send.close();
        let decoded = "";
        for await (const piece of text) {
          expect(piece).not.toBe("");
          decoded += piece;
        }
        expect(decoded).toBe(source);
        receive.close();
      }
    });
  });

  test('replaces invalid bytes with U+FFFD under errors: "replace"', async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextReceiveStream(receive, { errors: "replace" });
    await run(async () => {
      await send.send(bytes(0xe5, 0xe4, 0xf6)); // "åäö" in latin-1
      expect(await text.receive()).toBe("\ufffd\ufffd\ufffd");
    });
    send.close();
    receive.close();
  });

  test('raises a TypeError for invalid bytes under the default errors: "strict"', async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextReceiveStream(receive);
    await run(async () => {
      await send.send(bytes(0xe5, 0xe4, 0xf6));
      expect(await caught(text.receive())).toBeInstanceOf(TypeError);
    });
    send.close();
    receive.close();
  });

  test("decodes other encodings TextDecoder knows", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(Infinity);
    const latin1 = new TextReceiveStream(receive, { encoding: "latin1" });
    const [send16, receive16] = createMemoryObjectStream<Uint8Array>(Infinity);
    const utf16 = new TextReceiveStream(receive16, { encoding: "utf-16le" });
    expect(latin1.encoding).toBe("windows-1252");
    send.sendNowait(bytes(0xe5, 0xe4, 0xf6));
    send16.sendNowait(bytes(0x3d, 0xd8, 0x00)); // "😀" is 3d d8 00 de in UTF-16LE
    send16.sendNowait(bytes(0xde));
    await run(async () => {
      expect(await latin1.receive()).toBe("åäö");
      expect(await utf16.receive()).toBe("😀");
    });
    for (const end of [send, receive, send16, receive16]) end.close();
  });

  test("rejects an unknown encoding and an unknown error mode", () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    expect(() => new TextReceiveStream(receive, { encoding: "no-such-encoding" })).toThrow(RangeError);
    expect(() => new TextReceiveStream(receive, { errors: "ignore" as never })).toThrow(
      'Expected `errors` to be "strict" or "replace", got `"ignore"` (string)',
    );
    send.close();
    receive.close();
  });

  test('at the end of the stream, half a character raises under "strict" and becomes U+FFFD under "replace"', async () => {
    await run(async () => {
      for (const errors of ["strict", "replace"] as const) {
        const [send, receive] = createMemoryObjectStream<Uint8Array>(Infinity);
        const text = new TextReceiveStream(receive, { errors });
        send.sendNowait(bytes(0x61, 0xe2, 0x82)); // "a" and 2 of the 3 bytes of "€"
        send.close();
        expect(await text.receive()).toBe("a");
        if (errors === "strict") expect(await caught(text.receive())).toBeInstanceOf(TypeError);
        else expect(await text.receive()).toBe("\ufffd");
        await expect(text.receive()).rejects.toBeInstanceOf(EndOfStream);
        receive.close();
      }
    });
  });

  test("a cancelled receive keeps the half character it already read", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(0);
    const text = new TextReceiveStream(receive);
    await inTaskGroup(async (tg) => {
      const scope = new CancelScope();
      tg.startSoon(() => scope.run(() => text.receive()));
      await send.send(bytes(0xe2)); // the first byte of "€"
      await waitAllTasksBlocked();
      scope.cancel();
      await waitAllTasksBlocked();
      expect(scope.cancelledCaught).toBe(true);
      tg.startSoon(() => send.send(bytes(0x82, 0xac)));
      expect(await text.receive()).toBe("€");
    });
    send.close();
    receive.close();
  });

  test("aclose() closes the transport", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextReceiveStream(receive);
    await run(async () => {
      await text.aclose();
      await expect(text.receive()).rejects.toBeInstanceOf(ClosedResourceError);
    });
    send.close();
  });
});

describe("TextSendStream", () => {
  test("encodes each string as UTF-8", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextSendStream(send);
    await run(async () => {
      await text.send("åäö");
      expect(await receive.receive()).toEqual(bytes(0xc3, 0xa5, 0xc3, 0xa4, 0xc3, 0xb6));
    });
    send.close();
    receive.close();
  });

  test("needs an encode function for encodings other than UTF-8, and uses it", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    expect(() => new TextSendStream(send, { encoding: "iso-8859-1" })).toThrow(
      /^TextEncoder only encodes UTF-8, got encoding `"iso-8859-1"` \(string\); pass an `encode` function/,
    );
    const latin1 = (value: string) => Uint8Array.from(value, (c) => (c.charCodeAt(0) < 256 ? c.charCodeAt(0) : 0x3f));
    const text = new TextSendStream(send, { encoding: "iso-8859-1", encode: latin1 });
    await run(async () => {
      await text.send("å€");
      expect(await receive.receive()).toEqual(bytes(0xe5, 0x3f));
    });
    send.close();
    receive.close();
  });

  test('rejects a lone surrogate under "strict" and replaces it under "replace"', async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const strict = new TextSendStream(send);
    const lenient = new TextSendStream(send, { errors: "replace" });
    await run(async () => {
      expect(await caught(strict.send("a\ud800"))).toBeInstanceOf(TypeError);
      await lenient.send("a\ud800");
      expect(await receive.receive()).toEqual(utf8("a\ufffd"));
      await strict.send("😀"); // a surrogate pair is fine
      expect(await receive.receive()).toEqual(utf8("😀"));
    });
    send.close();
    receive.close();
  });

  test("aclose() closes the transport", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextSendStream(send);
    await run(async () => {
      await text.aclose();
      await expect(text.send("x")).rejects.toBeInstanceOf(ClosedResourceError);
    });
    receive.close();
  });
});

describe("TextStream", () => {
  test("encodes what it sends and decodes what it receives", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextStream(new StapledObjectStream(send, receive));
    await run(async () => {
      await text.send("åäö");
      expect(await receive.receive()).toEqual(bytes(0xc3, 0xa5, 0xc3, 0xa4, 0xc3, 0xb6));
      await send.send(bytes(0xc3, 0xa6, 0xc3, 0xb8));
      expect(await text.receive()).toBe("æø");
      expect(Object.getOwnPropertySymbols(text.extraAttributes)).toEqual([]);
    });
    send.close();
    receive.close();
  });

  test("sendEof() finishes the sending side only; aclose() closes the transport", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextStream(new StapledObjectStream(send, receive));
    await run(async () => {
      await text.sendEof();
      expect(() => send.sendNowait(utf8("x"))).toThrow(ClosedResourceError);
      await expect(text.receive()).rejects.toBeInstanceOf(EndOfStream);
      await text.aclose();
      expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);
    });
  });

  test("offers the transport's typed attributes", async () => {
    const tag = typedAttribute<string>("tag");
    class Tagged extends StapledObjectStream<Uint8Array> {
      override get extraAttributes(): TypedAttributeMap {
        return { [tag]: () => "transport" };
      }
    }
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextStream(new Tagged(send, receive));
    expect(text.extra(tag)).toBe("transport");
    send.close();
    receive.close();
  });
});

describe("TextConnectable", () => {
  test("wraps every connected stream in a TextStream", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const memoryStream = new StapledObjectStream(send, receive);
    const connectable = new TextConnectable({ connect: async (): Promise<ObjectStream<Uint8Array>> => memoryStream });
    await run(async () => {
      await using stream = await connectable.connect();
      expect(stream).toBeInstanceOf(TextStream);
      await stream.send("hello");
      expect(await stream.receive()).toBe("hello");
    });
    expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);
  });

  test("rejects bad options when constructed", () => {
    const connectable = { connect: async (): Promise<ObjectStream<Uint8Array>> => Promise.reject(new Error("unused")) };
    expect(() => new TextConnectable(connectable, { encoding: "nope" })).toThrow(RangeError);
    expect(() => new TextConnectable(connectable, { errors: "ignore" as never })).toThrow(RangeError);
  });
});

describe("checkpoints", () => {
  test("TextReceiveStream: receive() and a for await step are checkpoints, also when a character spans chunks", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(Infinity);
    const text = new TextReceiveStream(receive);
    const euro = utf8("€");
    send.sendNowait(utf8("a"));
    send.sendNowait(euro.subarray(0, 1));
    send.sendNowait(euro.subarray(1));
    send.sendNowait(utf8("b"));
    await run(async () => {
      expect(await assertCheckpoints(() => text.receive())).toBe("a");
      expect(await assertCheckpoints(() => text.receive())).toBe("€");
      expect(await assertCheckpoints(() => text[Symbol.asyncIterator]().next())).toEqual({ done: false, value: "b" });
    });
    send.close();
    receive.close();
  });

  test("TextSendStream.send() is a checkpoint", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const text = new TextSendStream(send);
    await run(() => assertCheckpoints(() => text.send("å")));
    expect(receive.receiveNowait()).toEqual(bytes(0xc3, 0xa5));
    send.close();
    receive.close();
  });

  test("TextStream: receive(), send() and a for await step are checkpoints", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(10);
    const text = new TextStream(new StapledObjectStream(send, receive));
    await run(async () => {
      await assertCheckpoints(() => text.send("ab"));
      await assertCheckpoints(() => text.send("cd"));
      expect(await assertCheckpoints(() => text.receive())).toBe("ab");
      expect(await assertCheckpoints(() => text[Symbol.asyncIterator]().next())).toEqual({ done: false, value: "cd" });
      await text.aclose();
    });
  });

  test("TextConnectable.connect() is a checkpoint when the wrapped connect() is", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const connectable = new TextConnectable({
      connect: async (): Promise<ObjectStream<Uint8Array>> => {
        await checkpoint();
        return new StapledObjectStream(send, receive);
      },
    });
    await run(async () => {
      const stream = await assertCheckpoints(() => connectable.connect());
      expect(stream).toBeInstanceOf(TextStream);
      await stream.aclose();
    });
  });

  test("over memory object streams, whose aclose() is no checkpoint, sendEof(), aclose() and extraAttributes are no checkpoints", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const [send2, receive2] = createMemoryObjectStream<Uint8Array>(1);
    const [send3, receive3] = createMemoryObjectStream<Uint8Array>(1);
    const textReceive = new TextReceiveStream(receive);
    const textSend = new TextSendStream(send2);
    const textStream = new TextStream(new StapledObjectStream(send3, receive3));
    await run(async () => {
      for (const stream of [textReceive, textSend, textStream]) await assertNoCheckpoints(() => stream.extraAttributes);
      await assertNoCheckpoints(() => textStream.sendEof());
      expect(() => send3.sendNowait(utf8("x"))).toThrow(ClosedResourceError);
      for (const stream of [textReceive, textSend, textStream]) await assertNoCheckpoints(() => stream.aclose());
    });
    expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);
    expect(() => send2.sendNowait(utf8("x"))).toThrow(ClosedResourceError);
    expect(() => receive3.receiveNowait()).toThrow(ClosedResourceError);
    send.close();
    receive2.close();
  });
});

describe("argument errors", () => {
  test("a null or wrong transport stream is a TypeError at construction", () => {
    expect(() => new TextReceiveStream(null as never)).toThrow(
      new TypeError(
        "Expected `transportStream` to be a byte receive stream (an object with receive() and aclose()), got `null` (object)",
      ),
    );
    expect(() => new TextSendStream(null as never)).toThrow(
      new TypeError(
        "Expected `transportStream` to be a byte send stream (an object with send() and aclose()), got `null` (object)",
      ),
    );
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    expect(() => new TextStream(receive as never)).toThrow(
      /^Expected `transportStream` to be a byte stream \(an object with receive\(\), send\(\), sendEof\(\) and aclose\(\)\), got `<MemoryObjectReceiveStream /,
    );
    expect(() => new TextConnectable(5 as never)).toThrow(
      new TypeError("Expected `connectable` to be a connectable (an object with connect()), got `5` (number)"),
    );
    send.close();
    receive.close();
  });

  test("options must be an object without unknown keys", () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    expect(() => new TextReceiveStream(receive, null as never)).toThrow(
      new TypeError("Expected `options` to be an object or undefined, got `null` (object)"),
    );
    expect(() => new TextReceiveStream(receive, { encodng: "latin1" } as never)).toThrow(
      new TypeError(
        "Unknown option `encodng` in `options`: did you mean `encoding`? The options are `encoding` and `errors`",
      ),
    );
    expect(() => new TextReceiveStream(receive, { encode: (text: string) => utf8(text) } as never)).toThrow(
      new TypeError("Unknown option `encode` in `options`. The options are `encoding` and `errors`"),
    );
    expect(() => new TextSendStream(send, { error: "replace" } as never)).toThrow(
      new TypeError(
        "Unknown option `error` in `options`: did you mean `errors`? The options are `encoding`, `errors` and `encode`",
      ),
    );
    const connectable = { connect: async (): Promise<ObjectStream<Uint8Array>> => Promise.reject(new Error("unused")) };
    expect(() => new TextConnectable(connectable, { newline: "\\n" } as never)).toThrow(
      new TypeError("Unknown option `newline` in `options`. The options are `encoding`, `errors` and `encode`"),
    );
    send.close();
    receive.close();
  });

  test("TextStream takes the options of both directions", () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    const stream = new StapledObjectStream(send, receive);
    const text = new TextStream(stream, {
      encoding: "utf-8",
      errors: "replace",
      encode: (piece: string) => utf8(piece),
    });
    expect(text).toBeInstanceOf(TextStream);
    expect(() => new TextStream(stream, { encodings: "utf-8" } as never)).toThrow(
      new TypeError(
        "Unknown option `encodings` in `options`: did you mean `encoding`? The options are `encoding`, `errors` and `encode`",
      ),
    );
    send.close();
    receive.close();
  });

  test("an encoding or errors that is not a string, or an encode that is not a function, is a TypeError", () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
    expect(() => new TextReceiveStream(receive, { encoding: 8 as never })).toThrow(
      new TypeError("Expected `encoding` to be a string, got `8` (number)"),
    );
    expect(() => new TextSendStream(send, { encoding: false as never })).toThrow(
      new TypeError("Expected `encoding` to be a string, got `false` (boolean)"),
    );
    expect(() => new TextSendStream(send, { errors: 1 as never })).toThrow(
      new TypeError('Expected `errors` to be "strict" or "replace", got `1` (number)'),
    );
    const connectable = { connect: async (): Promise<ObjectStream<Uint8Array>> => Promise.reject(new Error("unused")) };
    expect(() => new TextConnectable(connectable, { encode: "utf-8" as never })).toThrow(
      new TypeError('Expected `encode` to be a function, got `"utf-8"` (string)'),
    );
    send.close();
    receive.close();
  });
});
