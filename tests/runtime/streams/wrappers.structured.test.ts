"use structured";
// The stream wrappers (buffered, text, stapled) in code compiled by the transformer: there
// every await of a foreign promise is raced against cancellation, so a wrapper's receive must
// be awaited as a runtime primitive. Otherwise a receive that already took bytes could be
// abandoned by a cancelled caller, and the bytes lost.
import {
  BufferedByteReceiveStream,
  CancelScope,
  StapledObjectStream,
  TextReceiveStream,
  createMemoryObjectStream,
  createTaskGroup,
  run,
  type MemoryObjectReceiveStream,
  type ObjectReceiveStream,
  type TaskStatus,
} from "anyio-ts";
import { isStructured } from "anyio-ts/rt";
import { until } from "../helpers";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe("stream wrappers in structured code", () => {
  test("this file is compiled as structured code", () => {
    const local = async () => {};
    expect(isStructured(local)).toBe(true);
  });

  test("a receiveExactly() that got its bytes returns them even when its scope is cancelled before it resumes", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(0);
    const buffered = new BufferedByteReceiveStream(receive);
    const received: string[] = [];
    await run(async () => {
      await using tg = createTaskGroup();
      const scope = await tg.start(async (status: TaskStatus<CancelScope>) => {
        using inner = new CancelScope();
        status.started(inner);
        received.push(text(await buffered.receiveExactly(4)));
      });
      await until(receive, { tasksWaitingReceive: 1 });
      send.sendNowait(utf8("abcd"));
      scope.cancel();
    });
    expect(received).toEqual(["abcd"]);
    send.close();
    receive.close();
  });

  test("a cancelled receiveUntil() leaves every byte for the next read", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(0);
    const buffered = new BufferedByteReceiveStream(receive);
    await run(async () => {
      await using tg = createTaskGroup();
      const scope = await tg.start(async (status: TaskStatus<CancelScope>) => {
        using inner = new CancelScope();
        status.started(inner);
        await buffered.receiveUntil(utf8("\n"), 100);
      });
      await until(receive, { tasksWaitingReceive: 1 });
      await send.send(utf8("half "));
      await until(receive, { tasksWaitingReceive: 1 });
      scope.cancel();
      tg.startSoon(() => send.send(utf8("line\n")));
      expect(text(await buffered.receiveUntil(utf8("\n"), 100))).toBe("half line");
    });
    send.close();
    receive.close();
  });

  test("a text receive that decoded characters returns them even when cancelled before it resumes", async () => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(0);
    const decoded = new TextReceiveStream(receive);
    const received: string[] = [];
    await run(async () => {
      await using tg = createTaskGroup();
      const scope = await tg.start(async (status: TaskStatus<CancelScope>) => {
        using inner = new CancelScope();
        status.started(inner);
        for await (const piece of decoded) received.push(piece);
      });
      await until(receive, { tasksWaitingReceive: 1 });
      send.sendNowait(utf8("€"));
      scope.cancel();
    });
    expect(received).toEqual(["€"]);
    send.close();
    receive.close();
  });

  test("a stapled receive that got an item returns it even when cancelled before it resumes", async () => {
    const [toPeer, fromUs] = createMemoryObjectStream<string>(0);
    const [toUs, fromPeer] = createMemoryObjectStream<string>(0);
    const stapled = new StapledObjectStream(toPeer, fromPeer);
    const received: string[] = [];
    await run(async () => {
      await using tg = createTaskGroup();
      const scope = await tg.start(async (status: TaskStatus<CancelScope>) => {
        using inner = new CancelScope();
        status.started(inner);
        received.push(await stapled.receive());
      });
      await until(fromPeer, { tasksWaitingReceive: 1 });
      toUs.sendNowait("hello");
      scope.cancel();
    });
    expect(received).toEqual(["hello"]);
    for (const end of [toPeer, fromUs, toUs, fromPeer]) end.close();
  });

  test.each([
    ["TextReceiveStream", (stream: MemoryObjectReceiveStream<Uint8Array>) => new TextReceiveStream(stream)],
    [
      "BufferedByteReceiveStream",
      (stream: MemoryObjectReceiveStream<Uint8Array>) => new BufferedByteReceiveStream(stream),
    ],
  ] as Array<[string, (stream: MemoryObjectReceiveStream<Uint8Array>) => ObjectReceiveStream<unknown>]>)(
    "a caller cancelled while in %s.aclose() resumes only after the wrapped stream closed",
    async (_name, wrap) => {
      const [send, receive] = createMemoryObjectStream<Uint8Array>(0);
      const log: string[] = [];
      const closeNow = receive.aclose.bind(receive);
      // A wrapped stream whose close takes a while in plain code that ignores cancellation.
      receive.aclose = () =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            void closeNow();
            log.push("wrapped stream closed");
            resolve();
          }, 5),
        );
      const wrapper = wrap(receive);
      await run(async () => {
        await using tg = createTaskGroup();
        const scope = await tg.start(async (status: TaskStatus<CancelScope>) => {
          using inner = new CancelScope();
          status.started(inner);
          try {
            await wrapper.aclose();
          } finally {
            log.push("caller resumed");
          }
        });
        scope.cancel();
      });
      expect(log).toEqual(["wrapped stream closed", "caller resumed"]);
      send.close();
    },
  );
});
