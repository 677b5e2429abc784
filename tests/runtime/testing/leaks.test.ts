/**
 * Leak detection of structuredTest: tasks, timers, sockets, listeners, file handles and child
 * processes a test leaves running make it fail with a ResourceLeakError naming each one and
 * where it was created; what the test closed in time, and what existed before it, never does.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as dgram from "node:dgram";
import { once } from "node:events";
import * as fsp from "node:fs/promises";
import * as net from "node:net";
import * as path from "node:path";
import { createTaskGroup, sleep, sleepForever } from "anyio-ts";
import { currentFrame, enterTaskGroup } from "anyio-ts/rt";
import { ResourceLeakError, structuredTest, type LeakedResource } from "anyio-ts/jest";
import { failureOf, register } from "./capture";

const THIS_FILE = path.basename(__filename);

/** Runs the body as a structured test and returns the leaks it failed with. */
async function leaksOf(
  fn: () => unknown,
  options?: Parameters<typeof register>[2],
): Promise<readonly LeakedResource[]> {
  const error = await failureOf(register("leaky", fn, options));
  expect(error).toBeInstanceOf(ResourceLeakError);
  return (error as ResourceLeakError).leaks;
}

/** Resolves once the server listens, with its port. */
async function listening(server: net.Server): Promise<number> {
  await once(server, "listening");
  return (server.address() as net.AddressInfo).port;
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe("timers", () => {
  test("a pending setTimeout fails the test with its callback, delay and creation site", async () => {
    let fired = false;
    const error = await failureOf(
      register("leaves a timer", () => {
        setTimeout(function leakyTick() {
          fired = true;
        }, 400);
      }),
    );
    expect(error).toBeInstanceOf(ResourceLeakError);
    const { leaks, message, stack } = error as ResourceLeakError;
    expect(error).toHaveProperty("name", "ResourceLeakError");
    expect(leaks).toEqual([
      {
        kind: "timer",
        type: "Timeout",
        description: "setTimeout(leakyTick, 400 ms)",
        createdAt: expect.stringContaining(`${THIS_FILE}:`),
      },
    ]);
    expect(message).toMatch(
      /^test "leaves a timer" left 1 thing running after it ended:\n {2}- setTimeout\(leakyTick, 400 ms\), created at /,
    );
    expect(stack).toContain(THIS_FILE);
    // Cleared when reported, so it cannot fire during a later test.
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(fired).toBe(false);
  });

  test("a setInterval is named as one, and unref'd timers are reported too", async () => {
    const leaks = await leaksOf(() => {
      setInterval(function poll() {}, 1000);
      setTimeout(() => {}, 5000).unref();
    });
    expect(leaks.map((leak) => leak.description)).toEqual([
      "setInterval(poll, 1000 ms)",
      "setTimeout(<anonymous>, 5000 ms, unref'd)",
    ]);
  });

  test("among thousands of timers that ended, the one left running is still found", async () => {
    const leaks = await leaksOf(() => {
      for (let i = 0; i < 2500; i++) clearTimeout(setTimeout(() => {}, 1000));
      setTimeout(function theOneLeft() {}, 1000);
    });
    expect(leaks.map((leak) => leak.description)).toEqual(["setTimeout(theOneLeft, 1000 ms)"]);
  });

  test("timers that fired or were cleared before the end are not leaks", async () => {
    await register("tidy timers", async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      clearTimeout(setTimeout(() => {}, 10_000));
      const interval = setInterval(() => {}, 1000);
      clearInterval(interval);
    }).body();
  });

  test("a timer created before the test started is not the test's", async () => {
    const before = setTimeout(() => {}, 10_000);
    try {
      await register("sees nothing of the outside", () => {}).body();
    } finally {
      clearTimeout(before);
    }
  });

  test("the runtime's own timers (sleeps, deadlines, a mock clock's watchdog) are never reported", async () => {
    await register("sleeps", () => sleep(5)).body();
    await register("sleeps on a mock clock", () => sleep(60_000), { clock: "autojump", timeout: 1000 }).body();
  });

  test("checkLeaks: false turns the check off", async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await register("allowed to leak", () => void (timer = setTimeout(() => {}, 10_000)), {
        checkLeaks: false,
      }).body();
    } finally {
      clearTimeout(timer);
    }
  });

  test("a failing test fails with its own error, and its leaked timers are still cleared", async () => {
    let fired = false;
    const error = await failureOf(
      register("fails and leaks", () => {
        setTimeout(() => (fired = true), 400);
        throw new RangeError("the real problem");
      }),
    );
    expect(error).toEqual(new RangeError("the real problem"));
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(fired).toBe(false);
  });
});

describe("tasks", () => {
  test("a task still running when the body returns is named, then cancelled so the run can end", async () => {
    let cleanedUp = false;
    const leaks = await leaksOf(() => {
      // A task group entered through the hooks and never exited: the only way a task can outlive
      // the body (a library bug this check is there to catch).
      const tg = createTaskGroup();
      enterTaskGroup(currentFrame()!, tg);
      tg.startSoon({ name: "forgotten poller" }, async () => {
        try {
          await sleepForever();
        } finally {
          cleanedUp = true;
        }
      });
    });
    expect(leaks).toEqual([
      {
        kind: "task",
        type: "Task",
        description: expect.stringMatching(/^task 'forgotten poller' \(id \d+\)$/),
        createdAt: undefined,
      },
    ]);
    expect(cleanedUp).toBe(true);
  });

  test("tasks of task groups that exited are not leaks", async () => {
    await register("tidy tasks", () =>
      createTaskGroup().run((tg) => {
        tg.startSoon(() => sleep(1));
        tg.startSoon(() => sleep(2));
      }),
    ).body();
  });
});

describe("sockets and listeners", () => {
  test("a TCP listener left open is named with its address", async () => {
    let server: net.Server | undefined;
    try {
      const leaks = await leaksOf(async () => {
        server = net.createServer().listen(0, "127.0.0.1");
        await listening(server);
      });
      const port = (server!.address() as net.AddressInfo).port;
      expect(leaks).toEqual([
        {
          kind: "listener",
          type: "TCPSERVERWRAP",
          description: `TCP listener on 127.0.0.1:${port}`,
          createdAt: expect.stringContaining(THIS_FILE),
        },
      ]);
    } finally {
      if (server) await closeServer(server);
    }
  });

  test("a TCP connection left open is named with both ends", async () => {
    const server = net.createServer();
    const accepted: net.Socket[] = [];
    server.on("connection", (socket) => accepted.push(socket));
    server.listen(0, "127.0.0.1");
    const port = await listening(server);
    let client: net.Socket | undefined;
    try {
      const leaks = await leaksOf(async () => {
        client = net.connect(port, "127.0.0.1");
        await once(client, "connect");
      });
      // The server's end of the connection may be listed too: it was accepted during the test.
      expect(leaks).toContainEqual({
        kind: "socket",
        type: "TCPWRAP",
        description: `TCP socket 127.0.0.1:${client!.localPort} -> 127.0.0.1:${port}`,
        createdAt: expect.stringContaining(THIS_FILE),
      });
      expect(leaks.every((leak) => leak.type === "TCPWRAP")).toBe(true);
    } finally {
      client?.destroy();
      for (const socket of accepted) socket.destroy();
      await closeServer(server);
    }
  });

  test("a UDP socket left bound is a leak", async () => {
    let socket: dgram.Socket | undefined;
    try {
      const leaks = await leaksOf(async () => {
        socket = dgram.createSocket("udp4");
        await new Promise<void>((resolve) => socket!.bind(0, "127.0.0.1", resolve));
      });
      expect(leaks).toEqual([
        {
          kind: "socket",
          type: "UDPWRAP",
          description: `UDP socket 127.0.0.1:${socket!.address().port}`,
          createdAt: expect.any(String),
        },
      ]);
    } finally {
      socket?.close();
    }
  });

  test("a server and a connection closed before the end are not leaks", async () => {
    await register("tidy sockets", async () => {
      const server = net.createServer((socket) => socket.end());
      server.listen(0, "127.0.0.1");
      const port = await listening(server);
      const client = net.connect(port, "127.0.0.1");
      client.resume();
      await once(client, "close");
      await closeServer(server);
    }).body();
  });
});

describe("child processes and files", () => {
  const sleeper = [process.execPath, "-e", "setTimeout(() => {}, 10000)"];

  test("a child process not waited for is named with its pid and command, its pipes with it", async () => {
    let child: ChildProcess | undefined;
    try {
      const leaks = await leaksOf(() => {
        child = spawn(sleeper[0], sleeper.slice(1));
      });
      expect(leaks).toEqual([
        {
          kind: "process",
          type: "PROCESSWRAP",
          description: `child process ${child!.pid} (${sleeper.join(" ")})`,
          createdAt: expect.stringContaining(THIS_FILE),
        },
      ]);
    } finally {
      child?.kill();
    }
  });

  test("a child process waited for is not a leak", async () => {
    await register("waits for its child", async () => {
      const child = spawn(process.execPath, ["-e", "process.stdout.write('hi')"]);
      child.stdout.resume();
      await once(child, "close");
    }).body();
  });

  test("an open file handle is a leak; a closed one is not", async () => {
    let handle: fsp.FileHandle | undefined;
    try {
      const leaks = await leaksOf(async () => {
        handle = await fsp.open(__filename);
        const closed = await fsp.open(__filename);
        await closed.close();
      });
      expect(leaks).toEqual([
        // Node creates the handle outside any async context when the open completes: no creation site.
        { kind: "file", type: "FILEHANDLE", description: `file handle (fd ${handle!.fd})`, createdAt: undefined },
      ]);
    } finally {
      await handle?.close();
    }
  });
});

describe("what Jest does during a test", () => {
  test("expectations, mocks and spies are not reported", async () => {
    const info = jest.spyOn(console, "info").mockImplementation(() => {});
    try {
      await register("uses Jest", () => {
        const callback = jest.fn();
        callback(1);
        console.info("silenced");
        expect(callback).toHaveBeenCalledWith(1);
        expect(info).toHaveBeenCalledWith("silenced");
      }).body();
    } finally {
      info.mockRestore();
    }
  });
});

// And the real thing, registered with Jest: nothing here is left running.
structuredTest("a structured test that closes what it opens passes", async () => {
  const server = net.createServer().listen(0, "127.0.0.1");
  await listening(server);
  await sleep(1);
  await closeServer(server);
});
