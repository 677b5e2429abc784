"use structured";
// TLS on TCP through the networking room: connectTcp()'s `tls` options, asConnectable()'s, and
// TLSConnectable's default server name from a TCPConnectable. The server is our own
// createTcpListener() wrapped in a TLSListener, on 127.0.0.1.
import {
  Cancelled,
  SocketAttribute,
  SocketStream,
  TCPConnectable,
  TLSAttribute,
  TLSConnectable,
  TLSListener,
  TLSStream,
  asConnectable,
  connectTcp,
  createTaskGroup,
  createTcpListener,
  type TaskGroup,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { testCertificates, type TestCertificates } from "../streams/tls-certificates";

let certs: TestCertificates;

beforeAll(() => {
  certs = testCertificates();
});

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Starts a TLS echo server on 127.0.0.1 in `tg`; resolves to its port. Handshake errors are only counted. */
async function tlsEchoServer(tg: TaskGroup, failures: unknown[] = []): Promise<number> {
  const tcp = await createTcpListener({ localHost: "127.0.0.1" });
  const port = tcp.extra(SocketAttribute.localPort);
  class CountingListener extends TLSListener {
    static override async handleHandshakeError(error: unknown, stream: never): Promise<void> {
      failures.push(error);
      await super.handleHandshakeError(new Cancelled(), stream).catch(() => undefined);
    }
  }
  const listener = new CountingListener(tcp, { cert: certs.server.cert, key: certs.server.key });
  tg.startSoon(async () => {
    await using _ = listener;
    await listener.serve(async (stream) => {
      await using __ = stream;
      for await (const chunk of stream) await stream.send(chunk);
    });
  });
  return port;
}

structuredDescribe("connectTcp() with tls", () => {
  structuredTest("gives a TLSStream verified against the remote host by default", async () => {
    await using tg = createTaskGroup();
    const port = await tlsEchoServer(tg);
    const stream = await connectTcp("127.0.0.1", port, { tls: { ca: certs.ca } });
    expect(stream).toBeInstanceOf(TLSStream);
    expect(stream.extra(TLSAttribute.serverSide)).toBe(false);
    expect(stream.extra(SocketAttribute.remotePort)).toBe(port);
    expect(stream.transportStream).toBeInstanceOf(SocketStream);
    await stream.send(encode("over tls"));
    expect(decode(await stream.receive())).toBe("over tls");
    // A standard-compatible close waits for the server's close_notify: close before the server goes.
    await stream.aclose();
    tg.cancelScope.cancel();
  });

  structuredTest("tlsHostname alone asks for TLS and names the certificate's host", async () => {
    await using tg = createTaskGroup();
    const port = await tlsEchoServer(tg);
    const stream = await connectTcp("127.0.0.1", port, { tlsHostname: "localhost", tls: { ca: certs.ca } });
    expect(stream).toBeInstanceOf(TLSStream);
    await stream.aclose();
    const other = await caught(connectTcp("127.0.0.1", port, { tlsHostname: "example.org", tls: { ca: certs.ca } }));
    expect((other as NodeJS.ErrnoException).code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
    tg.cancelScope.cancel();
  });

  structuredTest("a failed handshake rejects with Node's error and leaves no socket open", async () => {
    await using tg = createTaskGroup();
    const port = await tlsEchoServer(tg);
    // Node's root certificates do not know the test CA.
    const error = await caught(connectTcp("127.0.0.1", port, { tls: true }));
    expect((error as NodeJS.ErrnoException).code).toMatch(
      /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/,
    );
    tg.cancelScope.cancel();
    // The leak check of structuredTest fails the test if the client's socket stayed open.
  });

  structuredTest("a plain connection is a SocketStream when tls is false or omitted", async () => {
    await using tg = createTaskGroup();
    const port = await tlsEchoServer(tg);
    await using plain = await connectTcp("127.0.0.1", port, { tls: false });
    expect(plain).toBeInstanceOf(SocketStream);
    tg.cancelScope.cancel();
  });

  structuredTest("bad TLS options are argument errors raised before connecting", async () => {
    await using tg = createTaskGroup();
    const failures: unknown[] = [];
    const port = await tlsEchoServer(tg, failures);
    expect(await caught(connectTcp("127.0.0.1", port, { tls: "yes" as never }))).toBeInstanceOf(TypeError);
    expect(await caught(connectTcp("127.0.0.1", port, { tls: { ALPNProtocols: "h2" as never } }))).toBeInstanceOf(
      TypeError,
    );
    expect(await caught(connectTcp("127.0.0.1", port, { tlsHostname: 5 as never }))).toBeInstanceOf(TypeError);
    expect(await caught(connectTcp("127.0.0.1", port, { tlsStandardCompatible: "no" as never }))).toBeInstanceOf(
      TypeError,
    );
    expect(failures).toEqual([]);
    tg.cancelScope.cancel();
  });

  structuredTest("tlsStandardCompatible: false is the stream's closing rule", async () => {
    await using tg = createTaskGroup();
    const port = await tlsEchoServer(tg);
    await using stream = await connectTcp("127.0.0.1", port, { tls: { ca: certs.ca }, tlsStandardCompatible: false });
    expect(stream.standardCompatible).toBe(false);
    expect(stream.extra(TLSAttribute.standardCompatible)).toBe(false);
    tg.cancelScope.cancel();
  });
});

structuredDescribe("TLS connectables over TCP", () => {
  structuredTest("a TLSConnectable over a TCPConnectable verifies the TCP host by default", async () => {
    await using tg = createTaskGroup();
    const port = await tlsEchoServer(tg);
    const connectable = new TLSConnectable(new TCPConnectable("127.0.0.1", port), { ca: certs.ca });
    expect(connectable.hostname).toBe("127.0.0.1");
    const stream = await connectable.connect();
    await stream.send(encode("x"));
    expect(decode(await stream.receive())).toBe("x");
    await stream.aclose();
    tg.cancelScope.cancel();
  });

  structuredTest("asConnectable() with tls wraps the TCP connectable in a TLSConnectable", async () => {
    await using tg = createTaskGroup();
    const port = await tlsEchoServer(tg);
    const connectable = asConnectable(["127.0.0.1", port], { tls: { ca: certs.ca } });
    expect(connectable).toBeInstanceOf(TLSConnectable);
    expect((connectable as TLSConnectable).connectable).toBeInstanceOf(TCPConnectable);
    const stream = await connectable.connect();
    expect(stream).toBeInstanceOf(TLSStream);
    await stream.aclose();
    const named = asConnectable(["127.0.0.1", port], {
      tlsHostname: "localhost",
      tls: { ca: certs.ca },
    }) as TLSConnectable;
    expect(named.hostname).toBe("localhost");
    expect(asConnectable(["127.0.0.1", port])).toBeInstanceOf(TCPConnectable);
    expect(() => asConnectable(["127.0.0.1", port], { tsl: true } as never)).toThrow(TypeError);
    tg.cancelScope.cancel();
  });
});
