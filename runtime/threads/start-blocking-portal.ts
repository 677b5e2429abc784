/**
 * `startBlockingPortal()`: a blocking portal running in a worker thread of its own, for
 * synchronous code that wants to use structured async code (AnyIO's `start_blocking_portal`).
 */
import { describeValue } from "../core/validate";
import { currentFrame, currentRun, onRunClose } from "../rt";
import { BlockingPortalClient } from "./blocking-portal-client";
import { threadsHost } from "./host";

let portals = 0;

/**
 * Starts a worker thread that runs `run()` with a {@link BlockingPortal} and blocks until the
 * portal is running; returns a client of it. Closing the client stops the portal (waiting for
 * its tasks) and ends the thread. Called inside `run()`, the thread also ends with the run (as
 * every worker does). Blocks this thread; never a checkpoint.
 *
 * @param options.name - the worker thread's name; default `"anyio-ts-portal-<n>"`.
 * @throws BrokenWorkerThread when the worker could not start its portal.
 * @example
 * ```ts
 * using portal = startBlockingPortal();
 * const value = portal.call(workerFunction<typeof compute>(require.resolve("./compute"), "compute"), 3);
 * ```
 */
export function startBlockingPortal(options?: { name?: string }): BlockingPortalClient {
  const host = threadsHost.get("startBlockingPortal()");
  const name = options?.name ?? `anyio-ts-portal-${++portals}`;
  if (typeof name !== "string") throw new TypeError(`Expected \`name\` to be a string, got ${describeValue(name)}`);
  const worker = host.startPortalWorker(name);
  // Started inside a run, the thread is the run's: it does not outlive it (run() waits for its end).
  if (currentFrame() !== undefined) onRunClose(currentRun("startBlockingPortal()"), () => worker.terminate());
  return BlockingPortalClient._owning(worker);
}
