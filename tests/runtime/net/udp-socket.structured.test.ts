"use structured";
// UDPSocket in structured code (every await a checkpoint, foreign promises raced), with the
// anyio-ts/jest leak check: AnyIO's UDP socket tests re-expressed, plus the rules of queueing,
// cancellation, send errors and closing.
import * as dgram from "node:dgram";
import * as net from "node:net";
import {
  BrokenResourceError,
  BusyResourceError,
  CancelScope,
  Cancelled,
  ClosedResourceError,
  NotSupportedError,
  SocketAttribute,
  TypedAttributeLookupError,
  UDPSocket,
  checkpoint,
  createTaskGroup,
  createUdpSocket,
  failAfter,
  waitAllTasksBlocked,
} from "anyio-ts";
import { isStructured } from "anyio-ts/rt";
import { freeUdpPort, structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import {
  LOOPBACK,
  arrivals,
  boundDgram,
  closeDgram,
  datagram,
  localAddressOf,
  outcomeInCancelledScope,
  probeIpv6,
  rawOf,
  textOf,
} from "./udp-helpers";

let ipv6 = true;

beforeAll(async () => {
  const probe = await probeIpv6();
  ipv6 = probe.available;
  // Without IPv6 loopback the IPv6 cases below assert that binding ::1 fails as the host says.
  if (!probe.available) expect(probe.error.code).toBe("EADDRNOTAVAIL");
});

test("this file is compiled as structured code", () => {
  expect(isStructured(async () => {})).toBe(true);
});

describe.each([
  ["IPv4", 4, LOOPBACK[4]],
  ["IPv6", 6, LOOPBACK[6]],
] as const)("UDPSocket over %s", (familyName, family, host) => {
  structuredTest("a datagram sent to itself arrives with the sender's address", async () => {
    if (!ipv6 && family === 6) {
      expect(((await caught(createUdpSocket({ localHost: host }))) as NodeJS.ErrnoException).code).toBe(
        "EADDRNOTAVAIL",
      );
      return;
    }
    await using socket = await createUdpSocket({ localHost: host, family });
    const [localHost, localPort] = localAddressOf(socket);
    expect(localHost).toBe(host);
    await socket.sendto(datagram("blah"), localHost, localPort);
    const [request, address] = await socket.receive();
    expect(textOf(request)).toBe("blah");
    expect(request).toBeInstanceOf(Uint8Array);
    expect(address).toEqual([localHost, localPort]);
    await socket.send([datagram("halb"), address]);
    const [response, again] = await socket.receive();
    expect(textOf(response)).toBe("halb");
    expect(again).toEqual([localHost, localPort]);
  });

  structuredTest("an echo server iterating over its socket answers each datagram", async () => {
    if (!ipv6 && family === 6) return expect(ipv6).toBe(false);
    await using server = await createUdpSocket({ family, localHost: host });
    await using client = await createUdpSocket({ family, localHost: host });
    const [serverHost, serverPort] = localAddressOf(server);
    await using tg = createTaskGroup();
    tg.startSoon(async () => {
      for await (const [data, address] of server) await server.send([data.slice().reverse(), address]);
    });
    await client.sendto(datagram("FOOBAR"), serverHost, serverPort);
    const [first, from] = await client.receive();
    expect([textOf(first), from]).toEqual(["RABOOF", [serverHost, serverPort]]);
    await client.sendto(datagram("123456"), serverHost, serverPort);
    const [second] = await client.receive();
    expect(textOf(second)).toBe("654321");
    tg.cancelScope.cancel();
  });

  structuredTest("offers family, localAddress, localPort and rawSocket, but no remote address", async () => {
    if (!ipv6 && family === 6) return expect(ipv6).toBe(false);
    await using socket = await createUdpSocket({ family, localHost: host });
    const raw = socket.extra(SocketAttribute.rawSocket);
    expect(raw).toBeInstanceOf(dgram.Socket);
    const { address, port, family: rawFamily } = (raw as dgram.Socket).address();
    expect(socket.extra(SocketAttribute.family)).toBe(familyName);
    expect(rawFamily).toBe(familyName);
    expect(socket.extra(SocketAttribute.localAddress)).toEqual([address, port]);
    expect(socket.extra(SocketAttribute.localPort)).toBe(port);
    expect(() => socket.extra(SocketAttribute.remoteAddress)).toThrow(TypedAttributeLookupError);
    expect(() => socket.extra(SocketAttribute.remotePort)).toThrow(TypedAttributeLookupError);
  });

  structuredTest("with only a family, the socket binds the wildcard address and a free port", async () => {
    if (!ipv6 && family === 6) return expect(ipv6).toBe(false);
    await using socket = await createUdpSocket({ family });
    const [address, port] = localAddressOf(socket);
    expect(address).toBe(family === 6 ? "::" : "0.0.0.0");
    expect(port).toBeGreaterThan(0);
  });

  structuredTest("fromSocket() takes over a bound dgram socket, and aclose() frees its port at once", async () => {
    if (!ipv6 && family === 6) return expect(ipv6).toBe(false);
    let port = 0;
    for (let round = 0; round < 2; round++) {
      const raw = await boundDgram(family, port); // the second round rebinds the port just freed
      port = raw.address().port;
      const socket = await UDPSocket.fromSocket(raw);
      expect(socket).toBeInstanceOf(UDPSocket);
      expect(socket.extra(SocketAttribute.family)).toBe(familyName);
      expect(socket.extra(SocketAttribute.rawSocket)).toBe(raw);
      await socket.aclose();
    }
  });

  structuredTest(
    "a datagram too large for UDP rejects its send with EMSGSIZE, and the socket stays usable",
    async () => {
      if (!ipv6 && family === 6) return expect(ipv6).toBe(false);
      await using socket = await createUdpSocket({ family, localHost: host });
      const [localHost, localPort] = localAddressOf(socket);
      const error = (await caught(
        socket.sendto(new Uint8Array(70_000), localHost, localPort),
      )) as NodeJS.ErrnoException;
      expect(error.code).toBe("EMSGSIZE");
      expect(error).not.toBeInstanceOf(BrokenResourceError);
      await socket.sendto(datagram("after"), localHost, localPort);
      const [data] = await socket.receive();
      expect(textOf(data)).toBe("after");
    },
  );
});

structuredDescribe("UDPSocket: one task per direction, and closing", () => {
  structuredTest("a second concurrent receive() is refused with BusyResourceError", async () => {
    await using socket = await createUdpSocket({ family: 4, localHost: LOOPBACK[4] });
    await using tg = createTaskGroup();
    tg.startSoon(() => socket.receive());
    await waitAllTasksBlocked();
    const error = await caught(socket.receive());
    expect(error).toBeInstanceOf(BusyResourceError);
    expect((error as Error).message).toBe("Another task is already reading from this resource");
    tg.cancelScope.cancel();
  });

  structuredTest("a second concurrent send() is refused with BusyResourceError", async () => {
    await using socket = await createUdpSocket({ family: 4, localHost: LOOPBACK[4] });
    const [host, port] = localAddressOf(socket);
    const first = socket.sendto(datagram(1), host, port);
    const error = await caught(socket.sendto(datagram(2), host, port));
    await first;
    expect(error).toBeInstanceOf(BusyResourceError);
    expect((error as Error).message).toBe("Another task is already writing to this resource");
    const [data] = await socket.receive();
    expect(textOf(data)).toBe("1");
  });

  structuredTest(
    "closing the socket from another task wakes a blocked receive() with ClosedResourceError",
    async () => {
      const socket = await createUdpSocket({ family: 4, localHost: LOOPBACK[4] });
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        await waitAllTasksBlocked();
        await socket.aclose();
      });
      expect(await caught(socket.receive())).toBeInstanceOf(ClosedResourceError);
    },
  );

  structuredTest("after aclose(), receive(), send() and the address attributes raise ClosedResourceError", async () => {
    const socket = await createUdpSocket({ family: 4, localHost: LOOPBACK[4] });
    const [host, port] = localAddressOf(socket);
    await socket.aclose();
    await socket.aclose(); // closing twice does nothing
    expect(await caught(socket.receive())).toBeInstanceOf(ClosedResourceError);
    expect(await caught(socket.sendto(datagram("foo"), host, port))).toBeInstanceOf(ClosedResourceError);
    expect(() => socket.extra(SocketAttribute.localAddress)).toThrow(ClosedResourceError);
    expect(socket.extra(SocketAttribute.family)).toBe("IPv4");
  });

  structuredTest(
    "a send() blocked in its checkpoint when another task closes the socket gets ClosedResourceError",
    async () => {
      const socket = await createUdpSocket({ family: 4, localHost: LOOPBACK[4] });
      const [host, port] = localAddressOf(socket);
      const sending = socket.sendto(datagram(1), host, port);
      await socket.aclose();
      expect(await caught(sending)).toBeInstanceOf(ClosedResourceError);
    },
  );

  structuredTest("an asynchronous socket error breaks the socket; an ICMP report does not", async () => {
    await using socket = await createUdpSocket({ family: 4, localHost: LOOPBACK[4] });
    const [host, port] = localAddressOf(socket);
    const raw = rawOf(socket);
    raw.emit("error", Object.assign(new Error("recvmsg ECONNREFUSED"), { code: "ECONNREFUSED", syscall: "recvmsg" }));
    await socket.sendto(datagram("still fine"), host, port);
    expect(textOf((await socket.receive())[0])).toBe("still fine");
    const failure = Object.assign(new Error("recvmsg ENOMEM"), { code: "ENOMEM", syscall: "recvmsg" });
    raw.emit("error", failure);
    const error = await caught(socket.receive());
    expect(error).toBeInstanceOf(BrokenResourceError);
    expect((error as Error).cause).toBe(failure);
    expect(await caught(socket.sendto(datagram(1), host, port))).toBeInstanceOf(BrokenResourceError);
    await socket.aclose();
    expect(await caught(socket.receive())).toBeInstanceOf(ClosedResourceError);
  });
});

structuredDescribe("UDPSocket: cancellation", () => {
  structuredTest("a receive() in a cancelled scope raises Cancelled and takes no datagram", async () => {
    await using socket = await createUdpSocket({ family: 4, localHost: LOOPBACK[4] });
    const [host, port] = localAddressOf(socket);
    const arrived = arrivals(rawOf(socket), 1);
    await socket.sendto(datagram("kept"), host, port);
    await arrived.wait();
    expect(await outcomeInCancelledScope(() => socket.receive())).toBeInstanceOf(Cancelled);
    expect(textOf((await socket.receive())[0])).toBe("kept");
  });

  structuredTest(
    "a receive() cancelled while parked takes nothing: the next datagram goes to the next receive()",
    async () => {
      await using socket = await createUdpSocket({ family: 4, localHost: LOOPBACK[4] });
      const [host, port] = localAddressOf(socket);
      const outcome: string[] = [];
      {
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          try {
            await socket.receive();
            outcome.push("received");
          } catch (error) {
            outcome.push(error instanceof Cancelled ? "cancelled" : String(error));
            throw error;
          }
        });
        await waitAllTasksBlocked();
        tg.cancelScope.cancel();
      }
      expect(outcome).toEqual(["cancelled"]);
      await socket.sendto(datagram("next"), host, port);
      expect(textOf((await socket.receive())[0])).toBe("next");
    },
  );

  structuredTest(
    "a receive() handed a datagram returns it even when its scope is cancelled before it resumes",
    async () => {
      await using socket = await createUdpSocket({ family: 4, localHost: LOOPBACK[4] });
      await using sender = await createUdpSocket({ family: 4, localHost: LOOPBACK[4] });
      const [host, port] = localAddressOf(socket);
      const log: string[] = [];
      for (const iterate of [false, true]) {
        await using tg = createTaskGroup();
        const scope = new CancelScope();
        tg.startSoon(async () => {
          using _entered = scope;
          const data = iterate ? (await socket[Symbol.asyncIterator]().next()).value[0] : (await socket.receive())[0];
          log.push(`got ${textOf(data)}`);
          try {
            await checkpoint();
          } catch (error) {
            log.push(error instanceof Cancelled ? "then cancelled" : String(error));
            throw error;
          }
        });
        await waitAllTasksBlocked();
        // Our listener runs after the runtime's, which has just handed the datagram over: the
        // receiving task has not resumed yet when its scope is cancelled.
        const raw = rawOf(socket);
        const cancelOnArrival = () => {
          raw.off("message", cancelOnArrival);
          scope.cancel();
        };
        raw.on("message", cancelOnArrival);
        await sender.sendto(datagram(iterate ? "second" : "first"), host, port);
      }
      expect(log).toEqual(["got first", "then cancelled", "got second", "then cancelled"]);
    },
  );

  structuredTest("a send() in a cancelled scope raises Cancelled and sends nothing", async () => {
    await using socket = await createUdpSocket({ family: 4, localHost: LOOPBACK[4] });
    const [host, port] = localAddressOf(socket);
    expect(await outcomeInCancelledScope(() => socket.sendto(datagram("never"), host, port))).toBeInstanceOf(Cancelled);
    await socket.sendto(datagram("sent"), host, port);
    expect(textOf((await socket.receive())[0])).toBe("sent");
  });

  structuredTest("a send() cancelled during its checkpoint sends nothing", async () => {
    await using socket = await createUdpSocket({ family: 4, localHost: LOOPBACK[4] });
    const [host, port] = localAddressOf(socket);
    const outcome = await outcomeInCancelledScope((scope) => {
      const sending = socket.sendto(datagram("never"), host, port);
      scope.cancel();
      return sending;
    }, false);
    expect(outcome).toBeInstanceOf(Cancelled);
    // Not busy: the cancelled send is gone at once.
    await socket.sendto(datagram("sent"), host, port);
    expect(textOf((await socket.receive())[0])).toBe("sent");
  });

  structuredTest("createUdpSocket() in a cancelled scope raises Cancelled and opens nothing", async () => {
    const outcome = await outcomeInCancelledScope(() => createUdpSocket({ family: 4, localHost: LOOPBACK[4] }));
    expect(outcome).toBeInstanceOf(Cancelled);
    // The leak check fails the test if a socket was opened.
  });

  structuredTest("fromSocket() in a cancelled scope raises Cancelled and leaves the socket to its owner", async () => {
    const raw = await boundDgram(4);
    expect(await outcomeInCancelledScope(() => UDPSocket.fromSocket(raw))).toBeInstanceOf(Cancelled);
    expect(raw.listenerCount("message")).toBe(0);
    await closeDgram(raw);
  });
});

structuredDescribe("UDPSocket: the receive queue", () => {
  structuredTest("keeps at most 100 datagrams while no receive() waits, dropping the oldest", async () => {
    await using receiver = await createUdpSocket({ family: 4, localHost: LOOPBACK[4] });
    await using sender = await createUdpSocket({ family: 4, localHost: LOOPBACK[4] });
    const [host, port] = localAddressOf(receiver);
    const arrived = arrivals(rawOf(receiver), 150);
    for (let n = 0; n < 150; n++) await sender.sendto(datagram(n), host, port);
    {
      using _limit = failAfter(10_000);
      await arrived.wait();
    }
    const received: number[] = [];
    for (let i = 0; i < 100; i++) received.push(Number(textOf((await receiver.receive())[0])));
    expect(received).toEqual(Array.from({ length: 100 }, (_, i) => 50 + i));
    // Nothing older is left: the next datagram received is the next one sent.
    await sender.sendto(datagram("marker"), host, port);
    expect(textOf((await receiver.receive())[0])).toBe("marker");
  });
});

structuredDescribe("UDPSocket.fromSocket() and reusePort", () => {
  structuredTest("fromSocket() refuses what is not a bound, unconnected dgram socket, with a TypeError", async () => {
    const server = net.createServer();
    const tcp = new net.Socket();
    const unbound = dgram.createSocket("udp4");
    const peer = await boundDgram(4);
    const connected = await boundDgram(4);
    await new Promise<void>((resolve) => connected.connect(peer.address().port, LOOPBACK[4], () => resolve()));
    try {
      for (const [socket, text] of [
        [tcp, "Expected `socket` to be a dgram.Socket, got a Socket"],
        [server, "Expected `socket` to be a dgram.Socket, got a Server"],
        [null, "Expected `socket` to be a dgram.Socket, got `null` (object)"],
        [unbound, "not bound"],
        [connected, "ConnectedUDPSocket.fromSocket()"],
      ] as const) {
        const error = await caught(UDPSocket.fromSocket(socket as unknown as dgram.Socket));
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toContain(text);
      }
    } finally {
      tcp.destroy();
      unbound.close();
      await closeDgram(peer);
      await closeDgram(connected);
    }
  });

  structuredTest(
    "reusePort lets two sockets share a port where the host supports it, and is NotSupportedError elsewhere",
    async () => {
      const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
      if (major > 22 || (major === 22 && minor >= 12)) {
        await using first = await createUdpSocket({ localHost: LOOPBACK[4], reusePort: true });
        const port = first.extra(SocketAttribute.localPort);
        await using second = await createUdpSocket({ localHost: LOOPBACK[4], localPort: port, reusePort: true });
        expect(second.extra(SocketAttribute.localPort)).toBe(port);
      } else {
        const error = await caught(createUdpSocket({ localHost: LOOPBACK[4], reusePort: true }));
        expect(error).toBeInstanceOf(NotSupportedError);
        expect((error as Error).message).toBe(
          "createUdpSocket() cannot use the `reusePort` option: SO_REUSEPORT for UDP sockets needs Node.js 22.12 or later " +
            `(this is ${process.versions.node})`,
        );
      }
    },
  );

  structuredTest("a family with a localPort binds that port on the wildcard address", async () => {
    const port = await freeUdpPort(4);
    await using socket = await createUdpSocket({ family: 4, localPort: port });
    expect(localAddressOf(socket)).toEqual(["0.0.0.0", port]);
  });

  structuredTest(
    "binding an address and port already in use rejects with EADDRINUSE and leaves nothing open",
    async () => {
      await using first = await createUdpSocket({ localHost: LOOPBACK[4] });
      const port = first.extra(SocketAttribute.localPort);
      const error = (await caught(
        createUdpSocket({ localHost: LOOPBACK[4], localPort: port }),
      )) as NodeJS.ErrnoException;
      expect(error.code).toBe("EADDRINUSE");
    },
  );
});
