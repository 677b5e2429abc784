/**
 * The worker processes of one `run()` for `toProcess.runSync()`: every live worker, and the
 * idle ones as a stack (the most recently used is reused first, so the others go idle long
 * enough to be pruned). Internal.
 *
 * Hand-written rather than a pool library: the pools on npm (piscina, tinypool, workerpool)
 * either run threads only or own their workers' lifetime with timers and queues of their own,
 * while these rules need the run's limiter to do the queueing, a SIGKILL-and-reap of the very
 * worker a cancelled call was using, and every worker reaped before `run()` settles.
 *
 * Invariants:
 * - A worker is in `idle` only between calls; a call holds it exclusively.
 * - When the run ends, every worker (idle or not) is killed with SIGKILL and reaped before
 *   `run()` settles (`onRunClose`); the host also kills any left when this process exits.
 */
import { currentRun, onRunClose } from "../rt";
import { currentTime } from "../core/checkpoint";
import type { ProcessHost } from "./host";
import { WorkerProcess } from "./worker-process";

/** Workers idle this long (ms) or longer are killed at the next call (AnyIO's figure). */
export const WORKER_MAX_IDLE_TIME = 300_000;

export class ProcessPool {
  readonly workers = new Set<WorkerProcess>();
  /** Idle workers, least recently used first. */
  readonly idle: WorkerProcess[] = [];

  constructor(private readonly host: ProcessHost) {}

  /**
   * The most recently used idle worker that is still alive, or undefined; workers idle for
   * {@link WORKER_MAX_IDLE_TIME} or longer are taken out and returned in `pruned` (to kill and reap).
   */
  takeIdle(pruned: WorkerProcess[]): WorkerProcess | undefined {
    let chosen: WorkerProcess | undefined;
    while (this.idle.length > 0) {
      const worker = this.idle.pop()!;
      if (!worker.dead) {
        chosen = worker;
        break;
      }
      this.workers.delete(worker);
    }
    if (chosen !== undefined) {
      const now = currentTime();
      while (this.idle.length > 0 && now - this.idle[0]!.idleSince >= WORKER_MAX_IDLE_TIME) {
        const old = this.idle.shift()!;
        this.workers.delete(old);
        pruned.push(old);
      }
    }
    return chosen;
  }

  /** Starts a new worker (it reports ready later: see `WorkerProcess.started()`). */
  spawn(): WorkerProcess {
    const worker = new WorkerProcess(this.host.forkWorker(), this.host);
    this.workers.add(worker);
    return worker;
  }

  /** Puts a worker that finished a call back as the most recently used. */
  release(worker: WorkerProcess): void {
    if (worker.dead) {
      this.workers.delete(worker);
      return;
    }
    worker.idleSince = currentTime();
    this.idle.push(worker);
  }

  /** Forgets a worker that broke or is being killed. */
  discard(worker: WorkerProcess): void {
    this.workers.delete(worker);
    const index = this.idle.indexOf(worker);
    if (index >= 0) this.idle.splice(index, 1);
  }

  /** Kills every worker and resolves once all are reaped. */
  close(): Promise<void> | undefined {
    const workers = [...this.workers];
    this.workers.clear();
    this.idle.length = 0;
    if (workers.length === 0) return undefined;
    for (const worker of workers) worker.kill();
    return Promise.all(workers.map((worker) => worker.exited)).then(() => undefined);
  }
}

const pools = new WeakMap<object, ProcessPool>();

/** The current run's pool, made (and set to close when the run ends) on first use. */
export function currentProcessPool(host: ProcessHost): ProcessPool {
  const run = currentRun("toProcess.runSync()");
  let pool = pools.get(run);
  if (pool === undefined) {
    const made = new ProcessPool(host);
    pool = made;
    pools.set(run, made);
    onRunClose(run, () => made.close());
  }
  return pool;
}
