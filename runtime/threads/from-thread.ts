/**
 * `fromThread`: calling back into the event loop thread from inside a worker thread started by
 * `toThread.runSync()`. The worker blocks (`Atomics.wait` on a shared flag) until the loop
 * thread has the outcome, and reads it with `receiveMessageOnPort`, so the worker's own event
 * loop is not needed. Worker modules get these functions by importing `"anyio-ts"`, which the
 * runtime resolves in its workers to their thread-side implementation.
 */
import { NoCurrentTaskError } from "../core/errors";
import { threadsHost } from "./host";
import type { WorkerFunction } from "./worker-function";

type Fn = (...args: any[]) => unknown;

function implementation(call: string) {
  const host = threadsHost.get(call);
  if (!host.inToThreadWorker()) {
    throw new NoCurrentTaskError(
      `${call} can only be called inside a worker thread started by toThread.runSync(); use a BlockingPortal token elsewhere`,
    );
  }
  return host.fromThread;
}

/**
 * Runs `fn(...args)` on the event loop thread as a task in the cancel scope of the
 * `toThread.runSync()` call that started this worker, blocks this worker until it ends, and
 * returns its (awaited) result. If the caller's scope cancels the task, `Cancelled` is thrown
 * here; letting it escape the worker function ends the `runSync()` call as cancelled.
 * Blocks the worker thread; not a checkpoint of any task.
 *
 * @param fn - a {@link WorkerFunction} (loaded on the loop thread) or a callback lent with `toThread.callback()`.
 * @throws NoCurrentTaskError outside a worker thread started by `toThread.runSync()`.
 * @example
 * ```ts
 * // worker.cjs
 * const { fromThread, workerFunction } = require("anyio-ts");
 * exports.job = () => fromThread.run(workerFunction(require.resolve("./loop-side.cjs"), "lookup"), "key");
 * ```
 */
function run<F extends Fn>(fn: WorkerFunction<F> | F, ...args: Parameters<F>): Awaited<ReturnType<F>> {
  return implementation("fromThread.run()").run(fn, ...args) as Awaited<ReturnType<F>>;
}

/**
 * Calls `fn(...args)` synchronously on the event loop thread, outside any task (so it cannot be
 * cancelled), blocks this worker until it returns, and returns its value. A function that
 * returns a promise is refused with `TypeError("use fromThread.run for async functions")`.
 * Blocks the worker thread; not a checkpoint of any task.
 *
 * @throws NoCurrentTaskError outside a worker thread started by `toThread.runSync()`.
 * @example
 * ```ts
 * fromThread.runSync(toThread.callback(event.set.bind(event))) // through a lent callback
 * ```
 */
function runSync<F extends Fn>(fn: WorkerFunction<F> | F, ...args: Parameters<F>): ReturnType<F> {
  return implementation("fromThread.runSync()").runSync(fn, ...args) as ReturnType<F>;
}

/**
 * Throws `Cancelled` when the scope of the `toThread.runSync()` call that started this worker
 * is cancelled (through enclosing scopes up to a shield), also after an abandoning caller left.
 * Reads a flag the loop thread sets; never blocks.
 *
 * @throws Cancelled when the calling task's scope was cancelled.
 * @throws NoCurrentTaskError outside a worker thread started by `toThread.runSync()`.
 * @example
 * ```ts
 * for (const chunk of chunks) { fromThread.checkCancelled(); crunch(chunk); }
 * ```
 */
function checkCancelled(): void {
  implementation("fromThread.checkCancelled()").checkCancelled();
}

/** Calls from a worker thread back into the event loop thread: `run`, `runSync`, `checkCancelled`. */
export const fromThread = Object.freeze({
  /** From a worker thread: runs an async function in the event loop thread and blocks until it settles. */
  run,
  /** From a worker thread: runs a synchronous function in the event loop thread and blocks until it returns. */
  runSync,
  /** From a worker thread: throws `Cancelled` when the `toThread.runSync()` call that started it was cancelled. */
  checkCancelled,
});
