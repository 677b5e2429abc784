"use structured";
/**
 * The bodies timed by bench/await.ts. This file is never imported as it is: bench/await.ts
 * compiles it twice at start-up with `ts.transpileModule` (CommonJS, ES2022), once with the
 * anyio-ts TypeScript plugin as a `before` transformer (structured: the directive above applies
 * to every async function here) and once with the directive stripped and no plugin (native), and
 * requires both outputs from a temporary directory.
 *
 * Every body runs `n` iterations of one kind of await inside a block opened with `using` on
 * what `open()` returns: a pending `moveOnAfter(1e9)` scope for the "deadline" rows of the
 * structured build, an inert disposable otherwise (the native build's "deadline" rows get a
 * pending 1e9 ms timer instead, which native code cannot observe anyway).
 */
import { checkpointIfCancelled } from "../runtime/index";

type Open = () => Disposable;

/** (a) A runtime primitive: `checkpointIfCancelled()` resolves without yielding (tagged promise). */
export async function primitive(n: number, open: Open): Promise<void> {
  using _scope = open();
  for (let i = 0; i < n; i++) await checkpointIfCancelled();
}

async function leaf(): Promise<number> {
  return 1;
}

/** (b) A nested structured call that returns at once. */
export async function nested(n: number, open: Open): Promise<void> {
  using _scope = open();
  for (let i = 0; i < n; i++) await leaf();
}

async function chain(depth: number): Promise<number> {
  if (depth === 0) return 1;
  return await chain(depth - 1);
}

/** (b) At call depth 10: each iteration awaits a chain of 10 structured calls (10 awaits). */
export async function nested10(n: number, open: Open): Promise<void> {
  using _scope = open();
  for (let i = 0; i < n; i++) await chain(9);
}

/** (c) A foreign promise that is already resolved (raced against the scope in structured code). */
export async function foreignResolved(n: number, open: Open): Promise<void> {
  using _scope = open();
  const settled = Promise.resolve(1);
  for (let i = 0; i < n; i++) await settled;
}

/** (c) An I/O-paced foreign promise: one macrotask (setImmediate) per await. */
export async function foreignImmediate(n: number, open: Open): Promise<void> {
  using _scope = open();
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Stays suspended in the background while the samples run, the way any program that uses the
 * runtime has other tasks alive. Without it, the `gc()` before each sample would find no
 * invocation ctx, resource block or race alive, collect their hidden classes, and deoptimize
 * every hook compiled against them at the start of each sample: a cost of an empty heap that a
 * real program never pays.
 */
export async function background(open: Open, until: Promise<void>): Promise<void> {
  using _scope = open();
  await until;
  await leaf();
}
