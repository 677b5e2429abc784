// Before: a timeout around Promise.all. The timeout wins the race and the program moves on, but
// nothing stops the requests: the slow one keeps running and answers long after we gave up on it.
// Compare examples/timeout-task-group.ts. Run it with `npm run example -- examples/timeout-promise-all.ts`.
import { currentTime, run, sleep } from "anyio-ts";

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

async function main() {
  log("fetching /fast and /slow, giving up after 300 ms");
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), 300));
  try {
    await Promise.race([Promise.all([fakeFetch("/fast", 100), fakeFetch("/slow", 1000)]), timeout]);
  } catch (error) {
    log(`gave up: ${(error as Error).message}`);
  }
  // The caller has moved on, yet /slow is still in flight: it answers at 1000 ms, to nobody.
  await sleep(1200);
  log("done");
}

run(main);
