"use structured";
// A small chat server: connect with `nc` or `telnet`, type lines, and every other client sees
// them. Structured code throughout:
//
// - each client is a task of serve()'s group, with a task group of its own: one task reads the
//   client's lines, the other writes the lines meant for it from its outbox (a memory object
//   stream), so a slow client never holds up the others;
// - a client whose outbox is full (it stopped reading) is disconnected rather than let the
//   server's memory grow; a client that leaves is removed from the room;
// - Ctrl+C (or cancelling the server's scope) ends every client's tasks and closes every
//   connection, then the listener.
//
//   npm run example -- examples/chat-server.ts     listens on 127.0.0.1:7001 (PORT=... for another)
//   nc 127.0.0.1 7001                               in two or more terminals
import {
  BufferedByteReceiveStream,
  CancelScope,
  DelimiterNotFound,
  IncompleteRead,
  SocketAttribute,
  WouldBlock,
  BrokenResourceError,
  createMemoryObjectStream,
  createTaskGroup,
  createTcpListener,
  run,
  type MemoryObjectSendStream,
  type SocketStream,
} from "anyio-ts";
import type { ServerOptions } from "./echo-server";

/** The longest line a client may send, in bytes. */
const MAX_LINE = 4096;
/** Lines waiting for one client before it counts as gone. */
const OUTBOX_SIZE = 100;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NEWLINE = encoder.encode("\n");

/** One connected client, as the others see it. */
interface Member {
  name: string;
  outbox: MemoryObjectSendStream<string>;
  /** Disconnects the client (its task group's scope). */
  kick(): void;
}

/** The clients connected now. */
class Room {
  readonly members = new Set<Member>();

  /** Queues `line` for every member but `from`; a member whose outbox is full is disconnected. */
  broadcast(line: string, from?: Member): void {
    for (const member of this.members) {
      if (member === from) continue;
      try {
        member.outbox.sendNowait(line);
      } catch (error) {
        // Its writer has already ended (the client went away): the member is leaving anyway.
        if (error instanceof BrokenResourceError) continue;
        if (!(error instanceof WouldBlock)) throw error;
        member.kick();
      }
    }
  }
}

async function chat(stream: SocketStream, room: Room): Promise<void> {
  await using _ = stream; // the handler owns the connection
  const [address, port] = stream.extra(SocketAttribute.remoteAddress) as [string, number];
  const [outbox, inbox] = createMemoryObjectStream<string>(OUTBOX_SIZE);
  await using tg = createTaskGroup();
  const me: Member = { name: `${address}:${port}`, outbox, kick: () => tg.cancelScope.cancel() };

  // Writes this client's lines. It ends when the outbox is closed or the group is cancelled.
  tg.startSoon(async () => {
    using _inbox = inbox;
    for await (const line of inbox) await stream.send(encoder.encode(line));
  });

  room.members.add(me);
  try {
    outbox.sendNowait(`welcome, ${me.name}; ${room.members.size - 1} others here\n`);
    room.broadcast(`* ${me.name} joined\n`, me);
    const lines = new BufferedByteReceiveStream(stream);
    for (;;) {
      let line: string;
      try {
        line = decoder.decode(await lines.receiveUntil(NEWLINE, MAX_LINE)).replace(/\r$/, "");
      } catch (error) {
        // The client left (IncompleteRead: it ended mid-line or between lines) or sent garbage.
        if (error instanceof IncompleteRead || error instanceof DelimiterNotFound) break;
        throw error;
      }
      room.broadcast(`<${me.name}> ${line}\n`, me);
    }
  } finally {
    room.members.delete(me);
    room.broadcast(`* ${me.name} left\n`);
    tg.cancelScope.cancel(); // the writer's client has gone too
    outbox.close();
  }
}

/** Serves the chat room until cancelled. This is a checkpoint. */
export async function chatServer({ host = "127.0.0.1", port = 0, onListening }: ServerOptions = {}): Promise<void> {
  const room = new Room();
  await using listener = await createTcpListener({ localHost: host, localPort: port });
  onListening?.(listener.extra(SocketAttribute.localPort));
  await listener.serve((stream) => chat(stream, room));
}

if (require.main === module) {
  run(async () => {
    const scope = new CancelScope();
    const stop = () => scope.cancel();
    process.on("SIGINT", stop).on("SIGTERM", stop);
    try {
      await scope.run(() =>
        chatServer({
          port: Number(process.env.PORT ?? 7001),
          onListening: (port) =>
            console.log(`chat server on 127.0.0.1:${port}; connect with \`nc 127.0.0.1 ${port}\`, Ctrl+C stops it`),
        }),
      );
      console.log("\nstopped: every client was disconnected and the listener closed");
    } finally {
      process.off("SIGINT", stop).off("SIGTERM", stop);
    }
  }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
