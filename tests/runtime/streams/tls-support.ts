/**
 * Transports for the TLS tests: a loopback TCP connection adapted with `fromNodeDuplex`, and an
 * in-memory byte stream pair (two memory object streams, crossed and stapled), whose `aclose()`
 * ends the peer's stream with `EndOfStream`: a transport EOF with no close_notify in it.
 */
import * as net from "node:net";
import {
  ClosedResourceError,
  createMemoryObjectStream,
  createTaskGroup,
  EndOfStream,
  fromNodeDuplex,
  SocketAttribute,
  StapledObjectStream,
  TypedAttributeProvider,
  type AnyByteStream,
  type Listener,
  type ListenerHandler,
  type NodeDuplexByteStream,
  type TaskGroup,
  type TypedAttributeMap,
} from "anyio-ts";

/** A connected pair of loopback TCP sockets on `host`, as our byte streams; the server socket is closed. */
export async function tcpPair(
  host = "127.0.0.1",
): Promise<[client: NodeDuplexByteStream, server: NodeDuplexByteStream]> {
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

/** Two in-memory byte transports wired to each other, buffering `capacity` chunks each way. */
export function memoryPair(capacity = Infinity): [StapledObjectStream<Uint8Array>, StapledObjectStream<Uint8Array>] {
  const [toServer, fromClient] = createMemoryObjectStream<Uint8Array>(capacity);
  const [toClient, fromServer] = createMemoryObjectStream<Uint8Array>(capacity);
  return [new StapledObjectStream(toServer, fromServer), new StapledObjectStream(toClient, fromClient)];
}

export const encode = (text: string) => new TextEncoder().encode(text);
export const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/**
 * A listener serving the transports pushed into it with `offer()` (a stand-in for a TCP
 * listener): `serve()` starts the handler for each in `taskGroup` or a task group of its own,
 * until `aclose()` ends it with ClosedResourceError.
 */
export class OfferListener extends TypedAttributeProvider implements Listener<AnyByteStream> {
  private readonly incoming = createMemoryObjectStream<AnyByteStream>(Infinity);

  offer(stream: AnyByteStream): void {
    this.incoming[0].sendNowait(stream);
  }

  override get extraAttributes(): TypedAttributeMap {
    return { [SocketAttribute.localPort]: () => 4433 };
  }

  async serve(handler: ListenerHandler<AnyByteStream>, taskGroup?: TaskGroup): Promise<void> {
    await createTaskGroup().run(async (own) => {
      const group = taskGroup ?? own;
      for (;;) {
        let stream: AnyByteStream;
        try {
          stream = await this.incoming[1].receive();
        } catch (error) {
          if (error instanceof EndOfStream) throw new ClosedResourceError();
          throw error;
        }
        group.startSoon(() => handler(stream));
      }
    });
  }

  async aclose(): Promise<void> {
    this.incoming[0].close();
    this.incoming[1].close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
}
