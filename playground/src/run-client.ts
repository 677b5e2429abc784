/**
 * The page's side of a run: one fresh worker per run (see run-worker.ts), terminated by Stop
 * or by the next Run. Terminating a worker ends it even in the middle of a loop that never
 * awaits, which no cancellation inside the program could.
 */
import type { RunEvent, RunMessage, RunRequest } from "./protocol";

/** What a run reports to the page. */
export interface RunObserver {
  event(event: RunEvent): void;
  /** The worker could not start or crashed outside the program (not the program's own error). */
  crashed(message: string): void;
}

/**
 * Runs programs, one at a time. A worker whose program ended stays alive until the next Run or
 * Stop, so output from timers the program left behind (outside run()) still shows.
 */
export class RunClient {
  private worker: Worker | undefined;
  private ended = true;

  constructor(private readonly observer: RunObserver) {}

  /** Whether a run is going on (started, and neither ended nor stopped). */
  get running(): boolean {
    return !this.ended;
  }

  /** Starts `request.code` (CommonJS) in a new worker, stopping any run still going. */
  start(request: RunRequest): void {
    this.stop();
    const worker = new Worker(new URL("./run-worker.ts", import.meta.url), { type: "module", name: "anyio-ts run" });
    this.worker = worker;
    this.ended = false;
    worker.addEventListener("message", (event: MessageEvent<RunMessage>) => {
      if (this.worker !== worker) return;
      const runEvent = event.data;
      if (runEvent.type === "done") this.ended = true;
      this.observer.event(runEvent);
    });
    worker.addEventListener("error", (event) => {
      if (this.worker !== worker) return;
      event.preventDefault();
      this.end(worker);
      this.observer.crashed(event.message || "the run worker failed to start");
    });
    worker.postMessage(request);
  }

  /** Ends the current run's worker at once. Returns whether the run was still going on. */
  stop(): boolean {
    const wasRunning = this.running;
    if (this.worker !== undefined) this.end(this.worker);
    return wasRunning;
  }

  private end(worker: Worker): void {
    worker.terminate();
    if (this.worker === worker) {
      this.worker = undefined;
      this.ended = true;
    }
  }
}
