"use structured";
// Streams stack: a memory object stream carries bytes, TextReceiveStream decodes them (a character
// split across chunks waits for its last byte), and a stapled pair makes a two-way "connection".
import { StapledObjectStream, TextReceiveStream, createMemoryObjectStream, createTaskGroup, run } from "anyio-ts";

async function main() {
  const [bytesOut, bytesIn] = createMemoryObjectStream<Uint8Array>(4);
  const euro = new TextEncoder().encode("price: 5€\n"); // "€" is three bytes

  await using tg = createTaskGroup();
  tg.startSoon({ name: "sender" }, async () => {
    await using _ = bytesOut;
    // Cut the bytes in the middle of the "€": the decoder puts it back together.
    await bytesOut.send(euro.subarray(0, 9));
    await bytesOut.send(euro.subarray(9));
  });
  tg.startSoon({ name: "reader" }, async () => {
    await using text = new TextReceiveStream(bytesIn);
    let received = "";
    for await (const chunk of text) received += chunk;
    console.log(`reader: ${JSON.stringify(received)}`);
  });

  // Two one-way streams stapled crosswise: an in-process request/response pair.
  const [toServer, serverInbox] = createMemoryObjectStream<string>(1);
  const [toClient, clientInbox] = createMemoryObjectStream<string>(1);
  const client = new StapledObjectStream(toServer, clientInbox);
  const server = new StapledObjectStream(toClient, serverInbox);
  tg.startSoon({ name: "server" }, async () => {
    await using _ = server;
    for await (const request of server) await server.send(request.toUpperCase());
  });
  await client.send("ping");
  console.log(`client: ${await client.receive()}`);
  await client.aclose();
}

run(main);
