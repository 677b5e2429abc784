"use structured";
// A CapacityLimiter lets at most N tasks in at a time; a Lock lets one. `using` releases them at
// the end of the block, however the block ends.
import { CapacityLimiter, Lock, createTaskGroup, run, sleep } from "anyio-ts";

const downloads = new CapacityLimiter(2);
const logFile = new Lock();

async function download(file: string) {
  using _ = await downloads.acquire(); // waits for one of the two tokens
  console.log(`${file}: downloading (${downloads.borrowedTokens} of ${downloads.totalTokens} tokens in use)`);
  await sleep(150);
  {
    using _lock = await logFile.acquire(); // one writer at a time
    await sleep(10);
    console.log(`${file}: written to the log`);
  }
}

async function main() {
  await using tg = createTaskGroup();
  for (const file of ["a.zip", "b.zip", "c.zip", "d.zip", "e.zip"]) {
    tg.startSoon({ name: file }, download, file);
  }
}

run(main);
