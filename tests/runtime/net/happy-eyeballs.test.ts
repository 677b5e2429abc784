"use structured";
/**
 * Happy Eyeballs: the order of attempts (IPv6 first, then alternating), the staggered race
 * (the next attempt after the delay or as soon as the previous failed), losers cancelled, a late
 * winner disposed of, the ConnectionFailed shapes; then the same through connectTcp() with a
 * stubbed resolver and loopback servers.
 */
import * as dns from "node:dns";
import * as net from "node:net";
import {
  CancelScope,
  ConnectionFailed,
  ExceptionGroup,
  SocketAttribute,
  connectTcp,
  createTaskGroup,
  currentTime,
  isCancelled,
  sleep,
} from "anyio-ts";
import { freeTcpPort, structuredDescribe, structuredTest } from "anyio-ts/jest";
import { orderTargets, raceAttempts, type Target } from "../../../runtime/net/happy-eyeballs";
import { caught } from "../../helpers";
import { hasIpv6Loopback } from "./helpers";

afterEach(() => jest.restoreAllMocks());

const v4 = (address: string): Target => ({ address, family: 4 });
const v6 = (address: string): Target => ({ address, family: 6 });

describe("orderTargets()", () => {
  test("puts IPv6 first, then alternates families, each in resolver order", () => {
    const ordered = orderTargets([v4("10.0.0.1"), v4("10.0.0.2"), v6("fd00::1"), v6("fd00::2"), v4("10.0.0.3")]);
    expect(ordered.map((target) => target.address)).toEqual(["fd00::1", "10.0.0.1", "fd00::2", "10.0.0.2", "10.0.0.3"]);
  });

  test("drops duplicate addresses and keeps a single family in order", () => {
    const ordered = orderTargets([v4("10.0.0.1"), v4("10.0.0.2"), v4("10.0.0.1")]);
    expect(ordered.map((target) => target.address)).toEqual(["10.0.0.1", "10.0.0.2"]);
  });
});

interface Script {
  /** When the attempt ends, in ms after it started. */
  readonly after: number;
  /** Whether it connects (or fails). */
  readonly ok: boolean;
  /** Whether it finishes even when cancelled (a connection that lands after the race was decided). */
  readonly stubborn?: boolean;
}

/** Runs raceAttempts over scripted attempts, recording when each started and how each ended. */
async function race(scripts: Record<string, Script>, delay: number) {
  const started: Record<string, number> = {};
  const cancelled: string[] = [];
  const disposed: string[] = [];
  const targets = Object.keys(scripts).map((address) => v4(address));
  const attempt = async (target: Target): Promise<{ name: string }> => {
    const script = scripts[target.address]!;
    started[target.address] = currentTime();
    try {
      await new CancelScope({ shield: script.stubborn === true }).run(() => sleep(script.after));
    } catch (error) {
      if (isCancelled(error)) cancelled.push(target.address);
      throw error;
    }
    if (!script.ok) throw new Error(`${target.address} refused`);
    return { name: target.address };
  };
  let winner: { name: string } | undefined;
  let error: unknown;
  try {
    winner = await raceAttempts(targets, delay, attempt, (value) => disposed.push(value.name));
  } catch (failure) {
    error = failure;
  }
  return { winner: winner?.name, error, started, cancelled, disposed };
}

structuredDescribe(
  "raceAttempts()",
  () => {
    structuredTest("starts the next attempt after the delay and cancels the losers", async () => {
      const result = await race(
        { a: { after: 1000, ok: true }, b: { after: 100, ok: true }, c: { after: 10, ok: true } },
        250,
      );
      expect(result.winner).toBe("b");
      expect(result.started).toEqual({ a: 0, b: 250 });
      expect(result.cancelled).toEqual(["a"]);
    });

    structuredTest("starts the next attempt as soon as the previous one failed", async () => {
      const result = await race(
        { a: { after: 10, ok: false }, b: { after: 10, ok: false }, c: { after: 10, ok: true } },
        250,
      );
      expect(result.winner).toBe("c");
      expect(result.started).toEqual({ a: 0, b: 10, c: 20 });
    });

    structuredTest("disposes of an attempt that connects after the race was decided", async () => {
      const result = await race({ a: { after: 300, ok: true, stubborn: true }, b: { after: 10, ok: true } }, 250);
      expect(result.winner).toBe("b");
      expect(result.disposed).toEqual(["a"]);
    });

    structuredTest("one failure is the cause of ConnectionFailed as it is", async () => {
      const result = await race({ a: { after: 5, ok: false } }, 250);
      expect(result.error).toBeInstanceOf(ConnectionFailed);
      expect((result.error as Error).message).toBe("All connection attempts failed");
      expect(((result.error as Error).cause as Error).message).toBe("a refused");
    });

    structuredTest("several failures are an ExceptionGroup as the cause", async () => {
      const result = await race({ a: { after: 5, ok: false }, b: { after: 1, ok: false } }, 250);
      const cause = (result.error as Error).cause as ExceptionGroup;
      expect(cause).toBeInstanceOf(ExceptionGroup);
      expect(cause.message).toBe("multiple connection attempts failed");
      expect(cause.exceptions.map((one) => (one as Error).message)).toEqual(["a refused", "b refused"]);
    });

    structuredTest("a winner is disposed of when the race is cancelled from outside after it won", async () => {
      const disposed: string[] = [];
      const scope = new CancelScope();
      await scope.run(async () => {
        await raceAttempts(
          [v4("a")],
          250,
          async () => {
            await new CancelScope({ shield: true }).run(async () => {
              scope.cancel();
              await sleep(1);
            });
            return { name: "a" };
          },
          (value) => disposed.push(value.name),
        );
      });
      expect(scope.cancelledCaught).toBe(true);
      expect(disposed).toEqual(["a"]);
    });
  },
  { clock: "autojump" },
);

structuredDescribe("connectTcp() over several addresses", () => {
  structuredTest("tries the next address as soon as one is refused", async () => {
    // A port that was free on both loopbacks: ::1 on it is refused (or unreachable without IPv6).
    const port = await freeTcpPort();
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port }, resolve));
    try {
      jest.spyOn(dns.promises, "lookup").mockResolvedValue([
        { address: "::1", family: 6 },
        { address: "127.0.0.1", family: 4 },
      ] as never);
      await using stream = await connectTcp("dual.test", port, { happyEyeballsDelay: 60_000 });
      expect(stream.extra(SocketAttribute.remoteAddress)).toEqual(["127.0.0.1", port]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  structuredTest("tries IPv6 first whatever the resolver's order", async () => {
    const ipv6 = await hasIpv6Loopback();
    const port = await freeTcpPort();
    const servers = await Promise.all(
      (ipv6 ? ["::1", "127.0.0.1"] : ["127.0.0.1"]).map(
        (host) =>
          new Promise<net.Server>((resolve) => {
            const server = net.createServer((socket) => socket.destroy());
            server.listen({ host, port, ipv6Only: host === "::1" }, () => resolve(server));
          }),
      ),
    );
    try {
      jest
        .spyOn(dns.promises, "lookup")
        .mockResolvedValue([
          { address: "127.0.0.1", family: 4 },
          ...(ipv6 ? [{ address: "::1", family: 6 }] : []),
        ] as never);
      await using stream = await connectTcp("dual.test", port);
      expect(stream.extra(SocketAttribute.family)).toBe(ipv6 ? "IPv6" : "IPv4");
    } finally {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });

  structuredTest("every address refused is ConnectionFailed with each error", async () => {
    const port = await freeTcpPort(4);
    jest.spyOn(dns.promises, "lookup").mockResolvedValue([
      { address: "127.0.0.1", family: 4 },
      { address: "127.0.0.2", family: 4 },
    ] as never);
    const error = (await caught(connectTcp("refused.test", port))) as Error;
    expect(error).toBeInstanceOf(ConnectionFailed);
    const group = error.cause as ExceptionGroup;
    expect(group.message).toBe("multiple connection attempts failed");
    expect(group.exceptions.map((one) => (one as NodeJS.ErrnoException).code)).toEqual([
      "ECONNREFUSED",
      "ECONNREFUSED",
    ]);
  });

  structuredTest("a failed lookup rejects with the resolver's own error", async () => {
    const notFound = Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.test"), { code: "ENOTFOUND" });
    jest.spyOn(dns.promises, "lookup").mockRejectedValue(notFound);
    expect(await caught(connectTcp("nowhere.test", 80))).toBe(notFound);
  });

  structuredTest("cancelling connectTcp() destroys the sockets of attempts in flight", async () => {
    const sockets: net.Socket[] = [];
    // Attempts that never connect: sockets that are never told to.
    jest.spyOn(net.Socket.prototype, "connect").mockImplementation(function (this: net.Socket) {
      sockets.push(this);
      return this;
    } as never);
    jest.spyOn(dns.promises, "lookup").mockResolvedValue([
      { address: "127.0.0.1", family: 4 },
      { address: "127.0.0.2", family: 4 },
    ] as never);
    const scope = new CancelScope();
    await using tg = createTaskGroup();
    tg.startSoon(() => scope.run(() => connectTcp("hang.test", 9, { happyEyeballsDelay: 10 })));
    while (sockets.length < 2) await sleep(5);
    scope.cancel();
    await sleep(1);
    expect(scope.cancelledCaught).toBe(true);
    expect(sockets.map((socket) => socket.destroyed)).toEqual([true, true]);
  });
});
