/**
 * Helpers shared by the runtime suites that need anyio-ts itself. They live apart from
 * tests/helpers.ts, which stays free of anyio-ts imports so that every suite (integrations,
 * hosts) can use it. Plain code (no "use structured" directive): callable from structured and
 * plain suites alike.
 */
import {
  CancelScope,
  checkpoint,
  createTaskGroup,
  run,
  sleep,
  type MemoryObjectStreamStatistics,
  type TaskGroup,
} from "anyio-ts";
import { caught } from "../helpers";

/** `run()` a fresh task group that runs `fn`: resolves to what `fn` returned. */
export function inTaskGroup<T>(fn: (tg: TaskGroup) => Promise<T> | T): Promise<T> {
  return run(() => createTaskGroup().run(fn));
}

/**
 * `run()`s `action` inside a scope that is cancelled before it starts, and resolves to what
 * `action` threw (failing when it completed normally). The error is re-thrown inside the scope,
 * so a Cancelled is swallowed there as usual.
 */
export async function caughtInCancelledScope(action: () => PromiseLike<unknown>): Promise<unknown> {
  let error: unknown;
  await run(() =>
    new CancelScope().run(async (scope) => {
      scope.cancel();
      error = await caught(action());
      throw error;
    }),
  );
  return error;
}

/** Lets foreign promise chains, callbacks and macrotasks run (not a timing assertion). */
export const settle = () => sleep(5);

/** Settles repeatedly until `condition` holds (at most `rounds` times), so counts are read once quiet. */
export async function settleUntil(condition: () => boolean, rounds = 100): Promise<void> {
  for (let i = 0; i < rounds && !condition(); i++) await settle();
  await settle();
}

/**
 * Checkpoints until the stream's statistics match `expected`. (In structured code
 * waitAllTasksBlocked() would be the natural tool, but it does not return when awaited from
 * structured code yet.)
 */
export async function until(
  end: { statistics(): MemoryObjectStreamStatistics },
  expected: Partial<MemoryObjectStreamStatistics>,
): Promise<void> {
  const matches = () =>
    Object.entries(expected).every(
      ([key, value]) => end.statistics()[key as keyof MemoryObjectStreamStatistics] === value,
    );
  while (!matches()) await checkpoint();
}
