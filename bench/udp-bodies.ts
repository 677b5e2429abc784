"use structured";
/**
 * The anyio-ts side of bench/udp.ts, as structured code: bench/udp.ts compiles this file with
 * the transformer at start-up (as bench/await.ts does), so every callback the runtime runs is
 * compiled and AsyncLocalStorage is never switched on (it would slow every promise of the
 * process, node:dgram's contenders included).
 */
import * as anyio from "../runtime/index";
import { Tally } from "./udp-tally";

export interface BatchSettings {
  readonly connected: boolean;
  readonly size: number;
  readonly n: number;
  readonly window: number;
  readonly lossWait: number;
  readonly host: string;
}

/**
 * One batch inside `run()`: a receiver task loops on `receive()`, the root task sends `n`
 * datagrams in bursts of `window` (with `sendto()`, or `send()` on a connected socket) and
 * waits after each burst until the receiver has counted it.
 */
export async function udpBatch(settings: BatchSettings): Promise<{ elapsed: number; lost: number }> {
  const { connected, size, n, window, lossWait, host } = settings;
  await using receiver = await anyio.createUdpSocket({ localHost: host });
  const [toHost, toPort] = receiver.extra(anyio.SocketAttribute.localAddress) as [string, number];
  await using sender = await anyio.createUdpSocket({ localHost: host });
  await using connectedSender = connected ? await anyio.createConnectedUdpSocket(toHost, toPort) : undefined;
  const payload = new Uint8Array(size);
  const tally = new Tally();
  await using tg = anyio.createTaskGroup();
  tg.startSoon(async () => {
    for (;;) {
      await receiver.receive();
      tally.delivered();
    }
  });
  const start = performance.now();
  for (let sent = 0; sent < n;) {
    const burst = Math.min(window, n - sent);
    if (connectedSender !== undefined) for (let i = 0; i < burst; i++) await connectedSender.send(payload);
    else for (let i = 0; i < burst; i++) await sender.sendto(payload, toHost, toPort);
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
}
