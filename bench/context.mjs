// One process of the context benchmark (bench/context.cjs runs it): one scenario, on one build of
// the runtime or on native async/await. Prints `CONTEXT_RESULT <json>` with the median batch.
//
//   node --expose-gc bench/context.mjs <dist dir | native> <scenario>
//
// Scenarios (N = 10,000 tasks per batch for the spawns, 1,000,000 calls for get/set):
//   spawn            spawn+join as bench/README.md's "compiled callbacks" (markStructured children)
//   spawn-ctx        the same with a ContextVar set in the spawning task (every child gets a copy)
//   spawn-als        the same inside als.run(store, ...): the program has an AsyncLocalStorage store
//   plain, plain-ctx, plain-als   the same three with plain callbacks (the runtime enters its carrier)
//   get, set         ContextVar.get() / .set() in compiled code (the current frame is set)
// Native: spawn / spawn-als are `ps[i] = child()` + `Promise.all(ps)` (inside als.run for -als);
// get / set are AsyncLocalStorage.getStore() / enterWith() on an active store.
import { createRequire } from "node:module";
import { AsyncLocalStorage } from "node:async_hooks";
import { join, resolve } from "node:path";
import { median, timeBatches } from "./lib.mjs";

// The process's CPU time (user + system) in ms, not wall time: the machine these figures come from
// is shared, and time spent by other processes while ours waits for a core is not ours. Every batch
// is CPU-bound (microtasks only), so on a quiet machine the two agree.
const now = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const [where, scenario] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const N_SPAWN = 10_000;
const N_CALLS = 1_000_000;
const als = new AsyncLocalStorage();

function emit(result) {
  console.log(`CONTEXT_RESULT ${JSON.stringify({ where, scenario, ...result })}`);
}

async function nativeBatch() {
  const child = async () => 1;
  if (scenario === "spawn" || scenario === "spawn-als") {
    const once = async () => {
      const ps = new Array(N_SPAWN);
      for (let i = 0; i < N_SPAWN; i++) ps[i] = child();
      await Promise.all(ps);
    };
    return {
      unit: "µs/task",
      n: N_SPAWN,
      batch: async () => {
        const t0 = now();
        if (scenario === "spawn-als") await als.run("store", once);
        else await once();
        return now() - t0;
      },
    };
  }
  if (scenario === "get" || scenario === "set") {
    return {
      unit: "ns/call",
      n: N_CALLS,
      batch: async () =>
        als.run("store", () => {
          let sink = 0;
          const t0 = now();
          if (scenario === "get") for (let i = 0; i < N_CALLS; i++) sink += als.getStore().length;
          else for (let i = 0; i < N_CALLS; i++) als.enterWith("v");
          const span = now() - t0;
          if (sink < 0) console.log(sink);
          return span;
        }),
    };
  }
  return undefined;
}

async function anyioBatch() {
  const api = require(join(resolve(where), "runtime/index.js"));
  const rt = require(join(resolve(where), "runtime/rt.js"));
  const { run, createTaskGroup, ContextVar } = api;
  const plain = scenario.startsWith("plain");
  const mark = plain ? (fn) => fn : rt.markStructured;
  const variant = scenario.replace(/^(spawn|plain)-?/, "");
  if ((variant === "ctx" || scenario === "get" || scenario === "set") && typeof ContextVar !== "function") {
    return { unavailable: "this build has no ContextVar" };
  }
  const v = ContextVar === undefined ? undefined : new ContextVar("bench");
  if (scenario === "get" || scenario === "set") {
    const body = mark(() => {
      v.set("value");
      let sink = 0;
      const t0 = now();
      if (scenario === "get") for (let i = 0; i < N_CALLS; i++) sink += v.get().length;
      else for (let i = 0; i < N_CALLS; i++) v.set("v");
      const span = now() - t0;
      if (sink < 0) console.log(sink);
      return span;
    });
    return { unit: "ns/call", n: N_CALLS, batch: () => run(body) };
  }
  const child = mark(async () => 1);
  const groupBody = mark(async (tg) => {
    for (let i = 0; i < N_SPAWN; i++) tg.startSoon(child);
  });
  const root = mark(() => {
    if (variant === "ctx") v.set("value");
    return createTaskGroup().run(groupBody);
  });
  return {
    unit: "µs/task",
    n: N_SPAWN,
    batch: async () => {
      const t0 = now();
      if (variant === "als") await als.run("store", () => run(root));
      else await run(root);
      return now() - t0;
    },
  };
}

const setup = where === "native" ? await nativeBatch() : await anyioBatch();
if (setup === undefined) emit({ unavailable: "no native counterpart" });
else if (setup.unavailable !== undefined) emit({ unavailable: setup.unavailable });
else {
  const spans = await timeBatches(setup.batch, { warmup: 10, iters: 40 });
  const perItem = (ms) => (setup.unit === "µs/task" ? (ms * 1000) / setup.n : (ms * 1e6) / setup.n);
  emit({ unit: setup.unit, value: perItem(median(spans)), samples: spans.map(perItem) });
}
