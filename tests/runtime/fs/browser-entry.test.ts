// The file room in the browser entry point: the same names, and every call or constructor
// throws NotSupportedError naming itself, because no host installed the file seam. This file
// loads only the browser entry (never runtime/index.ts, which installs the Node host).
import * as browser from "../../../runtime/index.browser";
import { caught } from "../../helpers";

const { NotSupportedError, run } = browser;
const LACKING = "needs Node.js, Bun or Deno; browsers cannot open files";

describe("files in the browser entry point", () => {
  test("the Node file host is not installed", async () => {
    const error = await run(() => caught(browser.openFile("x.txt")));
    expect(error).toBeInstanceOf(NotSupportedError);
  });

  const asyncCalls: Array<[string, () => Promise<unknown>]> = [
    ["openFile()", () => browser.openFile("x.txt")],
    ["openFile()", () => browser.openFile("x.bin", "rb")],
    ["mkstemp()", () => browser.mkstemp()],
    ["mkdtemp()", () => browser.mkdtemp()],
    ["gettempdir()", () => browser.gettempdir()],
    ["TemporaryFile.open()", () => browser.TemporaryFile.open()],
    ["NamedTemporaryFile.open()", () => browser.NamedTemporaryFile.open()],
    ["TemporaryDirectory.create()", () => browser.TemporaryDirectory.create()],
    ["FileReadStream.fromPath()", () => browser.FileReadStream.fromPath("x.bin")],
    ["FileWriteStream.fromPath()", () => browser.FileWriteStream.fromPath("x.bin")],
  ];
  test.each(asyncCalls)("%s rejects with NotSupportedError naming the call", async (call, action) => {
    const error = await run(() => caught(action));
    expect(error).toBeInstanceOf(NotSupportedError);
    expect((error as Error).message).toBe(`${call} ${LACKING}`);
  });

  const syncCalls: Array<[string, () => unknown]> = [
    ["wrapFile()", () => browser.wrapFile({} as never)],
    ["new SpooledTemporaryFile()", () => new browser.SpooledTemporaryFile()],
    ["new FileReadStream()", () => new browser.FileReadStream({} as never)],
    ["new FileWriteStream()", () => new browser.FileWriteStream({} as never)],
  ];
  test.each(syncCalls)("%s throws NotSupportedError naming the call", (call, action) => {
    expect(action).toThrow(NotSupportedError);
    expect(action).toThrow(`${call} ${LACKING}`);
  });

  test("the pure parts need no host: FileStreamAttribute keys exist", () => {
    expect(typeof browser.FileStreamAttribute.fileno).toBe("symbol");
  });
});
