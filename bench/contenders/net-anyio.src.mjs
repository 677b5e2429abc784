"use structured";
// anyio-ts's side of bench/net.ts, as users write it: structured code compiled by the project's
// Babel plugin (bench/net.ts compiles this file against dist/ and imports the result).
import * as anyio from "anyio-ts";
import { performance } from "node:perf_hooks";

/** Runs `client(port)` against a listener serving `handler`, inside one run(). */
function withServer(handler, client) {
  return anyio.run(async () => {
    const listener = await anyio.createTcpListener({ localHost: "127.0.0.1" });
    const port = listener.extra(anyio.SocketAttribute.localPort);
    let result;
    await anyio.createTaskGroup().run(async (tg) => {
      tg.startSoon(async () => {
        await listener.serve(handler);
      });
      result = await client(port);
      tg.cancelScope.cancel();
    });
    await listener.aclose();
    return result;
  });
}

async function echoHandler(stream) {
  try {
    for await (const chunk of stream) await stream.send(chunk);
  } finally {
    await stream.aclose();
  }
}

async function closeHandler(stream) {
  await stream.aclose();
}

export function netContender({ MESSAGE, CONNECT_CONCURRENCY }) {
  return {
    name: "anyio-ts",
    echo: (connections, bytes) =>
      withServer(echoHandler, async (port) => {
        const chunk = new Uint8Array(MESSAGE).fill(7);
        const start = performance.now();
        await anyio.createTaskGroup().run(async (tg) => {
          for (let c = 0; c < connections; c++) {
            tg.startSoon(async () => {
              const stream = await anyio.connectTcp("127.0.0.1", port);
              await anyio.createTaskGroup().run(async (inner) => {
                inner.startSoon(async () => {
                  for (let sent = 0; sent < bytes; sent += MESSAGE) await stream.send(chunk);
                });
                let got = 0;
                while (got < bytes) got += (await stream.receive()).length;
              });
              await stream.aclose();
            });
          }
        });
        return (performance.now() - start) / 1000;
      }),
    pingPong: (count) =>
      withServer(echoHandler, async (port) => {
        const stream = await anyio.connectTcp("127.0.0.1", port);
        const byte = new Uint8Array([1]);
        const times = [];
        for (let i = 0; i < count; i++) {
          const start = performance.now();
          await stream.send(byte);
          await stream.receive();
          times.push((performance.now() - start) * 1000);
        }
        await stream.aclose();
        return times;
      }),
    // The echo server alone, measured by a client of raw node:net that bench/net.ts passes in.
    pingPongServed: (count, client) => withServer(echoHandler, (port) => client(port, count)),
    connectRate: (count) =>
      withServer(closeHandler, async (port) => {
        let left = count;
        const start = performance.now();
        await anyio.createTaskGroup().run(async (tg) => {
          for (let c = 0; c < CONNECT_CONCURRENCY; c++) {
            tg.startSoon(async () => {
              while (left-- > 0) {
                const stream = await anyio.connectTcp("127.0.0.1", port);
                await stream.aclose();
              }
            });
          }
        });
        return (performance.now() - start) / 1000;
      }),
  };
}
