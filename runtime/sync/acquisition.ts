/**
 * What `acquire()` resolves to, and the promises an immediate acquire returns.
 * Internal: `anyio-ts` exposes acquisitions only as `Disposable`.
 *
 * Every promise a sync primitive returns is a runtime operation's (branded by `tagPrimitive`, or
 * a `Waiter`'s own promise), and keeps the rules of runtime/core/primitive.ts: compiled code
 * awaits it as it is, so an acquire that took the lock is always seen by the code that awaits it.
 */
import { noteSchedulePoint } from "../core/checkpoint-counts";
import { yieldMacrotask } from "../core/clock";
import { currentFrame } from "../core/frame";
import { tagPrimitive } from "../core/primitive";

/** What can be released through an {@link Acquisition}. */
interface Releasable {
  release(): void;
  releaseOnBehalfOf?(borrower: object): void;
}

/**
 * What `acquire()` resolves to: disposing it releases that acquisition, so
 * `using _ = await lock.acquire();` releases at the end of the block. Disposing it again does
 * nothing. The release runs the primitive's own checks (a Lock must be released by the task
 * that holds it).
 */
export class Acquisition implements Disposable {
  private released = false;

  constructor(
    private readonly target: Releasable,
    private readonly borrower?: object,
  ) {}

  [Symbol.dispose](): void {
    if (this.released) return;
    if (this.borrower === undefined) this.target.release();
    else this.target.releaseOnBehalfOf!(this.borrower);
    this.released = true;
  }

  toString(): string {
    return `<Acquisition of ${String(this.target)}${this.released ? " released" : ""}>`;
  }
}

/**
 * Resolves to `value` after one macrotask, whatever happens to the task's scopes meanwhile: the
 * second half of a non-fast acquire, which takes the resource first and then lets other tasks
 * run (so a loop of uncontended acquires cannot starve the event loop).
 */
export function shieldedYield<T>(value: T): Promise<T> {
  noteSchedulePoint(currentFrame());
  return tagPrimitive(new Promise((resolve) => yieldMacrotask(() => resolve(value))));
}

/** Resolves to `value` without yielding: the second half of a `fastAcquire` acquire. */
export function immediate<T>(value: T): Promise<T> {
  return tagPrimitive(Promise.resolve(value));
}
