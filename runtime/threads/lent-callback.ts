/**
 * `toThread.callback(fn)`: lending a function of the event loop thread to one
 * `toThread.runSync()` call, as one of its arguments. A function cannot cross to another
 * thread, so it travels as a placeholder; in the worker it arrives as a synchronous function
 * that blocks the worker while `fn` runs on the loop thread (as `fromThread.run` does).
 */
import { checkFunction } from "../rt";

/** Lent wrappers → the functions they lend. */
const lent = new WeakMap<Function, (...args: any[]) => unknown>();

/**
 * Marks `fn` to be lent to a worker as an argument of `toThread.runSync()`. In the worker it is
 * a synchronous function: each call blocks the worker while `fn(...args)` runs on the event loop
 * thread as a task in the caller's cancel scope, and returns its awaited result (or throws its
 * error, `Cancelled` included). Valid until that `runSync()` call returns; a later call throws
 * `Error("this callback's toThread.runSync() call has ended")`. Called on the loop thread, the
 * returned function just calls `fn`. Never a checkpoint.
 *
 * Only top-level arguments are lent: a marked function nested in an object cannot be cloned.
 *
 * @typeParam F - the function's type, kept by the lent function.
 * @param fn - the function to lend.
 * @returns a function of the same type, to pass as an argument of `toThread.runSync()`.
 * @throws TypeError when `fn` is not a function.
 * @example
 * ```ts
 * const progress = (done: number) => console.log(`${done}%`);
 * await toThread.runSync(crunch, data, toThread.callback(progress));
 * // crunch.cjs: exports.crunch = (data, progress) => { ...; progress(50); ... }
 * ```
 */
export function callback<F extends (...args: any[]) => unknown>(fn: F): F {
  checkFunction("fn", fn);
  const wrapper = function lentCallback(this: unknown, ...args: unknown[]): unknown {
    return fn.apply(this, args);
  };
  lent.set(wrapper, fn);
  return wrapper as unknown as F;
}

/** The function `value` lends, if it was made by {@link callback}. */
export function lentFunction(value: unknown): ((...args: any[]) => unknown) | undefined {
  return typeof value === "function" ? lent.get(value) : undefined;
}
