"use structured";
// anyio-ts's side of bench/process.ts, as users write it: structured code compiled by the
// project's Babel plugin (bench/process.ts compiles this file against dist/ in a process of its
// own and imports the result). Each function runs in a run() of its own and returns what its
// pair in bench/process.ts times.
import * as anyio from "anyio-ts";
import { performance } from "node:perf_hooks";

/** `count` sequential runProcess(["true"]). */
export function spawn(count) {
  return anyio.run(async () => {
    for (let i = 0; i < count; i++) await anyio.runProcess(["true"]);
  });
}

/** `bytes` through `cat` in `chunk`-byte sends from one task, read back by another. */
export function pipe(bytes, chunk) {
  const payload = new Uint8Array(chunk).fill(7);
  return anyio.run(async () => {
    await using child = await anyio.openProcess(["cat"], { stderr: "ignore" });
    let received = 0;
    await anyio.createTaskGroup().run(async (tg) => {
      tg.startSoon(async () => {
        for (let sent = 0; sent < bytes; sent += chunk) await child.stdin.send(payload);
        await child.stdin.aclose();
      });
      for await (const data of child.stdout) received += data.length;
    });
    await child.wait();
    if (received !== bytes) throw new Error(`got ${received}`);
  });
}

/** Milliseconds for `calls` sequential toProcess.runSync(add, 1, 2), the worker started first. */
export function roundTrip(calls, functions) {
  const add = anyio.workerFunction(functions, "add");
  return anyio.run(async () => {
    await anyio.toProcess.runSync(add, 1, 2);
    const start = performance.now();
    for (let i = 0; i < calls; i++) {
      if ((await anyio.toProcess.runSync(add, 1, 2)) !== 3) throw new Error("wrong answer");
    }
    return performance.now() - start;
  });
}

/** Milliseconds for `jobs` runs of fib(n) spread over worker processes, one started per token first. */
export function spread(jobs, n, functions) {
  const fib = anyio.workerFunction(functions, "fib");
  const all = async (count, arg) => {
    await anyio.createTaskGroup().run(async (tg) => {
      for (let i = 0; i < count; i++) {
        tg.startSoon(async () => {
          await anyio.toProcess.runSync(fib, arg);
        });
      }
    });
  };
  return anyio.run(async () => {
    await all(anyio.toProcess.currentDefaultProcessLimiter().totalTokens, 1);
    const start = performance.now();
    await all(jobs, n);
    return performance.now() - start;
  });
}
