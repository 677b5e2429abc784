// A tour of anyio-ts's structured concurrency, in the callback form (no transformer needed).
// Run it with `npm run example`.
import {
  TimeoutError,
  createTaskGroup,
  currentTime,
  failAfter,
  getCurrentTask,
  moveOnAfter,
  run,
  sleep,
  unwrapExceptionGroup,
} from "anyio-ts";

let start = 0;
function log(message: string): void {
  const ms = String(Math.round(currentTime() - start)).padStart(4);
  console.log(`[${ms} ms] ${message}`);
}

async function worker(ms: number): Promise<void> {
  const { name } = getCurrentTask(); // the name given to startSoon()
  let finished = false;
  try {
    log(`${name}: working for ${ms} ms`);
    await sleep(ms);
    finished = true;
    log(`${name}: done`);
  } finally {
    // Cleanup runs however the task ends, including when it is cancelled.
    if (!finished) log(`${name}: cancelled, cleaning up`);
  }
}

async function main(): Promise<void> {
  start = currentTime();

  // 1. A task group waits for all its children before it exits.
  log("1. task group with three workers");
  await createTaskGroup().run((tg) => {
    tg.startSoon({ name: "alpha" }, worker, 30);
    tg.startSoon({ name: "beta" }, worker, 10);
    tg.startSoon({ name: "gamma" }, worker, 20);
  });
  log("1. all workers finished");

  // 2. moveOnAfter cancels the body at the deadline and carries on quietly.
  log("2. moveOnAfter(50) around a 1000 ms sleep");
  const scope = moveOnAfter(50);
  await scope.run(() => sleep(1000));
  log(`2. moved on; cancelledCaught = ${scope.cancelledCaught}`);

  // 3. failAfter cancels the body too, then raises TimeoutError.
  log("3. failAfter(50) around a 1000 ms sleep");
  try {
    await failAfter(50).run(() => sleep(1000));
  } catch (error) {
    log(`3. caught ${error instanceof TimeoutError ? "TimeoutError" : String(error)}`);
  }

  // 4. Cancelling a task group cancels every child; the group exits cleanly.
  log("4. cancelling a task group after 25 ms");
  await createTaskGroup().run(async (tg) => {
    tg.startSoon({ name: "slow-1" }, worker, 1000);
    tg.startSoon({ name: "slow-2" }, worker, 2000);
    await sleep(25);
    tg.cancel();
  });
  log("4. task group cancelled, children cleaned up");

  // 5. A failing child cancels its siblings; errors arrive as an ExceptionGroup.
  log("5. a child fails inside a task group");
  try {
    await createTaskGroup().run((tg) => {
      tg.startSoon({ name: "sibling" }, worker, 1000);
      tg.startSoon(async () => {
        await sleep(10);
        throw new Error("boom");
      });
    });
  } catch (error) {
    log(`5. caught ${String(unwrapExceptionGroup(error))}`);
  }
}

run(main).then(
  () => console.log("done"),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
