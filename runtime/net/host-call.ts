/**
 * One host operation (a connection attempt, a bind) awaited as a runtime primitive: compiled
 * callers await it without a race, and cancellation reaches it through a `Waiter` parked in the
 * caller's scope.
 *
 * Invariant: whatever the operation opened is either delivered to the caller or closed. A
 * cancellation before it completed aborts it (the host destroys what it opened); a result that
 * arrives after the waiter ended (it was cancelled meanwhile) is disposed of at once.
 */
import { currentFrame, Waiter } from "../rt";
import { cancelled, outsideTask } from "../sync/checks";
import type { Abort, Completion } from "./host";

/**
 * Runs `start` in the current task and returns its result as a primitive promise.
 *
 * @param what - the call an error outside a task names ("connectTcp()").
 * @param start - starts the operation and returns how to abort it.
 * @param dispose - closes a result nobody will receive.
 */
export function hostCall<T>(
  what: string,
  start: (done: Completion<T>) => Abort,
  dispose: (value: T) => void,
): Promise<T> {
  const frame = currentFrame();
  if (frame === undefined) return outsideTask(what);
  if (frame.scope._effectivelyCancelled) return cancelled(frame);
  let abort: Abort | undefined;
  const waiter = new Waiter<T>(frame, () => abort?.()).waitsFor("operation", what);
  try {
    abort = start({
      ok: (value) => {
        if (!waiter.wake(value)) dispose(value);
      },
      fail: (error) => {
        waiter.fail(error);
      },
    });
  } catch (error) {
    waiter.fail(error);
  }
  return waiter.promise;
}
