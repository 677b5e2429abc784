"use structured";
/**
 * `toProcess`: runs a function in a worker process, to use the machine's other cores for CPU
 * work (or to isolate code that may crash), as AnyIO's `to_process`.
 *
 * Invariants:
 * - A cancelled task reserves nothing: the cancellation check and the serialization of the
 *   arguments come before the limiter token and the worker.
 * - The limiter token is held until the call has ended and, after a kill, until the worker is
 *   reaped.
 * - A worker that was killed, died or broke the protocol is never reused.
 */
import { CancelScope } from "../core/cancel-scope";
import { checkpointIfCancelled } from "../core/checkpoint";
import { checkBoolean, checkOptions, describeValue } from "../core/validate";
import { CapacityLimiter } from "../sync/capacity-limiter";
import { decodeError } from "../threads/remote-error";
import { checkWorkerFunction, isWorkerFunction, type WorkerFunction } from "../threads/worker-function";
import { currentDefaultProcessLimiter } from "./default-process-limiter";
import { processHost } from "./host";
import { currentProcessPool, type ProcessPool } from "./process-pool";
import type { WorkerProcess, WorkerReply } from "./worker-process";

/** Options of `toProcess.runSync()`. */
export interface ToProcessOptions {
  /**
   * Let cancellation interrupt the call: the worker is killed (SIGKILL) and reaped, then
   * `Cancelled` propagates. Otherwise the call is shielded and returns the worker's result.
   * @default false
   */
  cancellable?: boolean;
  /**
   * The limiter whose token the call holds while it runs.
   * @default toProcess.currentDefaultProcessLimiter()
   */
  limiter?: CapacityLimiter;
}

const TO_PROCESS_OPTIONS = ["cancellable", "limiter"] as const;
const CALLER = "toProcess.runSync()";

/**
 * Calls `fn(...args)` in a worker process (see `toProcess.runSync`). This is a checkpoint.
 * @typeParam F - the type of the function the module exports: it types the arguments and the result.
 */
function runSync<F extends (...args: any[]) => unknown>(
  fn: WorkerFunction<F>,
  ...args: Parameters<F>
): Promise<Awaited<ReturnType<F>>>;
/**
 * The same, with options: `cancellable: true` kills the worker on cancellation; `limiter`
 * replaces the default limiter. This is a checkpoint.
 * @typeParam F - the type of the function the module exports: it types the arguments and the result.
 */
function runSync<F extends (...args: any[]) => unknown>(
  options: ToProcessOptions,
  fn: WorkerFunction<F>,
  ...args: Parameters<F>
): Promise<Awaited<ReturnType<F>>>;
async function runSync(...params: unknown[]): Promise<unknown> {
  const host = processHost.get(CALLER);
  let options: ToProcessOptions = {};
  if (!isWorkerFunction(params[0]) && typeof params[0] === "object" && params[0] !== null) {
    options = params.shift() as ToProcessOptions;
  }
  const fn = params[0];
  const args = params.slice(1);
  checkWorkerFunction(fn, CALLER, "a worker process");
  checkOptions(options, TO_PROCESS_OPTIONS);
  const { cancellable = false, limiter } = options;
  checkBoolean("cancellable", cancellable);
  if (limiter !== undefined && !(limiter instanceof CapacityLimiter)) {
    throw new TypeError(`Expected \`limiter\` to be a CapacityLimiter, got ${describeValue(limiter)}`);
  }
  args.forEach((arg, index) => {
    if (typeof arg === "function") {
      throw new TypeError(
        `${CALLER} cannot send a function to a worker process (argument ${index}); a process cannot call back ` +
          "into this one: pass data, or name the function with workerFunction() and call it in the worker",
      );
    }
  });

  await checkpointIfCancelled();
  // Before any token or worker is reserved: a DataCloneError rejects the call and nothing runs.
  const payload = host.serialize([fn.module, fn.exportName, args]);
  const chosen = limiter ?? currentDefaultProcessLimiter();
  const pool = currentProcessPool(host);
  // A free token is taken without the limiter's own checkpoint (a turn of the event loop): the
  // call parks anyway until the worker answers, and cancellation was checked above.
  if (!chosen._tryAcquire()) await chosen.acquire();
  try {
    const worker = await reserve(pool, cancellable);
    let reply: WorkerReply;
    try {
      if (cancellable) {
        reply = await worker.call(payload);
      } else {
        using _shield = new CancelScope({ shield: true });
        reply = await worker.call(payload);
      }
    } catch (error) {
      // Cancelled (cancellable) or broken: the worker goes, killed and reaped before we leave.
      await finish(pool, worker);
      throw error;
    }
    pool.release(worker);
    if (reply.ok) return reply.value;
    throw decodeError(reply.error);
  } finally {
    chosen.release();
  }
}

/** An idle worker (pruning the stale ones) or a new one once it reported ready. */
async function reserve(pool: ProcessPool, cancellable: boolean): Promise<WorkerProcess> {
  const pruned: WorkerProcess[] = [];
  const idle = pool.takeIdle(pruned);
  for (const old of pruned) await finish(pool, old);
  if (idle !== undefined) return idle;
  const worker = pool.spawn();
  try {
    if (cancellable) {
      await worker.started();
    } else {
      using _shield = new CancelScope({ shield: true });
      await worker.started();
    }
  } catch (error) {
    await finish(pool, worker);
    throw error;
  }
  return worker;
}

/** Kills `worker` (unless it is gone already) and waits, shielded, until it is reaped. */
async function finish(pool: ProcessPool, worker: WorkerProcess): Promise<void> {
  pool.discard(worker);
  worker.kill();
  using _shield = new CancelScope({ shield: true });
  await worker.reaped();
}

/**
 * Runs functions in worker processes: `toProcess.runSync(fn, ...args)` calls a function that a
 * module exports (named with `workerFunction()`) in a separate Node process and returns its
 * result, so CPU-bound work runs on another core and a crash takes only the worker down.
 *
 * Workers are started on demand (at most one busy worker per limiter token), reused most
 * recently used first, killed after 300,000 ms idle (at the next call), and all killed with
 * SIGKILL and reaped when `run()` ends or this process exits. Arguments and results cross by
 * structured clone (`serialization: "advanced"`); an error thrown by the function is rethrown
 * here with its name, message, stack and code.
 */
export const toProcess = Object.freeze({
  /**
   * Calls `fn(...args)` in a worker process and returns its (awaited) result.
   *
   * This is a checkpoint: cancellation is checked first (a cancelled task reserves no token and
   * no worker), the arguments are serialized, then a limiter token is borrowed and a worker
   * taken or started. Without `cancellable` the call is shielded: it returns the worker's
   * result and the cancellation lands at the next checkpoint. With `cancellable: true`,
   * cancellation kills the worker (SIGKILL), reaps it, and raises `Cancelled`.
   *
   * @example
   * ```ts
   * const fib = workerFunction<typeof import("./fib.js").fib>(new URL("./fib.js", import.meta.url), "fib");
   * const result = await toProcess.runSync(fib, 30);
   * const killable = await toProcess.runSync({ cancellable: true }, fib, 40);
   * ```
   * @throws BrokenWorkerProcess if the worker dies, breaks the protocol or does not start within 20,000 ms.
   * @throws TypeError for a plain function instead of a `WorkerFunction`, a function among the
   *   arguments, or an invalid option; `DataCloneError` for arguments structured clone refuses.
   * @throws NotSupportedError in a browser.
   * @typeParam F - the type of the function the module exports: it types the arguments and the result.
   */
  runSync,
  /**
   * The current run's default limiter: one token per core (`os.availableParallelism()`, 2 if
   * unknown). Never a checkpoint.
   * @throws NoCurrentTaskError outside `run()`.
   */
  currentDefaultProcessLimiter,
});
