/**
 * Helpers of the networking suites: loopback servers made with `node:net` directly (so a test of
 * our client does not depend on our listener), and readers that collect a stream to its end.
 */
import * as net from "node:net";
import { EndOfStream, type ByteReceiveStream } from "anyio-ts";

let ipv6: Promise<boolean> | undefined;

/** Whether this host can listen on ::1 (checked once per file). */
export function hasIpv6Loopback(): Promise<boolean> {
  ipv6 ??= new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: "::1", port: 0, ipv6Only: true }, () => server.close(() => resolve(true)));
  });
  return ipv6;
}

/** A raw Node server on `host`, with every accepted socket kept (and destroyed by `close`). */
export async function rawServer(host = "127.0.0.1", onConnection?: (socket: net.Socket) => void) {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
    onConnection?.(socket);
  });
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen({ host, port: 0 }, resolve));
  const port = (server.address() as net.AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return { server, port, sockets, close };
}

/** Concatenates byte arrays. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Everything `stream` delivers until its end. */
export async function readAll(stream: ByteReceiveStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for (;;) {
    try {
      chunks.push(await stream.receive());
    } catch (error) {
      if (error instanceof EndOfStream) return concat(chunks);
      throw error;
    }
  }
}

/** Everything a raw socket delivers until its end. */
export function rawReadAll(socket: net.Socket): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(new Uint8Array(chunk)));
    socket.on("end", () => resolve(concat(chunks)));
    socket.on("error", reject);
  });
}

/** Text as bytes, and back. */
export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (data: Uint8Array): string => new TextDecoder().decode(data);

/** `n` bytes of a repeating pattern. */
export function pattern(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** Whether two byte arrays hold the same bytes (Jest's deep equality is slow on megabytes). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
