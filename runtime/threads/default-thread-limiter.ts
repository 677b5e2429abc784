/**
 * The capacity limiter that bounds how much blocking work one `run()` hands to the host's
 * thread pool at a time when the caller gives no limiter of its own: file operations, `Path`
 * queries, and (with the threads room) `toThread.runSync()`. AnyIO's default: 40 tokens, one
 * limiter per event loop, so a run never waits on tokens held by another run's tasks.
 */
import { currentRun } from "../rt";
import { CapacityLimiter } from "../sync/capacity-limiter";

/** How many operations one run may have in the host's pool by default (AnyIO's figure). */
export const DEFAULT_THREAD_TOKENS = 40;

const limiters = new WeakMap<object, CapacityLimiter>();

/**
 * The current run's default limiter, made on first use with {@link DEFAULT_THREAD_TOKENS}
 * tokens. Never a checkpoint.
 *
 * @throws NoCurrentTaskError outside `run()`.
 */
export function currentDefaultThreadLimiter(): CapacityLimiter {
  const run = currentRun("currentDefaultThreadLimiter()");
  let limiter = limiters.get(run);
  if (limiter === undefined) {
    limiter = new CapacityLimiter(DEFAULT_THREAD_TOKENS);
    limiters.set(run, limiter);
  }
  return limiter;
}
