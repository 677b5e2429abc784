/**
 * The page's side of the compile worker: sends the editor's text, at most one request at a
 * time, and always the latest text; answers for text that has changed since are dropped (their
 * diagnostics' offsets would point into a different program).
 */
import type { CompileRequest, CompileResponse, FrontEnd } from "./protocol";

/** Compiles in a worker; `onResult` receives each answer that is not already stale, with the text it is for. */
export class CompileClient {
  private readonly worker: Worker;
  private nextId = 1;
  private inFlight: CompileRequest | undefined;
  private pending: Omit<CompileRequest, "id"> | undefined;
  private latest: CompileResponse | undefined;
  private latestRequest: Omit<CompileRequest, "id"> | undefined;
  private waiters: Array<() => void> = [];

  constructor(private readonly onResult: (response: CompileResponse, source: string) => void) {
    this.worker = new Worker(new URL("./compile-worker.ts", import.meta.url), {
      type: "module",
      name: "anyio-ts compiler",
    });
    this.worker.addEventListener("message", (event: MessageEvent<CompileResponse>) => this.answered(event.data));
  }

  /** Asks for `source` to be compiled by `frontEnd` (replacing any request not yet sent). */
  request(source: string, frontEnd: FrontEnd): void {
    this.pending = { source, frontEnd };
    if (this.inFlight === undefined) this.send();
  }

  /** The answer for exactly this text and front end, once there is one. */
  async resultFor(source: string, frontEnd: FrontEnd): Promise<CompileResponse> {
    for (;;) {
      const req = this.latestRequest;
      if (
        this.latest !== undefined &&
        req?.source === source &&
        req.frontEnd === frontEnd &&
        this.pending === undefined &&
        this.inFlight === undefined
      ) {
        return this.latest;
      }
      if (this.inFlight === undefined && this.pending === undefined) this.request(source, frontEnd);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private send(): void {
    const next = this.pending!;
    this.pending = undefined;
    this.inFlight = { id: this.nextId++, ...next };
    this.worker.postMessage(this.inFlight);
  }

  private answered(response: CompileResponse): void {
    const request = this.inFlight!;
    this.inFlight = undefined;
    if (this.pending !== undefined) {
      this.send(); // the text changed meanwhile: this answer is stale
    } else {
      this.latest = response;
      this.latestRequest = { source: request.source, frontEnd: request.frontEnd };
      this.onResult(response, request.source);
    }
    for (const wake of this.waiters.splice(0)) wake();
  }
}
