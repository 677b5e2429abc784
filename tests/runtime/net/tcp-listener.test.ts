"use structured";
/**
 * TCP listeners (createTcpListener, SocketListener): accepting, serving, the accept queue and its
 * bound, closing, the address rules (dual stack, one port for every address, the retry when a
 * later address has the port taken) and fromSocket().
 */
import * as dns from "node:dns";
import * as net from "node:net";
import {
  BrokenResourceError,
  BusyResourceError,
  CancelScope,
  ClosedResourceError,
  EndOfStream,
  MultiListener,
  NotSupportedError,
  SocketAttribute,
  SocketListener,
  SocketStream,
  connectTcp,
  createTaskGroup,
  createTcpListener,
  sleep,
  Event,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { bytes, hasIpv6Loopback, text } from "./helpers";

afterEach(() => jest.restoreAllMocks());

function portOf(listener: { extra: SocketStream["extra"] }): number {
  return listener.extra(SocketAttribute.localPort);
}

structuredDescribe("createTcpListener()", () => {
  structuredTest("accepts a connection and offers its addresses", async () => {
    await using listener = await createTcpListener({ localHost: "127.0.0.1" });
    expect(listener).toBeInstanceOf(MultiListener);
    expect(listener.listeners).toHaveLength(1);
    const port = portOf(listener);
    expect(listener.extra(SocketAttribute.family)).toBe("IPv4");
    expect(listener.extra(SocketAttribute.localAddress)).toEqual(["127.0.0.1", port]);
    expect(listener.extra(SocketAttribute.rawSocket)).toBeInstanceOf(net.Server);
    expect(listener.extra(SocketAttribute.remoteAddress, "none")).toBe("none");
    await using client = await connectTcp("127.0.0.1", port);
    await using server = await (listener.listeners[0] as SocketListener).accept();
    expect(server.extra(SocketAttribute.remoteAddress)).toEqual(client.extra(SocketAttribute.localAddress));
    expect(server.extra(SocketAttribute.localPort)).toBe(port);
    await client.send(bytes("hi"));
    expect(text(await server.receive())).toBe("hi");
  });

  structuredTest("serve() runs the handler for each connection", async () => {
    await using listener = await createTcpListener({ localHost: "127.0.0.1" });
    const port = portOf(listener);
    await using tg = createTaskGroup();
    tg.startSoon(() =>
      listener.serve(async (stream) => {
        await using _ = stream;
        await stream.send(await stream.receive());
      }),
    );
    for (const word of ["one", "two", "three"]) {
      await using client = await connectTcp("127.0.0.1", port);
      await client.send(bytes(word));
      expect(text(await client.receive())).toBe(word);
    }
    tg.cancelScope.cancel();
  });

  structuredTest("serve() starts handlers in the task group it is given", async () => {
    await using listener = await createTcpListener({ localHost: "127.0.0.1" });
    const port = portOf(listener);
    const handled = new Event();
    await using handlers = createTaskGroup();
    await using serving = createTaskGroup();
    serving.startSoon(() =>
      listener.serve(async (stream) => {
        await stream.aclose();
        handled.set();
      }, handlers),
    );
    await using client = await connectTcp("127.0.0.1", port);
    await handled.wait();
    expect(handlers.cancelScope.cancelCalled).toBe(false);
    serving.cancelScope.cancel();
  });

  structuredTest("a connection waits in the queue across a cancelled accept()", async () => {
    await using multi = await createTcpListener({ localHost: "127.0.0.1" });
    const listener = multi.listeners[0] as SocketListener;
    await new CancelScope().run(async (scope) => {
      scope.cancel();
      await listener.accept();
    });
    const scope = new CancelScope();
    await using tg = createTaskGroup();
    tg.startSoon(() => scope.run(() => listener.accept()));
    await sleep(10);
    scope.cancel();
    await sleep(1);
    await using client = await connectTcp("127.0.0.1", portOf(multi));
    await sleep(10); // the connection arrives while nobody waits
    await using server = await listener.accept();
    await client.send(bytes("queued"));
    expect(text(await server.receive())).toBe("queued");
  });

  structuredTest("a second concurrent accept() is BusyResourceError", async () => {
    await using multi = await createTcpListener({ localHost: "127.0.0.1" });
    const listener = multi.listeners[0] as SocketListener;
    await using tg = createTaskGroup();
    const accepting = new Event();
    tg.startSoon(async () => {
      accepting.set();
      await caught(listener.accept()); // called in the same step as set()
    });
    await accepting.wait();
    const error = await caught(listener.accept());
    expect(error).toBeInstanceOf(BusyResourceError);
    expect((error as Error).message).toBe("Another task is already accepting connections from this resource");
    tg.cancelScope.cancel();
  });

  structuredTest("aclose() from another task wakes a blocked accept(), and later accepts fail", async () => {
    const multi = await createTcpListener({ localHost: "127.0.0.1" });
    const listener = multi.listeners[0] as SocketListener;
    let error: unknown;
    {
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        error = await caught(listener.accept());
      });
      await sleep(10);
      await multi.aclose();
    }
    expect(error).toBeInstanceOf(ClosedResourceError);
    expect(await caught(listener.accept())).toBeInstanceOf(ClosedResourceError);
    await multi.aclose(); // again: nothing happens
    expect(listener.extra(SocketAttribute.family)).toBe("IPv4");
  });

  structuredTest("connections beyond the backlog are destroyed at once", async () => {
    await using multi = await createTcpListener({ localHost: "127.0.0.1", backlog: 2 });
    const listener = multi.listeners[0] as SocketListener;
    const port = portOf(multi);
    const clients: SocketStream[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const client = await connectTcp("127.0.0.1", port);
        clients.push(client);
        await client.send(bytes(String(i)));
      }
      // Two clients see their connection end; which two depends on arrival order.
      const ended: number[] = [];
      const endedTwo = new Event();
      await using tg = createTaskGroup();
      clients.forEach((client, index) =>
        tg.startSoon(async () => {
          const error = await caught(client.receive());
          expect(error instanceof EndOfStream || error instanceof BrokenResourceError).toBe(true);
          ended.push(index);
          if (ended.length === 2) endedTwo.set();
        }),
      );
      await endedTwo.wait();
      const dropped = [...ended];
      const accepted: number[] = [];
      for (let i = 0; i < 2; i++) {
        await using server = await listener.accept();
        accepted.push(Number(text(await server.receive())));
      }
      expect([...accepted, ...dropped].sort()).toEqual([0, 1, 2, 3]);
      tg.cancelScope.cancel();
    } finally {
      for (const client of clients) await client.aclose();
    }
  });

  structuredTest("aclose() destroys connections still queued", async () => {
    const multi = await createTcpListener({ localHost: "127.0.0.1" });
    await using client = await connectTcp("127.0.0.1", portOf(multi));
    await sleep(10);
    await multi.aclose();
    const error = await caught(client.receive());
    expect(error instanceof EndOfStream || error instanceof BrokenResourceError).toBe(true);
  });

  structuredTest("without localHost, listens on every interface (dual stack where IPv6 exists)", async () => {
    const ipv6 = await hasIpv6Loopback();
    await using listener = await createTcpListener();
    expect(listener.listeners).toHaveLength(1);
    expect(listener.extra(SocketAttribute.family)).toBe(ipv6 ? "IPv6" : "IPv4");
    const [address] = listener.extra(SocketAttribute.localAddress) as readonly [string, number];
    expect(address).toBe(ipv6 ? "::" : "0.0.0.0");
    await using client = await connectTcp("127.0.0.1", portOf(listener));
    await using server = await (listener.listeners[0] as SocketListener).accept();
    const [peer] = server.extra(SocketAttribute.remoteAddress) as readonly [string, number];
    expect(peer).toBe(ipv6 ? "::ffff:127.0.0.1" : "127.0.0.1");
    expect(server.extra(SocketAttribute.family)).toBe(ipv6 ? "IPv6" : "IPv4");
  });

  structuredTest("family 4 listens on 0.0.0.0 only", async () => {
    await using listener = await createTcpListener({ family: 4 });
    expect(listener.extra(SocketAttribute.localAddress)).toEqual(["0.0.0.0", portOf(listener)]);
  });

  structuredTest("family 6 listens on :: only, or fails with the host's error without IPv6", async () => {
    if (await hasIpv6Loopback()) {
      await using listener = await createTcpListener({ family: 6 });
      expect(listener.extra(SocketAttribute.localAddress)).toEqual(["::", portOf(listener)]);
      expect((await caught(connectTcp("127.0.0.1", portOf(listener)))) as Error).toBeInstanceOf(Error);
    } else {
      expect(await caught(createTcpListener({ family: 6 }))).toHaveProperty("code");
    }
  });

  structuredTest("a name gives one listener per address, all on one port", async () => {
    const ipv6 = await hasIpv6Loopback();
    const addresses = ipv6
      ? [
          { address: "127.0.0.1", family: 4 },
          { address: "::1", family: 6 },
        ]
      : [
          { address: "127.0.0.1", family: 4 },
          { address: "127.0.0.2", family: 4 },
        ];
    const lookup = jest.spyOn(dns.promises, "lookup").mockResolvedValue(addresses as never);
    await using listener = await createTcpListener({ localHost: "both.test" });
    expect(lookup).toHaveBeenCalledWith("both.test", expect.objectContaining({ all: true, hints: dns.ADDRCONFIG }));
    expect(listener.listeners).toHaveLength(2);
    const ports = listener.listeners.map((one) => one.extra(SocketAttribute.localPort));
    expect(ports[0]).toBe(ports[1]);
    expect(
      listener.listeners.map((one) => (one.extra(SocketAttribute.localAddress) as readonly [string, number])[0]),
    ).toEqual(addresses.map((entry) => entry.address));
  });

  /** Makes `listen()` fail with EADDRINUSE for binds to a port picked by an earlier listener. */
  function failReusedPortBinds(times: number) {
    const listen = net.Server.prototype.listen;
    let left = times;
    jest.spyOn(net.Server.prototype, "listen").mockImplementation(function (this: net.Server, ...args: unknown[]) {
      const options = args[0] as net.ListenOptions;
      if (typeof options === "object" && options.port !== 0 && options.host !== undefined && left > 0) {
        left--;
        const error = Object.assign(
          new Error(`listen EADDRINUSE: address already in use ${options.host}:${options.port}`),
          {
            code: "EADDRINUSE",
          },
        );
        process.nextTick(() => this.emit("error", error));
        return this;
      }
      return listen.apply(this, args as never);
    });
  }

  structuredTest("retries with the addresses rotated when a later address has the port taken", async () => {
    jest.spyOn(dns.promises, "lookup").mockResolvedValue([
      { address: "127.0.0.1", family: 4 },
      { address: "127.0.0.2", family: 4 },
    ] as never);
    failReusedPortBinds(1);
    await using listener = await createTcpListener({ localHost: "two.test" });
    expect(
      listener.listeners.map((one) => (one.extra(SocketAttribute.localAddress) as readonly [string, number])[0]),
    ).toEqual(["127.0.0.2", "127.0.0.1"]);
    const ports = listener.listeners.map((one) => one.extra(SocketAttribute.localPort));
    expect(ports[0]).toBe(ports[1]);
  });

  structuredTest("gives up after one round per address, with every bind error", async () => {
    jest.spyOn(dns.promises, "lookup").mockResolvedValue([
      { address: "127.0.0.1", family: 4 },
      { address: "127.0.0.2", family: 4 },
    ] as never);
    failReusedPortBinds(Infinity);
    const error = (await caught(createTcpListener({ localHost: "two.test" }))) as Error;
    expect(error.message).toBe("Could not create 2 listeners with a consistent port");
    const group = error.cause as AggregateError & { exceptions: unknown[] };
    expect(group.message).toBe("Several bind attempts failed");
    expect(group.exceptions).toHaveLength(2);
    expect(group.exceptions.map((one) => (one as NodeJS.ErrnoException).code)).toEqual(["EADDRINUSE", "EADDRINUSE"]);
  });

  structuredTest("any other bind error rejects with the host's error", async () => {
    await using first = await createTcpListener({ localHost: "127.0.0.1" });
    const error = await caught(createTcpListener({ localHost: "127.0.0.1", localPort: portOf(first) }));
    expect((error as NodeJS.ErrnoException).code).toBe("EADDRINUSE");
  });

  structuredTest("reusePort needs Node 22.12 or later", async () => {
    const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
    const supported = major >= 24 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
    if (supported) {
      await using a = await createTcpListener({ localHost: "127.0.0.1", reusePort: true });
      await using b = await createTcpListener({ localHost: "127.0.0.1", localPort: portOf(a), reusePort: true });
      expect(portOf(b)).toBe(portOf(a));
    } else {
      const error = await caught(createTcpListener({ localHost: "127.0.0.1", reusePort: true }));
      expect(error).toBeInstanceOf(NotSupportedError);
      expect((error as Error).message).toContain("22.12");
    }
  });

  structuredTest("rejects invalid options", async () => {
    expect(await caught(createTcpListener({ backlog: 0 }))).toBeInstanceOf(RangeError);
    expect(await caught(createTcpListener({ family: 5 as 4 }))).toBeInstanceOf(RangeError);
    expect(await caught(createTcpListener({ localPort: -1 }))).toBeInstanceOf(RangeError);
    expect(await caught(createTcpListener({ reusePort: "yes" as unknown as boolean }))).toBeInstanceOf(TypeError);
    expect(await caught(createTcpListener({ port: 1 } as object))).toBeInstanceOf(TypeError);
  });

  structuredTest("a cancelled call opens nothing", async () => {
    await new CancelScope().run(async (scope) => {
      scope.cancel();
      await createTcpListener({ localHost: "127.0.0.1" });
    });
  });
});

structuredDescribe("half-closed TCP connections", () => {
  structuredTest("the server can still send after the client's sendEof()", async () => {
    await using multi = await createTcpListener({ localHost: "127.0.0.1" });
    await using client = await connectTcp("127.0.0.1", portOf(multi));
    await using server = await (multi.listeners[0] as SocketListener).accept();
    await client.send(bytes("request"));
    await client.sendEof();
    expect(text(await server.receive())).toBe("request");
    expect(await caught(server.receive())).toBeInstanceOf(EndOfStream);
    await server.send(bytes("response"));
    expect(text(await client.receive())).toBe("response");
  });

  structuredTest("the client gets everything the server sent before its sendEof()", async () => {
    await using multi = await createTcpListener({ localHost: "127.0.0.1" });
    await using client = await connectTcp("127.0.0.1", portOf(multi));
    await using server = await (multi.listeners[0] as SocketListener).accept();
    await server.send(bytes("all of it"));
    await server.sendEof();
    const chunks: string[] = [];
    for await (const chunk of client) chunks.push(text(chunk));
    expect(chunks.join("")).toBe("all of it");
    await client.send(bytes("late"));
    expect(text(await server.receive())).toBe("late");
  });
});

structuredDescribe("SocketListener.fromSocket()", () => {
  structuredTest("takes over a listening net.Server", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
    await using listener = await SocketListener.fromSocket(server);
    expect(listener.extra(SocketAttribute.rawSocket)).toBe(server);
    const port = listener.extra(SocketAttribute.localPort);
    await using client = await connectTcp("127.0.0.1", port);
    await using accepted = await listener.accept();
    await client.send(bytes("adopted"));
    expect(text(await accepted.receive())).toBe("adopted");
  });

  structuredTest("refuses a server that is not listening, or something else", async () => {
    const server = net.createServer();
    expect(await caught(SocketListener.fromSocket(server))).toBeInstanceOf(TypeError);
    expect(await caught(SocketListener.fromSocket({} as net.Server))).toBeInstanceOf(TypeError);
  });
});
