"use structured";
// The callback forms: scope.run() and tg.run() enter a scope or group, run the callback inside
// it, and exit. They need no `using`, and work in plain TypeScript on Node too; in a browser a
// callback the transformer did not compile keeps its task only until its first await, so this
// file is still marked "use structured" (remove the directive and run it to see the error).
import { CancelScope, TimeoutError, createTaskGroup, failAfter, moveOnAfter, run, sleep } from "anyio-ts";

run(async () => {
  // The group waits for both tasks.
  await createTaskGroup().run((tg) => {
    tg.startSoon({ name: "fast" }, () => sleep(100));
    tg.startSoon({ name: "slow" }, () => sleep(200));
  });
  console.log("both tasks finished");

  // Give up after 100 ms and carry on: run() returns undefined when the scope timed out.
  const result = await moveOnAfter(100).run(async () => {
    await sleep(1000);
    return "finished";
  });
  console.log(`moveOnAfter: ${result}`);

  // Give up after 100 ms and throw.
  try {
    await failAfter(100).run(() => sleep(1000));
  } catch (error) {
    console.log(`failAfter raised a TimeoutError: ${error instanceof TimeoutError}`);
  }

  // Cancel explicitly: the scope swallows its own cancellation, and run() returns undefined.
  const scope = new CancelScope();
  const value = await scope.run(async () => {
    scope.cancel("not needed any more");
    await sleep(1000); // raises Cancelled at once
    return "finished";
  });
  console.log(`cancelled scope: ${value}; cancelledCaught = ${scope.cancelledCaught}`);
});
