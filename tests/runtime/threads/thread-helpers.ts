// Helpers of the thread tests: fixture paths, typed worker functions and gates that hold a
// worker until the test opens them.
import { workerFunction } from "anyio-ts";

export const BASIC = require.resolve("../../fixtures/threads/basic.cjs");
export const CALLS_BACK = require.resolve("../../fixtures/threads/calls-back.cjs");
export const ESM = require.resolve("../../fixtures/threads/esm.mjs");

/** A worker function of basic.cjs, typed loosely (the fixtures are plain JavaScript). */
export const basic = <F extends (...args: any[]) => unknown = (...args: any[]) => any>(name: string) =>
  workerFunction<F>(BASIC, name);

/** A worker function of calls-back.cjs. */
export const callsBack = <F extends (...args: any[]) => unknown = (...args: any[]) => any>(name: string) =>
  workerFunction<F>(CALLS_BACK, name);

/** Shared memory a worker blocks on (basic.cjs `gated`) until the test opens it. */
export class Gate {
  readonly view = new Int32Array(new SharedArrayBuffer(4));

  open(): void {
    Atomics.store(this.view, 0, 1);
    Atomics.notify(this.view, 0);
  }
}
