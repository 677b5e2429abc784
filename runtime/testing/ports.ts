/**
 * Free ports for tests, like AnyIO's `free_tcp_port_factory` / `free_udp_port_factory`.
 *
 * A port is found by letting the host pick one for the first address family (bind to port 0),
 * then binding that same port on every other family while the first socket still holds it; if
 * one of them is taken, start over. The sockets are closed before the port is handed out, and a
 * port handed out once is never handed out again by this module instance, so two servers of the
 * same test never race for one port.
 */
import * as dgram from "node:dgram";
import * as net from "node:net";
import { describeValue } from "../rt";

/** An IP version: `4` (127.0.0.1) or `6` (::1). */
export type IpFamily = 4 | 6;

type Kind = "tcp" | "udp";

const LOOPBACK: Record<IpFamily, string> = { 4: "127.0.0.1", 6: "::1" };
const MAX_ATTEMPTS = 100;
const handedOut: Record<Kind, Set<number>> = { tcp: new Set(), udp: new Set() };
let ipv6Available: Promise<boolean> | undefined;

/**
 * A TCP port that is free on the loopback address of every available IP family (127.0.0.1, and
 * ::1 where the host has IPv6), or of `family` alone; never the same port twice in this process
 * (in Jest: in this test file). Bind to it soon: another process may take it meanwhile.
 *
 * Never a checkpoint: it looks at no cancel scope, and works inside or outside `run()` (in a
 * `beforeAll`, say).
 *
 * @param family - `4` or `6` to need the port on that family only.
 * @default every available family (`family` left out)
 * @example
 * ```ts
 * const port = await freeTcpPort();
 * const listener = await createTcpListener({ localHost: "127.0.0.1", localPort: port });
 * ```
 * @throws TypeError when `family` is not 4, 6 or undefined.
 * @throws Error when `family` is 6 and the host has no IPv6, or no port is found after 100 attempts.
 */
export function freeTcpPort(family?: IpFamily): Promise<number> {
  return freePort("tcp", family);
}

/**
 * A UDP port that is free on the loopback address of every available IP family (127.0.0.1, and
 * ::1 where the host has IPv6), or of `family` alone; never the same port twice in this process
 * (in Jest: in this test file). Never a checkpoint; works inside or outside `run()`.
 *
 * @param family - `4` or `6` to need the port on that family only.
 * @default every available family (`family` left out)
 * @example
 * ```ts
 * const port = await freeUdpPort(4);
 * const socket = await createUdpSocket({ localHost: "127.0.0.1", localPort: port });
 * ```
 * @throws TypeError when `family` is not 4, 6 or undefined.
 * @throws Error when `family` is 6 and the host has no IPv6, or no port is found after 100 attempts.
 */
export function freeUdpPort(family?: IpFamily): Promise<number> {
  return freePort("udp", family);
}

async function freePort(kind: Kind, family: unknown): Promise<number> {
  if (family !== undefined && family !== 4 && family !== 6) {
    throw new TypeError(`Expected \`family\` to be 4, 6 or undefined, got ${describeValue(family)}`);
  }
  let families: IpFamily[];
  if (family !== undefined) {
    if (family === 6 && !(await hasIpv6())) {
      throw new Error("freeTcpPort/freeUdpPort(6): this host has no IPv6 loopback address (binding ::1 failed)");
    }
    families = [family];
  } else {
    families = (await hasIpv6()) ? [4, 6] : [4];
  }
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const port = await tryPort(kind, families);
    if (port !== undefined && !handedOut[kind].has(port)) {
      handedOut[kind].add(port);
      return port;
    }
  }
  throw new Error(`Could not find a free ${kind.toUpperCase()} port in ${MAX_ATTEMPTS} attempts`);
}

/** Binds the same port on every family; its number, or undefined if one family had it taken. */
async function tryPort(kind: Kind, families: IpFamily[]): Promise<number | undefined> {
  const held: Bound[] = [];
  try {
    let port = 0;
    for (const family of families) {
      const bound = await bind(kind, family, port);
      if (bound === undefined) return undefined;
      held.push(bound);
      port = bound.port;
    }
    return port;
  } finally {
    // At most two sockets (IPv4 and IPv6): closing them one after the other costs nothing.
    for (const bound of held) await bound.close();
  }
}

interface Bound {
  readonly port: number;
  close(): Promise<void>;
}

/** Binds `port` (0: any) on `family`'s loopback address; undefined when the port is taken. */
function bind(kind: Kind, family: IpFamily, port: number): Promise<Bound | undefined> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE" || error.code === "EACCES") resolve(undefined);
      else reject(error);
    };
    if (kind === "tcp") {
      const server = net.createServer();
      server.once("error", fail);
      server.listen({ host: LOOPBACK[family], port, exclusive: true, ipv6Only: family === 6 }, () => {
        server.off("error", fail);
        resolve({
          port: (server.address() as net.AddressInfo).port,
          close: () => new Promise<void>((done) => server.close(() => done())),
        });
      });
    } else {
      const socket = dgram.createSocket({ type: family === 6 ? "udp6" : "udp4", ipv6Only: family === 6 });
      socket.once("error", (error) => {
        socket.close();
        fail(error);
      });
      socket.bind({ address: LOOPBACK[family], port, exclusive: true }, () => {
        resolve({
          port: socket.address().port,
          close: () => new Promise<void>((done) => socket.close(() => done())),
        });
      });
    }
  });
}

/** Whether ::1 can be bound: hosts and containers without IPv6 refuse with EADDRNOTAVAIL. */
function hasIpv6(): Promise<boolean> {
  ipv6Available ??= bind("tcp", 6, 0).then(
    async (bound) => {
      await bound?.close();
      return bound !== undefined;
    },
    () => false,
  );
  return ipv6Available;
}
