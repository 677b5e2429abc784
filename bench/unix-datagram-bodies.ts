"use structured";
/**
 * The anyio-ts side of bench/unix-datagram.ts, as structured code: bench/unix-datagram.ts
 * compiles this file with the transformer at start-up (as bench/udp.ts does with its bodies),
 * so AsyncLocalStorage is never switched on.
 */
import * as fs from "node:fs";
import * as anyio from "../runtime/index";
import { Tally } from "./udp-tally";

export interface DatagramSettings {
  readonly kind: "unix" | "udp";
  readonly size: number;
  readonly n: number;
  readonly window: number;
  readonly lossWait: number;
}

/**
 * `n` datagrams of `size` bytes from a connected sender to a receiver task, in bursts of
 * `window` (the sender waits after each burst until the receiver counted it, so UDP drops
 * nothing and both kinds do the same work). UNIX: an abstract name; UDP: 127.0.0.1.
 */
export async function datagramBatch(settings: DatagramSettings): Promise<{ elapsed: number; lost: number }> {
  const { kind, size, n, window, lossWait } = settings;
  const name = `\0anyio-bench-${process.pid}-${Math.random().toString(36).slice(2)}`;
  let receive: () => Promise<unknown>;
  let send: (data: Uint8Array) => Promise<void>;
  const closers: Array<() => Promise<void>> = [];
  if (kind === "unix") {
    const receiver = await anyio.createUnixDatagramSocket({ localPath: name });
    const sender = await anyio.createConnectedUnixDatagramSocket(name);
    closers.push(
      () => receiver.aclose(),
      () => sender.aclose(),
    );
    receive = () => receiver.receive();
    send = (data) => sender.send(data);
  } else {
    const receiver = await anyio.createUdpSocket({ localHost: "127.0.0.1" });
    const [host, port] = receiver.extra(anyio.SocketAttribute.localAddress) as [string, number];
    const sender = await anyio.createConnectedUdpSocket(host, port);
    closers.push(
      () => receiver.aclose(),
      () => sender.aclose(),
    );
    receive = () => receiver.receive();
    send = (data) => sender.send(data);
  }
  try {
    const payload = new Uint8Array(size);
    const tally = new Tally();
    await using tg = anyio.createTaskGroup();
    tg.startSoon(async () => {
      for (;;) {
        await receive();
        tally.delivered();
      }
    });
    const start = performance.now();
    for (let sent = 0; sent < n;) {
      const burst = Math.min(window, n - sent);
      for (let i = 0; i < burst; i++) await send(payload);
      sent += burst;
      const event = new anyio.Event();
      if (!tally.caughtUp(sent, () => event.set())) {
        using _limit = anyio.moveOnAfter(lossWait);
        await event.wait();
      }
      if (!event.isSet() && tally.received < sent) tally.giveUp();
    }
    const elapsed = performance.now() - start;
    tg.cancelScope.cancel();
    return { elapsed, lost: tally.lost };
  } finally {
    for (const close of closers) await close();
  }
}

export interface FdSettings {
  /** Pass one descriptor with each message (sendFds/receiveFds), or none (send/receiveFds). */
  readonly withFds: boolean;
  readonly n: number;
  readonly window: number;
}

/**
 * `n` one-byte messages over a UNIX stream pair run by the addon, each with one descriptor
 * (`sendFds`, the receiver closes what it got) or without (`send`), received with
 * `receiveFds(1, 1)` in both cases, in bursts of `window`.
 */
export async function fdBatch(settings: FdSettings): Promise<{ elapsed: number }> {
  const { withFds, n, window } = settings;
  const name = `\0anyio-bench-fd-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await using listener = await anyio.createUnixListener(name);
  await using client = await anyio.connectUnix(name);
  await using server = await listener.accept();
  const file = fs.openSync("/dev/null", "r");
  try {
    const payload = new Uint8Array([1]);
    const tally = new Tally();
    await using tg = anyio.createTaskGroup();
    tg.startSoon(async () => {
      for (;;) {
        const [message, fds] = await server.receiveFds(1, 1);
        for (const fd of fds) fs.closeSync(fd);
        for (let i = 0; i < message.length; i++) tally.delivered();
      }
    });
    const start = performance.now();
    for (let sent = 0; sent < n;) {
      const burst = Math.min(window, n - sent);
      for (let i = 0; i < burst; i++) {
        if (withFds) await client.sendFds(payload, [file]);
        else await client.send(payload);
      }
      sent += burst;
      const event = new anyio.Event();
      if (!tally.caughtUp(sent, () => event.set())) await event.wait();
    }
    const elapsed = performance.now() - start;
    tg.cancelScope.cancel();
    return { elapsed };
  } finally {
    fs.closeSync(file);
  }
}

/**
 * `bytes` bytes from a client to a server over a UNIX stream pair (an abstract name), sent in
 * `chunk`-byte sends while the server receives (at most 65536 bytes per receive) until it has
 * them all. Run by the addon or by node:net, whichever this process uses.
 */
export async function streamBatch(settings: { bytes: number; chunk: number }): Promise<{ elapsed: number }> {
  const { bytes, chunk } = settings;
  const name = `\0anyio-bench-stream-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await using listener = await anyio.createUnixListener(name);
  await using client = await anyio.connectUnix(name);
  await using server = await listener.accept();
  const payload = new Uint8Array(chunk);
  const start = performance.now();
  await using tg = anyio.createTaskGroup();
  tg.startSoon(async () => {
    for (let sent = 0; sent < bytes; sent += chunk) await client.send(payload);
  });
  for (let received = 0; received < bytes;) received += (await server.receive()).length;
  return { elapsed: performance.now() - start };
}
