/**
 * One host operation (a connection attempt, a bind) awaited as a runtime primitive: compiled
 * callers await it without a race, and cancellation reaches it through a `Waiter` parked in the
 * caller's scope.
 *
 * Invariant: whatever the operation opened is either delivered to the caller or closed. A
 * cancellation before it completed aborts it (the host destroys what it opened); a result that
 * arrives after the waiter ended (it was cancelled meanwhile) is disposed of at once.
 */
import { currentFrame, Waiter, type Frame } from "../rt";
import { cancelled, outsideTask } from "../sync/checks";
import type { Abort, Completion } from "./host";

/**
 * The waiter of one host operation, and the completion the host reports to: one object per
 * operation where separate callbacks would cost three closures and an object (a connection
 * attempt is one per `connectTcp()`).
 */
class HostCall<T> extends Waiter<T> implements Completion<T> {
  /** How to undo the operation, once started. */
  abort: Abort | undefined = undefined;

  constructor(
    frame: Frame,
    private readonly dispose: (value: T) => void,
  ) {
    super(frame);
  }

  /** The operation succeeded: the value goes to the caller, or is disposed of if it was cancelled meanwhile. */
  ok(value: T): void {
    if (!this.wake(value)) this.dispose(value);
  }

  /** Cancellation ended the wait: undo the operation (the host closes what it opened). */
  protected override _withdraw(): void {
    this.abort?.();
  }
}

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
  const call = new HostCall<T>(frame, dispose).waitsFor("operation", what);
  try {
    call.abort = start(call);
  } catch (error) {
    call.fail(error);
  }
  return call.promise;
}
