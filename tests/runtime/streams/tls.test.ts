"use structured";
import { createTaskGroup, TLSStream, TLSAttribute } from "anyio-ts";
import { structuredTest } from "anyio-ts/jest";
import { testCertificates } from "./tls-certificates";
import { decode, encode, memoryPair, tcpPair } from "./tls-support";

const certs = testCertificates();

structuredTest("smoke over tcp", async () => {
  const [clientTransport, serverTransport] = await tcpPair();
  await using tg = createTaskGroup();
  tg.startSoon(async () => {
    await using server = await TLSStream.wrap(serverTransport, { ...certs.server });
    const data = await server.receive();
    await server.send(data);
  });
  await using client = await TLSStream.wrap(clientTransport, { hostname: "localhost", ca: certs.ca });
  await client.send(encode("hello"));
  expect(decode(await client.receive())).toBe("hello");
  expect(client.extra(TLSAttribute.tlsVersion)).toBe("TLSv1.3");
});

structuredTest("smoke over memory", async () => {
  const [clientTransport, serverTransport] = memoryPair();
  await using tg = createTaskGroup();
  tg.startSoon(async () => {
    await using server = await TLSStream.wrap(serverTransport, { ...certs.server });
    const data = await server.receive();
    await server.send(data);
  });
  await using client = await TLSStream.wrap(clientTransport, { hostname: "localhost", ca: certs.ca });
  await client.send(encode("hello"));
  expect(decode(await client.receive())).toBe("hello");
});
