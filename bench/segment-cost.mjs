/**
 * Where the time of a nested structured call goes: a depth-10 chain of `return await f(d - 1)`
 * in the shape the transformer emits, timed with hook implementations that add one piece of the
 * runtime's work at a time. No runtime is loaded: each variant is a small model of
 * runtime/core/compiled.ts, compiled from its own source text so that V8 keeps separate type
 * feedback per variant.
 *
 *   node bench/segment-cost.mjs            # 41 interleaved rounds, medians of per-round ratios
 *
 * Variants (each includes the ones above it):
 * - shape: the emitted code with hooks that do nothing (enter returns a shared object);
 * - ctx: enter allocates an invocation context of the runtime's size;
 * - active: the segment switch of the active context (save on start, restore on end);
 * - frame: the switch of the current frame as well;
 * - callees: linking each callee into its caller's list and unlinking it at exit;
 * - resume: a segment started after every await, as before `return await` dropped it.
 */
import { median } from "./lib.mjs";
const rounds = 41;
const iterations = 20_000;
const depth = 10;

const levels = ["shape", "ctx", "active", "frame", "callees", "resume"];

function hooks(level) {
  const has = (piece) => levels.indexOf(piece) <= levels.indexOf(level);
  const source = `// ${level}
    let active; let current = { task: 1, scope: 2 };
    class Ctx {
      constructor(frame, parent) {
        this.frame = frame; this.base = frame; this.prevFrame = undefined; this.prevActive = undefined;
        this.lastCallee = false; this.parent = parent; this.firstChild = undefined;
        this.prevSibling = undefined; this.nextSibling = undefined; this.race = undefined;
      }
    }
    const shared = new Ctx(current, undefined);
    function start(c) {
      ${has("frame") ? "c.prevFrame = current; current = c.frame;" : ""}
      ${has("active") ? "c.prevActive = active; active = c;" : ""}
    }
    function end(c) {
      ${has("active") ? "if (active !== c) return; active = c.prevActive; c.prevActive = undefined;" : ""}
      ${has("frame") ? "current = c.prevFrame; c.prevFrame = undefined;" : ""}
    }
    return {
      enter() {
        ${has("ctx") ? "" : "return shared;"}
        const caller = active;
        const c = new Ctx(current, caller);
        if (caller !== undefined) {
          caller.lastCallee = true;
          ${has("callees") ? "const first = caller.firstChild; c.nextSibling = first; if (first !== undefined) first.prevSibling = c; caller.firstChild = c;" : ""}
        }
        start(c);
        return c;
      },
      pre(c) { c.lastCallee = false; },
      suspendCall(c, value) { c.lastCallee = false; end(c); return value; },
      resume(c, value) { start(c); return value; },
      exit(c) {
        end(c);
        const parent = c.parent;
        if (parent === undefined) return;
        c.parent = undefined;
        ${has("callees") ? "if (c.prevSibling !== undefined) c.prevSibling.nextSibling = c.nextSibling; else parent.firstChild = c.nextSibling; if (c.nextSibling !== undefined) c.nextSibling.prevSibling = c.prevSibling; c.prevSibling = c.nextSibling = undefined;" : ""}
      },
    };`;
  const chain = `// ${level}
    async function chain(d) {
      const $c = __rt.enter();
      try {
        if (d === 0) return 1;
        return ${has("resume") ? "__rt.resume($c, await __rt.suspendCall($c, (__rt.pre($c), chain(d - 1))))" : "await __rt.suspendCall($c, (__rt.pre($c), chain(d - 1)))"};
      } finally {
        __rt.exit($c);
      }
    }
    return async (n) => { for (let i = 0; i < n; i++) await chain(${depth - 1}); };`;
  return new Function("__rt", chain)(new Function(source)());
}

async function nativeChain(d) {
  if (d === 0) return 1;
  return await nativeChain(d - 1);
}

const variants = {
  native: async (n) => {
    for (let i = 0; i < n; i++) await nativeChain(depth - 1);
  },
};
for (const level of levels) variants[level] = hooks(level);

async function time(fn) {
  const start = process.hrtime.bigint();
  await fn(iterations);
  return Number(process.hrtime.bigint() - start) / iterations / depth;
}

const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
const names = Object.keys(variants);
for (let round = 0; round < rounds; round++) {
  for (const name of round % 2 ? names : [...names].reverse()) samples[name].push(await time(variants[name]));
}
console.log(
  `node ${process.version}, ${rounds} rounds of ${iterations} chains of depth ${depth}; ns per await, ratio to native (median of per-round ratios)`,
);
for (const name of names) {
  const ratio = median(samples[name].map((value, i) => value / samples.native[i]));
  console.log(`${name.padEnd(8)} ${median(samples[name]).toFixed(1).padStart(6)} ns  ${ratio.toFixed(2)}x`);
}
