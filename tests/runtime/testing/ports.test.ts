/**
 * freeTcpPort / freeUdpPort (AnyIO's free_tcp_port_factory / free_udp_port_factory): ports that
 * can be bound on every loopback address, never handed out twice.
 */
import * as dgram from "node:dgram";
import { once } from "node:events";
import * as net from "node:net";
import { freeTcpPort, freeUdpPort, structuredTest } from "anyio-ts/jest";

/** Whether ::1 can be bound here (containers often have no IPv6). */
async function ipv6Available(): Promise<boolean> {
  const server = net.createServer();
  try {
    server.listen(0, "::1");
    await once(server, "listening");
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

async function listenTcp(host: string, port: number): Promise<void> {
  const server = net.createServer();
  server.listen({ host, port, exclusive: true });
  await once(server, "listening");
  await new Promise((resolve) => server.close(resolve));
}

async function bindUdp(type: "udp4" | "udp6", host: string, port: number): Promise<void> {
  const socket = dgram.createSocket(type);
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => resolve());
  });
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

describe("freeTcpPort", () => {
  test("returns a port that can be listened on at 127.0.0.1, and at ::1 where there is IPv6", async () => {
    const port = await freeTcpPort();
    expect(Number.isInteger(port)).toBe(true);
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
    await listenTcp("127.0.0.1", port);
    if (await ipv6Available()) await listenTcp("::1", port);
  });

  test("never returns the same port twice", async () => {
    const ports: number[] = [];
    for (let i = 0; i < 25; i++) ports.push(await freeTcpPort());
    expect(new Set(ports).size).toBe(ports.length);
  });

  test("family 4 asks for an IPv4 port only", async () => {
    await listenTcp("127.0.0.1", await freeTcpPort(4));
  });

  test("family 6 gives an IPv6 port, or says the host has no IPv6", async () => {
    if (await ipv6Available()) {
      await listenTcp("::1", await freeTcpPort(6));
    } else {
      await expect(freeTcpPort(6)).rejects.toThrow(/no IPv6 loopback address/);
    }
  });

  test("rejects a family that is not 4 or 6", async () => {
    await expect(freeTcpPort(5 as 4)).rejects.toThrow(
      new TypeError("Expected `family` to be 4, 6 or undefined, got `5` (number)"),
    );
    await expect(freeTcpPort("IPv4" as unknown as 4)).rejects.toThrow(/got `"IPv4"` \(string\)/);
  });
});

describe("freeUdpPort", () => {
  test("returns a port that can be bound at 127.0.0.1, and at ::1 where there is IPv6", async () => {
    const port = await freeUdpPort();
    await bindUdp("udp4", "127.0.0.1", port);
    if (await ipv6Available()) await bindUdp("udp6", "::1", port);
  });

  test("never returns the same port twice", async () => {
    const ports: number[] = [];
    for (let i = 0; i < 25; i++) ports.push(await freeUdpPort());
    expect(new Set(ports).size).toBe(ports.length);
  });
});

// Inside a structured test: it works in a run and leaves nothing open (the leak check passes).
structuredTest("a free port found inside a structured test can be served on, and nothing leaks", async () => {
  const port = await freeTcpPort(4);
  const server = net.createServer((socket) => socket.end("hello"));
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  const client = net.connect(port, "127.0.0.1");
  client.setEncoding("utf8");
  let received = "";
  client.on("data", (chunk) => (received += chunk));
  await once(client, "close");
  await new Promise((resolve) => server.close(resolve));
  expect(received).toBe("hello");
});
