/**
 * Transports for the TLS tests: a loopback TCP connection adapted with `fromNodeDuplex`, and an
 * in-memory byte stream pair (two memory object streams, crossed and stapled), whose `aclose()`
 * ends the peer's stream with `EndOfStream`: a transport EOF with no close_notify in it.
 */
import * as net from "node:net";
import {
  createMemoryObjectStream,
  fromNodeDuplex,
  StapledObjectStream,
  type NodeDuplexByteStream,
} from "anyio-ts";

/** A connected pair of loopback TCP sockets on `host`, as our byte streams; the server socket is closed. */
export async function tcpPair(host = "127.0.0.1"): Promise<[client: NodeDuplexByteStream, server: NodeDuplexByteStream]> {
  const server = net.createServer({ allowHalfOpen: true });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, host, resolve);
    });
    const { port } = server.address() as net.AddressInfo;
    const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
    const client = net.connect({ host, port, allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      client.once("connect", resolve);
      client.once("error", reject);
    });
    return [fromNodeDuplex(client), fromNodeDuplex(await accepted)];
  } finally {
    // Stops listening at once; its callback would wait for the connections to end.
    server.close();
  }
}

/** Two in-memory byte transports wired to each other. */
export function memoryPair(): [StapledObjectStream<Uint8Array>, StapledObjectStream<Uint8Array>] {
  const [toServer, fromClient] = createMemoryObjectStream<Uint8Array>(Infinity);
  const [toClient, fromServer] = createMemoryObjectStream<Uint8Array>(Infinity);
  return [new StapledObjectStream(toServer, fromServer), new StapledObjectStream(toClient, fromClient)];
}

export const encode = (text: string) => new TextEncoder().encode(text);
export const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
