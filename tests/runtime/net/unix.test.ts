"use structured";
/**
 * UNIX stream sockets: connectUnix(), createUnixListener() (stale socket removal, mode, abstract
 * names, the socket file removed on close), UNIXSocketStream's attributes and errors, fromSocket(),
 * and descriptor passing refused without the native addon.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import {
  BusyResourceError,
  CancelScope,
  ClosedResourceError,
  EndOfStream,
  NotSupportedError,
  SocketAttribute,
  SocketListener,
  SocketStream,
  UNIXSocketStream,
  connectUnix,
  createTaskGroup,
  createUnixListener,
  createTcpListener,
  connectTcp,
  Event,
  MultiListener,
  moveOnAfter,
  sleep,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { bytes, concat, pattern, readAll, sameBytes, text } from "./helpers";

let directory: string;
beforeAll(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-unix-"));
});
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

/** A raw socket of node:net, or the `{ fd }` of a socket run by the native addon. */
function expectRaw(raw: unknown, nodeClass: typeof net.Server | typeof net.Socket): void {
  if (raw instanceof nodeClass) return;
  expect(typeof (raw as { fd?: unknown }).fd).toBe("number");
}

let counter = 0;
const socketPath = () => path.join(directory, `s${++counter}.sock`);

structuredDescribe("UNIX stream sockets", () => {
  structuredTest("connect, accept, send and receive both ways", async () => {
    const where = socketPath();
    await using listener = await createUnixListener(where);
    await using client = await connectUnix(where);
    await using server = await listener.accept();
    expect(client).toBeInstanceOf(UNIXSocketStream);
    expect(server).toBeInstanceOf(UNIXSocketStream);
    await client.send(bytes("ping"));
    expect(text(await server.receive())).toBe("ping");
    await server.send(bytes("pong"));
    expect(text(await client.receive())).toBe("pong");
  });

  structuredTest("offers family, paths and raw sockets, and no ports", async () => {
    const where = socketPath();
    await using listener = await createUnixListener(where);
    expect(listener.extra(SocketAttribute.family)).toBe("unix");
    expect(listener.extra(SocketAttribute.localAddress)).toBe(where);
    // net.Server, or { fd } where the native addon runs UNIX sockets (tests/runtime/net/unix-fds.test.ts).
    expectRaw(listener.extra(SocketAttribute.rawSocket), net.Server);
    expect(listener.extra(SocketAttribute.localPort, null)).toBeNull();
    await using client = await connectUnix(where);
    await using server = await listener.accept();
    expect(client.extra(SocketAttribute.family)).toBe("unix");
    expect(client.extra(SocketAttribute.remoteAddress)).toBe(where);
    expect(client.extra(SocketAttribute.localAddress)).toBe("");
    expect(server.extra(SocketAttribute.localAddress)).toBe(where);
    expect(server.extra(SocketAttribute.remoteAddress)).toBe("");
    expectRaw(client.extra(SocketAttribute.rawSocket), net.Socket);
    expect(client.extra(SocketAttribute.remotePort, null)).toBeNull();
    expect(client.extra(SocketAttribute.localPort, null)).toBeNull();
  });

  structuredTest("a large send arrives whole; sendEof() ends it and the other way stays open", async () => {
    const where = socketPath();
    const data = pattern(2 * 1024 * 1024);
    await using listener = await createUnixListener(where);
    await using client = await connectUnix(where);
    await using server = await listener.accept();
    await using tg = createTaskGroup();
    tg.startSoon(async () => {
      await client.send(data);
      await client.sendEof();
    });
    expect(sameBytes(await readAll(server), data)).toBe(true);
    await server.send(bytes("done"));
    expect(text(await client.receive())).toBe("done");
  });

  structuredTest("busy, closed and end-of-stream errors as for TCP", async () => {
    const where = socketPath();
    await using listener = await createUnixListener(where);
    const client = await connectUnix(where);
    const server = await listener.accept();
    {
      await using tg = createTaskGroup();
      let first: unknown;
      const receiving = new Event();
      tg.startSoon(async () => {
        receiving.set();
        first = await caught(server.receive());
      });
      await receiving.wait();
      expect(await caught(server.receive())).toBeInstanceOf(BusyResourceError);
      await server.aclose();
      await sleep(1);
      expect(first).toBeInstanceOf(ClosedResourceError);
    }
    expect(await caught(client.receive())).toBeInstanceOf(EndOfStream);
    await client.aclose();
    expect(await caught(client.send(bytes("x")))).toBeInstanceOf(ClosedResourceError);
  });

  structuredTest("accepts a file: URL as the path", async () => {
    const where = socketPath();
    await using listener = await createUnixListener(pathToFileURL(where));
    await using client = await connectUnix(pathToFileURL(where));
    await using server = await listener.accept();
    await client.send(bytes("url"));
    expect(text(await server.receive())).toBe("url");
  });

  structuredTest("connecting to nothing rejects with the host's error", async () => {
    expect(((await caught(connectUnix(socketPath()))) as NodeJS.ErrnoException).code).toBe("ENOENT");
    const file = path.join(directory, "plain-file");
    fs.writeFileSync(file, "");
    expect(((await caught(connectUnix(file))) as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
  });

  structuredTest("a stale socket file is replaced; anything else at the path is an error", async () => {
    const where = socketPath();
    const stale = net.createServer();
    await new Promise<void>((resolve) => stale.listen(where, resolve));
    // Leave the socket file behind, as a crashed process would (Node removes it on close).
    fs.renameSync(where, `${where}.keep`);
    await new Promise((resolve) => stale.close(resolve));
    fs.renameSync(`${where}.keep`, where);
    expect(fs.lstatSync(where).isSocket()).toBe(true);
    await using listener = await createUnixListener(where);
    await using client = await connectUnix(where);
    await using server = await listener.accept();
    await client.send(bytes("fresh"));
    expect(text(await server.receive())).toBe("fresh");

    const file = path.join(directory, "not-a-socket");
    fs.writeFileSync(file, "keep me");
    expect(((await caught(createUnixListener(file))) as NodeJS.ErrnoException).code).toBe("EADDRINUSE");
    expect(fs.readFileSync(file, "utf8")).toBe("keep me");
  });

  structuredTest("a socket file still in use is replaced too, as AnyIO does", async () => {
    const where = socketPath();
    await using listener = await createUnixListener(where);
    await using second = await createUnixListener(where);
    expect(second.extra(SocketAttribute.localAddress)).toBe(where);
    expect(listener.extra(SocketAttribute.family)).toBe("unix");
  });

  structuredTest("applies mode to the socket file", async () => {
    const where = socketPath();
    await using listener = await createUnixListener(where, { mode: 0o600 });
    expect(fs.statSync(where).mode & 0o777).toBe(0o600);
    expect(listener.extra(SocketAttribute.localAddress)).toBe(where);
  });

  structuredTest("aclose() of the listener removes the socket file", async () => {
    const where = socketPath();
    const listener = await createUnixListener(where);
    expect(fs.existsSync(where)).toBe(true);
    await listener.aclose();
    expect(fs.existsSync(where)).toBe(false);
  });

  if (process.platform === "linux") {
    structuredTest("an abstract name touches no file", async () => {
      const name = `\0anyio-ts-test-${process.pid}-${Date.now()}`;
      await using listener = await createUnixListener(name, { mode: 0o600 });
      await using client = await connectUnix(name);
      await using server = await listener.accept();
      await client.send(bytes("abstract"));
      expect(text(await server.receive())).toBe("abstract");
      expect(listener.extra(SocketAttribute.localAddress)).toBe(name);
      expect(fs.readdirSync(process.cwd()).some((entry) => entry.includes("anyio-ts-test"))).toBe(false);
    });
  }

  structuredTest("rejects invalid arguments", async () => {
    expect(await caught(connectUnix(5 as unknown as string))).toBeInstanceOf(TypeError);
    expect(await caught(createUnixListener(socketPath(), { mode: -1 }))).toBeInstanceOf(RangeError);
    expect(await caught(createUnixListener(socketPath(), { backlog: 0 }))).toBeInstanceOf(RangeError);
    expect(await caught(connectUnix(new URL("http://example.com/")))).toBeInstanceOf(TypeError);
  });

  structuredTest("a cancelled call opens and binds nothing", async () => {
    const where = socketPath();
    await new CancelScope().run(async (scope) => {
      scope.cancel();
      await createUnixListener(where);
    });
    expect(fs.existsSync(where)).toBe(false);
  });
});

structuredDescribe("UNIX sockets with other listeners and after cancellation", () => {
  structuredTest("a MultiListener serves a TCP and a UNIX listener together", async () => {
    const where = socketPath();
    const tcp = await createTcpListener({ localHost: "127.0.0.1" });
    const unix = await createUnixListener(where);
    const port = tcp.extra(SocketAttribute.localPort); // before `tcp` is flattened into `both`
    await using both = new MultiListener([tcp, unix]);
    const seen: string[] = [];
    const done = new Event();
    await using tg = createTaskGroup();
    tg.startSoon(() =>
      both.serve(async (stream) => {
        await using _ = stream;
        seen.push(`${stream.extra(SocketAttribute.family)} ${text(await stream.receive())}`);
        if (seen.length === 2) done.set();
      }),
    );
    await using viaTcp = await connectTcp("127.0.0.1", port);
    await viaTcp.send(bytes("tcp"));
    await using viaUnix = await connectUnix(where);
    await viaUnix.send(bytes("unix"));
    await done.wait();
    expect(seen.sort()).toEqual(["IPv4 tcp", "unix unix"]);
    tg.cancelScope.cancel();
  });

  structuredTest("a stream still works and closes after cancelled operations", async () => {
    const where = socketPath();
    await using listener = await createUnixListener(where);
    const client = await connectUnix(where);
    await using server = await listener.accept();
    for (let i = 0; i < 3; i++) {
      const scope = moveOnAfter(1);
      await scope.run(() => client.receive());
      expect(scope.cancelledCaught).toBe(true);
    }
    await server.send(bytes("still here"));
    expect(text(await client.receive())).toBe("still here");
    await client.aclose();
    expect(await caught(server.receive())).toBeInstanceOf(EndOfStream);
  });
});

structuredDescribe("UNIX fromSocket()", () => {
  structuredTest("SocketStream.fromSocket() gives a UNIXSocketStream for a UNIX socket", async () => {
    const where = socketPath();
    await using listener = await createUnixListener(where);
    const socket = net.connect(where);
    await new Promise((resolve) => socket.once("connect", resolve));
    await using stream = await SocketStream.fromSocket(socket);
    expect(stream).toBeInstanceOf(UNIXSocketStream);
    await using server = await listener.accept();
    await stream.send(bytes("adopted"));
    expect(text(await server.receive())).toBe("adopted");
  });

  structuredTest("UNIXSocketStream.fromSocket() refuses a TCP socket", async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
    const socket = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
    try {
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.on("error", () => {});
      const error = await caught(UNIXSocketStream.fromSocket(socket));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain("UNIX");
    } finally {
      socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  structuredTest("SocketListener.fromSocket() takes over a listening UNIX server", async () => {
    const where = socketPath();
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(where, resolve));
    await using listener = await SocketListener.fromSocket(server);
    expect(listener.extra(SocketAttribute.localAddress)).toBe(where);
    await using client = await connectUnix(where);
    await using accepted = await listener.accept();
    expect(accepted).toBeInstanceOf(UNIXSocketStream);
    await client.send(bytes("x"));
    expect(text(concat([await accepted.receive()]))).toBe("x");
  });
});
