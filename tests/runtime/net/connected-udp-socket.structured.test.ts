"use structured";
// ConnectedUDPSocket in structured code, with the anyio-ts/jest leak check: AnyIO's connected
// UDP socket tests re-expressed, plus peer filtering and ICMP errors being ignored.
import * as dgram from "node:dgram";
import * as net from "node:net";
import {
  BusyResourceError,
  Cancelled,
  ClosedResourceError,
  ConnectedUDPSocket,
  Event,
  SocketAttribute,
  createConnectedUdpSocket,
  createTaskGroup,
  createUdpSocket,
  failAfter,
  waitAllTasksBlocked,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import {
  LOOPBACK,
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
  if (!probe.available) expect(probe.error.code).toBe("EADDRNOTAVAIL");
});

describe.each([
  ["IPv4", 4, LOOPBACK[4]],
  ["IPv6", 6, LOOPBACK[6]],
] as const)("ConnectedUDPSocket over %s", (familyName, family, host) => {
  structuredTest("offers family, local and remote addresses and ports, and rawSocket", async () => {
    if (!ipv6 && family === 6) {
      expect(((await caught(createConnectedUdpSocket(host, 5000))) as NodeJS.ErrnoException).code).toBeDefined();
      return;
    }
    await using socket = await createConnectedUdpSocket(host, 5000, { family });
    const raw = socket.extra(SocketAttribute.rawSocket) as dgram.Socket;
    expect(raw).toBeInstanceOf(dgram.Socket);
    expect(socket.extra(SocketAttribute.family)).toBe(familyName);
    const local = raw.address();
    expect(socket.extra(SocketAttribute.localAddress)).toEqual([local.address, local.port]);
    expect(socket.extra(SocketAttribute.localPort)).toBe(local.port);
    expect(socket.extra(SocketAttribute.remoteAddress)).toEqual([host, 5000]);
    expect(socket.extra(SocketAttribute.remotePort)).toBe(5000);
  });

  structuredTest("sends to its peer and receives from it", async () => {
    if (!ipv6 && family === 6) return expect(ipv6).toBe(false);
    await using peer = await createUdpSocket({ family, localHost: host });
    const [peerHost, peerPort] = localAddressOf(peer);
    await using socket = await createConnectedUdpSocket(peerHost, peerPort, { localHost: host, family });
    const [localHost, localPort] = localAddressOf(socket);
    await socket.send(datagram("blah"));
    const [request, from] = await peer.receive();
    expect([textOf(request), from]).toEqual(["blah", [localHost, localPort]]);
    await peer.sendto(datagram("halb"), localHost, localPort);
    const response = await socket.receive();
    expect(response).toBeInstanceOf(Uint8Array);
    expect(textOf(response)).toBe("halb");
  });

  structuredTest("an echo loop iterating over a connected socket answers its peer", async () => {
    if (!ipv6 && family === 6) return expect(ipv6).toBe(false);
    await using peer = await createUdpSocket({ family, localHost: host });
    const [peerHost, peerPort] = localAddressOf(peer);
    await using socket = await createConnectedUdpSocket(peerHost, peerPort);
    const [localHost, localPort] = localAddressOf(socket);
    await using tg = createTaskGroup();
    tg.startSoon(async () => {
      for await (const data of socket) await socket.send(data.slice().reverse());
    });
    await peer.sendto(datagram("FOOBAR"), localHost, localPort);
    const [first, from] = await peer.receive();
    expect([textOf(first), from]).toEqual(["RABOOF", [localHost, localPort]]);
    await peer.sendto(datagram("123456"), localHost, localPort);
    expect(textOf((await peer.receive())[0])).toBe("654321");
    tg.cancelScope.cancel();
  });

  structuredTest("fromSocket() takes over a connected dgram socket, and aclose() frees its port at once", async () => {
    if (!ipv6 && family === 6) return expect(ipv6).toBe(false);
    const peer = await boundDgram(family);
    try {
      let port = 0;
      for (let round = 0; round < 2; round++) {
        const raw = await boundDgram(family, port);
        port = raw.address().port;
        await new Promise<void>((resolve) => raw.connect(peer.address().port, host, () => resolve()));
        const socket = await ConnectedUDPSocket.fromSocket(raw);
        expect(socket).toBeInstanceOf(ConnectedUDPSocket);
        expect(socket.extra(SocketAttribute.family)).toBe(familyName);
        expect(socket.extra(SocketAttribute.remotePort)).toBe(peer.address().port);
        await socket.aclose();
      }
    } finally {
      await closeDgram(peer);
    }
  });
});

structuredDescribe("ConnectedUDPSocket: datagram semantics", () => {
  structuredTest("receives only from its peer: the kernel drops what others send", async () => {
    await using peer = await createUdpSocket({ localHost: LOOPBACK[4] });
    await using stranger = await createUdpSocket({ localHost: LOOPBACK[4] });
    const [peerHost, peerPort] = localAddressOf(peer);
    await using socket = await createConnectedUdpSocket(peerHost, peerPort);
    const [localHost, localPort] = localAddressOf(socket);
    await stranger.sendto(datagram("stranger"), localHost, localPort);
    await peer.sendto(datagram("peer"), localHost, localPort);
    expect(textOf(await socket.receive())).toBe("peer");
  });

  structuredTest("ICMP errors about earlier datagrams are ignored: sends resolve and receiving goes on", async () => {
    const closed = await boundDgram(4);
    const closedPort = closed.address().port;
    await closeDgram(closed); // nobody listens on closedPort now: the kernel answers with ICMP
    await using socket = await createConnectedUdpSocket(LOOPBACK[4], closedPort);
    const refused = new Event();
    rawOf(socket).on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED") refused.set();
    });
    await socket.send(datagram(1));
    {
      using _limit = failAfter(10_000);
      await refused.wait(); // the host did report the ICMP error
    }
    await socket.send(datagram(2));
    await socket.send(datagram(3));
    // The peer comes up on that port: what it sends is received.
    await using peer = await createUdpSocket({ localHost: LOOPBACK[4], localPort: closedPort });
    const [localHost, localPort] = localAddressOf(socket);
    await peer.sendto(datagram("back"), localHost, localPort);
    expect(textOf(await socket.receive())).toBe("back");
  });

  structuredTest("localPort alone binds that port on the wildcard address", async () => {
    const probe = await boundDgram(4);
    const port = probe.address().port;
    await closeDgram(probe);
    await using socket = await createConnectedUdpSocket(LOOPBACK[4], 5000, { localPort: port });
    expect(socket.extra(SocketAttribute.localPort)).toBe(port);
  });
});

structuredDescribe("ConnectedUDPSocket: one task per direction, closing and cancellation", () => {
  structuredTest("a second concurrent receive() is refused with BusyResourceError", async () => {
    await using socket = await createConnectedUdpSocket(LOOPBACK[4], 5000, { localHost: LOOPBACK[4], family: 4 });
    await using tg = createTaskGroup();
    tg.startSoon(() => socket.receive());
    await waitAllTasksBlocked();
    const error = await caught(socket.receive());
    expect(error).toBeInstanceOf(BusyResourceError);
    expect((error as Error).message).toBe("Another task is already reading from this resource");
    tg.cancelScope.cancel();
  });

  structuredTest("closing from another task wakes a blocked receive() with ClosedResourceError", async () => {
    const socket = await createConnectedUdpSocket(LOOPBACK[4], 5000, { localHost: LOOPBACK[4], family: 4 });
    await using tg = createTaskGroup();
    tg.startSoon(async () => {
      await waitAllTasksBlocked();
      await socket.aclose();
    });
    expect(await caught(socket.receive())).toBeInstanceOf(ClosedResourceError);
  });

  structuredTest("after aclose(), receive(), send() and the remote attributes raise ClosedResourceError", async () => {
    const socket = await createConnectedUdpSocket(LOOPBACK[4], 5000, { localHost: LOOPBACK[4] });
    await socket.aclose();
    expect(await caught(socket.receive())).toBeInstanceOf(ClosedResourceError);
    expect(await caught(socket.send(datagram("foo")))).toBeInstanceOf(ClosedResourceError);
    expect(() => socket.extra(SocketAttribute.remoteAddress)).toThrow(ClosedResourceError);
    expect(socket.extra(SocketAttribute.family)).toBe("IPv4");
  });

  structuredTest("send() and receive() in a cancelled scope raise Cancelled and move nothing", async () => {
    await using peer = await createUdpSocket({ localHost: LOOPBACK[4] });
    const [peerHost, peerPort] = localAddressOf(peer);
    await using socket = await createConnectedUdpSocket(peerHost, peerPort);
    const [localHost, localPort] = localAddressOf(socket);
    await peer.sendto(datagram("queued"), localHost, localPort);
    expect(await outcomeInCancelledScope(() => socket.send(datagram("never")))).toBeInstanceOf(Cancelled);
    expect(await outcomeInCancelledScope(() => socket.receive())).toBeInstanceOf(Cancelled);
    expect(textOf(await socket.receive())).toBe("queued");
    await socket.send(datagram("sent"));
    expect(textOf((await peer.receive())[0])).toBe("sent");
  });

  structuredTest("createConnectedUdpSocket() in a cancelled scope raises Cancelled and opens nothing", async () => {
    expect(await outcomeInCancelledScope(() => createConnectedUdpSocket(LOOPBACK[4], 5000))).toBeInstanceOf(Cancelled);
  });

  structuredTest("fromSocket() in a cancelled scope raises Cancelled and leaves the socket to its owner", async () => {
    const peer = await boundDgram(4);
    const raw = await boundDgram(4);
    try {
      await new Promise<void>((resolve) => raw.connect(peer.address().port, LOOPBACK[4], () => resolve()));
      expect(await outcomeInCancelledScope(() => ConnectedUDPSocket.fromSocket(raw))).toBeInstanceOf(Cancelled);
      expect(raw.listenerCount("message")).toBe(0);
      expect(raw.listenerCount("error")).toBe(0);
    } finally {
      await closeDgram(raw);
      await closeDgram(peer);
    }
  });

  structuredTest("fromSocket() refuses what is not a connected dgram socket, with a TypeError", async () => {
    const tcp = new net.Socket();
    const bound = await boundDgram(4);
    try {
      for (const [socket, text] of [
        [tcp, "Expected `socket` to be a dgram.Socket, got a Socket"],
        [bound, "Expected `socket` to be a connected dgram.Socket, got one that is not connected"],
      ] as const) {
        const error = await caught(ConnectedUDPSocket.fromSocket(socket as unknown as dgram.Socket));
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toContain(text);
      }
    } finally {
      tcp.destroy();
      await closeDgram(bound);
    }
  });
});
