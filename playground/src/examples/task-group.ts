"use structured";
// A task group owns the tasks it starts: the block ends only when every child has finished.
import { createTaskGroup, getCurrentTask, run, sleep } from "anyio-ts";

async function worker(ms: number) {
  const { name } = getCurrentTask(); // the name given to startSoon()
  console.log(`${name}: working for ${ms} ms`);
  await sleep(ms);
  console.log(`${name}: done`);
}

async function main() {
  {
    await using tg = createTaskGroup();
    tg.startSoon({ name: "alpha" }, worker, 300);
    tg.startSoon({ name: "beta" }, worker, 100);
    tg.startSoon({ name: "gamma" }, worker, 200);
    console.log("main: three workers started");
  } // waits here for alpha, beta and gamma
  console.log("main: every worker has finished");
}

run(main);
