"use structured";
// An async generator in structured code: its awaits are checkpoints of the consumer's scopes.
// Leaving the loop (break, a deadline) closes the generator and runs its finally block.
import { moveOnAfter, run, sleep } from "anyio-ts";

async function* ticks(intervalMs: number) {
  let n = 0;
  try {
    for (;;) {
      await sleep(intervalMs);
      yield ++n;
    }
  } finally {
    console.log(`ticks: closed after ${n}`);
  }
}

async function main() {
  for await (const n of ticks(50)) {
    console.log(`first loop: tick ${n}`);
    if (n === 3) break;
  }

  {
    using _ = moveOnAfter(280); // cancels the generator's sleep at the deadline
    for await (const n of ticks(100)) console.log(`second loop: tick ${n}`);
  }
  console.log("moved on after the deadline");
}

run(main);
