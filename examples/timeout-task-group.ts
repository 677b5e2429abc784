"use structured";
// After: the same two requests as tasks of a task group inside a 300 ms timeout. At the deadline
// the scope cancels the group, each request's signal aborts, and the block ends only once both
// requests have stopped: nothing outlives the timeout. Compare examples/timeout-promise-all.ts.
// Run it with `npm run example -- examples/timeout-task-group.ts`.
import { createTaskGroup, currentCancelScope, currentTime, moveOnAfter, run, sleep } from "anyio-ts";

const start = currentTime();
const log = (message: string): void =>
  console.log(`${String(Math.round(currentTime() - start)).padStart(4)} ms  ${message}`);

/** A stand-in for `fetch(url, { signal })`: answers after `ms`, unless `signal` aborts first. */
function fakeFetch(url: string, ms: number, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      log(`${url}: answered`);
      resolve(`body of ${url}`);
    }, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      log(`${url}: aborted`);
      reject(signal.reason);
    });
  });
}

async function request(url: string, ms: number) {
  // The await is a checkpoint: the task stops waiting when its scope is cancelled. Passing the
  // scope's signal also stops the request itself, so no socket is left working for nobody.
  const body = await fakeFetch(url, ms, currentCancelScope().signal);
  log(`${url}: got ${body.length} bytes`);
}

async function main() {
  log("fetching /fast and /slow, giving up after 300 ms");
  {
    using _ = moveOnAfter(300);
    await using tg = createTaskGroup();
    tg.startSoon({ name: "/fast" }, request, "/fast", 100);
    tg.startSoon({ name: "/slow" }, request, "/slow", 1000);
  } // the deadline cancels the group; the block waits until /slow has stopped
  log("gave up: /slow was cancelled, nothing is left running");
  await sleep(900);
  log("done");
}

run(main);
