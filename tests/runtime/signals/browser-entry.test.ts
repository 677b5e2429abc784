/**
 * Signals and context variables in the browser entry point: openSignalReceiver() exists with the
 * same shape and throws NotSupportedError naming the call, because no host is installed there;
 * context variables work as everywhere; run() installs nothing. The browser entry is loaded in an
 * isolated module registry, so the Node host this file's own imports install is not seen by it.
 */
import { loadBrowserEntry } from "../browser-entry";

const api = loadBrowserEntry();

describe("signals in the browser entry point", () => {
  test("openSignalReceiver() throws NotSupportedError naming the call", () => {
    let error: unknown;
    try {
      api.openSignalReceiver("SIGTERM");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(api.NotSupportedError);
    expect((error as Error).message).toBe(
      "openSignalReceiver() needs Node.js, Bun or Deno; browsers cannot receive signals",
    );
  });

  test("run() works without a signal host, and context variables work as everywhere", async () => {
    const v = new api.ContextVar<string>("v", { default: "none" });
    const seen = await api.run(async () => {
      v.set("root");
      return api.createTaskGroup().run(async (tg) => {
        const handle = tg.startSoon(async () => v.get());
        return handle.result();
      });
    });
    expect(seen).toBe("root");
  });
});
