// The leak check of anyio-ts/jest and worker threads: a worker a test leaves running fails the
// test, one that was terminated does not, and toThread's workers never do (they end with the run).
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { toThread } from "anyio-ts";
import { ResourceLeakError } from "anyio-ts/jest";
import { failureOf, register } from "../testing/capture";
import { basic } from "./thread-helpers";

const IDLE_WORKER = "setInterval(() => {}, 1000)";

describe("worker threads in the leak check", () => {
  test("a worker thread still alive after the test fails it, named with its thread id", async () => {
    let worker: Worker | undefined;
    const error = await failureOf(
      register("leaves a worker", async () => {
        worker = new Worker(IDLE_WORKER, { eval: true });
        await once(worker, "online");
      }),
    );
    try {
      expect(error).toBeInstanceOf(ResourceLeakError);
      const leaks = (error as ResourceLeakError).leaks;
      expect(leaks.map((leak) => [leak.kind, leak.description])).toEqual([
        ["worker", `worker thread ${worker!.threadId}`],
      ]);
    } finally {
      await worker?.terminate();
    }
  });

  test("a worker thread terminated before the test ends is not a leak", async () => {
    await register("terminates its worker", async () => {
      const worker = new Worker(IDLE_WORKER, { eval: true });
      await once(worker, "online");
      await worker.terminate();
    }).body();
  });

  test("toThread's workers end with the test's run, so they are never leaks", async () => {
    await register("uses toThread", async () => {
      expect(await toThread.runSync(basic("add"), 1, 2)).toBe(3);
    }).body();
  });
});
