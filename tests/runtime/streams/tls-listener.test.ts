"use structured";
// TLSListener (runtime/streams/tls-listener.ts): each accepted stream is handshaken within the
// timeout before the handler sees it; a failed or timed-out handshake goes to
// handleHandshakeError (looked up on the listener's class, so a subclass's override is used)
// and serving continues; attributes and argument checks.
import {
  CancelScope,
  ClosedResourceError,
  createTaskGroup,
  EndOfStream,
  Event,
  isCancelled,
  SocketAttribute,
  TimeoutError,
  TLSAttribute,
  TLSListener,
  TLSStream,
  unwrapExceptionGroup,
  type AnyByteStream,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { testCertificates } from "./tls-certificates";
import { decode, encode, memoryPair, OfferListener } from "./tls-support";

const certs = testCertificates();
const serverOptions = { cert: certs.server.cert, key: certs.server.key };
const clientOptions = { hostname: "localhost", ca: certs.ca };

/** A TLSListener subclass that records handshake errors instead of logging them. */
class RecordingTLSListener extends TLSListener {
  static errors: Array<[unknown, AnyByteStream]> = [];

  static override async handleHandshakeError(error: unknown, stream: AnyByteStream): Promise<void> {
    RecordingTLSListener.errors.push([error, stream]);
    await super.handleHandshakeError(error, stream);
  }
}

structuredDescribe("TLSListener", () => {
  structuredTest("serves TLS streams that completed the handshake, and closes with the wrapped listener", async () => {
    const inner = new OfferListener();
    const listener = new TLSListener(inner, serverOptions);
    const scope = new CancelScope();
    const served = new Event();
    let serverSide: boolean | undefined;
    {
      await using tg = createTaskGroup();
      tg.startSoon(() =>
        scope.run(() =>
          listener.serve(async (stream) => {
            serverSide = stream.extra(TLSAttribute.serverSide);
            await stream.send(await stream.receive());
            await stream.aclose();
            served.set();
          }),
        ),
      );
      const [clientTransport, serverTransport] = memoryPair();
      inner.offer(serverTransport);
      const client = await TLSStream.wrap(clientTransport, clientOptions);
      await client.send(encode("echo me"));
      expect(decode(await client.receive())).toBe("echo me");
      expect(await caught(client.receive())).toBeInstanceOf(EndOfStream);
      await client.aclose();
      await served.wait();
      scope.cancel();
    }
    expect(serverSide).toBe(true);
    await listener.aclose();
    const after = await caught(listener.serve(() => {}));
    expect(unwrapExceptionGroup(after)).toBeInstanceOf(ClosedResourceError);
  });

  structuredTest(
    "a client that never handshakes is dropped after handshakeTimeout, and serving continues",
    async () => {
      RecordingTLSListener.errors = [];
      const spy = jest.spyOn(console, "error").mockImplementation(() => {});
      const inner = new OfferListener();
      const listener = new RecordingTLSListener(inner, serverOptions, { handshakeTimeout: 200 });
      const scope = new CancelScope();
      const served = new Event();
      const [idleClient, idleServer] = memoryPair();
      {
        await using tg = createTaskGroup();
        tg.startSoon(() =>
          scope.run(() =>
            listener.serve(async (stream) => {
              await stream.send(encode("welcome"));
              await stream.aclose();
              served.set();
            }),
          ),
        );
        inner.offer(idleServer);
        // The idle client's transport is closed by the listener once its handshake timed out.
        expect(await caught(idleClient.receive())).toBeInstanceOf(EndOfStream);
        const [clientTransport, serverTransport] = memoryPair();
        inner.offer(serverTransport);
        const client = await TLSStream.wrap(clientTransport, clientOptions);
        expect(decode(await client.receive())).toBe("welcome");
        await client.aclose();
        await served.wait();
        scope.cancel();
      }
      await idleClient.aclose();
      expect(spy).toHaveBeenCalledTimes(1); // the override delegated to TLSListener's, which logs
      spy.mockRestore();
      expect(RecordingTLSListener.errors).toHaveLength(1);
      const [error, stream] = RecordingTLSListener.errors[0]!;
      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as Error).message).toBe("The TLS handshake timed out");
      expect(stream).toBe(idleServer);
      expect(await caught(idleServer.send(encode("x")))).toBeInstanceOf(ClosedResourceError);
    },
  );

  structuredTest("by default a failed handshake is reported with console.error and serving continues", async () => {
    const inner = new OfferListener();
    const listener = new TLSListener(inner, serverOptions);
    const logged: unknown[][] = [];
    const spy = jest.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      logged.push(args);
    });
    const scope = new CancelScope();
    const served = new Event();
    try {
      await using tg = createTaskGroup();
      tg.startSoon(() =>
        scope.run(() =>
          listener.serve(async (stream) => {
            await stream.send(encode("ok"));
            await stream.aclose();
            served.set();
          }),
        ),
      );
      const [badClient, badServer] = memoryPair();
      inner.offer(badServer);
      await badClient.send(encode("GET / HTTP/1.1\r\n\r\n")); // not TLS
      expect(await caught(badClient.receive())).toBeInstanceOf(EndOfStream);
      await badClient.aclose();
      const [clientTransport, serverTransport] = memoryPair();
      inner.offer(serverTransport);
      const client = await TLSStream.wrap(clientTransport, clientOptions);
      expect(decode(await client.receive())).toBe("ok");
      await client.aclose();
      await served.wait();
      scope.cancel();
    } finally {
      spy.mockRestore();
    }
    expect(logged).toHaveLength(1);
    expect(logged[0]![0]).toBe("Error during TLS handshake");
    expect((logged[0]![1] as NodeJS.ErrnoException).code).toMatch(/^ERR_SSL_/);
  });

  structuredTest("handleHandshakeError rethrows a cancellation without logging it", async () => {
    const spy = jest.spyOn(console, "error").mockImplementation(() => {});
    try {
      const [a, b] = memoryPair();
      let outcome: unknown;
      await new CancelScope().run(async (scope) => {
        scope.cancel();
        const cancelled = await caught(TLSStream.wrap(b, serverOptions));
        outcome = await caught(TLSListener.handleHandshakeError(cancelled, b));
        throw outcome;
      });
      expect(isCancelled(outcome)).toBe(true);
      expect(spy).not.toHaveBeenCalled();
      expect(await caught(a.receive())).toBeInstanceOf(EndOfStream);
      await a.aclose();
    } finally {
      spy.mockRestore();
    }
  });

  structuredTest("offers the wrapped listener's attributes and standardCompatible", () => {
    const listener = new TLSListener(new OfferListener(), serverOptions, { standardCompatible: false });
    expect(listener.extra(SocketAttribute.localPort)).toBe(4433);
    expect(listener.extra(TLSAttribute.standardCompatible)).toBe(false);
    expect(new TLSListener(new OfferListener(), serverOptions).extra(TLSAttribute.standardCompatible)).toBe(true);
    expect(listener.handshakeTimeout).toBe(30000);
  });

  structuredTest("the constructor checks its arguments", () => {
    expect(() => new TLSListener(new OfferListener(), { ca: certs.ca })).toThrow(TypeError);
    expect(() => new TLSListener({} as unknown as OfferListener, serverOptions)).toThrow(TypeError);
    expect(() => new TLSListener(new OfferListener(), serverOptions, { handshakeTimeout: -1 })).toThrow(
      "Expected `handshakeTimeout` to be a number >= 0, got `-1` (number)",
    );
    expect(() => new TLSListener(new OfferListener(), serverOptions, { handshakeTimout: 5 } as never)).toThrow(
      /did you mean `handshakeTimeout`/,
    );
  });
});
