import { workerFunction } from "anyio-ts";
import { checkWorkerFunction, isWorkerFunction } from "../../../runtime/threads/worker-function";

describe("workerFunction", () => {
  it("keeps an absolute path, a bare package name and a file: URL string as the module", () => {
    expect(workerFunction("/srv/app/fib.js", "fib")).toEqual({ module: "/srv/app/fib.js", exportName: "fib" });
    expect(workerFunction("some-package/sub")).toEqual({ module: "some-package/sub", exportName: "default" });
    expect(workerFunction("file:///srv/app/fib.mjs").module).toBe("file:///srv/app/fib.mjs");
    expect(workerFunction("C:\\app\\fib.js").module).toBe("C:\\app\\fib.js");
  });

  it("turns a file: URL object into its href", () => {
    expect(workerFunction(new URL("file:///srv/app/fib.js"), "fib").module).toBe("file:///srv/app/fib.js");
  });

  it("returns a frozen descriptor", () => {
    expect(Object.isFrozen(workerFunction("/srv/app/fib.js"))).toBe(true);
  });

  it.each(["./fib.js", "../lib/fib.js", ".", "..", ".\\fib.js"])(
    "rejects the relative specifier %j with both ways to make it absolute",
    (specifier) => {
      expect(() => workerFunction(specifier)).toThrow(TypeError);
      expect(() => workerFunction(specifier)).toThrow(
        `pass new URL(${JSON.stringify(specifier)}, import.meta.url) in an ES module, or require.resolve(${JSON.stringify(specifier)}) in CommonJS`,
      );
    },
  );

  it("rejects a URL that is not file:", () => {
    expect(() => workerFunction(new URL("https://example.com/fib.js"))).toThrow(
      "Expected `module` to be a file: URL, got `https://example.com/fib.js`",
    );
  });

  it("rejects an empty or non-string module and exportName, naming the parameter", () => {
    expect(() => workerFunction("")).toThrow(
      'Expected `module` to be an absolute path, a file: URL or a package name, got `""` (string)',
    );
    expect(() => workerFunction(42 as unknown as string)).toThrow("got `42` (number)");
    expect(() => workerFunction("/a.js", "")).toThrow(
      'Expected `exportName` to be a non-empty string, got `""` (string)',
    );
  });
});

describe("checkWorkerFunction", () => {
  it("accepts a worker function and anything shaped like one", () => {
    expect(isWorkerFunction(workerFunction("/a.js"))).toBe(true);
    expect(isWorkerFunction({ module: "/a.js", exportName: "x" })).toBe(true);
    expect(() => checkWorkerFunction(workerFunction("/a.js"), "toThread.runSync()", "a worker thread")).not.toThrow();
  });

  it("tells a caller that passed a plain function how to name it instead", () => {
    expect(() => checkWorkerFunction(() => 1, "toThread.runSync()", "a worker thread")).toThrow(
      new TypeError(
        "toThread.runSync() cannot send a function to a worker thread; export it from a module and pass workerFunction(url, name)",
      ),
    );
  });

  it("names the parameter for any other value", () => {
    expect(() => checkWorkerFunction("fib", "toProcess.runSync()", "a worker process")).toThrow(
      'Expected `fn` to be a WorkerFunction (see workerFunction()), got `"fib"` (string)',
    );
  });
});
