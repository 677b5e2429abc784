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
 * The Node entry point installs most hosts lazily ({@link Seam.installLazily}): it registers a
 * loader, and the host's module (with the Node modules it imports: `node:tls`, `node:child_process`,
 * ...) is loaded the first time a call asks the seam for it. A program that never opens a file or
 * starts a process never loads those rooms' hosts, which keeps a small server's heap small.
 *
 * Invariant: a seam is installed at most once, and it is installed (or given its loader) before any
 * user code runs (at module load). A loader runs at most once.
 */
import { NotSupportedError } from "../core/errors";

/**
 * One host capability: the implementation the Node entry point installs, or, where none was
 * installed (a browser), a `NotSupportedError` for whoever asks.
 */
export class Seam<T> {
  private implementation: T | undefined = undefined;
  /** What loads the implementation on first use (see {@link installLazily}); dropped once it ran. */
  private loader: (() => void) | undefined = undefined;

  /**
   * @param lacking - why a host without it cannot do the call, completing the sentence
   *   "connectTcp() needs Node.js, Bun or Deno; …" (for example "browsers cannot open sockets").
   */
  constructor(private readonly lacking: string) {}

  /** Installs the host's implementation (once, from the module that implements it). */
  install(implementation: T): void {
    if (this.implementation !== undefined) throw new Error("A host seam can be installed only once");
    this.implementation = implementation;
    this.loader = undefined;
  }

  /**
   * Registers what loads the host's implementation the first time {@link get} asks for it: a
   * function that loads the host's module, which then calls {@link install} as it always does.
   * Loading the module some other way first (a test importing it) installs it just the same.
   */
  installLazily(loader: () => void): void {
    if (this.loader !== undefined) throw new Error("A host seam can be installed only once");
    // Already loaded (a test imported the host's module before the entry point): nothing to do.
    if (this.implementation === undefined) this.loader = loader;
  }

  /** Whether a host implementation is installed, or will be on first use (false in browsers). */
  get installed(): boolean {
    return this.implementation !== undefined || this.loader !== undefined;
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
    if (implementation === undefined) return this.load(call);
    return implementation;
  }

  /**
   * The first {@link get}: runs the loader, if any, and returns what it installed. A loader that
   * throws (the module failed to load) stays, so the next call tries again and fails the same way.
   */
  private load(call: string): T {
    const loader = this.loader;
    if (loader !== undefined) {
      loader();
      this.loader = undefined;
    }
    const implementation = this.implementation;
    if (implementation === undefined)
      throw new NotSupportedError(`${call} needs Node.js, Bun or Deno; ${this.lacking}`);
    return implementation;
  }
}
