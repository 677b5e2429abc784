"use structured";
// TLSConnectable (runtime/streams/tls-connectable.ts): connects with the inner connectable, then
// handshakes as a client with the hostname of its options; a handshake failure closes the
// connected stream and rejects with the TLS error; a connect failure passes through unchanged.
import {
  ClosedResourceError,
  ConnectionFailed,
  createTaskGroup,
  TLSAttribute,
  TLSConnectable,
  TLSStream,
  type ObjectStream,
  type ObjectStreamConnectable,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { testCertificates } from "./tls-certificates";
import { decode, encode, memoryPair } from "./tls-support";
import { defaultTLSHostname } from "../../../runtime/streams/tls-connectable";

const certs = testCertificates();

/** A connectable handing out the client ends of memory pairs, and recording them. */
function pairConnectable(): ObjectStreamConnectable<Uint8Array> & {
  clients: ObjectStream<Uint8Array>[];
  servers: ObjectStream<Uint8Array>[];
} {
  const clients: ObjectStream<Uint8Array>[] = [];
  const servers: ObjectStream<Uint8Array>[] = [];
  return {
    clients,
    servers,
    async connect() {
      const [client, server] = memoryPair();
      clients.push(client);
      servers.push(server);
      return client;
    },
  };
}

structuredDescribe("TLSConnectable", () => {
  structuredTest("connects, then handshakes as a client for the hostname of its options", async () => {
    const inner = pairConnectable();
    const connectable = new TLSConnectable(inner, { hostname: "localhost", ca: certs.ca, ALPNProtocols: ["echo"] });
    expect(connectable.hostname).toBe("localhost");
    await using tg = createTaskGroup();
    tg.startSoon(async () => {
      const [server] = inner.servers;
      await using stream = await TLSStream.wrap(server!, { ...certs.server, ALPNProtocols: ["echo"] });
      await stream.send(await stream.receive());
    });
    // The server task starts after the connect below put its transport in place.
    const stream = await connectable.connect();
    expect(stream).toBeInstanceOf(TLSStream);
    expect(stream.transportStream).toBe(inner.clients[0]);
    expect(stream.extra(TLSAttribute.serverSide)).toBe(false);
    expect(stream.extra(TLSAttribute.alpnProtocol)).toBe("echo");
    await stream.send(encode("via connectable"));
    expect(decode(await stream.receive())).toBe("via connectable");
    await stream.aclose();
  });

  structuredTest("a failed handshake closes the connected stream and rejects with the TLS error", async () => {
    const inner = pairConnectable();
    const connectable = new TLSConnectable(inner, { hostname: "localhost", ca: certs.ca });
    await using tg = createTaskGroup();
    tg.startSoon(async () => {
      await caught(TLSStream.wrap(inner.servers[0]!, certs.otherName));
    });
    const error = await caught(connectable.connect());
    expect((error as NodeJS.ErrnoException).code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
    expect(await caught(inner.clients[0]!.send(encode("x")))).toBeInstanceOf(ClosedResourceError);
  });

  structuredTest("a connect failure passes through unchanged", async () => {
    const failure = new ConnectionFailed("error connecting to nowhere");
    const connectable = new TLSConnectable(
      {
        connect: async () => {
          throw failure;
        },
      },
      { hostname: "localhost" },
    );
    expect(await caught(connectable.connect())).toBe(failure);
  });

  structuredTest("without a hostname and with verification on, the constructor throws the TypeError", () => {
    expect(() => new TLSConnectable(pairConnectable())).toThrow(
      new TypeError("hostname is required to verify the server certificate"),
    );
    expect(new TLSConnectable(pairConnectable(), { rejectUnauthorized: false }).hostname).toBeUndefined();
    expect(() => new TLSConnectable({} as never, { hostname: "localhost" })).toThrow(TypeError);
    expect(() => new TLSConnectable(pairConnectable(), { hostname: "localhost", serverSide: true } as never)).toThrow(
      TypeError,
    );
  });

  structuredTest("a connectable that knows no host gives no default hostname", () => {
    expect(defaultTLSHostname(pairConnectable())).toBeUndefined();
  });

  structuredTest("the hostname is stored in ASCII (IDNA 2008)", () => {
    expect(new TLSConnectable(pairConnectable(), { hostname: "faß.de" }).hostname).toBe("xn--fa-hia.de");
  });
});
