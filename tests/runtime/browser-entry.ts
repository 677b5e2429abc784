/**
 * Helpers of the browser-entry suites: the browser entry point loaded in an isolated module
 * registry (so the Node host that the test file's own imports install is not seen by it), and
 * what a call that must fail threw or rejected with.
 */

export type BrowserApi = typeof import("../../runtime/index.browser");

/** The browser entry point, loaded apart from the Node entry's modules. */
export function loadBrowserEntry(): BrowserApi {
  let api: BrowserApi | undefined;
  jest.isolateModules(() => {
    api = require("../../runtime/index.browser") as BrowserApi;
  });
  return api!;
}

/** What `call` threw or rejected with; fails the test if it succeeded. */
export async function failureOf(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}
