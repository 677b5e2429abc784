// The stream and listener operations under assertCheckpoints(): each one checks for cancellation
// and gives other tasks a turn, whether it finds its bytes (or connection) already there or has
// to wait for them.
import * as net from "node:net";
import {
  Cancelled,
  CancelScope,
  ConnectionFailed,
  EndOfStream,
  connectTcp,
  connectUnix,
  createTaskGroup,
  createUnixListener,
  SocketListener,
} from "anyio-ts";
import { assertCheckpoints, structuredDescribe, structuredTest } from "anyio-ts/jest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as nodePath from "node:path";
import { caught } from "../../helpers";
import { bytes, rawServer, text } from "./helpers";

/** A raw server whose connections echo every chunk and end when the peer ends. */
function echoServer() {
  return rawServer("127.0.0.1", (socket) => socket.pipe(socket));
}

/** A raw TCP server listening on 127.0.0.1, adopted as our listener. */
async function adoptedListener(): Promise<{ listener: SocketListener; port: number }> {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { listener: await SocketListener.fromSocket(server), port };
}

structuredDescribe("SocketStream operations are checkpoints", () => {
  structuredTest("receive() that waits for bytes, and one that finds them queued", async () => {
    const server = await echoServer();
    try {
      const stream = await connectTcp("127.0.0.1", server.port);
      try {
        await stream.send(bytes("ab"));
        // Nothing is queued until the echo comes back: this receive waits for it.
        expect(text(await assertCheckpoints(() => stream.receive(1)))).toBe("a");
        // "b" came in the same chunk and is queued now: the receive still gives others a turn.
        let ran = false;
        await createTaskGroup().run(async (tg) => {
          tg.startSoon(async () => {
            ran = true;
          });
          expect(text(await assertCheckpoints(() => stream.receive()))).toBe("b");
          expect(ran).toBe(true);
        });
      } finally {
        await stream.aclose();
      }
    } finally {
      await server.close();
    }
  });

  structuredTest("send() and sendEof(), and a receive() that reaches the end", async () => {
    const server = await echoServer();
    try {
      const stream = await connectTcp("127.0.0.1", server.port);
      try {
        await assertCheckpoints(() => stream.send(bytes("xyz")));
        await assertCheckpoints(() => stream.send(new Uint8Array(0)));
        await assertCheckpoints(() => stream.sendEof());
        let echoed = "";
        while (echoed.length < 3) echoed += text(await assertCheckpoints(() => stream.receive()));
        expect(echoed).toBe("xyz");
        // The server ends after echoing: the receive that finds the end raises EndOfStream.
        expect(await caught(stream.receive())).toBeInstanceOf(EndOfStream);
      } finally {
        await stream.aclose();
      }
    } finally {
      await server.close();
    }
  });

  structuredTest("a receive() that waits for bytes and is cancelled takes nothing", async () => {
    const server = await rawServer("127.0.0.1");
    try {
      const stream = await connectTcp("127.0.0.1", server.port);
      try {
        await new CancelScope().run(async (scope) => {
          await createTaskGroup().run(async (tg) => {
            tg.startSoon(async () => {
              // Cancelled while it waits: the bytes written after are the next receive's.
              await stream.receive();
              throw new Error("the cancelled receive returned bytes");
            });
            while (server.sockets.length === 0) await new Promise<void>((resolve) => setTimeout(resolve, 5));
            scope.cancel();
          });
        });
        server.sockets[0]!.write("kept");
        let got = "";
        while (got.length < 4) got += text(await stream.receive());
        expect(got).toBe("kept");
      } finally {
        await stream.aclose();
      }
    } finally {
      await server.close();
    }
  });
});

structuredDescribe("connectTcp() and connectUnix() are checkpoints", () => {
  // Neither gives the event loop an extra turn before connecting: the attempt checks for
  // cancellation first, and its wait for the connection, which always arrives in a later
  // macrotask, is the scheduling point (a park, which assertCheckpoints() counts as both).
  structuredTest("connectTcp() waits for its connection as its checkpoint", async () => {
    const server = await rawServer("127.0.0.1");
    try {
      const stream = await assertCheckpoints(() => connectTcp("127.0.0.1", server.port));
      await stream.aclose();
    } finally {
      await server.close();
    }
  });

  structuredTest("connectTcp() that fails before any turn of the event loop still gives one", async () => {
    const server = await rawServer("127.0.0.1");
    try {
      let turned = false;
      setImmediate(() => {
        turned = true;
      });
      // Binding to the listener's own port fails at once: Node reports it from process.nextTick.
      const error = await caught(connectTcp("127.0.0.1", server.port, { localPort: server.port }));
      expect(error).toBeInstanceOf(ConnectionFailed);
      expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe("EADDRINUSE");
      expect(turned).toBe(true);
    } finally {
      await server.close();
    }
  });

  structuredTest("connectTcp() cancelled while it waits for the connection closes its socket", async () => {
    const server = await rawServer("127.0.0.1");
    try {
      await new CancelScope().run(async (scope) => {
        await createTaskGroup().run(async (tg) => {
          // Runs once the call waits for its connection.
          tg.startSoon(async () => scope.cancel());
          expect(await caught(connectTcp("127.0.0.1", server.port))).toBeInstanceOf(Cancelled);
        });
      });
      // Whatever reached the server was closed from our side: each accepted socket ends.
      for (let waited = 0; waited < 2000; waited += 5) {
        if (server.sockets.every((socket) => socket.readableEnded || socket.destroyed)) break;
        await new Promise<void>((resolve) => setTimeout(resolve, 5));
      }
      expect(server.sockets.filter((socket) => !socket.readableEnded && !socket.destroyed)).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  structuredTest("connectUnix() waits for its connection as its checkpoint, and a failure gives a turn", async () => {
    if (process.platform === "win32") return;
    const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "anyio-ts-net-checkpoints-"));
    const path = nodePath.join(dir, "c.sock");
    const server = net.createServer((socket) => socket.on("error", () => {}));
    try {
      await new Promise<void>((resolve) => server.listen(path, resolve));
      const stream = await assertCheckpoints(() => connectUnix(path));
      await stream.aclose();
      let turned = false;
      setImmediate(() => {
        turned = true;
      });
      // A path too long for a socket address fails at once, reported from process.nextTick.
      const error = (await caught(connectUnix(nodePath.join(dir, "x".repeat(200))))) as NodeJS.ErrnoException;
      expect(error.code).toBeDefined();
      expect(turned).toBe(true);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

structuredDescribe("SocketListener.accept() is a checkpoint", () => {
  structuredTest("when it waits for a connection, and when one is already queued", async () => {
    const { listener, port } = await adoptedListener();
    try {
      const clients: net.Socket[] = [];
      const connect = () => {
        const client = net.connect({ host: "127.0.0.1", port });
        client.on("error", () => {});
        clients.push(client);
      };
      try {
        let accepted = await assertCheckpoints(() => {
          // The client connects only after the accept is waiting.
          setTimeout(connect, 1);
          return listener.accept();
        });
        await accepted.aclose();
        // Two connections arrive while nobody accepts; the second stays queued behind the first.
        connect();
        connect();
        accepted = await listener.accept();
        await accepted.aclose();
        accepted = await assertCheckpoints(() => listener.accept());
        await accepted.aclose();
        expect(clients).toHaveLength(3);
      } finally {
        for (const client of clients) client.destroy();
      }
    } finally {
      await listener.aclose();
    }
  });

  structuredTest("a UNIX listener's accept() that waits is a checkpoint too", async () => {
    if (process.platform === "win32") {
      await expect(createUnixListener("x")).rejects.toThrow();
      return;
    }
    const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "anyio-ts-net-checkpoints-"));
    try {
      const path = nodePath.join(dir, "s.sock");
      const listener = await createUnixListener(path);
      const client = net.connect({ path });
      client.on("error", () => {});
      try {
        const accepted = await assertCheckpoints(() => listener.accept());
        await accepted.aclose();
      } finally {
        client.destroy();
        await listener.aclose();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  structuredTest("an accept() in a cancelled scope raises Cancelled and takes no connection", async () => {
    const { listener, port } = await adoptedListener();
    const client = net.connect({ host: "127.0.0.1", port });
    client.on("error", () => {});
    try {
      let error: unknown;
      await new CancelScope().run(async (scope) => {
        scope.cancel();
        error = await caught(listener.accept());
      });
      expect(error).toBeInstanceOf(Cancelled);
      const accepted = await listener.accept();
      expect(accepted.extra).toBeDefined();
      await accepted.aclose();
    } finally {
      client.destroy();
      await listener.aclose();
    }
  });
});
