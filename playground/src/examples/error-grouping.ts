"use structured";
// When a task fails, its group cancels the others and raises every error together in an
// ExceptionGroup, even when there is only one (unwrapExceptionGroup gets it back).
import { ExceptionGroup, createTaskGroup, currentTime, run, sleep, sleepUntil, unwrapExceptionGroup } from "anyio-ts";

async function loadConfig(at: number) {
  await sleepUntil(at);
  throw new Error("config.json: unexpected token");
}

async function connectDatabase(at: number) {
  await sleepUntil(at); // fails at the same moment as loadConfig: both errors are kept
  throw new Error("database: connection refused");
}

async function warmCache() {
  try {
    await sleep(1000);
    console.log("cache: warm");
  } finally {
    console.log("cache: cancelled, cleaning up");
  }
}

async function main() {
  try {
    await using tg = createTaskGroup();
    const at = currentTime() + 100;
    tg.startSoon({ name: "config" }, loadConfig, at);
    tg.startSoon({ name: "database" }, connectDatabase, at);
    tg.startSoon({ name: "cache" }, warmCache);
  } catch (error) {
    if (!(error instanceof ExceptionGroup)) throw error;
    console.log(`${error.exceptions.length} errors:`);
    for (const e of error.exceptions) console.log(`  ${String(e)}`);
  }

  try {
    await using tg = createTaskGroup();
    tg.startSoon({ name: "config again" }, loadConfig, currentTime() + 100);
  } catch (error) {
    console.log(`one error, unwrapped: ${String(unwrapExceptionGroup(error))}`);
  }
}

run(main);
