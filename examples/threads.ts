// Threads with anyio-ts: a hashing pool under a deadline, a worker reporting progress through a
// lent callback, and a portal that lets a plain event-emitter callback start tasks.
// Run it with `npm run example -- examples/threads.ts`.
import { EventEmitter } from "node:events";
import * as os from "node:os";
import {
  BlockingPortal,
  CapacityLimiter,
  createTaskGroup,
  moveOnAfter,
  run,
  sleep,
  toThread,
  workerFunction,
} from "anyio-ts";

const WORKER = require.resolve("./threads-worker.cjs");
const hashBlock = workerFunction<(megabytes: number, seed: number) => string>(WORKER, "hashBlock");
const countTo = workerFunction<(n: number, report: (i: number) => void) => number>(WORKER, "countTo");

run(async () => {
  // 1. CPU-bound work on every core, under a deadline. Each call holds a token of the limiter
  //    while its worker runs; when the deadline passes, the workers see checkCancelled() throw and
  //    stop early, and the scope swallows the cancellation.
  const limiter = new CapacityLimiter(os.availableParallelism?.() ?? os.cpus().length);
  const digests: string[] = [];
  const deadline = moveOnAfter(1500);
  await deadline.run(() =>
    createTaskGroup().run(async (tg) => {
      for (let seed = 0; seed < 64; seed++) {
        tg.startSoon(async () => digests.push(await toThread.runSync({ limiter }, hashBlock, 64, seed)));
      }
    }),
  );
  console.log(`hashed ${digests.length} of 64 blocks before the deadline (cancelled: ${deadline.cancelledCaught})`);

  // 2. A worker calls back into this thread with a function lent to it.
  let last = 0;
  await toThread.runSync(
    countTo,
    5,
    toThread.callback((i: number) => (last = i)),
  );
  console.log(`the worker reported progress up to ${last}`);

  // 3. A plain callback (an EventEmitter listener) starts structured tasks through a portal.
  const emitter = new EventEmitter();
  await new BlockingPortal().run(async (portal) => {
    emitter.on("job", (name: string) => {
      portal
        .startTaskSoon(async () => {
          await sleep(10);
          return `${name} done`;
        })
        .then((result) => console.log(result));
    });
    emitter.emit("job", "first");
    emitter.emit("job", "second");
    await sleep(50);
  });
});
