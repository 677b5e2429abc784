"use structured";
/**
 * Descriptor passing over UNIX stream sockets with the native addon (it must be built: `npx
 * node-gyp rebuild --nodedir=/usr`, which .ci/run does): between two tasks and to a forked
 * child, several descriptors at once, messages without descriptors, what a cancelled
 * receiveFds() leaves, checkpoints, argument errors, closing, and that no descriptor leaks
 * (/proc/self/fd counted before and after).
 */
import { fork, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import {
  BusyResourceError,
  CancelScope,
  ClosedResourceError,
  EndOfStream,
  NotSupportedError,
  SocketAttribute,
  UNIXSocketStream,
  connectUnix,
  createTaskGroup,
  createUnixListener,
  Event,
  getCancelledExcClass,
  type NativeSocket,
} from "anyio-ts";
import { assertCheckpoints, structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { bytes, text } from "./helpers";

let directory: string;
beforeAll(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-fds-"));
});
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

let counter = 0;
const socketPath = () => path.join(directory, `s${++counter}.sock`);

/** A temporary file holding `content`, opened for reading: its descriptor (closed by the caller). */
function fileWith(content: string): number {
  const file = path.join(directory, `f${++counter}.txt`);
  fs.writeFileSync(file, content);
  return fs.openSync(file, "r");
}

/** What a received descriptor's file holds (read from the start). */
function contentOf(fd: number): string {
  const buffer = Buffer.alloc(256);
  const n = fs.readSync(fd, buffer, 0, buffer.length, 0);
  return buffer.subarray(0, n).toString();
}

/** How many descriptors this process has open now. */
const openDescriptors = (): number => fs.readdirSync("/proc/self/fd").length;

/** Whether close-on-exec is set on `fd` (its fdinfo flags have O_CLOEXEC). */
function closeOnExec(fd: number): boolean {
  const flags = /flags:\s*(\d+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))![1]!;
  return (Number.parseInt(flags, 8) & 0o2000000) !== 0;
}

/** A connected pair: the client of connectUnix() and the listener's side. */
async function pair(): Promise<[UNIXSocketStream, UNIXSocketStream, () => Promise<void>]> {
  const listener = await createUnixListener(socketPath());
  const client = await connectUnix(listener.extra(SocketAttribute.localAddress) as string);
  const server = await listener.accept();
  return [
    client,
    server,
    async () => {
      await client.aclose();
      await server.aclose();
      await listener.aclose();
    },
  ];
}

structuredDescribe("descriptor passing with the native addon", () => {
  structuredTest("the addon is built here, and UNIX streams run on it (rawSocket is { fd })", async () => {
    const [client, server, close] = await pair();
    try {
      const raw = client.extra(SocketAttribute.rawSocket) as NativeSocket;
      // Fails when the addon was not built: run `npx node-gyp rebuild --nodedir=/usr` first.
      expect(typeof raw.fd).toBe("number");
      expect(raw.fd).toBeGreaterThan(2);
      expect(server.extra(SocketAttribute.family)).toBe("unix");
    } finally {
      await close();
    }
    expect((client.extra(SocketAttribute.rawSocket) as NativeSocket).fd).toBe(-1);
  });

  structuredTest("passes a temporary file's descriptor between two tasks", async () => {
    const before = openDescriptors();
    const [client, server, close] = await pair();
    const file = fileWith("the file's content");
    try {
      await client.sendFds(bytes("take this"), [file]);
      const [message, fds] = await server.receiveFds(100, 4);
      expect(text(message)).toBe("take this");
      expect(fds).toHaveLength(1);
      expect(fds[0]).not.toBe(file);
      expect(contentOf(fds[0]!)).toBe("the file's content");
      expect(closeOnExec(fds[0]!)).toBe(true);
      fs.closeSync(fds[0]!);
    } finally {
      fs.closeSync(file);
      await close();
    }
    expect(openDescriptors()).toBe(before);
  });

  structuredTest("passes several descriptors in one message, numbers and objects with an fd alike", async () => {
    const before = openDescriptors();
    const [client, server, close] = await pair();
    const first = fileWith("one");
    const second = fileWith("two");
    const handle = await fs.promises.open(path.join(directory, `f${++counter}.txt`), "w+");
    try {
      await handle.writeFile("three");
      await client.sendFds(bytes("three files"), [first, { fd: second }, handle]);
      const [message, fds] = await server.receiveFds(100, 8);
      expect(text(message)).toBe("three files");
      expect(fds.map(contentOf)).toEqual(["one", "two", "three"]);
      for (const fd of fds) fs.closeSync(fd);
    } finally {
      fs.closeSync(first);
      fs.closeSync(second);
      await handle.close();
      await close();
    }
    expect(openDescriptors()).toBe(before);
  });

  structuredTest("more descriptors than maxfds: the rest are closed by the kernel, none leaks", async () => {
    const before = openDescriptors();
    const [client, server, close] = await pair();
    const files = [fileWith("a"), fileWith("b"), fileWith("c")];
    try {
      await client.sendFds(bytes("x"), files);
      const [, fds] = await server.receiveFds(10, 1);
      expect(fds).toHaveLength(1);
      expect(contentOf(fds[0]!)).toBe("a");
      fs.closeSync(fds[0]!);
    } finally {
      for (const fd of files) fs.closeSync(fd);
      await close();
    }
    expect(openDescriptors()).toBe(before);
  });

  structuredTest("a message without descriptors arrives with an empty list, and bytes keep their order", async () => {
    const [client, server, close] = await pair();
    const file = fileWith("after");
    try {
      await client.send(bytes("plain"));
      await client.sendFds(bytes("!"), [file]);
      const [message, fds] = await server.receiveFds(5, 2);
      expect(text(message)).toBe("plain");
      expect(fds).toEqual([]);
      const [next, passed] = await server.receiveFds(5, 2);
      expect(text(next)).toBe("!");
      expect(passed.map(contentOf)).toEqual(["after"]);
      for (const fd of passed) fs.closeSync(fd);
    } finally {
      fs.closeSync(file);
      await close();
    }
  });

  structuredTest("a plain receive() takes the bytes and the kernel discards the descriptors with them", async () => {
    const before = openDescriptors();
    const [client, server, close] = await pair();
    const file = fileWith("dropped");
    try {
      await client.sendFds(bytes("data"), [file]);
      expect(text(await server.receive(100))).toBe("data");
      await client.send(bytes("more"));
      const [message, fds] = await server.receiveFds(100, 2);
      expect([text(message), fds]).toEqual(["more", []]);
    } finally {
      fs.closeSync(file);
      await close();
    }
    expect(openDescriptors()).toBe(before);
  });

  structuredTest("descriptors a cancelled receiveFds() was waiting for are not lost", async () => {
    const before = openDescriptors();
    const [client, server, close] = await pair();
    const file = fileWith("kept");
    let outcome: unknown = "not finished";
    try {
      const waiting = new Event();
      const scope = new CancelScope();
      {
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          await scope.run(async () => {
            waiting.set();
            try {
              outcome = await server.receiveFds(100, 4);
            } catch (error) {
              outcome = error;
              throw error;
            }
          });
        });
        await waiting.wait();
        scope.cancel();
        // Sent right after the cancellation: the cancelled call must not take it.
        await client.sendFds(bytes("for the next one"), [file]);
      }
    } finally {
      fs.closeSync(file);
    }
    expect(outcome).toBeInstanceOf(getCancelledExcClass());
    try {
      const [message, fds] = await server.receiveFds(100, 4);
      expect(text(message)).toBe("for the next one");
      expect(fds.map(contentOf)).toEqual(["kept"]);
      for (const fd of fds) fs.closeSync(fd);
    } finally {
      await close();
    }
    expect(openDescriptors()).toBe(before);
  });

  structuredTest("both calls are checkpoints: in a cancelled scope nothing is sent or received", async () => {
    const [client, server, close] = await pair();
    const file = fileWith("never");
    try {
      await new CancelScope().run(async (scope) => {
        scope.cancel();
        const send = await caught(client.sendFds(bytes("no"), [file]));
        expect(send).toBeInstanceOf(getCancelledExcClass());
        const receive = await caught(server.receiveFds(10, 1));
        expect(receive).toBeInstanceOf(getCancelledExcClass());
      });
      await client.send(bytes("yes"));
      const [message, fds] = await server.receiveFds(10, 1);
      expect([text(message), fds]).toEqual(["yes", []]);
    } finally {
      fs.closeSync(file);
      await close();
    }
  });

  structuredTest("the peer's end is EndOfStream", async () => {
    const [client, server, close] = await pair();
    try {
      await client.sendEof();
      const error = await caught(server.receiveFds(10, 1));
      expect(error).toBeInstanceOf(EndOfStream);
    } finally {
      await close();
    }
  });

  structuredTest("arguments are checked before the checkpoint, in the runtime's template", async () => {
    const [client, server, close] = await pair();
    try {
      const cases: Array<[Promise<unknown>, ErrorConstructor, string]> = [
        [server.receiveFds(-1, 1), RangeError, "Expected `msglen` to be a non-negative integer, got `-1` (number)"],
        [
          server.receiveFds("1" as never, 1),
          TypeError,
          'Expected `msglen` to be a non-negative integer, got `"1"` (string)',
        ],
        [server.receiveFds(1, 0), RangeError, "Expected `maxfds` to be a positive integer, got `0` (number)"],
        [server.receiveFds(1, 1.5), RangeError, "Expected `maxfds` to be a positive integer, got `1.5` (number)"],
        [
          client.sendFds(new Uint8Array(0), [0]),
          RangeError,
          "Expected `message` to be a non-empty Uint8Array, got an empty one",
        ],
        [client.sendFds(bytes("x"), []), RangeError, "Expected `fds` to hold at least one descriptor, got none"],
        [client.sendFds("x" as never, [0]), TypeError, 'Expected `message` to be a Uint8Array, got `"x"` (string)'],
        [client.sendFds(bytes("x"), [-1]), RangeError, "got an element `-1` (number)"],
        [client.sendFds(bytes("x"), 3 as never), TypeError, "got `3` (number)"],
      ];
      for (const [call, kind, message] of cases) {
        const error = await caught(call);
        expect(error).toBeInstanceOf(kind);
        expect((error as Error).message).toContain(message);
      }
    } finally {
      await close();
    }
  });

  structuredTest("a descriptor the kernel refuses fails that send with EBADF, and the stream goes on", async () => {
    const [client, server, close] = await pair();
    try {
      const error = await caught(client.sendFds(bytes("x"), [999_999]));
      expect((error as NodeJS.ErrnoException).code).toBe("EBADF");
      await client.send(bytes("still fine"));
      expect(text(await server.receive())).toBe("still fine");
    } finally {
      await close();
    }
  });

  structuredTest("a second receiver is BusyResourceError, and aclose() wakes a waiting one", async () => {
    const [client, server, close] = await pair();
    let outcome: unknown;
    try {
      const waiting = new Event();
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        const call = server.receiveFds(10, 1);
        waiting.set();
        outcome = await caught(call);
      });
      await waiting.wait();
      const busy = await caught(server.receiveFds(10, 1));
      expect(busy).toBeInstanceOf(BusyResourceError);
      expect((busy as Error).message).toBe("Another task is already reading from this resource");
      expect(await caught(server.receive())).toBeInstanceOf(BusyResourceError);
      await server.aclose();
    } finally {
      await close();
    }
    expect(outcome).toBeInstanceOf(ClosedResourceError);
    expect(await caught(server.receiveFds(10, 1))).toBeInstanceOf(ClosedResourceError);
    expect(await caught(client.sendFds(bytes("x"), [0]))).toBeInstanceOf(ClosedResourceError);
  });

  structuredTest("a forked child process receives a descriptor and reads the file", async () => {
    const before = openDescriptors();
    const where = socketPath();
    await using listener = await createUnixListener(where);
    const child = fork(path.join(__dirname, "../../fixtures/net/receive-fd.cjs"), [where], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const reply = new Promise<Record<string, unknown>>((resolve) => child.once("message", resolve as never));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const file = fileWith("read by the child");
    try {
      await using stream = await listener.accept();
      await stream.sendFds(bytes("for the child"), [file]);
      expect(await reply).toEqual({ message: "for the child", content: "read by the child", fds: 1, cloexec: true });
      expect(await exited).toBe(0);
    } finally {
      fs.closeSync(file);
      child.kill();
    }
    await listener.aclose();
    expect(openDescriptors()).toBe(before);
  });

  structuredTest("a native socket that was never closed is closed when it is garbage collected", async () => {
    const result = spawnSync(
      process.execPath,
      ["--expose-gc", path.join(__dirname, "../../fixtures/net/finalizer.cjs")],
      {
        encoding: "utf8",
      },
    );
    expect(result.status).toBe(0);
    const { before, opened, after, open } = JSON.parse(result.stdout) as Record<string, number>;
    expect(opened).toBe(before! + 10);
    expect([after, open]).toEqual([before, 0]);
  });

  structuredTest(
    "ancillary data other than SCM_RIGHTS is an error naming it, and what came with it is closed",
    async () => {
      const before = openDescriptors();
      const [client, server, close] = await pair();
      const file = fileWith("refused");
      try {
        // SO_PASSCRED on the receiving socket makes the kernel add SCM_CREDENTIALS to every message.
        // Socket options belong to the socket, so a child that inherits the descriptor can set it:
        // python3 is there wherever the addon can be built (node-gyp needs it).
        const fd = (server.extra(SocketAttribute.rawSocket) as NativeSocket).fd;
        const setter = spawnSync(
          "python3",
          ["-c", "import socket; socket.socket(fileno=3).setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)"],
          { stdio: ["ignore", "inherit", "inherit", fd] },
        );
        expect(setter.status).toBe(0);
        await client.sendFds(bytes("with credentials"), [file]);
        const error = await caught(server.receiveFds(100, 4));
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).toMatch(
          /^Received unexpected ancillary data \(SCM_CREDENTIALS: cmsg_level 1, cmsg_type 2\)/,
        );
      } finally {
        fs.closeSync(file);
        await close();
      }
      expect(openDescriptors()).toBe(before);
    },
  );

  structuredTest(
    "a worker thread that ends with native sockets open releases them, and its teardown is clean",
    async () => {
      const result = spawnSync(process.execPath, [path.join(__dirname, "../../fixtures/net/worker-teardown.cjs")], {
        encoding: "utf8",
      });
      expect([result.signal, result.status]).toEqual([null, 0]);
      expect(JSON.parse(result.stdout)).toEqual({ open: 4, leftOver: 0 });
    },
  );

  structuredTest("works with a peer that uses plain sendmsg()/recvmsg() (a Python process)", async () => {
    const before = openDescriptors();
    const where = socketPath();
    await using listener = await createUnixListener(where);
    const [one, two] = [path.join(directory, `p${++counter}`), path.join(directory, `p${++counter}`)];
    // python3 is there wherever the addon can be built (node-gyp needs it).
    const peer = spawn("python3", [path.join(__dirname, "../../fixtures/net/fd-peer.py"), where, one, two], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    peer.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => peer.once("exit", resolve));
    const first = fileWith("Hello, ");
    const second = fileWith("World!");
    try {
      await using stream = await listener.accept();
      await stream.sendFds(bytes("test"), [first, second]);
      const [message, fds] = await stream.receiveFds(10, 2);
      expect(text(message)).toBe("test");
      expect(fds.map(contentOf).join("")).toBe("Hello, World!");
      for (const fd of fds) fs.closeSync(fd);
      expect(await exited).toBe(0);
      expect(output).toBe("test|Hello, World!\n");
    } finally {
      fs.closeSync(first);
      fs.closeSync(second);
      peer.kill();
    }
    await listener.aclose();
    expect(openDescriptors()).toBe(before);
  });

  structuredTest("sendFds() and receiveFds() are checkpoints, waiting or not", async () => {
    const [client, server, close] = await pair();
    const file = fileWith("checkpoint");
    try {
      await assertCheckpoints(() => client.sendFds(bytes("1"), [file]));
      // The message is in the kernel already: receiveFds() still gives others a turn.
      const [, fds] = await assertCheckpoints(() => server.receiveFds(10, 1));
      for (const fd of fds) fs.closeSync(fd);
      // Nothing there: it waits, and the wait is its checkpoint.
      let received: [Uint8Array, number[]] | undefined;
      {
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          received = await assertCheckpoints(() => server.receiveFds(10, 1));
        });
        await client.send(bytes("2"));
      }
      expect(text(received![0])).toBe("2");
    } finally {
      fs.closeSync(file);
      await close();
    }
  });

  structuredTest(
    "a stream made from a net.Socket stays on node:net, and its sendFds() says why it cannot",
    async () => {
      const where = socketPath();
      await using listener = await createUnixListener(where);
      const socket = net.connect(where);
      await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
      await using stream = await UNIXSocketStream.fromSocket(socket);
      await using _server = await listener.accept();
      expect(stream.extra(SocketAttribute.rawSocket)).toBe(socket);
      const error = await caught(stream.sendFds(bytes("x"), [0]));
      expect(error).toBeInstanceOf(NotSupportedError);
      expect((error as Error).message).toBe(
        "UNIXSocketStream.sendFds() works only on streams run by the native addon anyio-ts-native: this one was " +
          "made from a net.Socket (use connectUnix(), createUnixListener() or UNIXSocketStream.fromSocket(fd))",
      );
    },
  );
});
