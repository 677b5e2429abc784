/**
 * `assertCheckpoints()` and `assertNoCheckpoints()`: the one-line test that an operation is (or
 * is not) a checkpoint, as Trio's `testing.assert_checkpoints` gives.
 *
 * A checkpoint is a cancel point (the task's cancellation was checked) and a schedule point (the
 * event loop got a turn); the runtime counts both per task while an assertion watches
 * (runtime/core/checkpoint-counts.ts says where). Only the calling task's checkpoints count:
 * those of tasks that `fn` spawns do not.
 */
import { checkFunction, requireFrame, runningChain, tagPrimitive, watchCheckpoints, type CheckpointTally } from "../rt";

/**
 * Runs `fn` in the current task and fails unless it passed through at least one checkpoint:
 * its task's cancellation was checked **and** other tasks got a turn. When `fn` throws (a
 * checkpoint raised `Cancelled`, say) the error propagates and nothing is asserted.
 *
 * The promise is awaited by compiled code without a race of its own, so a structured test's
 * `await` of it adds no checkpoint.
 *
 * @example
 * ```ts
 * structuredTest("acquire() is a checkpoint even when the lock is free", async () => {
 *   const lock = new Lock();
 *   const acquisition = await assertCheckpoints(() => lock.acquire());
 *   acquisition[Symbol.dispose]();
 * });
 * ```
 * @returns what `fn` returned (awaited).
 * @throws Error naming the missing half when `fn` returned without a full checkpoint.
 * @throws NoCurrentTaskError outside `run()`.
 */
export function assertCheckpoints<T>(fn: () => T | PromiseLike<T>): Promise<Awaited<T>> {
  return watch("assertCheckpoints", fn, true);
}

/**
 * Runs `fn` in the current task and fails if it passed through a checkpoint, or even half of
 * one: a cancellation check, or a turn given to other tasks. Asserted whether `fn` returns or
 * throws (a failed assertion replaces `fn`'s error).
 *
 * @example
 * ```ts
 * structuredTest("sendNowait() is never a checkpoint", async () => {
 *   const [send, receive] = createMemoryObjectStream<number>(1);
 *   await assertNoCheckpoints(() => send.sendNowait(1));
 *   send.close(); receive.close();
 * });
 * ```
 * @returns what `fn` returned (awaited).
 * @throws Error naming what was counted when `fn` passed through a cancel or schedule point.
 * @throws NoCurrentTaskError outside `run()`.
 */
export function assertNoCheckpoints<T>(fn: () => T | PromiseLike<T>): Promise<Awaited<T>> {
  return watch("assertNoCheckpoints", fn, false);
}

function watch<T>(name: string, fn: () => T | PromiseLike<T>, expected: boolean): Promise<Awaited<T>> {
  let stop: () => CheckpointTally;
  try {
    checkFunction("fn", fn);
    stop = watchCheckpoints(requireFrame(`${name}()`).task, runningChain());
  } catch (error) {
    return Promise.reject(error);
  }
  return tagPrimitive(settle(name, fn, expected, stop));
}

async function settle<T>(
  name: string,
  fn: () => T | PromiseLike<T>,
  expected: boolean,
  stop: () => CheckpointTally,
): Promise<Awaited<T>> {
  let value: Awaited<T>;
  try {
    value = await fn();
  } catch (error) {
    const tally = stop();
    if (!expected && yielded(tally))
      throw new Error(`${name}(): the code passed through ${describe(tally)} before it threw`, { cause: error });
    throw error;
  }
  const tally = stop();
  if (expected && (tally.cancelPoints === 0 || tally.schedulePoints === 0)) {
    throw new Error(
      `${name}(): the code passed through no checkpoint (${describe(tally)}); ` +
        "a checkpoint both checks for cancellation and lets other tasks run",
    );
  }
  if (!expected && yielded(tally)) throw new Error(`${name}(): the code passed through ${describe(tally)}`);
  return value;
}

function yielded(tally: CheckpointTally): boolean {
  return tally.cancelPoints !== 0 || tally.schedulePoints !== 0;
}

function describe(tally: CheckpointTally): string {
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;
  return `${count(tally.cancelPoints, "cancel point")} and ${count(tally.schedulePoints, "schedule point")}`;
}
