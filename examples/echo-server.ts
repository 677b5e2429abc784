"use structured";
// A TCP echo server: every byte a client sends comes back to it. Structured code: each connection
// is a task of serve()'s task group, and cancelling the server closes every connection with it.
//
//   npm run example -- examples/echo-server.ts     listens on 127.0.0.1:7000 (PORT=... for another)
//   nc 127.0.0.1 7000                               type lines; they come back; Ctrl+D to leave
//
// Ctrl+C stops the server: its scope is cancelled, the handlers' `await using` blocks close their
// connections, and the listener closes last.
import { BrokenResourceError, CancelScope, SocketAttribute, createTcpListener, run, type SocketStream } from "anyio-ts";

/** Where a server of these examples listens, and whom it tells its port. */
export interface ServerOptions {
  /** The address to listen on. @default "127.0.0.1" */
  host?: string;
  /** The port; 0 picks a free one. @default 0 */
  port?: number;
  /** Called once the server listens, with its port. */
  onListening?: (port: number) => void;
}

/** Echoes one connection until the client finishes sending, then ends its own side. */
async function echo(stream: SocketStream): Promise<void> {
  await using _ = stream; // the handler owns the connection
  try {
    for await (const chunk of stream) await stream.send(chunk);
    await stream.sendEof();
  } catch (error) {
    // A client that resets its connection ends only its own handler, not the server.
    if (!(error instanceof BrokenResourceError)) throw error;
  }
}

/** Serves echo connections until cancelled. This is a checkpoint. */
export async function echoServer({ host = "127.0.0.1", port = 0, onListening }: ServerOptions = {}): Promise<void> {
  await using listener = await createTcpListener({ localHost: host, localPort: port });
  onListening?.(listener.extra(SocketAttribute.localPort));
  await listener.serve(echo);
}

if (require.main === module) {
  run(async () => {
    const scope = new CancelScope();
    const stop = () => scope.cancel();
    process.on("SIGINT", stop).on("SIGTERM", stop);
    try {
      await scope.run(() =>
        echoServer({
          port: Number(process.env.PORT ?? 7000),
          onListening: (port) =>
            console.log(`echo server on 127.0.0.1:${port}; try \`nc 127.0.0.1 ${port}\`, Ctrl+C stops it`),
        }),
      );
      console.log("\nstopped: every connection and the listener are closed");
    } finally {
      process.off("SIGINT", stop).off("SIGTERM", stop);
    }
  }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
