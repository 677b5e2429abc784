// Reading ahead of the receivers: each stream stops reading from the kernel once enough is queued,
// and with many busy streams in one process the streams share a budget. Whatever the others hold,
// a stream whose queue its receiver emptied reads again, so every stream delivers all its bytes,
// in order.
import { connectTcp, type SocketStream } from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { concat, pattern, rawServer, sameBytes } from "./helpers";

/** Receives exactly `n` bytes from `stream`. */
async function receiveExactly(stream: SocketStream, n: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let got = 0;
  while (got < n) {
    const chunk = await stream.receive();
    chunks.push(chunk);
    got += chunk.length;
  }
  return concat(chunks);
}

structuredDescribe("read-ahead of SocketStream", () => {
  structuredTest("many streams holding more than the shared budget all deliver every byte in order", async () => {
    // 24 connections x 512 KiB = 12 MiB sent before anything is received: more than any one
    // stream's read-ahead and more than the budget they share.
    const connections = 24;
    const size = 512 * 1024;
    let written = 0;
    const server = await rawServer("127.0.0.1", (socket) => {
      const index = server.sockets.indexOf(socket);
      socket.write(pattern(size, index), () => written++);
    });
    const streams: SocketStream[] = [];
    try {
      for (let i = 0; i < connections; i++) streams.push(await connectTcp("127.0.0.1", server.port));
      // Receive from the streams last to first, one whole stream at a time: the first ones wait
      // with full queues (or paused) while the later ones are drained.
      const received: Uint8Array[] = [];
      for (let i = connections - 1; i >= 0; i--) received[i] = await receiveExactly(streams[i]!, size);
      for (let i = 0; i < connections; i++) {
        // The server numbered its sockets in the order it accepted them, which is the order connected.
        expect(received[i]!.length).toBe(size);
        expect(sameBytes(received[i]!, pattern(size, i))).toBe(true);
      }
      expect(written).toBe(connections);
    } finally {
      for (const stream of streams) await stream.aclose();
      await server.close();
    }
  });
});
