/**
 * The seam between the host-neutral rooms of the runtime (`net/`, `fs/`, `process/`, ...) and the
 * host that does their I/O, as AnyIO's public functions dispatch to its `AsyncBackend`.
 *
 * Each room declares what it needs from the host as an interface and one {@link Seam} for it
 * (`runtime/net/host.ts`, say). The Node entry point (`runtime/index.ts`) loads the module under
 * `runtime/platform/node/` that implements the interface and installs it; the browser entry never
 * loads that module, so the room's public functions exist there with the same types and every
 * call throws `NotSupportedError` naming the function. This file imports nothing from the host.
 *
 * Invariant: a seam is installed at most once, before any user code runs (at module load).
 */
import { NotSupportedError } from "../core/errors";

/**
 * One host capability: the implementation the Node entry point installs, or, where none was
 * installed (a browser), a `NotSupportedError` for whoever asks.
 */
export class Seam<T> {
  private implementation: T | undefined = undefined;

  /**
   * @param lacking - why a host without it cannot do the call, completing the sentence
   *   "connectTcp() needs Node.js, Bun or Deno; …" (for example "browsers cannot open sockets").
   */
  constructor(private readonly lacking: string) {}

  /** Installs the host's implementation (once, from the module that implements it). */
  install(implementation: T): void {
    if (this.implementation !== undefined) throw new Error("A host seam can be installed only once");
    this.implementation = implementation;
  }

  /** Whether a host implementation is installed (false in browsers). */
  get installed(): boolean {
    return this.implementation !== undefined;
  }

  /**
   * The installed implementation.
   *
   * @param call - the public call that needs it, as the error should name it: `"connectTcp()"`,
   *   `"new TLSListener()"`.
   * @throws NotSupportedError when no host implementation is installed.
   */
  get(call: string): T {
    const implementation = this.implementation;
    if (implementation === undefined)
      throw new NotSupportedError(`${call} needs Node.js, Bun or Deno; ${this.lacking}`);
    return implementation;
  }
}
