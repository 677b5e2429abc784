// The browser entry exports Path with the same shape, but nothing behind it: no host is installed
// (this file never loads the Node entry), so every way to make a Path throws NotSupportedError
// naming the call, and no Node code was loaded to get there.
import * as browser from "../../../runtime/index.browser";
import { pathHost } from "../../../runtime/fs/path-host";

const { Path, NotSupportedError } = browser;
const LACKING = "needs Node.js, Bun or Deno; browsers cannot touch the file system";

describe("Path in the browser entry", () => {
  test("no file-system host is installed", () => {
    expect(pathHost.installed).toBe(false);
  });

  test("new Path() throws NotSupportedError naming the constructor", () => {
    expect(() => new Path("/tmp")).toThrow(NotSupportedError);
    expect(() => new Path()).toThrow(`new Path() ${LACKING}`);
  });

  test.each([
    ["Path.cwd()", () => Path.cwd()],
    ["Path.home()", () => Path.home()],
    ["Path.fromUri()", () => Path.fromUri("file:///tmp")],
  ])("%s throws NotSupportedError naming the call", (call, action) => {
    expect(action).toThrow(NotSupportedError);
    expect(action).toThrow(`${call} ${LACKING}`);
  });

  test("the class is the same shape as on Node", () => {
    for (const member of [
      "stat",
      "glob",
      "rglob",
      "walk",
      "iterdir",
      "readText",
      "writeText",
      "match",
      "fullMatch",
      "relativeTo",
    ]) {
      expect(typeof (Path.prototype as unknown as Record<string, unknown>)[member]).toBe("function");
    }
  });
});
