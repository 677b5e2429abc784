// Effect 4.
import { Effect, Fiber } from "effect";
import { now, gc, heapUsed } from "../lib.mjs";

// Scenario 1: fork N fibers that succeed at once, then join them all.
const child = Effect.succeed(1);

export async function spawnJoin(N) {
  const t0 = now();
  await Effect.runPromise(
    Effect.gen(function* () {
      const fibers = new Array(N);
      for (let i = 0; i < N; i++) fibers[i] = yield* Effect.forkChild(child);
      yield* Fiber.joinAll(fibers);
    }),
  );
  return { ms: now() - t0 };
}

let started = 0;
const sleeper = Effect.suspend(() => {
  started++;
  return Effect.sleep(1e9);
});

const startSleepers = (N) =>
  Effect.gen(function* () {
    started = 0;
    const fibers = new Array(N);
    for (let i = 0; i < N; i++) fibers[i] = yield* Effect.forkChild(sleeper);
    while (started < N) yield* Effect.sleep(0);
    yield* Effect.sleep(0);
    return fibers;
  });

export async function cancel(N) {
  let t0 = 0;
  let interrupted = 0;
  await Effect.runPromise(
    Effect.gen(function* () {
      const fibers = yield* startSleepers(N);
      t0 = now();
      yield* Fiber.interruptAll(fibers);
      interrupted = fibers.length;
    }),
  );
  return { ms: now() - t0, check: interrupted === N ? "ok" : "not all interrupted" };
}

export async function heap(N) {
  for (let i = 0; i < 2; i++) await cancel(2000);
  let before = 0;
  let after = 0;
  await Effect.runPromise(
    Effect.gen(function* () {
      gc();
      before = heapUsed();
      const fibers = yield* startSleepers(N);
      gc();
      after = heapUsed();
      yield* Fiber.interruptAll(fibers);
    }),
  );
  return { bytes: (after - before) / N, before, after };
}
