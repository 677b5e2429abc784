"use structured";
// A ContextVar holds a value per task: each new task starts with a copy of its spawner's
// context as it was at the spawn call, and later set()s stay in the task that made them.
import { ContextVar, createTaskGroup, run, sleep } from "anyio-ts";

const requestId = new ContextVar<string>("requestId", { default: "-" });

function log(message: string) {
  console.log(`[${requestId.get()}] ${message}`);
}

async function audit() {
  await sleep(50);
  log("audit: written"); // the id of the request that started this task
}

async function handle(id: string, ms: number) {
  requestId.set(id); // this task's copy only
  log("handling");
  await using tg = createTaskGroup();
  tg.startSoon({ name: `audit ${id}` }, audit);
  await sleep(ms);
  log("done");
}

async function main() {
  log("main: starting two requests");
  {
    await using tg = createTaskGroup();
    tg.startSoon({ name: "request r-1" }, handle, "r-1", 200);
    tg.startSoon({ name: "request r-2" }, handle, "r-2", 100);
  }
  log("main: the requests' ids never leaked into main");
}

run(main);
