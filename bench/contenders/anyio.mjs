// anyio-ts, loaded from the built output (a snapshot of dist/ made by run.cjs, path in
// ANYIO_BENCH_DIST), or from the TypeScript sources through tsx when ANYIO_BENCH_SOURCE=1.
//
// Two flavours, each in its own process (the runtime's "carrier in use" flag is sticky, so a
// single plain callback would make every later compiled one pay for AsyncLocalStorage too):
// - "plain": ordinary callbacks, as code the transformer did not compile; the runtime enters
//   AsyncLocalStorage around each of them.
// - "compiled": every callback handed to the runtime is passed through markStructured(). Where a
//   callback has no await this is exactly what the transformer emits apart from the mark; where
//   it has one (the cancel scenario's group body), it is hand-compiled the way the rt.ts contract
//   describes: capture currentFrame() at call, enterFrame()/leaveFrame() around each later segment.
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { now, gc, heapUsed } from "../lib.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = resolve(here, "../..");
const require = createRequire(import.meta.url);

async function loadRuntime() {
  if (process.env.ANYIO_BENCH_SOURCE === "1") {
    const api = await import(pathToFileURL(join(repo, "runtime/index.ts")).href);
    const rt = await import(pathToFileURL(join(repo, "runtime/rt.ts")).href);
    return { api: api.default && !api.run ? api.default : api, rt: rt.default && !rt.markStructured ? rt.default : rt };
  }
  const base = process.env.ANYIO_BENCH_DIST || join(repo, "dist");
  return { api: require(join(base, "runtime/index.js")), rt: require(join(base, "runtime/rt.js")) };
}

export async function load(flavour) {
  let api, rt;
  try {
    ({ api, rt } = await loadRuntime());
  } catch (err) {
    return { unavailable: `cannot load the anyio-ts runtime: ${err.message.split("\n")[0]}` };
  }
  const { run, sleep, createTaskGroup, waitAllTasksBlocked } = api;
  for (const [name, v] of Object.entries({ run, sleep, createTaskGroup, waitAllTasksBlocked })) {
    if (typeof v !== "function") return { unavailable: `runtime does not export ${name}()` };
  }
  let mark = (fn) => fn;
  if (flavour === "compiled") {
    if (typeof rt.markStructured !== "function") {
      return { unavailable: "anyio-ts/rt does not export markStructured()" };
    }
    mark = rt.markStructured;
  }
  const compiled = flavour === "compiled";
  const { currentFrame, enterFrame, leaveFrame } = rt;
  if (compiled && [currentFrame, enterFrame, leaveFrame].some((f) => typeof f !== "function")) {
    return { unavailable: "anyio-ts/rt lacks currentFrame/enterFrame/leaveFrame" };
  }

  // --- Scenario 1: spawn + join -----------------------------------------------------------
  const child = mark(async () => 1);
  const spawnBody = mark(async (tg) => {
    for (let i = 0; i < N1; i++) tg.startSoon(child);
  });
  let N1 = 0;
  // Plain: exactly the shape bench/README.md describes. Compiled: the root callback has no await, so it returns
  // the group's promise instead of awaiting it (a marked callback with an await would need the
  // transformer's frame hooks).
  const spawnRootPlain = async () => {
    await createTaskGroup().run(spawnBody);
  };
  const spawnRootCompiled = mark(() => createTaskGroup().run(spawnBody));
  const spawnRoot = compiled ? spawnRootCompiled : spawnRootPlain;

  async function spawnJoin(N) {
    N1 = N;
    const t0 = now();
    await run(spawnRoot);
    return { ms: now() - t0 };
  }

  // --- Scenarios 2 and 3: N tasks parked in sleep(1e9) -------------------------------------
  let started = 0;
  const sleeper = mark(() => {
    started++;
    return sleep(1e9);
  });

  // The group body: spawn N sleepers, wait until all are blocked, run `atBlocked`, cancel.
  let N2 = 0;
  let atBlocked = () => {};
  let t0 = 0;
  let afterBlocked = 0; // started count seen once all were blocked
  const afterWait = (tg) => {
    afterBlocked = started;
    atBlocked();
    t0 = now();
    tg.cancel();
  };
  const sleepersBodyPlain = async (tg) => {
    for (let i = 0; i < N2; i++) tg.startSoon(sleeper);
    await waitAllTasksBlocked();
    afterWait(tg);
  };
  // Hand-compiled: capture the frame at call, re-enter it for the segment after the await.
  // (With the runtime before commit 7cbfa41, waitAllTasksBlocked() spun forever when no
  // callback ever entered AsyncLocalStorage: it lost its own frame after its first internal
  // await. Fixed there: "waitAllTasksBlocked keeps its own frame".)
  const sleepersBodyCompiled = mark(async (tg) => {
    const frame = currentFrame();
    for (let i = 0; i < N2; i++) tg.startSoon(sleeper);
    await waitAllTasksBlocked();
    const previous = enterFrame(frame);
    try {
      afterWait(tg);
    } finally {
      leaveFrame(previous);
    }
  });
  const sleepersBody = compiled ? sleepersBodyCompiled : sleepersBodyPlain;
  const sleepersRoot = compiled
    ? mark(() => createTaskGroup().run(sleepersBody))
    : async () => {
        await createTaskGroup().run(sleepersBody);
      };

  async function cancel(N) {
    N2 = N;
    started = 0;
    atBlocked = () => {};
    await run(sleepersRoot);
    const ms = now() - t0;
    return { ms, check: afterBlocked === N ? "ok" : `only ${afterBlocked}/${N} started before cancel` };
  }

  async function heap(N) {
    for (let i = 0; i < 2; i++) await cancel(2000);
    let before = 0;
    let after = 0;
    N2 = N;
    started = 0;
    // Baseline taken inside run(), before the group is created (mirrors the peers).
    const root = compiled
      ? mark(() => {
          gc();
          before = heapUsed();
          return createTaskGroup().run(sleepersBody);
        })
      : async () => {
          gc();
          before = heapUsed();
          await createTaskGroup().run(sleepersBody);
        };
    atBlocked = () => {
      gc();
      after = heapUsed();
    };
    await run(root);
    if (afterBlocked !== N) throw new Error(`only ${afterBlocked}/${N} started`);
    return { bytes: (after - before) / N, before, after };
  }

  return { spawnJoin, cancel, heap };
}
