/**
 * Which awaits in compiled code skip the cancellation race: the whole rule, and what a runtime
 * operation must do to qualify.
 *
 * Compiled code turns every `await x` into a checkpoint (runtime/core/compiled.ts): if the
 * invocation's scope is effectively cancelled the await raises `Cancelled` at once, and a
 * promise from outside the runtime is raced against the scope, so cancellation can abandon it.
 * Exactly two kinds of awaits are exempt, and are awaited as they are:
 *
 * 1. A direct call of a compiled function (`await g(a)`, `suspendCall`): the callee checks and
 *    races its own awaits, and the caller must wait for its `finally` blocks.
 * 2. The promise of a runtime operation, tagged here by {@link tagPrimitive}, at the first await
 *    of it by compiled code, wherever and whenever that await happens: it is neither raced nor
 *    checked, so whatever the operation delivered reaches the code that awaits it.
 *
 * A runtime operation may brand its promise only if it keeps these promises, which stand in for
 * the check and the race the await skips:
 *
 * - it checks for cancellation when it is called, in the scope of the frame it is called in: a
 *   cancelled caller gets a rejected promise and the operation does nothing (takes no lock,
 *   receives no item, sends nothing);
 * - every wait it does is parked in that scope (a `Waiter`, runtime/core/waiter.ts), so
 *   cancelling the scope ends the wait with `Cancelled`;
 * - once the operation has taken effect (a lock granted, an item handed over, a value
 *   delivered), its promise never rejects with `Cancelled`: it resolves, and the cancellation
 *   lands at the caller's next checkpoint (Trio's rule: no lost results).
 *
 * `scope.run()`, `tg.run()` and `tg.start()` also brand their promises: they run a body in a
 * scope of their own, whose checkpoints do the checking (a shielded `scope.run()` awaited in a
 * cancelled scope must still run its body).
 *
 *   Invariant: compiled code never abandons a runtime operation's promise at its first await
 *   of it, so a resource the operation handed over is always seen by the code that awaits it.
 *   An operation belongs to the scope it was called in: awaiting its promise later, in another
 *   scope, does not move it. (A second await of the same promise is an ordinary await: what the
 *   operation delivered went to the first.)
 *
 * How an operation's promise is recognised, without costing memory in the common case:
 * compiled code awaits an operation's promise right after the call (`await lock.acquire()`), so
 * the promise the last operation returned is kept in {@link latest}, and an await of exactly that
 * promise takes it (`latest` is cleared). Only a promise that another operation's promise
 * displaces from `latest` before compiled code took it (`const p = lock.acquire(); other(); await
 * p`, or any operation whose promise plain code awaits) gets a brand: a symbol property, which
 * costs an allocation per promise. So a suspended compiled task carries no brand, and every
 * operation's promise is either `latest`, taken, or branded.
 */

/** The brand of an operation's promise that was displaced from {@link latest} before compiled code took it. */
const PRIMITIVE = Symbol("anyio-ts.operation");

type Brandable = { [PRIMITIVE]?: true };

/** The promise the latest runtime operation returned, until compiled code awaits it or another displaces it. */
let latest: Promise<unknown> | undefined;

/** Tags `promise` as a runtime operation's (see the rules above) and returns it. */
export function tagPrimitive<P extends Promise<unknown>>(promise: P): P {
  const displaced = latest;
  if (displaced !== undefined && displaced !== promise) (displaced as Brandable)[PRIMITIVE] = true;
  latest = promise;
  return promise;
}

function isBranded(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Brandable)[PRIMITIVE] === true;
}

/**
 * Whether `value` is a runtime operation's promise that compiled code has not awaited yet: the
 * latest one, or a branded one. Does not take it.
 */
export function isPrimitivePromise(value: unknown): boolean {
  return (value === latest && value !== undefined) || isBranded(value);
}

/**
 * For the await of `value` by compiled code: whether it is a runtime operation's promise
 * ({@link isPrimitivePromise}); the latest one is taken, so that the next operation need not brand it.
 */
export function takePrimitivePromise(value: unknown): boolean {
  if (value === latest && value !== undefined) {
    latest = undefined;
    return true;
  }
  return isBranded(value);
}
