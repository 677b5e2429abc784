/**
 * Helpers of the UDP suites. Plain code (no "use structured"): callable from structured and
 * plain suites alike.
 */
import * as dgram from "node:dgram";
import { CancelScope, Event, SocketAttribute, type TypedAttributeProvider } from "anyio-ts";

/** A loopback address per family. */
export const LOOPBACK = { 4: "127.0.0.1", 6: "::1" } as const;

/**
 * Whether ::1 can be bound here (containers without IPv6 refuse with EADDRNOTAVAIL), with the
 * error when it cannot, so a suite can assert that instead of skipping silently.
 */
export function probeIpv6(): Promise<{ available: true } | { available: false; error: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket("udp6");
    socket.once("error", (error: NodeJS.ErrnoException) => {
      socket.close();
      resolve({ available: false, error });
    });
    socket.bind(0, "::1", () => {
      socket.close();
      resolve({ available: true });
    });
  });
}

/** The `[host, port]` a socket is bound to. */
export function localAddressOf(socket: TypedAttributeProvider): [string, number] {
  return socket.extra(SocketAttribute.localAddress) as [string, number];
}

/** The raw `dgram.Socket` under one of ours. */
export function rawOf(socket: TypedAttributeProvider): dgram.Socket {
  return socket.extra(SocketAttribute.rawSocket) as dgram.Socket;
}

/** A datagram carrying the number `n` (as text), and back. */
export const datagram = (n: number | string): Uint8Array => new TextEncoder().encode(String(n));
export const textOf = (data: Uint8Array): string => new TextDecoder().decode(data);

/**
 * An event set once `count` datagrams have reached the raw socket (counted by a listener of our
 * own beside the runtime's), so a test can wait for arrivals without sleeping.
 */
export function arrivals(raw: dgram.Socket, count: number): Event {
  const arrived = new Event();
  let seen = 0;
  const listener = () => {
    if (++seen === count) {
      raw.off("message", listener);
      arrived.set();
    }
  };
  raw.on("message", listener);
  return arrived;
}

/** A plain `dgram.Socket` bound on loopback (not ours), for `fromSocket()` and as a peer. */
export function boundDgram(family: 4 | 6, port = 0): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(family === 6 ? "udp6" : "udp4");
    socket.once("error", reject);
    socket.bind(port, LOOPBACK[family], () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}

/** Closes a plain `dgram.Socket`, resolving on its `'close'` event. */
export function closeDgram(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

/**
 * Runs `action` in a scope that is cancelled before it starts (or, if `action` takes the scope,
 * when `action` says) and resolves to what it threw, or "completed". Plain code, so the await
 * of `action`'s promise is a plain await (a compiled one would itself raise in the cancelled
 * scope, and the assertion would never run).
 */
export async function outcomeInCancelledScope(
  action: (scope: CancelScope) => PromiseLike<unknown>,
  cancelFirst = true,
): Promise<unknown> {
  let outcome: unknown = "completed";
  await new CancelScope().run(async (scope) => {
    if (cancelFirst) scope.cancel();
    try {
      await action(scope);
    } catch (error) {
      outcome = error;
      throw error;
    }
  });
  return outcome;
}
