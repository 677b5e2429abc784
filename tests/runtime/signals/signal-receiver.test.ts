/**
 * openSignalReceiver() and SignalReceiver, with real signals: SIGUSR2 (and SIGWINCH, whose
 * default action is to do nothing) sent to this process with process.kill. Never SIGUSR1, which
 * is Node's inspector.
 */
import { runInThisContext } from "node:vm";
import {
  CancelScope,
  Cancelled,
  createTaskGroup,
  NoCurrentTaskError,
  NotSupportedError,
  openSignalReceiver,
  run,
  runWith,
  SignalReceiver,
  waitAllTasksBlocked,
} from "anyio-ts";
import { assertCheckpoints, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";

// Jest hands each test file a copy of `process` that never hears a signal: count the listeners of
// the real one, as openSignalReceiver installs them there.
const realProcess = runInThisContext("process") as NodeJS.Process;
const send = (signal: NodeJS.Signals) => void process.kill(process.pid, signal);
const listeners = (signal: NodeJS.Signals) => realProcess.listenerCount(signal);
/** One event-loop turn: run() removes its listeners one turn after the last run ended. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** The next signal of `receiver` (one step of its iteration). */
async function nextOf(receiver: SignalReceiver): Promise<IteratorResult<NodeJS.Signals>> {
  return receiver[Symbol.asyncIterator]().next();
}

describe("receiving", () => {
  structuredTest("a signal sent to the process is received", async () => {
    using receiver = openSignalReceiver("SIGUSR2");
    send("SIGUSR2");
    for await (const signal of receiver) {
      expect(signal).toBe("SIGUSR2");
      break;
    }
  });

  structuredTest("deliveries are queued in arrival order until received", async () => {
    using receiver = openSignalReceiver("SIGUSR2", "SIGWINCH");
    // A second receiver of the same signals tells when each one has arrived, so that the
    // operating system never merges two pending deliveries of one signal.
    using probe = openSignalReceiver("SIGUSR2", "SIGWINCH");
    for (const signal of ["SIGUSR2", "SIGWINCH", "SIGUSR2"] as const) {
      send(signal);
      expect((await nextOf(probe)).value).toBe(signal);
    }
    const received: string[] = [];
    for await (const signal of receiver) {
      received.push(signal);
      if (received.length === 3) break;
    }
    expect(received).toEqual(["SIGUSR2", "SIGWINCH", "SIGUSR2"]);
  });

  structuredTest("each step is a checkpoint, even with a signal already queued", async () => {
    using receiver = openSignalReceiver("SIGUSR2");
    using probe = openSignalReceiver("SIGUSR2");
    send("SIGUSR2");
    await nextOf(probe);
    const step = await assertCheckpoints(() => nextOf(receiver));
    expect(step).toEqual({ value: "SIGUSR2", done: false });
  });

  structuredTest("a cancelled consumer raises Cancelled and loses no signal", async () => {
    using receiver = openSignalReceiver("SIGUSR2");
    using probe = openSignalReceiver("SIGUSR2");
    send("SIGUSR2");
    await nextOf(probe);
    const scope = new CancelScope();
    let error: unknown;
    await scope.run(async () => {
      scope.cancel();
      error = await caught(nextOf(receiver));
    });
    expect(error).toBeInstanceOf(Cancelled);
    expect(await nextOf(receiver)).toEqual({ value: "SIGUSR2", done: false });
  });

  structuredTest("a consumer cancelled while it waits leaves the receiver working", async () => {
    using receiver = openSignalReceiver("SIGUSR2");
    using probe = openSignalReceiver("SIGUSR2");
    await createTaskGroup().run(async (tg) => {
      const scope = new CancelScope();
      tg.startSoon(() => scope.run(() => nextOf(receiver)));
      await waitAllTasksBlocked();
      scope.cancel();
    });
    send("SIGUSR2");
    await nextOf(probe);
    expect(await nextOf(receiver)).toEqual({ value: "SIGUSR2", done: false });
  });

  structuredTest("breaking out of for await leaves the receiver open", async () => {
    using receiver = openSignalReceiver("SIGUSR2");
    send("SIGUSR2");
    for await (const _ of receiver) break;
    expect(listeners("SIGUSR2")).toBe(1);
    send("SIGUSR2");
    for await (const signal of receiver) {
      expect(signal).toBe("SIGUSR2");
      break;
    }
  });

  structuredTest("other listeners of the signal keep receiving it", async () => {
    let heard = 0;
    const listener = () => void heard++;
    realProcess.on("SIGUSR2", listener);
    try {
      using receiver = openSignalReceiver("SIGUSR2");
      send("SIGUSR2");
      await nextOf(receiver);
      expect(heard).toBe(1);
    } finally {
      realProcess.removeListener("SIGUSR2", listener);
    }
  });
});

describe("closing", () => {
  test("close() removes the listeners once, and repeated signals share one listener per signal", () => {
    const before = listeners("SIGUSR2");
    const a = openSignalReceiver("SIGUSR2", "SIGUSR2", "SIGWINCH");
    const b = openSignalReceiver("SIGUSR2");
    expect(listeners("SIGUSR2")).toBe(before + 1);
    expect(listeners("SIGWINCH")).toBe(1);
    a.close();
    expect(listeners("SIGUSR2")).toBe(before + 1);
    expect(listeners("SIGWINCH")).toBe(0);
    b[Symbol.dispose]();
    b.close();
    expect(listeners("SIGUSR2")).toBe(before);
  });

  structuredTest("closing ends the iteration of a waiting consumer, and of any later one", async () => {
    const receiver = openSignalReceiver("SIGUSR2");
    const received: string[] = [];
    await createTaskGroup().run(async (tg) => {
      tg.startSoon(async () => {
        for await (const signal of receiver) received.push(signal);
        received.push("ended");
      });
      await waitAllTasksBlocked();
      receiver.close();
    });
    expect(received).toEqual(["ended"]);
    expect(await nextOf(receiver)).toEqual({ value: undefined, done: true });
  });
});

describe("what cannot be received", () => {
  test.each(["SIGKILL", "SIGSTOP"] as const)("%s is NotSupportedError", (signal) => {
    expect(() => openSignalReceiver(signal)).toThrow(NotSupportedError);
    expect(() => openSignalReceiver(signal)).toThrow(`openSignalReceiver() cannot receive ${signal}`);
  });

  test("a name that is not a signal is a TypeError, and nothing is installed", () => {
    const before = listeners("SIGUSR2");
    expect(() => openSignalReceiver("SIGUSR2", "SIGNOPE" as NodeJS.Signals)).toThrow(
      new TypeError('Expected `signals[1]` to be a signal name such as "SIGTERM", got `"SIGNOPE"` (string)'),
    );
    expect(listeners("SIGUSR2")).toBe(before);
  });

  test("iterating outside run() raises NoCurrentTaskError", async () => {
    using receiver = openSignalReceiver("SIGUSR2");
    expect(await caught(nextOf(receiver))).toBeInstanceOf(NoCurrentTaskError);
  });
});

describe("run() and SIGINT/SIGTERM", () => {
  test("run() listens for SIGINT and SIGTERM only while it runs (and one turn after), once for concurrent runs", async () => {
    await nextTurn();
    const base = [listeners("SIGINT"), listeners("SIGTERM")];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: number[][] = [];
    const first = run(async () => {
      seen.push([listeners("SIGINT"), listeners("SIGTERM")]);
      await gate;
    });
    await run(async () => void seen.push([listeners("SIGINT"), listeners("SIGTERM")]));
    release();
    await first;
    expect(seen).toEqual([
      [base[0] + 1, base[1] + 1],
      [base[0] + 1, base[1] + 1],
    ]);
    await nextTurn();
    expect([listeners("SIGINT"), listeners("SIGTERM")]).toEqual(base);
  });

  test("runs one after another keep one set of listeners, removed a turn after the last", async () => {
    await nextTurn();
    const base = listeners("SIGINT");
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) await run(async () => void counts.push(listeners("SIGINT")));
    counts.push(listeners("SIGINT"));
    await nextTurn();
    counts.push(listeners("SIGINT"));
    expect(counts).toEqual([base + 1, base + 1, base + 1, base + 1, base]);
  });

  test("runWith({ signals: false }) installs nothing", async () => {
    await nextTurn();
    const base = listeners("SIGINT");
    const inside = await runWith({ signals: false }, () => listeners("SIGINT"));
    expect(inside).toBe(base);
  });

  test("runWith checks the signals option", async () => {
    await expect(runWith({ signals: "no" } as never, () => 1)).rejects.toThrow(
      new TypeError('Expected `options.signals` to be a boolean, got `"no"` (string)'),
    );
  });

  test("a run that failed still removes its listeners", async () => {
    await nextTurn();
    const base = listeners("SIGTERM");
    await caught(
      run(async () => {
        throw new Error("boom");
      }),
    );
    await nextTurn();
    expect(listeners("SIGTERM")).toBe(base);
  });
});
