"use structured";
/**
 * TCP streams (connectTcp, SocketStream): the data path, half-close, the errors of a closed, busy
 * or failed stream, and what cancellation keeps. Peers are raw `node:net` sockets or our own
 * listener, on loopback only.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import {
  BrokenResourceError,
  BusyResourceError,
  CancelScope,
  ClosedResourceError,
  ConnectionFailed,
  EndOfStream,
  SocketAttribute,
  SocketListener,
  SocketStream,
  checkpoint,
  connectTcp,
  createTaskGroup,
  createTcpListener,
  sleep,
  Event,
  acloseForcefully,
} from "anyio-ts";
import { structuredDescribe, structuredTest, freeTcpPort } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { bytes, concat, pattern, rawReadAll, rawServer, readAll, sameBytes, text } from "./helpers";

/** A raw echo server on 127.0.0.1; every connection echoes until the peer ends, then ends. */
function echoServer() {
  return rawServer("127.0.0.1", (socket) => socket.pipe(socket));
}

structuredDescribe("connectTcp() and SocketStream", () => {
  structuredTest("sends and receives through an echo server", async () => {
    const server = await echoServer();
    try {
      const stream = await connectTcp("127.0.0.1", server.port);
      await stream.send(bytes("hello"));
      const received: Uint8Array[] = [];
      while (concat(received).length < 5) received.push(await stream.receive());
      expect(text(concat(received))).toBe("hello");
      expect(received[0]!.constructor).toBe(Uint8Array);
      await stream.aclose();
    } finally {
      await server.close();
    }
  });

  structuredTest("offers the socket's addresses and raw socket as typed attributes", async () => {
    const server = await echoServer();
    try {
      await using stream = await connectTcp("127.0.0.1", server.port);
      expect(stream.extra(SocketAttribute.family)).toBe("IPv4");
      const [localHost, localPort] = stream.extra(SocketAttribute.localAddress) as readonly [string, number];
      expect(localHost).toBe("127.0.0.1");
      expect(stream.extra(SocketAttribute.localPort)).toBe(localPort);
      expect(stream.extra(SocketAttribute.remoteAddress)).toEqual(["127.0.0.1", server.port]);
      expect(stream.extra(SocketAttribute.remotePort)).toBe(server.port);
      const raw = stream.extra(SocketAttribute.rawSocket) as net.Socket;
      expect(raw).toBeInstanceOf(net.Socket);
      expect(server.sockets[0]?.remotePort ?? localPort).toBe(localPort);
    } finally {
      await server.close();
    }
  });

  structuredTest(
    "the address attributes of an accepted stream are its own; after aclose() they are ClosedResourceError",
    async () => {
      await using multi = await createTcpListener({ localHost: "127.0.0.1" });
      const listener = multi.listeners[0] as SocketListener;
      const client = await connectTcp("127.0.0.1", listener.extra(SocketAttribute.localPort));
      const accepted = await listener.accept();
      expect(accepted.extra(SocketAttribute.family)).toBe("IPv4");
      expect(accepted.extra(SocketAttribute.localAddress)).toEqual([
        "127.0.0.1",
        listener.extra(SocketAttribute.localPort),
      ]);
      expect(accepted.extra(SocketAttribute.remoteAddress)).toEqual(client.extra(SocketAttribute.localAddress));
      expect(accepted.extra(SocketAttribute.remotePort)).toBe(client.extra(SocketAttribute.localPort));
      await accepted.aclose();
      await client.aclose();
      for (const stream of [accepted, client]) {
        expect(() => stream.extra(SocketAttribute.localAddress)).toThrow(ClosedResourceError);
        expect(() => stream.extra(SocketAttribute.localPort)).toThrow(ClosedResourceError);
        expect(() => stream.extra(SocketAttribute.remoteAddress)).toThrow(ClosedResourceError);
        expect(() => stream.extra(SocketAttribute.remotePort)).toThrow(ClosedResourceError);
        expect(stream.extra(SocketAttribute.family)).toBe("IPv4");
        expect(stream.extra(SocketAttribute.rawSocket)).toBeInstanceOf(net.Socket);
      }
    },
  );

  structuredTest("an address never read before the peer reset the connection is BrokenResourceError", async () => {
    const server = await rawServer("127.0.0.1", (socket) => socket.once("data", () => socket.resetAndDestroy()));
    try {
      await using stream = await connectTcp("127.0.0.1", server.port);
      await stream.send(bytes("reset me"));
      expect(await caught(stream.receive())).toBeInstanceOf(BrokenResourceError);
      expect(() => stream.extra(SocketAttribute.remoteAddress)).toThrow(BrokenResourceError);
    } finally {
      await server.close();
    }
  });

  structuredTest("rejects a maxBytes that is not a positive integer", async () => {
    const server = await echoServer();
    try {
      await using stream = await connectTcp("127.0.0.1", server.port);
      expect(await caught(stream.receive(0))).toBeInstanceOf(RangeError);
      expect(await caught(stream.receive(1.5))).toBeInstanceOf(RangeError);
      expect(await caught(stream.receive("1" as unknown as number))).toBeInstanceOf(TypeError);
    } finally {
      await server.close();
    }
  });

  structuredTest("a large send arrives whole and in order", async () => {
    const data = pattern(4 * 1024 * 1024);
    let received: Promise<Uint8Array> | undefined;
    const server = await rawServer("127.0.0.1", (socket) => {
      received = rawReadAll(socket);
    });
    try {
      const stream = await connectTcp("127.0.0.1", server.port);
      await stream.send(data);
      await stream.sendEof();
      while (received === undefined) await sleep(1);
      expect(sameBytes(await received!, data)).toBe(true);
      await stream.aclose();
    } finally {
      await server.close();
    }
  });

  structuredTest("sendEof() half-closes: the peer sees the end and can still answer", async () => {
    const server = await rawServer("127.0.0.1", (socket) => {
      void rawReadAll(socket).then((data) => socket.end(Buffer.from(`got ${text(data)}`)));
    });
    try {
      await using stream = await connectTcp("127.0.0.1", server.port);
      await stream.send(bytes("question"));
      await stream.sendEof();
      expect(text(await readAll(stream))).toBe("got question");
      expect(await caught(stream.send(bytes("more")))).toBeInstanceOf(ClosedResourceError);
      await stream.sendEof(); // again: nothing happens
    } finally {
      await server.close();
    }
  });

  structuredTest("iterates over received chunks until the peer ends", async () => {
    const server = await rawServer("127.0.0.1", (socket) => socket.end(Buffer.from("abcdef")));
    try {
      await using stream = await connectTcp("127.0.0.1", server.port);
      const chunks: Uint8Array[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(text(concat(chunks))).toBe("abcdef");
    } finally {
      await server.close();
    }
  });

  structuredTest("binds the local port it is given", async () => {
    const server = await echoServer();
    const localPort = await freeTcpPort(4);
    try {
      await using stream = await connectTcp("127.0.0.1", server.port, { localHost: "127.0.0.1", localPort });
      expect(stream.extra(SocketAttribute.localPort)).toBe(localPort);
      await using other = await connectTcp("127.0.0.1", server.port, { localPort: await freeTcpPort(4) });
      expect(other.extra(SocketAttribute.family)).toBe("IPv4");
    } finally {
      await server.close();
    }
  });

  structuredTest("a refused connection is ConnectionFailed with the host's error as cause", async () => {
    const port = await freeTcpPort(4);
    const error = await caught(connectTcp("127.0.0.1", port));
    expect(error).toBeInstanceOf(ConnectionFailed);
    expect((error as Error).message).toBe("All connection attempts failed");
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
  });

  structuredTest("argument errors come before anything is opened", async () => {
    expect(await caught(connectTcp("127.0.0.1", 0))).toBeInstanceOf(RangeError);
    expect(await caught(connectTcp("127.0.0.1", 70000))).toBeInstanceOf(RangeError);
    expect(await caught(connectTcp(1 as unknown as string, 80))).toBeInstanceOf(TypeError);
    expect(await caught(connectTcp("127.0.0.1", 80, { happyEyeballsDelay: -1 }))).toBeInstanceOf(RangeError);
    expect(await caught(connectTcp("127.0.0.1", 80, { bogus: 1 } as object))).toBeInstanceOf(TypeError);
  });

  structuredTest("a cancelled connectTcp() opens nothing", async () => {
    const server = await echoServer();
    try {
      await new CancelScope().run(async (scope) => {
        scope.cancel();
        await connectTcp("127.0.0.1", server.port);
      });
      await sleep(20);
      expect(server.sockets).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});

structuredDescribe("SocketStream: busy, closed and broken", () => {
  structuredTest("a second concurrent receive() is BusyResourceError", async () => {
    const server = await echoServer();
    try {
      await using stream = await connectTcp("127.0.0.1", server.port);
      await using tg = createTaskGroup();
      const receiving = new Event();
      tg.startSoon(async () => {
        receiving.set();
        await caught(stream.receive()); // called in the same step as set(): it is waiting before we go on
      });
      await receiving.wait();
      const error = await caught(stream.receive());
      expect(error).toBeInstanceOf(BusyResourceError);
      expect((error as Error).message).toBe("Another task is already reading from this resource");
      tg.cancelScope.cancel();
    } finally {
      await server.close();
    }
  });

  structuredTest("a second concurrent send() is BusyResourceError", async () => {
    const server = await rawServer("127.0.0.1", (socket) => socket.pause());
    try {
      await using stream = await connectTcp("127.0.0.1", server.port);
      await using tg = createTaskGroup();
      const started = new Event();
      tg.startSoon(async () => {
        started.set();
        await caught(stream.send(new Uint8Array(32 * 1024 * 1024)));
      });
      await started.wait();
      const error = await caught(stream.send(bytes("x")));
      expect(error).toBeInstanceOf(BusyResourceError);
      expect((error as Error).message).toBe("Another task is already writing to this resource");
      tg.cancelScope.cancel();
    } finally {
      await server.close();
    }
  });

  structuredTest("aclose() from another task wakes a blocked receive() with ClosedResourceError", async () => {
    const server = await echoServer();
    try {
      const stream = await connectTcp("127.0.0.1", server.port);
      let error: unknown;
      {
        await using tg = createTaskGroup();
        const receiving = new Event();
        tg.startSoon(async () => {
          receiving.set();
          error = await caught(stream.receive());
        });
        await receiving.wait();
        await checkpoint();
        await stream.aclose();
      }
      expect(error).toBeInstanceOf(ClosedResourceError);
    } finally {
      await server.close();
    }
  });

  structuredTest("aclose() from another task wakes a blocked send() with ClosedResourceError", async () => {
    const server = await rawServer("127.0.0.1", (socket) => socket.pause());
    try {
      const stream = await connectTcp("127.0.0.1", server.port);
      const raw = stream.extra(SocketAttribute.rawSocket) as net.Socket;
      let error: unknown;
      {
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          error = await caught(stream.send(new Uint8Array(32 * 1024 * 1024)));
        });
        while (raw.writableLength === 0) await sleep(1); // the send is waiting for the kernel
        await stream.aclose();
      }
      expect(error).toBeInstanceOf(ClosedResourceError);
    } finally {
      await server.close();
    }
  });

  structuredTest("every operation after aclose() is ClosedResourceError", async () => {
    const server = await echoServer();
    try {
      const stream = await connectTcp("127.0.0.1", server.port);
      await stream.aclose();
      await stream.aclose(); // again: nothing happens
      expect(await caught(stream.receive())).toBeInstanceOf(ClosedResourceError);
      expect(await caught(stream.send(bytes("x")))).toBeInstanceOf(ClosedResourceError);
      expect(await caught(stream.sendEof())).toBeInstanceOf(ClosedResourceError);
      expect(stream.extra(SocketAttribute.family)).toBe("IPv4");
    } finally {
      await server.close();
    }
  });

  structuredTest("receive() after the peer finished is EndOfStream, and sending still works", async () => {
    let peerData: Promise<Uint8Array> | undefined;
    const server = await rawServer("127.0.0.1", (socket) => {
      peerData = rawReadAll(socket);
      socket.end();
    });
    try {
      const stream = await connectTcp("127.0.0.1", server.port);
      expect(await caught(stream.receive())).toBeInstanceOf(EndOfStream);
      expect(await caught(stream.receive())).toBeInstanceOf(EndOfStream);
      await stream.send(bytes("still open"));
      await stream.sendEof();
      while (peerData === undefined) await sleep(1);
      expect(text(await peerData)).toBe("still open");
      await stream.aclose();
    } finally {
      await server.close();
    }
  });

  structuredTest("a reset by the peer is BrokenResourceError with the host's error as cause", async () => {
    const server = await rawServer("127.0.0.1", (socket) => socket.once("data", () => socket.resetAndDestroy()));
    try {
      await using stream = await connectTcp("127.0.0.1", server.port);
      await stream.send(bytes("reset me"));
      const error = await caught(stream.receive());
      expect(error).toBeInstanceOf(BrokenResourceError);
      expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe("ECONNRESET");
      expect(await caught(stream.receive())).toBeInstanceOf(BrokenResourceError);
    } finally {
      await server.close();
    }
  });

  structuredTest("a reset while no operation waits is kept for the next receive(), never thrown at large", async () => {
    const server = await rawServer("127.0.0.1", (socket) => socket.once("data", () => socket.resetAndDestroy()));
    try {
      await using stream = await connectTcp("127.0.0.1", server.port);
      const raw = stream.extra(SocketAttribute.rawSocket) as net.Socket;
      await stream.send(bytes("reset me"));
      while (!raw.destroyed) await sleep(1); // the error arrived with nobody receiving
      const error = await caught(stream.receive());
      expect(error).toBeInstanceOf(BrokenResourceError);
      expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe("ECONNRESET");
    } finally {
      await server.close();
    }
  });

  structuredTest("acloseForcefully() closes the stream at once", async () => {
    const server = await echoServer();
    try {
      const stream = await connectTcp("127.0.0.1", server.port);
      await acloseForcefully(stream);
      expect((stream.extra(SocketAttribute.rawSocket) as net.Socket).destroyed).toBe(true);
      expect(await caught(stream.receive())).toBeInstanceOf(ClosedResourceError);
    } finally {
      await server.close();
    }
  });

  structuredTest("send() to a peer that is gone is BrokenResourceError with the host's error as cause", async () => {
    const server = await rawServer("127.0.0.1", (socket) => socket.once("data", () => socket.resetAndDestroy()));
    try {
      await using stream = await connectTcp("127.0.0.1", server.port);
      let error: unknown;
      for (let i = 0; i < 1000 && error === undefined; i++) {
        try {
          await stream.send(pattern(1024));
          await sleep(1);
        } catch (failure) {
          error = failure;
        }
      }
      expect(error).toBeInstanceOf(BrokenResourceError);
      expect(["EPIPE", "ECONNRESET"]).toContain(((error as Error).cause as NodeJS.ErrnoException).code);
    } finally {
      await server.close();
    }
  });
});

structuredDescribe("SocketStream under cancellation", () => {
  structuredTest("an operation in a cancelled scope sends and takes nothing", async () => {
    let peerData: Promise<Uint8Array> | undefined;
    const server = await rawServer("127.0.0.1", (socket) => {
      peerData = rawReadAll(socket);
      socket.write("waiting");
    });
    try {
      const stream = await connectTcp("127.0.0.1", server.port);
      await new CancelScope().run(async (scope) => {
        scope.cancel();
        await stream.send(bytes("lost"));
      });
      await new CancelScope().run(async (scope) => {
        scope.cancel();
        await stream.receive();
      });
      await stream.send(bytes("kept"));
      await stream.sendEof();
      expect(text(await stream.receive())).toBe("waiting");
      while (peerData === undefined) await sleep(1);
      expect(text(await peerData)).toBe("kept");
      await stream.aclose();
    } finally {
      await server.close();
    }
  });

  structuredTest("a receive() cancelled while waiting leaves the bytes for the next one", async () => {
    const server = await echoServer();
    try {
      await using stream = await connectTcp("127.0.0.1", server.port);
      const scope = new CancelScope();
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        await scope.run(() => stream.receive());
      });
      await sleep(10);
      scope.cancel();
      await sleep(1);
      await stream.send(bytes("after"));
      expect(text(await stream.receive())).toBe("after");
      expect(scope.cancelledCaught).toBe(true);
    } finally {
      await server.close();
    }
  });

  structuredTest("a send() cancelled while waiting keeps its bytes, delivered before later sends", async () => {
    let peer: net.Socket | undefined;
    const server = await rawServer("127.0.0.1", (socket) => {
      peer = socket;
      socket.pause();
    });
    try {
      const stream = await connectTcp("127.0.0.1", server.port);
      const first = pattern(16 * 1024 * 1024, 1);
      const scope = new CancelScope();
      await using tg = createTaskGroup();
      const started = new Event();
      tg.startSoon(async () => {
        started.set();
        await scope.run(() => stream.send(first));
      });
      await started.wait();
      const raw = stream.extra(SocketAttribute.rawSocket) as net.Socket;
      while (raw.writableLength === 0) await sleep(1); // the send is waiting for the kernel
      scope.cancel();
      await sleep(1);
      expect(scope.cancelledCaught).toBe(true);
      const all = rawReadAll(peer!);
      peer!.resume();
      await stream.send(bytes("second"));
      await stream.sendEof();
      const received = await all;
      expect(received.length).toBe(first.length + 6);
      expect(sameBytes(received.subarray(0, first.length), first)).toBe(true);
      expect(text(received.subarray(first.length))).toBe("second");
      await stream.aclose();
    } finally {
      await server.close();
    }
  });

  structuredTest("bytes whose send() returned survive an immediate aclose()", async () => {
    let peerData: Promise<Uint8Array> | undefined;
    const server = await rawServer("127.0.0.1", (socket) => {
      peerData = rawReadAll(socket);
    });
    try {
      const stream = await connectTcp("127.0.0.1", server.port);
      const data = pattern(256 * 1024);
      await stream.send(data);
      await stream.aclose();
      while (peerData === undefined) await sleep(1);
      expect(sameBytes(await peerData!, data)).toBe(true);
    } finally {
      await server.close();
    }
  });
});

structuredDescribe("SocketStream.fromSocket()", () => {
  structuredTest("wraps a connected net.Socket", async () => {
    const server = await echoServer();
    try {
      const socket = net.connect({ host: "127.0.0.1", port: server.port });
      await new Promise((resolve) => socket.once("connect", resolve));
      await using stream = await SocketStream.fromSocket(socket);
      expect(stream.extra(SocketAttribute.rawSocket)).toBe(socket);
      expect(stream.extra(SocketAttribute.remotePort)).toBe(server.port);
      await stream.send(bytes("ping"));
      expect(text(await stream.receive())).toBe("ping");
    } finally {
      await server.close();
    }
  });

  structuredTest("refuses what is not a connected stream socket with a TypeError", async () => {
    expect(await caught(SocketStream.fromSocket("socket" as unknown as net.Socket))).toBeInstanceOf(TypeError);
    expect(await caught(SocketStream.fromSocket(-1))).toBeInstanceOf(TypeError);
    const unconnected = new net.Socket();
    expect(await caught(SocketStream.fromSocket(unconnected))).toBeInstanceOf(TypeError);
    unconnected.destroy();
  });

  structuredTest("refuses the descriptor of a file with a TypeError naming it", async () => {
    const fd = fs.openSync(__filename, "r");
    try {
      const error = await caught(SocketStream.fromSocket(fd));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain(`Descriptor ${fd} is not a stream socket`);
      const listenerError = await caught(SocketListener.fromSocket(fd));
      expect(listenerError).toBeInstanceOf(TypeError);
      expect((listenerError as Error).message).toContain(`Descriptor ${fd} is not a bound stream socket`);
    } finally {
      fs.closeSync(fd);
    }
  });
});
