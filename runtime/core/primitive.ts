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
 * 2. A promise branded here, by {@link tagPrimitive}: the promise of a runtime operation. The
 *    await is neither raced nor checked, wherever and whenever it happens, so whatever the
 *    operation delivered reaches the code that awaits it.
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
 *   Invariant: a branded promise is never abandoned by compiled code, so a resource its
 *   operation handed over is always seen by the code that awaits it. An operation belongs to the
 *   scope it was called in: awaiting its promise later, in another scope, does not move it.
 *
 * The brand is a private field stamped onto the promise (runtime/core/stamp.ts): invisible to
 * reflection, and, unlike a Promise subclass, it keeps `await`'s timing and fast path.
 */

import { Stamp } from "./stamp";

class PrimitiveMark extends Stamp {
  #primitive = true;

  static has(value: object): boolean {
    return #primitive in value;
  }
}

/** Brands `promise` as a runtime operation's (see the rules above) and returns it. */
export function tagPrimitive<P extends Promise<unknown>>(promise: P): P {
  if (!PrimitiveMark.has(promise)) new PrimitiveMark(promise);
  return promise;
}

/** Whether `value` is a promise branded by {@link tagPrimitive}. */
export function isPrimitivePromise(value: unknown): boolean {
  return typeof value === "object" && value !== null && PrimitiveMark.has(value);
}
