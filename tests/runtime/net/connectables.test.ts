"use structured";
/**
 * Connectables: TCPConnectable and UNIXConnectable dial on connect() and wrap failures in
 * ConnectionFailed with the cause kept; asConnectable() converts what it can.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import {
  BufferedConnectable,
  ConnectionFailed,
  TCPConnectable,
  UNIXConnectable,
  asConnectable,
  createTcpListener,
  createUnixListener,
  SocketAttribute,
  SocketListener,
  UNIXSocketStream,
  Path,
} from "anyio-ts";
import { freeTcpPort, structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { bytes, text } from "./helpers";

let directory: string;
beforeAll(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-connectables-"));
});
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

structuredDescribe("TCPConnectable", () => {
  structuredTest("connects to its host and port", async () => {
    await using listener = await createTcpListener({ localHost: "127.0.0.1" });
    const port = listener.extra(SocketAttribute.localPort);
    const connectable = new TCPConnectable("127.0.0.1", port);
    expect([connectable.host, connectable.port]).toEqual(["127.0.0.1", port]);
    await using client = await connectable.connect();
    await using server = await (listener.listeners[0] as SocketListener).accept();
    await client.send(bytes("dialled"));
    expect(text(await server.receive())).toBe("dialled");
  });

  structuredTest("wraps a failure in ConnectionFailed naming host and port, with the cause kept", async () => {
    const port = await freeTcpPort(4);
    const error = (await caught(new TCPConnectable("127.0.0.1", port).connect())) as Error;
    expect(error).toBeInstanceOf(ConnectionFailed);
    expect(error.message).toBe(`error connecting to 127.0.0.1:${port}: All connection attempts failed`);
    expect(error.cause).toBeInstanceOf(ConnectionFailed);
    expect(((error.cause as Error).cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
  });

  test("refuses a port outside 1..65535", () => {
    expect(() => new TCPConnectable("localhost", 0)).toThrow(RangeError);
    expect(() => new TCPConnectable("localhost", 65536)).toThrow(RangeError);
    expect(() => new TCPConnectable("localhost", "80" as unknown as number)).toThrow(TypeError);
  });
});

structuredDescribe("UNIXConnectable", () => {
  structuredTest("connects to its path", async () => {
    const where = path.join(directory, "c.sock");
    await using listener = await createUnixListener(where);
    const connectable = new UNIXConnectable(where);
    expect(connectable.path).toBe(where);
    await using client = await connectable.connect();
    expect(client).toBeInstanceOf(UNIXSocketStream);
    await using server = await listener.accept();
    await client.send(bytes("unix"));
    expect(text(await server.receive())).toBe("unix");
  });

  structuredTest("wraps a failure in ConnectionFailed naming the path, with the cause kept", async () => {
    const where = path.join(directory, "missing.sock");
    const error = (await caught(new UNIXConnectable(where).connect())) as Error;
    expect(error).toBeInstanceOf(ConnectionFailed);
    expect(error.message).toMatch(
      new RegExp(`^error connecting to '${where.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}': `),
    );
    expect((error.cause as NodeJS.ErrnoException).code).toBe("ENOENT");
  });
});

describe("asConnectable()", () => {
  test("passes a connectable through", () => {
    const connectable = new BufferedConnectable(new TCPConnectable("localhost", 80));
    expect(asConnectable(connectable)).toBe(connectable);
  });

  test("makes a [host, port] pair a TCPConnectable", () => {
    const connectable = asConnectable(["::1", 8080]) as TCPConnectable;
    expect(connectable).toBeInstanceOf(TCPConnectable);
    expect([connectable.host, connectable.port]).toEqual(["::1", 8080]);
  });

  test("makes a path, a file: URL or a Path a UNIXConnectable", () => {
    expect(asConnectable("/run/app.sock")).toBeInstanceOf(UNIXConnectable);
    expect((asConnectable("/run/app.sock") as UNIXConnectable).path).toBe("/run/app.sock");
    expect(asConnectable(pathToFileURL("/run/app.sock"))).toBeInstanceOf(UNIXConnectable);
    const viaPath = asConnectable(new Path("/run/app.sock"));
    expect(viaPath).toBeInstanceOf(UNIXConnectable);
    expect(String((viaPath as UNIXConnectable).path)).toBe("/run/app.sock");
  });

  test("refuses anything else with a TypeError", () => {
    expect(() => asConnectable(5 as never)).toThrow(new TypeError("cannot convert `5` (number) to a connectable"));
    expect(() => asConnectable({} as never)).toThrow(TypeError);
    expect(() => asConnectable(["host"] as never)).toThrow(TypeError);
  });
});
