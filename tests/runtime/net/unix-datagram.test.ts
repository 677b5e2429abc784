"use structured";
/**
 * UNIX datagram sockets on the native addon (it must be built): echo through bound and connected
 * sockets, the sender's path (and "" for an unbound one), abstract names, stale socket files,
 * localMode, send errors that leave the socket usable, a cancelled receive that takes nothing,
 * closing, argument checks, the leak check seeing a forgotten socket, and no descriptor leaked.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import {
  BusyResourceError,
  CancelScope,
  ClosedResourceError,
  ConnectedUNIXDatagramSocket,
  SocketAttribute,
  TypedAttributeLookupError,
  UNIXDatagramSocket,
  createConnectedUnixDatagramSocket,
  createTaskGroup,
  createUnixDatagramSocket,
  Event,
  checkpoint,
  getCancelledExcClass,
  type NativeSocket,
} from "anyio-ts";
import { assertCheckpoints, ResourceLeakError, structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { failureOf, register } from "../testing/capture";
import { bytes, text } from "./helpers";

let directory: string;
beforeAll(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-dgram-"));
});
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

let counter = 0;
const socketPath = () => path.join(directory, `d${++counter}.sock`);
const abstractName = () => `\0anyio-ts-test-${process.pid}-${++counter}`;
const openDescriptors = (): number => fs.readdirSync("/proc/self/fd").length;

structuredDescribe("UNIX datagram sockets", () => {
  structuredTest("echo between two bound sockets, with each sender's path", async () => {
    const before = openDescriptors();
    {
      const serverPath = socketPath();
      const clientPath = socketPath();
      await using server = await createUnixDatagramSocket({ localPath: serverPath });
      await using client = await createUnixDatagramSocket({ localPath: pathToFileURL(clientPath) });
      expect(server).toBeInstanceOf(UNIXDatagramSocket);
      await client.sendto(bytes("ping"), serverPath);
      const [data, sender] = await server.receive();
      expect([text(data), sender]).toEqual(["ping", clientPath]);
      await server.send([bytes("pong"), sender]);
      const [reply, from] = await client.receive();
      expect([text(reply), from]).toEqual(["pong", serverPath]);
      expect(fs.lstatSync(serverPath).isSocket()).toBe(true);
    }
    expect(openDescriptors()).toBe(before);
  });

  structuredTest("an unbound sender's path is the empty string", async () => {
    const serverPath = socketPath();
    await using server = await createUnixDatagramSocket({ localPath: serverPath });
    await using client = await createUnixDatagramSocket();
    expect(client.extra(SocketAttribute.localAddress)).toBe("");
    await client.send([bytes("anonymous"), serverPath]);
    expect(await server.receive()).toEqual([bytes("anonymous"), ""]);
  });

  structuredTest("datagrams keep their boundaries and order", async () => {
    const serverPath = socketPath();
    await using server = await createUnixDatagramSocket({ localPath: serverPath });
    await using client = await createConnectedUnixDatagramSocket(serverPath);
    for (const word of ["one", "", "three"]) await client.send(bytes(word));
    const received: string[] = [];
    for (let i = 0; i < 3; i++) received.push(text((await server.receive())[0]));
    expect(received).toEqual(["one", "", "three"]);
  });

  structuredTest("a connected socket sends to its peer and receives only from it", async () => {
    const serverPath = socketPath();
    const clientPath = socketPath();
    await using server = await createUnixDatagramSocket({ localPath: serverPath });
    await using other = await createUnixDatagramSocket();
    await using client = await createConnectedUnixDatagramSocket(serverPath, { localPath: clientPath });
    expect(client).toBeInstanceOf(ConnectedUNIXDatagramSocket);
    expect(client.extra(SocketAttribute.remoteAddress)).toBe(serverPath);
    expect(client.extra(SocketAttribute.localAddress)).toBe(clientPath);
    expect(client.extra(SocketAttribute.family)).toBe("unix");
    expect(typeof (client.extra(SocketAttribute.rawSocket) as NativeSocket).fd).toBe("number");
    // A stranger's datagram is refused by the kernel (the client is connected elsewhere).
    const refused = await caught(other.sendto(bytes("stranger"), clientPath));
    expect((refused as NodeJS.ErrnoException).code).toBe("EPERM");
    await client.send(bytes("hello"));
    const [data, sender] = await server.receive();
    expect([text(data), sender]).toEqual(["hello", clientPath]);
    await server.sendto(bytes("back"), sender);
    expect(text(await client.receive())).toBe("back");
  });

  structuredTest("abstract names work and touch no file", async () => {
    const name = abstractName();
    const clientName = abstractName();
    await using server = await createUnixDatagramSocket({ localPath: name, localMode: 0o600 });
    await using client = await createConnectedUnixDatagramSocket(name, { localPath: clientName });
    expect(server.extra(SocketAttribute.localAddress)).toBe(name);
    await client.send(bytes("abstract"));
    expect(await server.receive()).toEqual([bytes("abstract"), clientName]);
    expect(fs.readdirSync(directory).some((entry) => entry.includes("anyio-ts-test"))).toBe(false);
  });

  structuredTest("a stale socket file is removed; anything else at the path is EADDRINUSE", async () => {
    const where = socketPath();
    const first = await createUnixDatagramSocket({ localPath: where });
    await first.aclose();
    expect(fs.lstatSync(where).isSocket()).toBe(true); // closing leaves the file, as AnyIO does
    await using second = await createUnixDatagramSocket({ localPath: where });
    await using client = await createUnixDatagramSocket();
    await client.sendto(bytes("to the new one"), where);
    expect(text((await second.receive())[0])).toBe("to the new one");

    const file = path.join(directory, "regular-file");
    fs.writeFileSync(file, "not a socket");
    const error = await caught(createUnixDatagramSocket({ localPath: file }));
    expect((error as NodeJS.ErrnoException).code).toBe("EADDRINUSE");
    expect(fs.readFileSync(file, "utf8")).toBe("not a socket");
  });

  structuredTest("localMode is applied to the socket file", async () => {
    const where = socketPath();
    await using socket = await createUnixDatagramSocket({ localPath: where, localMode: 0o600 });
    expect(fs.statSync(where).mode & 0o777).toBe(0o600);
    expect(socket.extra(SocketAttribute.localAddress)).toBe(where);
    // No ports, and no peer for an unconnected socket.
    expect(() => socket.extra(SocketAttribute.localPort)).toThrow(TypedAttributeLookupError);
    expect(() => socket.extra(SocketAttribute.remoteAddress)).toThrow(TypedAttributeLookupError);
    expect(() => socket.extra(SocketAttribute.remotePort)).toThrow(TypedAttributeLookupError);
  });

  structuredTest("a send nobody can receive fails with the host's error and the socket goes on", async () => {
    const serverPath = socketPath();
    await using server = await createUnixDatagramSocket({ localPath: serverPath });
    await using client = await createUnixDatagramSocket();
    const missing = await caught(client.sendto(bytes("x"), path.join(directory, "nobody")));
    expect((missing as NodeJS.ErrnoException).code).toBe("ENOENT");
    await client.sendto(bytes("still works"), serverPath);
    expect(text((await server.receive())[0])).toBe("still works");
    const connectError = await caught(createConnectedUnixDatagramSocket(path.join(directory, "nobody")));
    expect((connectError as NodeJS.ErrnoException).code).toBe("ENOENT");
  });

  structuredTest("a connected socket whose peer closed gets ECONNREFUSED from its next send", async () => {
    const serverPath = socketPath();
    const server = await createUnixDatagramSocket({ localPath: serverPath });
    await using client = await createConnectedUnixDatagramSocket(serverPath);
    await server.aclose();
    const error = await caught(client.send(bytes("gone")));
    expect((error as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
  });

  structuredTest(
    "a cancelled receive takes no datagram; a second receiver is busy; close wakes a receiver",
    async () => {
      const serverPath = socketPath();
      await using server = await createUnixDatagramSocket({ localPath: serverPath });
      await using client = await createConnectedUnixDatagramSocket(serverPath);
      await new CancelScope().run(async (scope) => {
        scope.cancel();
        expect(await caught(server.receive())).toBeInstanceOf(getCancelledExcClass());
        expect(await caught(client.send(bytes("never")))).toBeInstanceOf(getCancelledExcClass());
      });
      await client.send(bytes("kept"));
      expect(text((await server.receive())[0])).toBe("kept");

      let outcome: unknown;
      {
        await using tg = createTaskGroup();
        const started = new Event();
        tg.startSoon(async () => {
          const call = server.receive();
          started.set();
          outcome = await caught(call);
        });
        await started.wait();
        const busy = await caught(server.receive());
        expect(busy).toBeInstanceOf(BusyResourceError);
        await server.aclose();
      }
      expect(outcome).toBeInstanceOf(ClosedResourceError);
      expect(await caught(server.sendto(bytes("x"), serverPath))).toBeInstanceOf(ClosedResourceError);
      expect(() => server.extra(SocketAttribute.localAddress)).toThrow(ClosedResourceError);
      expect(server.extra(SocketAttribute.family)).toBe("unix");
    },
  );

  for (const kind of ["connected", "unconnected"] as const) {
    structuredTest(
      `a receiver that does not read holds a ${kind} sender back; that send can be cancelled and sent nothing`,
      async () => {
        const serverPath = socketPath();
        await using server = await createUnixDatagramSocket({ localPath: serverPath });
        const client =
          kind === "connected"
            ? await createConnectedUnixDatagramSocket(serverPath)
            : await createUnixDatagramSocket().then((socket) => ({
                send: (data: Uint8Array) => socket.sendto(data, serverPath),
                aclose: () => socket.aclose(),
                [Symbol.asyncDispose]: () => socket.aclose(),
              }));
        await using _client = client;
        let sent = 0;
        let outcome: unknown;
        {
          await using tg = createTaskGroup();
          const scope = new CancelScope();
          tg.startSoon(async () => {
            await scope.run(async () => {
              try {
                for (;;) {
                  await client.send(new Uint8Array([sent & 0xff, sent >> 8]));
                  sent++;
                }
              } catch (error) {
                outcome = error;
                throw error;
              }
            });
          });
          // One datagram per turn at most: unheld, the sender would send about 500 meanwhile.
          for (let turn = 0; turn < 500; turn++) await checkpoint();
          scope.cancel();
        }
        expect(outcome).toBeInstanceOf(getCancelledExcClass());
        // The kernel's queue (net.unix.max_dgram_qlen, or the socket buffer) filled up long before.
        expect(sent).toBeGreaterThan(0);
        expect(sent).toBeLessThan(500);
        const received: number[] = [];
        for (let i = 0; i < sent; i++) {
          const [data] = await server.receive();
          received.push(data[0]! | (data[1]! << 8));
        }
        expect(received).toEqual(Array.from({ length: sent }, (_, i) => i));
        // The cancelled send sent nothing: the next datagram is the next one sent.
        await client.send(bytes("after"));
        expect(text((await server.receive())[0])).toBe("after");
      },
    );
  }

  structuredTest("arguments are checked in the runtime's template", async () => {
    expect(await caught(createUnixDatagramSocket({ localMode: 0o10000 }))).toEqual(
      new RangeError("Expected `localMode` to be an integer from 0 to 0o7777, got `4096` (number)"),
    );
    expect(await caught(createUnixDatagramSocket({ localMode: "0600" as never }))).toBeInstanceOf(TypeError);
    expect(await caught(createUnixDatagramSocket({ localpath: "x" } as never))).toBeInstanceOf(TypeError);
    await using socket = await createUnixDatagramSocket();
    expect(await caught(socket.sendto("x" as never, "/tmp/x"))).toBeInstanceOf(TypeError);
    expect(await caught(socket.sendto(bytes("x"), ""))).toBeInstanceOf(RangeError);
    expect(await caught(socket.send(["x"] as never))).toBeInstanceOf(TypeError);
  });

  structuredTest("every operation is a checkpoint, opening included", async () => {
    const serverPath = socketPath();
    await using server = await assertCheckpoints(() => createUnixDatagramSocket({ localPath: serverPath }));
    await using client = await assertCheckpoints(() => createConnectedUnixDatagramSocket(serverPath));
    await assertCheckpoints(() => client.send(bytes("a")));
    await assertCheckpoints(() => server.sendto(bytes("b"), serverPath));
    expect(text((await assertCheckpoints(() => server.receive()))[0])).toBe("a");
    expect(text((await assertCheckpoints(() => server.receive()))[0])).toBe("b");
  });

  test("the leak check of anyio-ts/jest reports a native socket left open", async () => {
    let forgotten: UNIXDatagramSocket | undefined;
    const error = await failureOf(
      register("leaky", async () => {
        forgotten = await createUnixDatagramSocket();
      }),
    );
    try {
      expect(error).toBeInstanceOf(ResourceLeakError);
      expect((error as ResourceLeakError).leaks.map((leak) => [leak.kind, leak.type])).toEqual([
        ["socket", "ANYIO_NATIVE_SOCKET"],
      ]);
    } finally {
      await forgotten?.aclose();
    }
  });
});
