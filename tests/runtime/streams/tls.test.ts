"use structured";
// TLSStream (runtime/streams/tls-stream.ts): the handshake and data over loopback TCP and over an
// in-memory transport, verification errors with Node's codes, ALPN, every typed attribute, the
// closing rules (standardCompatible, close_notify against a bare EOF), sendEof()/unwrap(), busy
// and closed streams, and cancellation during the handshake and while receiving.
import * as net from "node:net";
import * as tls from "node:tls";
import {
  BrokenResourceError,
  BusyResourceError,
  CancelScope,
  checkpoint,
  Cancelled,
  ClosedResourceError,
  createTaskGroup,
  EndOfStream,
  Event,
  fromNodeDuplex,
  NoCurrentTaskError,
  MemoryObjectReceiveStream,
  NotSupportedError,
  StapledObjectStream,
  TLSAttribute,
  TLSStream,
  typedAttribute,
  type AnyByteStream,
  type TLSWrapOptions,
  type TypedAttributeMap,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { testCertificates } from "./tls-certificates";
import { decode, encode, memoryPair, tcpPair } from "./tls-support";

const certs = testCertificates();
const serverOptions: TLSWrapOptions = { cert: certs.server.cert, key: certs.server.key };
const clientOptions: TLSWrapOptions = { hostname: "localhost", ca: certs.ca };

/** Whether this machine can listen on the IPv6 loopback address. */
async function hasIPv6Loopback(): Promise<boolean> {
  const server = net.createServer();
  const listening = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(0, "::1", () => resolve(true));
  });
  if (listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  return listening;
}

/**
 * Closes both streams concurrently at the end of the block: a standard-compatible aclose() waits
 * for the peer's close_notify, so closing one after the other in one task would wait forever.
 */
function closingBoth(...streams: TLSStream[]): AsyncDisposable {
  return {
    [Symbol.asyncDispose]: async () => {
      await using tg = createTaskGroup();
      for (const stream of streams) tg.startSoon(() => stream.aclose());
    },
  };
}

/**
 * Wraps both ends of `transports` (the server in a task of `tg`), and returns both TLS streams.
 * A server handshake failure is returned as `serverError` instead.
 */
async function handshakePair(
  transports: [AnyByteStream, AnyByteStream],
  client: TLSWrapOptions = clientOptions,
  server: TLSWrapOptions = serverOptions,
): Promise<[TLSStream, TLSStream]> {
  let serverStream: TLSStream | undefined;
  let clientStream: TLSStream | undefined;
  {
    await using tg = createTaskGroup();
    tg.startSoon(async () => {
      serverStream = await TLSStream.wrap(transports[1], server);
    });
    clientStream = await TLSStream.wrap(transports[0], client);
  }
  return [clientStream!, serverStream!];
}

structuredDescribe("TLSStream.wrap() and data", () => {
  structuredTest("a client and a server over loopback TCP handshake and echo data", async () => {
    const [client, server] = await handshakePair(await tcpPair("127.0.0.1"));
    await using _both = closingBoth(client, server);
    await client.send(encode("hello"));
    expect(decode(await server.receive())).toBe("hello");
    await server.send(encode("world"));
    expect(decode(await client.receive())).toBe("world");
  });

  structuredTest("over IPv6 loopback the certificate's ::1 address verifies, and no SNI is sent for it", async () => {
    if (!(await hasIPv6Loopback())) {
      // No IPv6 loopback here: connecting to ::1 must then fail with the host's own error.
      const error = await caught(tcpPair("::1"));
      expect((error as NodeJS.ErrnoException).code).toMatch(/^E/);
      return;
    }
    const [client, server] = await handshakePair(await tcpPair("::1"), { hostname: "::1", ca: certs.ca });
    await using _both = closingBoth(client, server);
    await client.send(encode("six"));
    expect(decode(await server.receive())).toBe("six");
    expect((server.extra(TLSAttribute.sslObject) as tls.TLSSocket & { servername?: unknown }).servername).toBeFalsy();
  });

  structuredTest(
    "an IP literal hostname is verified against the certificate's IP addresses and not sent as SNI",
    async () => {
      const [client, server] = await handshakePair(await tcpPair(), { hostname: "127.0.0.1", ca: certs.ca });
      await using _both = closingBoth(client, server);
      expect((server.extra(TLSAttribute.sslObject) as tls.TLSSocket & { servername?: unknown }).servername).toBeFalsy();
    },
  );

  structuredTest("a host name is sent as SNI", async () => {
    const [client, server] = await handshakePair(memoryPair());
    await using _both = closingBoth(client, server);
    expect((server.extra(TLSAttribute.sslObject) as tls.TLSSocket & { servername?: unknown }).servername).toBe(
      "localhost",
    );
  });

  structuredTest(
    "a non-ASCII hostname is converted with IDNA 2008 (faß.de is xn--fa-hia.de, not fass.de)",
    async () => {
      const [client, server] = await handshakePair(memoryPair(), { hostname: "faß.de", ca: certs.ca }, certs.idna);
      await using _both = closingBoth(client, server);
      expect((server.extra(TLSAttribute.sslObject) as tls.TLSSocket & { servername?: unknown }).servername).toBe(
        "xn--fa-hia.de",
      );
    },
  );

  structuredTest("TLS runs over an object stream of Uint8Array (an in-memory transport)", async () => {
    const [client, server] = await handshakePair(memoryPair());
    await using _both = closingBoth(client, server);
    await client.send(encode("in memory"));
    expect(decode(await server.receive())).toBe("in memory");
  });

  structuredTest("a megabyte each way, sent and received concurrently, arrives intact and in order", async () => {
    const [client, server] = await handshakePair(await tcpPair());
    await using _both = closingBoth(client, server);
    const payload = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 0xff);
    const receiveAll = async (stream: TLSStream) => {
      const chunks: Uint8Array[] = [];
      let total = 0;
      while (total < payload.length) {
        const chunk = await stream.receive();
        chunks.push(chunk);
        total += chunk.length;
      }
      return Buffer.concat(chunks);
    };
    let atServer: Buffer | undefined;
    let atClient: Buffer | undefined;
    {
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        for (let i = 0; i < payload.length; i += 65536) await client.send(payload.subarray(i, i + 65536));
      });
      tg.startSoon(async () => {
        atServer = await receiveAll(server);
      });
      tg.startSoon(async () => {
        await server.send(payload);
      });
      tg.startSoon(async () => {
        atClient = await receiveAll(client);
      });
    }
    expect(Buffer.compare(atServer!, Buffer.from(payload))).toBe(0);
    expect(Buffer.compare(atClient!, Buffer.from(payload))).toBe(0);
  });

  structuredTest("receive(maxBytes) returns at most maxBytes and keeps the rest for the next receive", async () => {
    const [client, server] = await handshakePair(memoryPair());
    await using _both = closingBoth(client, server);
    await client.send(encode("abcdefgh"));
    expect(decode(await server.receive(3))).toBe("abc");
    let rest = "";
    while (rest.length < 5) rest += decode(await server.receive(5));
    expect(rest).toBe("defgh");
  });

  structuredTest("receive() with a maxBytes that is not a positive integer is a TypeError or RangeError", async () => {
    const [client, server] = await handshakePair(memoryPair());
    await using _both = closingBoth(client, server);
    for (const bad of [0, -1, 1.5]) {
      const error = await caught(server.receive(bad));
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toBe(`Expected \`maxBytes\` to be a positive integer, got \`${bad}\` (number)`);
    }
    expect(await caught(server.receive("1" as unknown as number))).toBeInstanceOf(TypeError);
  });

  structuredTest("for await iterates over the decrypted chunks until the peer closes", async () => {
    const [client, server] = await handshakePair(memoryPair());
    let text = "";
    {
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        await client.send(encode("one"));
        await client.aclose();
      });
      for await (const chunk of server) text += decode(chunk);
      await server.aclose();
    }
    expect(text).toBe("one");
  });

  structuredTest("interoperates with a plain node:tls server", async () => {
    const server = tls.createServer(serverOptions, (socket) => {
      socket.on("data", (data) => socket.write(data));
      socket.on("end", () => socket.end());
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const socket = net.connect(port, "127.0.0.1");
      await new Promise<void>((resolve) => socket.once("connect", resolve));
      await using stream = await TLSStream.wrap(fromNodeDuplex(socket), clientOptions);
      await stream.send(encode("over node:tls"));
      expect(decode(await stream.receive())).toBe("over node:tls");
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

structuredDescribe("verification", () => {
  structuredTest(
    "a certificate for another name fails with ERR_TLS_CERT_ALTNAME_INVALID and closes the transport",
    async () => {
      const [clientTransport, serverTransport] = memoryPair();
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        await caught(TLSStream.wrap(serverTransport, certs.otherName));
      });
      const error = await caught(TLSStream.wrap(clientTransport, clientOptions));
      expect((error as NodeJS.ErrnoException).code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
      expect(await caught(clientTransport.send(encode("x")))).toBeInstanceOf(ClosedResourceError);
    },
  );

  structuredTest("a self-signed certificate fails with DEPTH_ZERO_SELF_SIGNED_CERT", async () => {
    const [clientTransport, serverTransport] = memoryPair();
    await using tg = createTaskGroup();
    tg.startSoon(async () => {
      await caught(TLSStream.wrap(serverTransport, certs.selfSigned));
    });
    const error = await caught(TLSStream.wrap(clientTransport, clientOptions));
    expect((error as NodeJS.ErrnoException).code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
  });

  structuredTest("a certificate from an untrusted CA fails with UNABLE_TO_VERIFY_LEAF_SIGNATURE", async () => {
    const [clientTransport, serverTransport] = memoryPair();
    await using tg = createTaskGroup();
    tg.startSoon(async () => {
      await caught(TLSStream.wrap(serverTransport, serverOptions));
    });
    const error = await caught(TLSStream.wrap(clientTransport, { hostname: "localhost" }));
    expect((error as NodeJS.ErrnoException).code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });

  structuredTest("rejectUnauthorized: false accepts an unverified server, with no hostname needed", async () => {
    const [client, server] = await handshakePair(
      memoryPair(),
      { rejectUnauthorized: false, serverSide: false },
      certs.selfSigned,
    );
    await using _both = closingBoth(client, server);
    await server.send(encode("unverified"));
    expect(decode(await client.receive())).toBe("unverified");
  });

  structuredTest("prebuilt secure contexts are used on both sides", async () => {
    const [client, server] = await handshakePair(
      memoryPair(),
      { hostname: "localhost", secureContext: tls.createSecureContext({ ca: certs.ca }) },
      { secureContext: tls.createSecureContext(certs.server) },
    );
    await using _both = closingBoth(client, server);
    await client.send(encode("context"));
    expect(decode(await server.receive())).toBe("context");
  });

  structuredTest("a client resumes a session with the session option", async () => {
    const serverContext = { secureContext: tls.createSecureContext(certs.server) };
    const [first, firstServer] = await handshakePair(memoryPair(), clientOptions, serverContext);
    let session: Buffer | undefined;
    {
      await using _both = closingBoth(first, firstServer);
      await firstServer.send(encode("ticket"));
      expect(decode(await first.receive())).toBe("ticket"); // the session tickets came before it
      session = (first.extra(TLSAttribute.sslObject) as tls.TLSSocket).getSession();
    }
    expect(session).toBeInstanceOf(Uint8Array);
    const [second, secondServer] = await handshakePair(
      memoryPair(),
      { ...clientOptions, session: session! },
      serverContext,
    );
    await using _both = closingBoth(second, secondServer);
    expect((second.extra(TLSAttribute.sslObject) as tls.TLSSocket).isSessionReused()).toBe(true);
  });

  structuredTest("a custom checkServerIdentity can reject a certificate that would verify", async () => {
    const [clientTransport, serverTransport] = memoryPair();
    const seen: string[] = [];
    await using tg = createTaskGroup();
    tg.startSoon(async () => {
      await caught(TLSStream.wrap(serverTransport, serverOptions));
    });
    const error = await caught(
      TLSStream.wrap(clientTransport, {
        ...clientOptions,
        checkServerIdentity: (hostname) => {
          seen.push(hostname);
          return Object.assign(new Error("pinned certificate mismatch"), { code: "PIN_MISMATCH" });
        },
      }),
    );
    expect(seen).toEqual(["localhost"]);
    expect((error as NodeJS.ErrnoException).code).toBe("PIN_MISMATCH");
  });

  structuredTest(
    "a client that verifies without a hostname is a TypeError that leaves the transport open",
    async () => {
      const [clientTransport, serverTransport] = memoryPair();
      const error = await caught(TLSStream.wrap(clientTransport, { serverSide: false, ca: certs.ca }));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe("hostname is required to verify the server certificate");
      await clientTransport.send(encode("still open"));
      expect(decode(await serverTransport.receive())).toBe("still open");
      await clientTransport.aclose();
      await serverTransport.aclose();
    },
  );

  structuredTest("a server without cert, pfx or secureContext is a TypeError", async () => {
    const [clientTransport, serverTransport] = memoryPair();
    const error = await caught(TLSStream.wrap(serverTransport, { ca: certs.ca }));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/certificate/);
    await clientTransport.aclose();
    await serverTransport.aclose();
  });

  structuredTest("options of the wrong type are TypeErrors naming the option", async () => {
    const [clientTransport, serverTransport] = memoryPair();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ hostname: 42 }, "Expected `hostname` to be a string, got `42` (number)"],
      [
        { ...serverOptions, standardCompatible: "yes" },
        'Expected `standardCompatible` to be a boolean, got `"yes"` (string)',
      ],
      [
        { ...serverOptions, ALPNProtocols: "h2" },
        'Expected `ALPNProtocols` to be an array of strings, got `"h2"` (string)',
      ],
    ];
    for (const [options, message] of cases) {
      const error = await caught(TLSStream.wrap(clientTransport, options as TLSWrapOptions));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(message);
    }
    expect(await caught(TLSStream.wrap(null as unknown as AnyByteStream, clientOptions))).toBeInstanceOf(TypeError);
    await clientTransport.aclose();
    await serverTransport.aclose();
  });

  test("wrap() outside run() rejects with NoCurrentTaskError and leaves the transport alone", async () => {
    const [clientTransport, serverTransport] = memoryPair();
    const error = await TLSStream.wrap(clientTransport, clientOptions).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoCurrentTaskError);
    expect((error as Error).message).toMatch(/^TLSStream\.wrap\(\) must be called from a task/);
    clientTransport.sendNowait(encode("open"));
    expect(decode((serverTransport.receiveStream as MemoryObjectReceiveStream<Uint8Array>).receiveNowait())).toBe(
      "open",
    );
  });

  structuredTest("a server with requestCert verifies the client's certificate", async () => {
    const server = { ...serverOptions, requestCert: true, ca: certs.ca };
    const [client, serverStream] = await handshakePair(memoryPair(), { ...clientOptions, ...certs.client }, server);
    await using _both = closingBoth(client, serverStream);
    expect((serverStream.extra(TLSAttribute.peerCertificate) as { subject: { CN: string } }).subject.CN).toBe("client");
  });

  structuredTest("a server with requestCert rejects a client certificate its CAs did not sign", async () => {
    const [clientTransport, serverTransport] = memoryPair();
    let serverError: unknown;
    {
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        serverError = await caught(
          TLSStream.wrap(serverTransport, { ...serverOptions, requestCert: true, ca: certs.ca }),
        );
      });
      const client = await TLSStream.wrap(clientTransport, { ...clientOptions, ...certs.selfSigned }).catch(
        (error: unknown) => error,
      );
      if (client instanceof TLSStream) {
        expect(await caught(client.receive())).toBeInstanceOf(BrokenResourceError);
        await client.aclose().catch(() => {});
      }
    }
    expect((serverError as NodeJS.ErrnoException).code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
  });

  structuredTest(
    "a server with requestCert and rejectUnauthorized: false accepts an unverified client certificate",
    async () => {
      const server = { ...serverOptions, requestCert: true, rejectUnauthorized: false, ca: certs.ca };
      const [client, serverStream] = await handshakePair(
        memoryPair(),
        { ...clientOptions, ...certs.selfSigned },
        server,
      );
      await using _both = closingBoth(client, serverStream);
      expect(serverStream.extra(TLSAttribute.peerCertificate)).not.toBeNull();
    },
  );

  structuredTest("a server with requestCert rejects a client without a certificate", async () => {
    const [clientTransport, serverTransport] = memoryPair();
    let serverError: unknown;
    {
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        serverError = await caught(
          TLSStream.wrap(serverTransport, { ...serverOptions, requestCert: true, ca: certs.ca }),
        );
      });
      // TLS 1.3 clients finish before the server has judged them: the client's failure, if any, comes later.
      const client = await TLSStream.wrap(clientTransport, clientOptions).catch((error: unknown) => error);
      if (client instanceof TLSStream) {
        const error = await caught(client.receive());
        expect(error).toBeInstanceOf(BrokenResourceError);
        await client.aclose().catch(() => {});
      }
    }
    // (Node's own errors come from another realm than the test's Error.)
    expect((serverError as NodeJS.ErrnoException).code).toMatch(/CERTIFICATE|PEER_DID_NOT_RETURN/);
  });
});

structuredDescribe("ALPN and typed attributes", () => {
  structuredTest("ALPN chooses the server's protocol among the client's offers", async () => {
    const [client, server] = await handshakePair(
      memoryPair(),
      { ...clientOptions, ALPNProtocols: ["dummy1", "dummy2"] },
      { ...serverOptions, ALPNProtocols: ["dummy2"] },
    );
    await using _both = closingBoth(client, server);
    expect(client.extra(TLSAttribute.alpnProtocol)).toBe("dummy2");
    expect(server.extra(TLSAttribute.alpnProtocol)).toBe("dummy2");
  });

  structuredTest("without ALPN the chosen protocol is null", async () => {
    const [client, server] = await handshakePair(memoryPair());
    await using _both = closingBoth(client, server);
    expect(client.extra(TLSAttribute.alpnProtocol)).toBeNull();
    expect(server.extra(TLSAttribute.alpnProtocol)).toBeNull();
  });

  structuredTest("both sides offer every TLSAttribute, and the transport's attributes", async () => {
    const marker = typedAttribute<string>("test.marker");
    class MarkedStream extends StapledObjectStream<Uint8Array> {
      override get extraAttributes(): TypedAttributeMap {
        return { ...super.extraAttributes, [marker]: () => "transport" };
      }
    }
    const [a, b] = memoryPair();
    const transports: [AnyByteStream, AnyByteStream] = [
      new MarkedStream(a.sendStream, a.receiveStream),
      new MarkedStream(b.sendStream, b.receiveStream),
    ];
    const [client, server] = await handshakePair(
      transports,
      { ...clientOptions, ...certs.client },
      { ...serverOptions, requestCert: true, ca: certs.ca, standardCompatible: false },
    );
    for (const stream of [client, server]) {
      for (const attribute of TLSAttribute.attributes()) expect(() => stream.extra(attribute)).not.toThrow();
      expect(stream.extra(marker)).toBe("transport");
      expect(stream.extra(TLSAttribute.tlsVersion)).toBe("TLSv1.3");
      const [name, version, bits] = stream.extra(TLSAttribute.cipher);
      expect(name).toMatch(/^TLS_/);
      expect(version).toBe("TLSv1.3");
      expect(bits).toBe(/256|CHACHA20/.test(name) ? 256 : 128);
      expect(stream.extra(TLSAttribute.sharedCiphers)).toBeNull();
      expect(stream.extra(TLSAttribute.sslObject)).toBeInstanceOf(tls.TLSSocket);
      expect(stream.extra(TLSAttribute.peerCertificateBinary)).toBeInstanceOf(Uint8Array);
    }
    expect(client.extra(TLSAttribute.serverSide)).toBe(false);
    expect(server.extra(TLSAttribute.serverSide)).toBe(true);
    expect(client.extra(TLSAttribute.standardCompatible)).toBe(true);
    expect(server.extra(TLSAttribute.standardCompatible)).toBe(false);
    expect(client.standardCompatible).toBe(true);
    expect(server.standardCompatible).toBe(false);
    expect((client.extra(TLSAttribute.peerCertificate) as { subject: { CN: string } }).subject.CN).toBe("localhost");
    expect((server.extra(TLSAttribute.peerCertificate) as { subject: { CN: string } }).subject.CN).toBe("client");
    // The DER form is the certificate the peer holds.
    expect(Buffer.from(client.extra(TLSAttribute.peerCertificateBinary)!).toString("base64")).toBe(
      certs.server.cert.replace(/-----[A-Z ]+-----|\s/g, ""),
    );
    expect(client.transportStream).toBe(transports[0]);
    // The server just closes its transport; the standard-compatible client then sees no close_notify.
    await server.aclose();
    expect(await caught(client.aclose())).toBeInstanceOf(BrokenResourceError);
    // The session's attributes stay readable after close.
    expect(client.extra(TLSAttribute.tlsVersion)).toBe("TLSv1.3");
    expect(server.extra(TLSAttribute.cipher)[1]).toBe("TLSv1.3");
    expect((server.extra(TLSAttribute.peerCertificate) as { subject: { CN: string } }).subject.CN).toBe("client");
  });

  structuredTest("without a client certificate the server's peer certificate attributes are null", async () => {
    const [client, server] = await handshakePair(memoryPair());
    await using _both = closingBoth(client, server);
    expect(server.extra(TLSAttribute.peerCertificate)).toBeNull();
    expect(server.extra(TLSAttribute.peerCertificateBinary)).toBeNull();
  });

  structuredTest(
    "under TLS 1.2 the tls-unique channel binding is the same on both sides, and TLS 1.2 ciphers report their key bits",
    async () => {
      const [client, server] = await handshakePair(memoryPair(), { ...clientOptions, maxVersion: "TLSv1.2" });
      await using _both = closingBoth(client, server);
      expect(client.extra(TLSAttribute.tlsVersion)).toBe("TLSv1.2");
      const clientBinding = client.extra(TLSAttribute.channelBindingTlsUnique);
      const serverBinding = server.extra(TLSAttribute.channelBindingTlsUnique);
      expect(clientBinding).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(clientBinding!).equals(Buffer.from(serverBinding!))).toBe(true);
      const [name, , bits] = client.extra(TLSAttribute.cipher);
      expect(bits).toBe(/AES_?256|CHACHA20/.test(name) ? 256 : 128);
    },
  );
});

structuredDescribe("closing", () => {
  structuredTest("sendEof() is not supported, with TLS 1.3's message", async () => {
    const [client, server] = await handshakePair(memoryPair());
    await using _both = closingBoth(client, server);
    const error = await caught(client.sendEof());
    expect(error).toBeInstanceOf(NotSupportedError);
    expect((error as Error).message).toBe("sendEof() has not yet been implemented for TLS streams");
  });

  structuredTest("sendEof() on a TLS 1.2 session says it needs TLS 1.3", async () => {
    const [client, server] = await handshakePair(memoryPair(), { ...clientOptions, maxVersion: "TLSv1.2" });
    await using _both = closingBoth(client, server);
    const error = await caught(client.sendEof());
    expect(error).toBeInstanceOf(NotSupportedError);
    expect((error as Error).message).toBe("sendEof() requires at least TLSv1.3; current session uses TLSv1.2");
  });

  structuredTest("unwrap() is not supported", async () => {
    const [client, server] = await handshakePair(memoryPair());
    await using _both = closingBoth(client, server);
    expect(await caught(client.unwrap())).toBeInstanceOf(NotSupportedError);
  });

  structuredTest("after close_notify, receive() raises EndOfStream, again and again", async () => {
    const [client, server] = await handshakePair(await tcpPair());
    await using tg = createTaskGroup();
    await using _c = client; // closed before the task group waits for the server's aclose(), which waits for it
    tg.startSoon(async () => {
      await server.send(encode("hello"));
      await server.aclose();
    });
    expect(decode(await client.receive())).toBe("hello");
    expect(await caught(client.receive())).toBeInstanceOf(EndOfStream);
    expect(await caught(client.receive())).toBeInstanceOf(EndOfStream);
  });

  structuredTest(
    "a plain node:tls peer's end() is close_notify: EndOfStream on a standard-compatible stream",
    async () => {
      const server = tls.createServer(serverOptions, (socket) => {
        socket.on("error", () => {});
        socket.write("bye");
        // Ends once the client answered: Node skips close_notify for an end() in the same turn as the handshake.
        socket.once("data", () => socket.end());
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const { port } = server.address() as net.AddressInfo;
        const socket = net.connect(port, "127.0.0.1");
        await new Promise<void>((resolve) => socket.once("connect", resolve));
        await using stream = await TLSStream.wrap(fromNodeDuplex(socket), clientOptions);
        expect(decode(await stream.receive())).toBe("bye");
        await stream.send(encode("ok"));
        expect(await caught(stream.receive())).toBeInstanceOf(EndOfStream);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  );

  structuredTest("a transport EOF without close_notify is BrokenResourceError when standard compatible", async () => {
    const [client, server] = await handshakePair(memoryPair(), clientOptions, {
      ...serverOptions,
      standardCompatible: false,
    });
    await using tg = createTaskGroup();
    tg.startSoon(async () => {
      await server.send(encode("hello"));
      await server.aclose(); // no close_notify: just closes the transport
    });
    expect(decode(await client.receive())).toBe("hello");
    const error = await caught(client.receive());
    expect(error).toBeInstanceOf(BrokenResourceError);
    expect((error as Error).message).toMatch(/close_notify/);
    expect(await caught(client.aclose())).toBeInstanceOf(BrokenResourceError);
  });

  structuredTest("a transport EOF without close_notify is EndOfStream with standardCompatible: false", async () => {
    const [client, server] = await handshakePair(
      await tcpPair(),
      { ...clientOptions, standardCompatible: false },
      { ...serverOptions, standardCompatible: false },
    );
    await using _c = client;
    await using tg = createTaskGroup();
    tg.startSoon(async () => {
      await server.send(encode("hello"));
      await server.aclose();
    });
    expect(decode(await client.receive())).toBe("hello");
    expect(await caught(client.receive())).toBeInstanceOf(EndOfStream);
  });

  // The matrix of AnyIO's ragged-EOF test: the server sends "hello" and closes; the client
  // receives it and closes. Only a standard-compatible side facing one that is not fails, with
  // BrokenResourceError, in its aclose().
  for (const [serverCompatible, clientCompatible] of [
    [true, true],
    [true, false],
    [false, true],
    [false, false],
  ]) {
    structuredTest(
      `closing with server standardCompatible ${serverCompatible} and client ${clientCompatible}`,
      async () => {
        const [client, server] = await handshakePair(
          await tcpPair(),
          { ...clientOptions, standardCompatible: clientCompatible },
          { ...serverOptions, standardCompatible: serverCompatible },
        );
        let serverError: unknown;
        let clientError: unknown;
        {
          await using tg = createTaskGroup();
          tg.startSoon(async () => {
            await server.send(encode("hello"));
            serverError = await server.aclose().then(
              () => undefined,
              (error: unknown) => error,
            );
          });
          expect(decode(await client.receive())).toBe("hello");
          clientError = await client.aclose().then(
            () => undefined,
            (error: unknown) => error,
          );
        }
        if (clientCompatible && !serverCompatible) expect(clientError).toBeInstanceOf(BrokenResourceError);
        else expect(clientError).toBeUndefined();
        if (serverCompatible && !clientCompatible) expect(serverError).toBeInstanceOf(BrokenResourceError);
        else expect(serverError).toBeUndefined();
      },
    );
  }

  structuredTest(
    "after aclose(), receive() and send() raise ClosedResourceError and aclose() does nothing",
    async () => {
      const [client, server] = await handshakePair(
        memoryPair(),
        { ...clientOptions, standardCompatible: false },
        { ...serverOptions, standardCompatible: false },
      );
      await using _s = server;
      await client.aclose();
      await client.aclose();
      expect(await caught(client.receive())).toBeInstanceOf(ClosedResourceError);
      expect(await caught(client.send(encode("x")))).toBeInstanceOf(ClosedResourceError);
    },
  );

  structuredTest("aclose() in a cancelled scope closes the transport at once and raises Cancelled", async () => {
    const [client, server] = await handshakePair(memoryPair(), clientOptions, {
      ...serverOptions,
      standardCompatible: false,
    });
    let outcome: unknown;
    await new CancelScope().run(async (scope) => {
      scope.cancel();
      outcome = await caught(client.aclose());
      throw outcome;
    });
    expect(outcome).toBeInstanceOf(Cancelled);
    expect(await caught(client.transportStream.send(encode("x")))).toBeInstanceOf(ClosedResourceError);
    expect(await caught(client.receive())).toBeInstanceOf(ClosedResourceError);
    await server.aclose();
  });

  structuredTest("aclose() from another task wakes a blocked receive() with ClosedResourceError", async () => {
    const [client, server] = await handshakePair(
      memoryPair(),
      { ...clientOptions, standardCompatible: false },
      { ...serverOptions, standardCompatible: false },
    );
    await using _s = server;
    let error: unknown;
    const started = new Event();
    {
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        started.set();
        error = await caught(client.receive());
      });
      await started.wait();
      await client.aclose();
    }
    expect(error).toBeInstanceOf(ClosedResourceError);
  });
});

structuredDescribe("concurrency and cancellation", () => {
  structuredTest("a second concurrent receive() raises BusyResourceError", async () => {
    const [client, server] = await handshakePair(memoryPair());
    await using _both = closingBoth(client, server);
    const started = new Event();
    let second: unknown;
    {
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        started.set();
        await server.receive();
      });
      await started.wait();
      second = await caught(server.receive());
      await client.send(encode("x"));
    }
    expect(second).toBeInstanceOf(BusyResourceError);
    expect((second as Error).message).toBe("Another task is already receiving from this resource");
  });

  structuredTest("in a cancelled scope, receive() takes nothing and send() sends nothing", async () => {
    const [client, server] = await handshakePair(memoryPair());
    await using _both = closingBoth(client, server);
    await client.send(encode("waiting"));
    let calls: Promise<unknown>[] = [];
    await new CancelScope().run(async (scope) => {
      scope.cancel();
      // Called in the cancelled scope, awaited outside it (an await in it would raise at once).
      calls = [server.receive(), server.send(encode("never"))];
    });
    expect(await caught(calls[0]!)).toBeInstanceOf(Cancelled);
    expect(await caught(calls[1]!)).toBeInstanceOf(Cancelled);
    expect(decode(await server.receive())).toBe("waiting");
    await server.send(encode("after"));
    expect(decode(await client.receive())).toBe("after"); // "never" was not sent before it
  });

  structuredTest("a cancelled receive() takes no data: the next receive() gets it", async () => {
    const [client, server] = await handshakePair(memoryPair());
    await using _both = closingBoth(client, server);
    const scope = new CancelScope();
    const started = new Event();
    let outcome: unknown = "not cancelled";
    {
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        await scope.run(async () => {
          started.set();
          outcome = await caught(server.receive());
          throw outcome;
        });
      });
      await started.wait();
      scope.cancel();
    }
    expect(outcome).toBeInstanceOf(Cancelled);
    await client.send(encode("kept"));
    expect(decode(await server.receive())).toBe("kept");
  });

  structuredTest("a send() cancelled while the transport is sending breaks the stream, and says so", async () => {
    // A transport that buffers one chunk each way: with the peer not receiving, a first send
    // fills it and a second one waits in the transport's send.
    const [client, server] = await handshakePair(memoryPair(1));
    await client.send(encode("fills the transport"));
    const scope = new CancelScope();
    const started = new Event();
    let outcome: unknown;
    {
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        await scope.run(async () => {
          started.set();
          outcome = await caught(client.send(encode("stuck")));
          throw outcome;
        });
      });
      await started.wait();
      await checkpoint(); // the send is now waiting in the transport
      scope.cancel();
    }
    expect(outcome).toBeInstanceOf(Cancelled);
    const later = await caught(client.send(encode("later")));
    expect(later).toBeInstanceOf(BrokenResourceError);
    expect((later as Error).message).toMatch(/cancelled midway/);
    await client.aclose(); // a broken stream just closes its transport
    await server.aclose().catch(() => {});
  });

  structuredTest(
    "cancelling wrap() during the handshake closes the transport before Cancelled propagates",
    async () => {
      const [clientTransport, peer] = memoryPair();
      await using _p = peer;
      const scope = new CancelScope();
      let outcome: unknown;
      {
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          await scope.run(async () => {
            outcome = await caught(TLSStream.wrap(clientTransport, clientOptions));
            throw outcome;
          });
        });
        // The peer never answers: it sees the ClientHello, then the wrap is cancelled.
        const hello = await peer.receive();
        expect(hello[0]).toBe(0x16); // a TLS handshake record
        scope.cancel();
      }
      expect(outcome).toBeInstanceOf(Cancelled);
      expect(await caught(clientTransport.send(encode("x")))).toBeInstanceOf(ClosedResourceError);
      expect(await caught(peer.receive())).toBeInstanceOf(EndOfStream);
    },
  );

  structuredTest("wrap() in a cancelled scope sends nothing and closes the transport", async () => {
    const [clientTransport, peer] = memoryPair();
    await using _p = peer;
    let outcome: unknown;
    await new CancelScope().run(async (scope) => {
      scope.cancel();
      outcome = await caught(TLSStream.wrap(clientTransport, clientOptions));
    });
    expect(outcome).toBeInstanceOf(Cancelled);
    expect(await caught(peer.receive())).toBeInstanceOf(EndOfStream);
  });

  structuredTest("a transport that ends during the handshake fails wrap()", async () => {
    const [clientTransport, peer] = memoryPair();
    await using tg = createTaskGroup();
    tg.startSoon(async () => {
      await peer.receive();
      await peer.aclose();
    });
    const error = await caught(TLSStream.wrap(clientTransport, clientOptions));
    expect((error as Error).message).toMatch(/closed|disconnected|EOF|end/i);
    expect(error).not.toBeInstanceOf(Cancelled);
  });
});
