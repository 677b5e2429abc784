/**
 * The worker threads of one `run()`: idle workers are reused most recently used first, a worker
 * idle for {@link IDLE_TIMEOUT_MS} is terminated, and when the run ends every worker is, busy
 * (abandoned) ones included, so no worker outlives `run()`. How many workers run at once is
 * bounded by the callers' capacity limiters, not here.
 *
 * Idle workers are retired by one timer per pool, not one per worker: a call only stamps the
 * time its worker went idle, and the timer, armed for the oldest idle worker's deadline, looks
 * at the stamps when it fires. So a call arms and clears no timer, and a run that makes many
 * calls keeps one timer, not one per call.
 *
 * Hand-written rather than piscina or tinypool: a call must be able to leave its worker running
 * (abandonOnCancel) without killing it, each worker needs its own channel and shared flags for
 * `fromThread`, and the pool must die with its run; neither library gives all three without its
 * abort option, which terminates the worker (docs/threads.md has the measurements).
 */
import { currentRun, onRunClose } from "../rt";
import { threadsHost, type HostWorker, type JobOutcome, type ThreadAnswer, type ThreadRequest } from "./host";

/** How long an idle worker waits for another job before it is terminated (AnyIO's figure). */
export const IDLE_TIMEOUT_MS = 10_000;

/** @internal The idle timeout in use (tests shorten it). */
export const poolSettings = { idleTimeoutMs: IDLE_TIMEOUT_MS };

/** What a pooled worker is doing for a call; the call gets the worker's events. */
export interface WorkerClient {
  answer(outcome: JobOutcome): void;
  request(request: ThreadRequest, reply: (answer: ThreadAnswer) => void): void;
  /** The worker died (`cause`: exit code or error), or the run ended (`cause` undefined, `closing`). */
  died(cause: unknown, closing: boolean): void;
}

/** One worker of a pool. */
export class PooledWorker {
  /** The call it runs now; undefined while idle. */
  client: WorkerClient | undefined = undefined;
  /** Whether it ended (died or terminated): it is never handed out again. */
  dead = false;
  /** When it last went idle (`performance.now()`), while it is in the pool's idle list. */
  idleSince = 0;
  readonly host: HostWorker;
  /** Raises the worker's cancel flag (`fromThread.checkCancelled()` reads it): one function per worker, not per call. */
  readonly raiseCancelFlag = (): void => {
    Atomics.store(this.host.flags, 1, 1);
  };

  constructor(private readonly pool: ThreadPool) {
    this.host = threadsHost.get("toThread.runSync()").startWorker({
      answer: (outcome) => this.client?.answer(outcome),
      request: (request, reply) => {
        if (this.client !== undefined) this.client.request(request, reply);
        else reply({ ok: false, cancelled: true, message: "Cancelled: the call has ended" });
      },
      exited: (cause) => this.pool._died(this, cause),
    });
  }
}

const pools = new WeakMap<object, ThreadPool>();

/** The worker threads of the current run (made, with its end-of-run cleanup, on first use). */
export function currentThreadPool(): ThreadPool {
  const run = currentRun("toThread.runSync()");
  let pool = pools.get(run);
  if (pool === undefined) {
    const made = new ThreadPool();
    pool = made;
    pools.set(run, made);
    onRunClose(run, () => made.close());
  }
  return pool;
}

export class ThreadPool {
  /**
   * Idle workers, most recently used last.
   *
   * Invariant: their `idleSince` stamps never decrease along the list, so the first one is the
   * next to reach its deadline.
   */
  private readonly idle: PooledWorker[] = [];
  private readonly workers = new Set<PooledWorker>();
  private closed = false;
  /** The one retirement timer: armed while a worker is idle, for the first idle worker's deadline (or later). */
  private sweepTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** Terminations still under way (of workers retired while idle). */
  private readonly stopping = new Set<Promise<void>>();

  /** Hands `client` a worker: the most recently used idle one, or a new one. */
  take(client: WorkerClient): PooledWorker {
    if (this.closed) throw new Error("toThread.runSync() cannot start a worker: its run() has ended");
    let worker = this.idle.pop();
    if (worker !== undefined) {
      worker.host.ref(true);
    } else {
      worker = new PooledWorker(this);
      this.workers.add(worker);
    }
    worker.client = client;
    return worker;
  }

  /** The call is done with `worker`: it waits for the next job, for at most {@link IDLE_TIMEOUT_MS}. */
  give(worker: PooledWorker): void {
    worker.client = undefined;
    if (worker.dead || this.closed) return;
    // An idle worker must not keep the process alive by itself: the run's end terminates it anyway.
    worker.host.ref(false);
    worker.idleSince = performance.now();
    this.idle.push(worker);
    if (this.sweepTimer === undefined) this.armSweep(poolSettings.idleTimeoutMs);
  }

  /** How many workers the pool has (idle and busy), for tests and statistics. */
  get size(): number {
    return this.workers.size;
  }

  /** How many of them are idle. */
  get idleCount(): number {
    return this.idle.length;
  }

  /** @internal A worker ended by itself. */
  _died(worker: PooledWorker, cause: unknown): void {
    if (worker.dead) return;
    this.forget(worker);
    const client = worker.client;
    worker.client = undefined;
    client?.died(cause, false);
  }

  /** Terminates every worker (the run has ended); resolves once all have stopped. */
  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    const stopping: Promise<void>[] = [...this.stopping];
    for (const worker of [...this.workers]) {
      this.forget(worker);
      const client = worker.client;
      worker.client = undefined;
      client?.died(undefined, true);
      stopping.push(worker.host.terminate());
    }
    return Promise.all(stopping).then(() => {});
  }

  private armSweep(delay: number): void {
    this.sweepTimer = setTimeout(() => this.sweep(), delay);
    (this.sweepTimer as { unref?: () => void }).unref?.();
  }

  /** Retires the workers idle for the timeout, and re-arms for the next deadline while any is idle. */
  private sweep(): void {
    this.sweepTimer = undefined;
    if (this.closed) return;
    const timeout = poolSettings.idleTimeoutMs;
    const now = performance.now();
    while (this.idle.length > 0 && now - this.idle[0]!.idleSince >= timeout) this.retire(this.idle[0]!);
    // A worker taken and given back since the timer was armed has a later deadline: wait for it.
    if (this.idle.length > 0) this.armSweep(Math.max(1, this.idle[0]!.idleSince + timeout - now));
  }

  private retire(worker: PooledWorker): void {
    this.forget(worker);
    const stopped = worker.host.terminate().then(() => {
      this.stopping.delete(stopped);
    });
    this.stopping.add(stopped);
  }

  private forget(worker: PooledWorker): void {
    worker.dead = true;
    this.workers.delete(worker);
    const index = this.idle.indexOf(worker);
    if (index >= 0) this.idle.splice(index, 1);
  }
}
