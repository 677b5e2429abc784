/**
 * Small helpers shared by the runtime test suites.
 *
 * They are deliberately plain (no anyio-ts imports) so that any suite can use them, inside or
 * outside `run()`.
 */

/** A delay long enough that a test fails visibly (not by timing out) if it is not cancelled. */
export const LONG = 3000;

/**
 * Resolves to whatever `action` threw or rejected with, and fails when it completed normally.
 * Accepts a promise or a function (so that a synchronous throw is caught too).
 */
export async function caught(action: PromiseLike<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof action === "function" ? action() : action);
  } catch (error) {
    return error;
  }
  throw new Error("expected the operation to fail, but it completed normally");
}

/** The `message` of each member of an error group (or of each item of a list). */
export function messagesOf(group: { readonly exceptions: readonly unknown[] } | readonly unknown[]): string[] {
  const items = Array.isArray(group) ? group : (group as { exceptions: readonly unknown[] }).exceptions;
  return items.map((e) => (e instanceof Error ? e.message : String(e)));
}

/** Starts a wall-clock stopwatch; the returned function gives the milliseconds elapsed. */
export function stopwatch(): () => number {
  const start = performance.now();
  return () => performance.now() - start;
}

/**
 * Waits for `promise`, but at most `ms` milliseconds (a plain timer, outside the runtime):
 * resolves to `{ settled: true, value }` or `{ settled: false }`. Used where a bug would
 * otherwise hang the test until jest's timeout.
 */
export function within<T>(promise: Promise<T>, ms: number): Promise<{ settled: true; value: T } | { settled: false }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve({ settled: false }), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ settled: true, value });
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Escapes `text` for use inside a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
