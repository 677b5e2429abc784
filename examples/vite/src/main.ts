"use structured";
// Structured code built by Vite with the anyio-ts/vite plugin (`vite build`, a Node bundle),
// then run with `node dist/main.js`. In a web app the plugin compiles client code the same way.
import { createTaskGroup, getCurrentTask, moveOnAfter, run, sleep, type CancelScope } from "anyio-ts";

/** A promise anyio-ts knows nothing about (a fetch, a database call) that takes 10 s. */
function slowForeignCall(): Promise<string> {
  return new Promise((resolve) => setTimeout(() => resolve("finished"), 10_000).unref());
}

async function worker(ms: number, finished: string[]): Promise<void> {
  await sleep(ms);
  finished.push(getCurrentTask().name);
}

async function main(): Promise<void> {
  // The task group's block ends when both children have finished, the faster one first.
  const finished: string[] = [];
  {
    await using tg = createTaskGroup();
    tg.startSoon({ name: "slow" }, worker, 30, finished);
    tg.startSoon({ name: "fast" }, worker, 10, finished);
  }
  console.log(`task group: ${finished.join(", ")}`);

  // The timeout cancels the foreign await at 50 ms; the scope swallows its own cancellation.
  let result = "cancelled";
  let scope: CancelScope;
  {
    using timeout = moveOnAfter(50);
    scope = timeout;
    result = await slowForeignCall();
  }
  console.log(`timeout: ${result}, cancelledCaught = ${scope.cancelledCaught}`);
}

run(main).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
