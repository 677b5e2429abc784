/**
 * `run()`: the entry point that turns an async function into the root task of a run.
 */
import { callInFrame, currentFrame } from "./context";
import { Runner } from "./runner";
import { TaskHandle } from "./task";
import { checkFunction } from "./validate";

/**
 * Runs `fn(...args)` as the root task of a new run and resolves to its value.
 *
 * Everything structured (task groups, cancel scopes, timeouts, sync primitives) must happen
 * inside a run. Runs do not nest: inside one, start concurrent work with a task group.
 *
 * @example
 * ```ts
 * await run(async () => {
 *   await createTaskGroup().run(async (tg) => { tg.startSoon(main); });
 * });
 * ```
 * @throws Error when called from inside a running task.
 */
export async function run<T, A extends unknown[]>(fn: (...args: A) => T | Promise<T>, ...args: A): Promise<T> {
  checkFunction("fn", fn);
  if (currentFrame() !== undefined) {
    throw new Error("run() cannot be called inside a running task; start concurrent work with a task group instead");
  }
  const runner = new Runner();
  const root = new TaskHandle<T>(runner, fn.name || "run", null);
  root._frame = root._rootScope._enter(root, null);
  runner.addTask(root);
  try {
    const value = await callInFrame(root._frame, fn, args);
    root._finish(true, value);
    return value;
  } catch (error) {
    root._finish(false, error);
    throw error;
  } finally {
    runner.close();
  }
}
