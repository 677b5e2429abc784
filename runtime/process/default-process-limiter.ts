/**
 * The capacity limiter that bounds how many worker processes one `run()` keeps busy when the
 * caller of `toProcess.runSync()` gives no limiter of its own: one token per core.
 */
import { currentRun } from "../rt";
import { CapacityLimiter } from "../sync/capacity-limiter";
import { processHost } from "./host";

const limiters = new WeakMap<object, CapacityLimiter>();

/**
 * The current run's default limiter for `toProcess.runSync()`, made on first use with one token
 * per core (`os.availableParallelism()`, 2 if unknown). Change its `totalTokens` to allow more
 * or fewer worker processes at once. Never a checkpoint.
 *
 * @example
 * ```ts
 * toProcess.currentDefaultProcessLimiter().totalTokens = 2;
 * ```
 * @throws NoCurrentTaskError outside `run()`.
 * @throws NotSupportedError in a browser.
 */
export function currentDefaultProcessLimiter(): CapacityLimiter {
  const host = processHost.get("toProcess.currentDefaultProcessLimiter()");
  const run = currentRun("toProcess.currentDefaultProcessLimiter()");
  let limiter = limiters.get(run);
  if (limiter === undefined) {
    const cores = host.availableParallelism();
    limiter = new CapacityLimiter(Number.isInteger(cores) && cores > 0 ? cores : 2);
    limiters.set(run, limiter);
  }
  return limiter;
}
