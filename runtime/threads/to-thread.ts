/**
 * `toThread`: running a function in a worker thread without blocking the event loop, as
 * AnyIO's `to_thread`, with `node:worker_threads` as the threads.
 */
import type { NodeMessagePort } from "../platform/node/threads";
import { currentFrame, checkOptions, describeValue } from "../rt";
import { CapacityLimiter } from "../sync/capacity-limiter";
import { cancelled, outsideTask } from "../sync/checks";
import { currentDefaultThreadLimiter as defaultLimiter } from "./default-thread-limiter";
import { threadsHost } from "./host";
import { callback } from "./lent-callback";
import { startThreadCall } from "./thread-call";
import { currentThreadPool } from "./thread-pool";
import { checkWorkerFunction, isWorkerFunction, type WorkerFunction } from "./worker-function";

/** Options of `toThread.runSync()`. */
export interface ToThreadOptions {
  /**
   * Whether cancellation abandons the worker: `false` waits for the worker to finish, returns
   * its result, and lets `Cancelled` land at the next checkpoint; `true` raises `Cancelled` at
   * once while the worker runs on (its outcome is dropped; it rejoins the pool when done).
   *
   * @default false
   */
  abandonOnCancel?: boolean;
  /**
   * The limiter whose token the call holds while its worker runs (until the worker is done,
   * also after an abandoning caller left).
   *
   * @default toThread.currentDefaultThreadLimiter()
   */
  limiter?: CapacityLimiter;
  /** `ArrayBuffer`s and `MessagePort`s in the arguments to move rather than copy (detached here). */
  transferList?: readonly (ArrayBuffer | NodeMessagePort)[];
}

const OPTIONS = ["abandonOnCancel", "limiter", "transferList"] as const;

type Fn = (...args: any[]) => unknown;

function runSync<F extends Fn>(fn: WorkerFunction<F>, ...args: Parameters<F>): Promise<Awaited<ReturnType<F>>>;
function runSync<F extends Fn>(
  options: ToThreadOptions,
  fn: WorkerFunction<F>,
  ...args: Parameters<F>
): Promise<Awaited<ReturnType<F>>>;
/**
 * Runs `fn(...args)` in a worker thread and resolves to its (awaited) result. This is a
 * checkpoint: a cancelled task never starts a worker.
 *
 * The call borrows a token of `limiter` (default: the run's 40-token limiter), takes the most
 * recently used idle worker of the run's pool or starts one, and holds the token until the
 * worker has finished. Arguments and the result cross by structured clone (the arguments are
 * cloned before any worker is reserved); an error thrown in the worker is rethrown here with its
 * name, message, stack and `code`. Workers idle for 10 s are terminated, and every worker is
 * terminated when `run()` ends. Inside the worker, `fromThread` calls back into this thread.
 *
 * @param options - see {@link ToThreadOptions} (optional first argument).
 * @param fn - the function, named by {@link WorkerFunction} (a closure cannot cross threads).
 * @throws TypeError for a plain function ("toThread.runSync() cannot send a function to a worker
 *   thread; ...") or bad options; `DataCloneError` for arguments that cannot be cloned.
 * @throws BrokenWorkerThread when the worker died before answering.
 * @throws NoCurrentTaskError outside `run()`.
 * @example
 * ```ts
 * const hash = workerFunction<typeof import("./hash.js").sha256>(new URL("./hash.js", import.meta.url), "sha256");
 * const digest = await toThread.runSync(hash, bytes);
 * const quick = await toThread.runSync({ abandonOnCancel: true }, hash, bytes);
 * ```
 */
function runSync(...call: unknown[]): Promise<unknown> {
  let options: ToThreadOptions | undefined;
  let fn: unknown;
  let args: unknown[];
  if (call.length > 0 && typeof call[0] === "object" && call[0] !== null && !isWorkerFunction(call[0])) {
    options = call[0] as ToThreadOptions;
    fn = call[1];
    args = call.slice(2);
  } else {
    fn = call[0];
    args = call.slice(1);
  }
  let limiter: CapacityLimiter;
  let abandonOnCancel: boolean;
  let transferList: readonly unknown[];
  try {
    threadsHost.get("toThread.runSync()");
    checkWorkerFunction(fn, "toThread.runSync()", "a worker thread");
    checkOptions(options, OPTIONS);
    ({ abandonOnCancel = false, transferList = [] } = options ?? {});
    if (typeof abandonOnCancel !== "boolean") {
      throw new TypeError(`Expected \`abandonOnCancel\` to be a boolean, got ${describeValue(abandonOnCancel)}`);
    }
    if (options?.limiter !== undefined && !(options.limiter instanceof CapacityLimiter)) {
      throw new TypeError(`Expected \`limiter\` to be a CapacityLimiter, got ${describeValue(options.limiter)}`);
    }
    if (!Array.isArray(transferList)) {
      throw new TypeError(`Expected \`transferList\` to be an array, got ${describeValue(transferList)}`);
    }
    const frame = currentFrame();
    if (frame === undefined) return outsideTask("toThread.runSync()");
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    limiter = options?.limiter ?? defaultLimiter();
    return startThreadCall(frame, { fn, abandonOnCancel, limiter, pool: currentThreadPool() }, args, transferList);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The current run's default limiter for `toThread.runSync()` (and the file operations): 40
 * tokens, one limiter per `run()`. Never a checkpoint.
 *
 * @throws NoCurrentTaskError outside `run()`.
 * @example
 * ```ts
 * toThread.currentDefaultThreadLimiter().totalTokens = 4; // at most 4 threads at once
 * ```
 */
function currentDefaultThreadLimiter(): CapacityLimiter {
  return defaultLimiter();
}

/**
 * Running functions in worker threads: `runSync`, the limiter it uses by default
 * (`currentDefaultThreadLimiter`), and `callback` to lend a loop-thread function to a
 * worker. The Node entry point runs them on `node:worker_threads`; in a browser every call
 * throws `NotSupportedError`.
 */
export const toThread = Object.freeze({
  /**
   * Calls a module's function (named with `workerFunction()`) in a worker thread and resolves to
   * its result, under a capacity limiter; on cancellation it waits for the worker, or abandons it
   * with `{ abandonOnCancel: true }`. This is a checkpoint. See docs/threads.md.
   *
   * @typeParam F - the type of the function the module exports: it types the arguments and the result.
   */
  runSync,
  /** The current run's default limiter for `toThread.runSync()`: 40 tokens. Never a checkpoint. */
  currentDefaultThreadLimiter,
  /**
   * Lends a function of the loop thread to a worker, as an argument of `toThread.runSync()`. Never a checkpoint.
   *
   * @typeParam F - the function's type, kept by the lent function.
   */
  callback,
});
