/**
 * `BlockingPortalClient`: a blocking portal as another thread sees it. Built from a
 * {@link PortalToken}, it starts tasks in the portal's event loop thread with `WorkerFunction`s
 * (a closure cannot cross threads) and blocks this thread (`Atomics.wait`) until the loop
 * answers. Also what `startBlockingPortal()` returns: a portal in a worker thread of its own.
 */
import { checkWorkerFunction, type WorkerFunction } from "./worker-function";
import { threadsHost, type PortalClientImplementation, type PortalWorker } from "./host";
import { PortalFuture } from "./portal-future";
import type { PortalToken } from "./blocking-portal";
import { describeValue } from "../core/validate";

type Fn = (...args: any[]) => unknown;

const implOf = new WeakMap<BlockingPortalClient, PortalClientImplementation>();
const ownedWorker = new WeakMap<BlockingPortalClient, PortalWorker>();

/**
 * A connection to a {@link BlockingPortal} from another thread (a user's `Worker`, a worker of
 * `toThread`, or the thread that called `startBlockingPortal()`). Its calls block this
 * thread until the portal's loop answers; they are not checkpoints of any task.
 *
 * @example
 * ```ts
 * // in a Worker that received { token } (posted with transferList [token.port]):
 * using client = BlockingPortalClient.connect(token);
 * const rows = client.call(workerFunction<typeof query>(require.resolve("./db"), "query"), "select 1");
 * ```
 */
export class BlockingPortalClient implements Disposable {
  private constructor(impl: PortalClientImplementation, owned?: PortalWorker) {
    implOf.set(this, impl);
    if (owned !== undefined) ownedWorker.set(this, owned);
  }

  /**
   * Connects to the portal that made `token` (with `portal.connect()`). Never blocks.
   *
   * @throws TypeError when `token` is not a portal token.
   * @throws NotSupportedError in a browser.
   */
  static connect(token: PortalToken): BlockingPortalClient {
    const host = threadsHost.get("BlockingPortalClient.connect()");
    if (typeof token !== "object" || token === null || typeof (token as { port?: unknown }).port !== "object") {
      throw new TypeError(
        `Expected \`token\` to be a PortalToken (from portal.connect()), got ${describeValue(token)}`,
      );
    }
    return new BlockingPortalClient(host.portalClient(token.port, token.threadId));
  }

  /** @internal The client of a portal in a worker thread of its own (start-blocking-portal.ts). */
  static _owning(worker: PortalWorker): BlockingPortalClient {
    const host = threadsHost.get("startBlockingPortal()");
    return new BlockingPortalClient(host.portalClient(worker.port, worker.threadId), worker);
  }

  private get impl(): PortalClientImplementation {
    return implOf.get(this)!;
  }

  /**
   * Runs `fn(...args)` as a task in the portal and blocks this thread until it ends; returns its
   * (awaited) value or throws its error.
   *
   * @throws Error("This method cannot be called from the event loop thread") on the portal's thread.
   * @throws Error("This portal is not running") once the portal stopped.
   */
  call<F extends Fn>(fn: WorkerFunction<F>, ...args: Parameters<F>): Awaited<ReturnType<F>> {
    checkWorkerFunction(fn, "BlockingPortalClient.call()", "the portal's thread");
    return this.impl.call(fn, args) as Awaited<ReturnType<F>>;
  }

  /**
   * Starts `fn(...args)` as a task in the portal and returns its future at once.
   *
   * @throws Error("This portal is not running") once the portal stopped.
   */
  startTaskSoon<F extends Fn>(fn: WorkerFunction<F>, ...args: Parameters<F>): PortalFuture<Awaited<ReturnType<F>>>;
  startTaskSoon<F extends Fn>(
    options: { name?: string },
    fn: WorkerFunction<F>,
    ...args: Parameters<F>
  ): PortalFuture<Awaited<ReturnType<F>>>;
  startTaskSoon(first: unknown, ...rest: unknown[]): PortalFuture<unknown> {
    let name: string | undefined;
    let fn = first;
    let args = rest;
    if (typeof first === "object" && first !== null && typeof (first as { module?: unknown }).module !== "string") {
      name = (first as { name?: string }).name;
      fn = rest[0];
      args = rest.slice(1);
    }
    checkWorkerFunction(fn, "BlockingPortalClient.startTaskSoon()", "the portal's thread");
    return new PortalFuture(this.impl.startTaskSoon(name, fn, args) as never);
  }

  /**
   * Starts `fn(...args, taskStatus)` in the portal and blocks until it calls
   * `taskStatus.started(value)`, as `TaskGroup.start` does; returns its future and that value.
   *
   * @throws Error("Task exited without calling task_status.started()") when it ended without.
   */
  startTask<F extends Fn>(
    fn: WorkerFunction<F>,
    ...args: Parameters<F>
  ): [future: PortalFuture<Awaited<ReturnType<F>>>, startValue: unknown] {
    checkWorkerFunction(fn, "BlockingPortalClient.startTask()", "the portal's thread");
    const [future, value] = this.impl.startAndWait(undefined, fn, args);
    return [new PortalFuture(future as never), value];
  }

  /**
   * Stops the portal (cancelling its running tasks if `cancelRemaining`) and blocks until it has
   * stopped accepting tasks.
   *
   * @param cancelRemaining - default false.
   */
  stop(cancelRemaining = false): void {
    this.impl.stop(cancelRemaining);
  }

  /**
   * Disconnects this client. For the client of `startBlockingPortal()`: stops the portal
   * (waiting for its remaining tasks) and ends its worker thread.
   */
  close(): void {
    const worker = ownedWorker.get(this);
    const impl = this.impl;
    if (worker !== undefined) {
      ownedWorker.delete(this);
      try {
        impl.stop(false);
      } catch {
        // Stopped already.
      }
      impl.waitUntilExited();
      impl.close();
      worker.end();
      return;
    }
    impl.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
