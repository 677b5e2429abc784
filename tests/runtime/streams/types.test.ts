/**
 * The stream interfaces are structural: these checks are mostly compile-time (`npm run
 * typecheck` fails if one breaks), with a run-time check that the built-in streams fit them.
 */
import {
  BufferedByteStream,
  MultiListener,
  StapledByteStream,
  StapledObjectStream,
  TextStream,
  createMemoryObjectStream,
  typedAttribute,
  type AnyByteStream,
  type ByteStream,
  type Listener,
  type ObjectReceiveStream,
  type ObjectSendStream,
  type ObjectStream,
} from "anyio-ts";

describe("the stream interfaces", () => {
  test("memory object stream ends are object streams and offer typed attributes", () => {
    const [send, receive] = createMemoryObjectStream<number>();
    const asSend: ObjectSendStream<number> = send;
    const asReceive: ObjectReceiveStream<number> = receive;
    // @ts-expect-error a stream of numbers is not a stream of strings
    const wrongItem: ObjectReceiveStream<string> = receive;
    void wrongItem;
    const stapled: ObjectStream<number> = new StapledObjectStream(asSend, asReceive);
    expect(typeof stapled.sendEof).toBe("function");
    expect(asReceive.extra(typedAttribute<string>(), "none")).toBe("none");
    send.close();
    receive.close();
  });

  test("the wrappers fit the interfaces they claim", () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>();
    const transport: AnyByteStream = new StapledObjectStream(send, receive);
    const buffered: ByteStream = new BufferedByteStream(transport);
    const stapled: ByteStream = new StapledByteStream(buffered, buffered);
    const text: ObjectStream<string> = new TextStream(stapled);
    const listener: Listener<ByteStream> = new MultiListener<ByteStream>([]);
    expect([buffered, stapled, text, listener].every((s) => typeof s.aclose === "function")).toBe(true);
    send.close();
    receive.close();
  });

  test("extra() returns the attribute's type, or the default's", () => {
    const port = typedAttribute<number>("port");
    const [send, receive] = createMemoryObjectStream<number>();
    const value: number | null = receive.extra(port, null);
    // @ts-expect-error the result may be the default (null), not only a number
    const narrow: number = receive.extra(port, null);
    expect([value, narrow]).toEqual([null, null]);
    send.close();
    receive.close();
  });
});
