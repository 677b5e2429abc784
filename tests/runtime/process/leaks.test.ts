// The anyio-ts/jest leak check and processes: a Process opened and never closed fails the test,
// named with its pid; one closed with aclose(), and the worker processes of toProcess.runSync()
// (reaped when the test's run ends), do not.
import { openProcess, toProcess, workerFunction, type Process } from "anyio-ts";
import { ResourceLeakError } from "anyio-ts/jest";
import { failureOf, register } from "../testing/capture";
import { exists, expectReaped, fixture, node } from "./process-helpers";

test("a process opened and never closed is reported as a leaked child process", async () => {
  let process: Process | undefined;
  try {
    const error = await failureOf(
      register("leaves a process", async () => {
        process = await openProcess(node("sleeps.cjs"));
      }),
    );
    expect(error).toBeInstanceOf(ResourceLeakError);
    const leaks = (error as ResourceLeakError).leaks.filter((leak) => leak.kind === "process");
    expect(leaks).toHaveLength(1);
    expect(leaks[0]!.description).toContain(`child process ${process!.pid}`);
  } finally {
    process?.kill();
    // Killed outside any run: wait until Node has reaped it, so no zombie of this test is left
    // for the next one (the helpers look for zombies among all children of this process).
    const pid = process?.pid;
    if (pid !== undefined) await until(() => !exists(pid), 20_000);
  }
}, 30_000);

test("a closed process and the run's worker processes are not leaks", async () => {
  let worker = 0;
  await register("closes its process", async () => {
    const process = await openProcess(node("exits-3.cjs"));
    await process.aclose();
    worker = await toProcess.runSync(workerFunction<() => number>(fixture("worker-functions.cjs"), "pid"));
  }).body();
  expectReaped(worker);
}, 30_000);

/** Polls `condition` every 10 ms until it holds; throws after `ms`. */
async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still not true after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
