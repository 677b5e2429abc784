"use structured";
/**
 * Without the native addon (hidden here with ANYIO_TS_NO_NATIVE, read at its first use, which
 * comes after this file's top level): descriptor passing and UNIX datagram sockets throw
 * NotSupportedError saying what is missing and how to get it, and UNIX stream sockets still
 * work, run by node:net.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import {
  NotSupportedError,
  SocketAttribute,
  connectUnix,
  createConnectedUnixDatagramSocket,
  createUnixDatagramSocket,
  createUnixListener,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { bytes, text } from "./helpers";

const previous = process.env.ANYIO_TS_NO_NATIVE;
process.env.ANYIO_TS_NO_NATIVE = "1";
afterAll(() => {
  if (previous === undefined) delete process.env.ANYIO_TS_NO_NATIVE;
  else process.env.ANYIO_TS_NO_NATIVE = previous;
});

let directory: string;
beforeAll(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-noaddon-"));
});
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

const platform = `${process.platform}-${process.arch}`;

/** The sentence every such error starts with, then what went wrong and how to get the addon. */
function expectMissing(error: unknown, call: string): void {
  expect(error).toBeInstanceOf(NotSupportedError);
  const message = (error as Error).message;
  expect(
    message.startsWith(
      `${call} needs the optional native addon anyio-ts-native, which is not installed for ${platform}`,
    ),
  ).toBe(true);
  expect(message).toContain("ANYIO_TS_NO_NATIVE is set");
  expect(message).toContain("npx node-gyp rebuild");
}

structuredDescribe("without the native addon", () => {
  structuredTest("UNIX streams run on node:net, and sendFds()/receiveFds() say the addon is missing", async () => {
    const where = path.join(directory, "s.sock");
    await using listener = await createUnixListener(where);
    await using client = await connectUnix(where);
    await using server = await listener.accept();
    expect(client.extra(SocketAttribute.rawSocket)).toBeInstanceOf(net.Socket);
    expect(listener.extra(SocketAttribute.rawSocket)).toBeInstanceOf(net.Server);
    await client.send(bytes("still works"));
    expect(text(await server.receive())).toBe("still works");
    expectMissing(await caught(client.sendFds(bytes("x"), [0])), "UNIXSocketStream.sendFds()");
    expectMissing(await caught(server.receiveFds(10, 1)), "UNIXSocketStream.receiveFds()");
  });

  structuredTest("UNIX datagram sockets say the addon is missing", async () => {
    expectMissing(await caught(createUnixDatagramSocket()), "createUnixDatagramSocket()");
    expectMissing(
      await caught(createConnectedUnixDatagramSocket(path.join(directory, "d.sock"))),
      "createConnectedUnixDatagramSocket()",
    );
  });

  structuredTest("argument errors still come first", async () => {
    const where = path.join(directory, "a.sock");
    await using listener = await createUnixListener(where);
    await using client = await connectUnix(where);
    await using _server = await listener.accept();
    expect(await caught(client.sendFds(new Uint8Array(0), [0]))).toBeInstanceOf(RangeError);
    expect(await caught(client.receiveFds(1, 0))).toBeInstanceOf(RangeError);
  });
});
