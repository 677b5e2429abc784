/**
 * `ResourceGuard`: fails fast when two tasks use a resource at once.
 */
import { BusyResourceError } from "../core/errors";
import { describeValue } from "../core/validate";

/**
 * A guard that makes concurrent use of a resource an error instead of a silent mix-up: `enter()`
 * marks the resource as in use until the returned `Disposable` is disposed, and throws
 * {@link BusyResourceError} if it already is. Streams use one per direction, so that two tasks
 * reading from the same socket at once fail loudly. Unlike a {@link Lock}, it never waits.
 *
 * Can be created and used anywhere; it involves no task.
 *
 * @example
 * ```ts
 * class Connection {
 *   private readonly receiving = new ResourceGuard("reading from");
 *   async receive(): Promise<Uint8Array> {
 *     using _ = this.receiving.enter(); // BusyResourceError if another task is reading
 *     return await this.readChunk();
 *   }
 * }
 * ```
 */
export class ResourceGuard {
  /** What the guarded code does, as a verb phrase ("reading from"): it fills the error message. */
  readonly action: string;
  private busy = false;

  /**
   * @param action - completes "Another task is already ... this resource".
   * @default "using"
   * @throws TypeError if `action` is not a string.
   */
  constructor(action = "using") {
    if (typeof action !== "string") {
      throw new TypeError(`Expected \`action\` to be a string, got ${describeValue(action)}`);
    }
    this.action = action;
  }

  /**
   * Marks the resource as in use; disposing the result (once) marks it free again. Never a
   * checkpoint.
   *
   * @example
   * ```ts
   * using _ = guard.enter();
   * ```
   * @throws BusyResourceError if the resource is already in use.
   */
  enter(): Disposable {
    if (this.busy) throw new BusyResourceError(this.action);
    this.busy = true;
    let entered = true;
    return {
      [Symbol.dispose]: () => {
        if (!entered) return;
        entered = false;
        this.busy = false;
      },
    };
  }

  /** A one-line description of this ResourceGuard for logs, the debugger and the playground's task view. */
  toString(): string {
    return `<ResourceGuard ${this.busy ? "busy" : "free"} action='${this.action}'>`;
  }
}
