/**
 * Registers a structured test without running it: replaces Jest's global `test` while
 * `structuredTest` is called, and hands back what it registered, so a suite can run the body
 * itself and look at how it fails.
 */
import { structuredTest, type StructuredTestOptions } from "anyio-ts/jest";

export interface Registered {
  readonly name: string;
  /** The body Jest would run. */
  readonly body: () => Promise<void>;
  /** The timeout Jest would be given. */
  readonly timeout: number | undefined;
}

export function register(name: string, fn: () => unknown, options?: StructuredTestOptions): Registered {
  const globals = globalThis as { test: unknown };
  const jestTest = globals.test;
  let registered: Registered | undefined;
  globals.test = (testName: string, body: () => Promise<void>, timeout?: number) => {
    registered = { name: testName, body, timeout };
  };
  try {
    structuredTest(name, fn, options);
  } finally {
    globals.test = jestTest;
  }
  if (registered === undefined) throw new Error("structuredTest() registered nothing");
  return registered;
}

/** Runs a registered body and resolves to what it failed with (fails if it passed). */
export async function failureOf(registered: Registered): Promise<unknown> {
  try {
    await registered.body();
  } catch (error) {
    return error;
  }
  throw new Error(`expected ${registered.name} to fail, but it passed`);
}
