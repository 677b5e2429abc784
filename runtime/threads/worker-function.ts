/**
 * How code crosses a thread or process boundary: a JavaScript closure cannot be sent to another
 * thread or process, so whatever runs in a worker is named by a module and one of its exports,
 * which the worker imports (once per worker) and calls.
 */
import { describeValue } from "../core/validate";

declare const workerFunctionType: unique symbol;

/**
 * A function named by the module that exports it, so a worker thread or process can import and
 * call it. Made by {@link workerFunction}; the type parameter `F` is the function's type, which
 * types the arguments and result of `toThread.runSync()` and `toProcess.runSync()`.
 *
 * @typeParam F - the type of the function the module exports (`typeof import("./fib").fib`).
 */
export interface WorkerFunction<F extends (...args: any[]) => unknown> {
  /** An absolute path, a `file:` URL (as a string) or a bare package specifier. */
  readonly module: string;
  /** The export to call; `"default"` for the module's default export. */
  readonly exportName: string;
  /** Carries `F` in the type only; never present at run time. */
  readonly [workerFunctionType]?: F;
}

/**
 * Names a function by the module that exports it, for `toThread.runSync()`,
 * `toProcess.runSync()`, `fromThread.run()` and portal clients. Never a checkpoint.
 *
 * `module` must be an absolute path, a `file:` URL or a bare package specifier (resolved from
 * `process.cwd()` in the worker); the worker imports it once and calls `exportName` on each use.
 * Workers inherit `process.execArgv`, so `.ts` modules load wherever this thread runs TypeScript.
 *
 * @typeParam F - the type of the function the module exports, which types the worker call's
 *   arguments and result.
 * @param module - the module's absolute path, `file:` URL, or bare package specifier.
 * @param exportName - the export to call; default `"default"`.
 * @throws TypeError for a relative specifier (the message shows how to make it absolute), a URL
 *   that is not `file:`, or an empty or non-string `exportName`.
 *
 * @example
 * ```ts
 * // fib.ts: export function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2) }
 * const fib = workerFunction<typeof import("./fib.js").fib>(new URL("./fib.js", import.meta.url), "fib");
 * const result = await toThread.runSync(fib, 30); // number
 * ```
 */
export function workerFunction<F extends (...args: any[]) => unknown>(
  module: string | URL,
  exportName = "default",
): WorkerFunction<F> {
  if (typeof exportName !== "string" || exportName === "") {
    throw new TypeError(`Expected \`exportName\` to be a non-empty string, got ${describeValue(exportName)}`);
  }
  return Object.freeze({ module: moduleSpecifier(module), exportName });
}

/** Whether `value` is a {@link WorkerFunction} (made by {@link workerFunction} or shaped like one). */
export function isWorkerFunction(value: unknown): value is WorkerFunction<(...args: any[]) => unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { module?: unknown }).module === "string" &&
    typeof (value as { exportName?: unknown }).exportName === "string"
  );
}

/**
 * Checks that `value` names a worker function, for the API that sends it.
 *
 * @param caller - the call as messages name it, e.g. `"toThread.runSync()"`.
 * @param destination - where it would be sent, e.g. `"a worker thread"`.
 * @throws TypeError "toThread.runSync() cannot send a function to a worker thread; export it from
 *   a module and pass workerFunction(url, name)" for a plain function, and the argument template
 *   for anything else.
 */
export function checkWorkerFunction(
  value: unknown,
  caller: string,
  destination: string,
): asserts value is WorkerFunction<(...args: any[]) => unknown> {
  if (isWorkerFunction(value)) return;
  if (typeof value === "function") {
    throw new TypeError(
      `${caller} cannot send a function to ${destination}; export it from a module and pass workerFunction(url, name)`,
    );
  }
  throw new TypeError(`Expected \`fn\` to be a WorkerFunction (see workerFunction()), got ${describeValue(value)}`);
}

/** `module` as the worker imports it, or a TypeError saying how to fix it. */
function moduleSpecifier(module: string | URL): string {
  if (module instanceof URL) {
    if (module.protocol !== "file:") {
      throw new TypeError(
        `Expected \`module\` to be a file: URL, got \`${module.href}\`; workers load local modules only`,
      );
    }
    return module.href;
  }
  if (typeof module !== "string" || module === "") {
    throw new TypeError(
      `Expected \`module\` to be an absolute path, a file: URL or a package name, got ${describeValue(module)}`,
    );
  }
  if (isRelative(module)) {
    throw new TypeError(
      `workerFunction() needs an absolute module specifier, got "${module}" (a worker cannot know what it is ` +
        `relative to): pass new URL(${JSON.stringify(module)}, import.meta.url) in an ES module, or ` +
        `require.resolve(${JSON.stringify(module)}) in CommonJS`,
    );
  }
  return module;
}

/** `./x`, `../x`, `.`, `..` (and their Windows forms): specifiers only the importing module can resolve. */
function isRelative(specifier: string): boolean {
  return /^\.\.?(?:[\\/]|$)/.test(specifier);
}
