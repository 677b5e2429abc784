/**
 * The part of a dedicated worker's global scope the playground's workers use. The playground
 * type-checks against the DOM library only (mixing it with the WebWorker library conflicts), so
 * the workers name what they need here.
 */
export interface WorkerScope {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  addEventListener(type: "error", listener: (event: ErrorEvent) => void): void;
  addEventListener(type: "unhandledrejection", listener: (event: PromiseRejectionEvent) => void): void;
}

/** The global scope of the worker this module runs in. */
export const workerScope = globalThis as unknown as WorkerScope;
