"use structured";
// runWith({ dumpOnSignal }): a running program prints its task tree to stderr when it gets the
// signal, and goes on running; the listener is gone once the run has ended.
import { Event, createTaskGroup, runWith, waitAllTasksBlocked } from "anyio-ts";
import { readFileSync } from "node:fs";
import { runInThisContext } from "node:vm";
import { caught } from "../../helpers";

/** The process object that hears signals (Jest hands the test a sandboxed copy). */
function realProcess(): NodeJS.Process {
  return runInThisContext("process") as NodeJS.Process;
}

async function parked(event: Event): Promise<void> {
  await event.wait();
}

/** Resolves once `write` was called with a chunk containing `text`. */
function written(write: jest.SpyInstance, text: string): Promise<string> {
  return new Promise((resolve) => {
    const check = (): void => {
      const chunk = write.mock.calls.map((call) => String(call[0])).find((c) => c.includes(text));
      if (chunk !== undefined) resolve(chunk);
      else setTimeout(check, 1);
    };
    check();
  });
}

describe("runWith({ dumpOnSignal })", () => {
  test("prints the task tree to stderr on the signal while the run goes on", async () => {
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const release = new Event();
      let dump = "";
      await runWith({ dumpOnSignal: "SIGUSR2", signals: false }, async () => {
        await using tg = createTaskGroup();
        tg.startSoon(parked, release);
        await waitAllTasksBlocked();
        expect(realProcess().listenerCount("SIGUSR2")).toBe(1);
        process.kill(process.pid, "SIGUSR2");
        dump = await written(write, "Task tree at");
        release.set();
      });
      expect(dump).toMatch(/^Task tree at [\d.]+ ms: 2 live tasks\n/);
      expect(dump).toContain("task #");
      const line = readFileSync(__filename, "utf8").split("\n").indexOf("  await event.wait();") + 1;
      expect(dump).toContain(
        `at parked (tests/runtime/introspection/dump-on-signal.test.ts:${line}:3) waiting for <Event unset waiting=1>`,
      );
      expect(realProcess().listenerCount("SIGUSR2")).toBe(0);
    } finally {
      write.mockRestore();
    }
  });

  test.each([
    ["SIGINT", RangeError],
    ["SIGTERM", RangeError],
    ["SIGKILL", RangeError],
    ["SIGUSR1", RangeError],
    ["usr2", TypeError],
    [2, TypeError],
  ])("rejects %p with a %p before running anything", async (signal, type) => {
    let ran = false;
    const error = await caught(
      runWith({ dumpOnSignal: signal as string }, () => {
        ran = true;
      }),
    );
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(/^Expected `options.dumpOnSignal` to be /);
    expect(ran).toBe(false);
  });
});
