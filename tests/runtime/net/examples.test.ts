"use structured";
/**
 * The networking examples (examples/echo-server.ts, examples/chat-server.ts) started on a free
 * port, talked to with raw node:net sockets, and cancelled: they answer, and the leak check finds
 * nothing of theirs left open.
 */
import * as net from "node:net";
import { createTaskGroup, Event } from "anyio-ts";
import { structuredTest } from "anyio-ts/jest";
import { echoServer } from "../../../examples/echo-server";
import { chatServer } from "../../../examples/chat-server";

/** A raw client that hands out what it receives line by line, and its end. */
async function lineClient(port: number) {
  const socket = net.connect({ host: "127.0.0.1", port });
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  socket.setEncoding("utf8");
  let buffered = "";
  const lines: string[] = [];
  let notify: (() => void) | undefined;
  socket.on("data", (text: string) => {
    buffered += text;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      lines.push(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
    }
    notify?.();
  });
  const ended = new Promise<void>((resolve) => socket.once("end", resolve));
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("end", () => notify?.());
  return {
    socket,
    ended,
    closed,
    /** The next line, or undefined once the server ended the connection. */
    async nextLine(): Promise<string | undefined> {
      while (lines.length === 0 && !socket.readableEnded) await new Promise<void>((resolve) => (notify = resolve));
      return lines.shift();
    },
    send(text: string) {
      socket.write(text);
    },
    async close() {
      socket.end();
      await closed;
    },
  };
}

async function startServer(tg: ReturnType<typeof createTaskGroup>, server: typeof echoServer): Promise<number> {
  const listening = new Event();
  let port = 0;
  tg.startSoon(() =>
    server({
      port: 0,
      onListening: (p) => {
        port = p;
        listening.set();
      },
    }),
  );
  await listening.wait();
  return port;
}

structuredTest(
  "the echo server example echoes each client byte for byte, answers a half-close with its end, and stops when cancelled",
  async () => {
    let b: Awaited<ReturnType<typeof lineClient>>;
    {
      await using tg = createTaskGroup();
      const port = await startServer(tg, echoServer);
      const a = await lineClient(port);
      b = await lineClient(port);
      a.send("one\n");
      b.send("two\n");
      expect(await a.nextLine()).toBe("one");
      expect(await b.nextLine()).toBe("two");
      // A half-closed client still gets its echo, then the server's end.
      a.send("last\n");
      a.socket.end();
      expect(await a.nextLine()).toBe("last");
      await a.ended;
      await a.closed;
      tg.cancelScope.cancel();
    }
    // The server was cancelled with a connection open: it closed it.
    await b.ended;
    await b.closed;
    expect(await b.nextLine()).toBeUndefined();
  },
  { timeout: 30_000 },
);

structuredTest(
  "the chat server example passes each line to every other client, removes a client that leaves, and disconnects everyone when cancelled",
  async () => {
    let bob: Awaited<ReturnType<typeof lineClient>>;
    let carol: Awaited<ReturnType<typeof lineClient>>;
    {
      await using tg = createTaskGroup();
      const port = await startServer(tg, chatServer);
      const alice = await lineClient(port);
      expect(await alice.nextLine()).toMatch(/^welcome, .*; 0 others here$/);
      bob = await lineClient(port);
      expect(await bob.nextLine()).toMatch(/^welcome, .*; 1 others here$/);
      expect(await alice.nextLine()).toMatch(/^\* .* joined$/);

      alice.send("hello, bob\r\n");
      expect(await bob.nextLine()).toMatch(/^<.*> hello, bob$/);
      bob.send("hi, alice\n");
      expect(await alice.nextLine()).toMatch(/^<.*> hi, alice$/);

      // Alice leaves: Bob is told, and a newcomer finds only Bob.
      await alice.close();
      expect(await bob.nextLine()).toMatch(/^\* .* left$/);
      carol = await lineClient(port);
      expect(await carol.nextLine()).toMatch(/^welcome, .*; 1 others here$/);
      expect(await bob.nextLine()).toMatch(/^\* .* joined$/);
      tg.cancelScope.cancel();
    }
    // The server was cancelled with two clients connected: it disconnected both.
    await Promise.all([bob.ended, carol.ended, bob.closed, carol.closed]);
    expect(await bob.nextLine()).toBeUndefined();
    expect(await carol.nextLine()).toBeUndefined();
  },
  { timeout: 30_000 },
);
