/**
 * Helpers for the file suites: a fresh directory under os.tmpdir() per test, removed after it.
 * Plain code (no directive), usable from structured and plain suites.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CancelScope } from "anyio-ts";

/** Makes a fresh directory under os.tmpdir(); `cleanup()` removes it. */
export function scratchDir(): { dir: string; file(name: string): string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-fs-"));
  return {
    dir,
    file: (name) => path.join(dir, name),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The directory's entries, sorted. */
export function entriesOf(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

/**
 * Calls `action` in a scope cancelled before it starts, from plain code (so the call itself,
 * not an await around it, meets the cancellation); resolves to what its promise rejected with,
 * or undefined if it resolved.
 */
export async function inCancelledScope(action: () => Promise<unknown>): Promise<unknown> {
  let error: unknown;
  await new CancelScope().run(async (scope) => {
    scope.cancel();
    try {
      await action();
    } catch (caught) {
      error = caught;
    }
  });
  return error;
}
