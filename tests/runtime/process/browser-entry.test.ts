/**
 * The process names in the browser entry point: they exist with the same shape, and every call
 * throws (or rejects with) NotSupportedError naming the call, because no host is installed
 * there. The browser entry is loaded in an isolated module registry, so the Node host this test
 * file's own imports install is not seen by it.
 */
import { failureOf, loadBrowserEntry } from "../browser-entry";

const api = loadBrowserEntry();
const PROCESSES = "needs Node.js, Bun or Deno; browsers cannot start processes";
const fn = api.workerFunction<() => number>("/tmp/worker.js", "f");

const CALLS: ReadonlyArray<readonly [string, () => unknown]> = [
  ["openProcess()", () => api.openProcess(["true"])],
  ["runProcess()", () => api.runProcess("true")],
  ["toProcess.runSync()", () => api.toProcess.runSync(fn)],
  ["toProcess.runSync()", () => api.toProcess.runSync({ cancellable: true }, fn)],
  ["toProcess.currentDefaultProcessLimiter()", () => api.toProcess.currentDefaultProcessLimiter()],
  ["new Process()", () => new (api.Process as unknown as new (...args: unknown[]) => unknown)({}, {}, {})],
];

describe("subprocesses in the browser entry point", () => {
  test.each(CALLS)("%s throws NotSupportedError naming the call", async (name, call) => {
    const error = await failureOf(() => api.run(async () => call()));
    expect(error).toBeInstanceOf(api.NotSupportedError);
    expect((error as Error).message).toBe(`${name} ${PROCESSES}`);
  });

  test("the classes exist with the Node entry's names", () => {
    expect(typeof api.Process).toBe("function");
    expect(new api.CompletedProcess(["true"], 0, null, null, null).exitCode).toBe(0);
    expect(new api.CalledProcessError("false", 1, null).message).toBe(
      'Command "false" returned non-zero exit status 1.',
    );
  });
});
