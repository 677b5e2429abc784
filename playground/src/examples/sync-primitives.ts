"use structured";
// Event, Semaphore and Condition: tasks waiting for each other, each wait a checkpoint.
import { Condition, Event, Semaphore, createTaskGroup, run, sleep } from "anyio-ts";

const ready = new Event(); // set once, wakes every waiter
const slots = new Semaphore(2); // at most two holders at a time
const queue = new Condition(); // "wait until the state changes", under its lock
const jobs: string[] = [];

async function worker(name: string) {
  await ready.wait();
  using _slot = await slots.acquire();
  let job: string;
  {
    using _ = await queue.acquire();
    await queue.waitFor(() => jobs.length > 0); // releases the lock while it waits
    job = jobs.shift()!;
  }
  console.log(`${name}: took ${job}`);
  await sleep(50);
}

async function main() {
  {
    await using tg = createTaskGroup();
    for (const name of ["w1", "w2", "w3"]) tg.startSoon({ name }, worker, name);
    await sleep(20);
    console.log("main: ready");
    ready.set();
    for (const job of ["job-a", "job-b", "job-c"]) {
      await sleep(10);
      using _ = await queue.acquire();
      jobs.push(job);
      queue.notify(); // wakes the worker that waited longest
    }
  }
  console.log("main: every job was taken");
}

run(main);
