"use structured";
// moveOnAfter gives up quietly at its deadline; failAfter gives up with a TimeoutError.
import { TimeoutError, failAfter, moveOnAfter, run, sleep } from "anyio-ts";

async function slowQuery(ms: number): Promise<string> {
  await sleep(ms);
  return `rows after ${ms} ms`;
}

async function main() {
  // 1. moveOnAfter: the block is cancelled at the deadline, and execution goes on after it.
  const scope = moveOnAfter(150);
  let result = "nothing (timed out)";
  {
    using _ = scope;
    result = await slowQuery(1000);
  }
  console.log(`moveOnAfter: ${result}; cancelledCaught = ${scope.cancelledCaught}`);

  // 2. failAfter: the same cancellation, then a TimeoutError out of the block.
  try {
    using _ = failAfter(150, { reason: "the query took too long" });
    await slowQuery(1000);
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    console.log(`failAfter: ${error.name}: ${error.message}`);
  }

  // 3. Work that finishes in time is not disturbed.
  {
    using _ = failAfter(300);
    console.log(`in time: ${await slowQuery(100)}`);
  }
}

run(main);
