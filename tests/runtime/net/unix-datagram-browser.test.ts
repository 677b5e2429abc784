/**
 * The UNIX datagram names in the browser entry point: they exist, and every call throws
 * NotSupportedError naming the call, because no host is installed there (the browser entry is
 * loaded in an isolated module registry, away from the Node host this file's imports install).
 */
import { failureOf, loadBrowserEntry } from "../browser-entry";

const api = loadBrowserEntry();

describe("UNIX datagram sockets in the browser entry point", () => {
  test.each([
    ["createUnixDatagramSocket()", () => api.createUnixDatagramSocket()],
    ["createConnectedUnixDatagramSocket()", () => api.createConnectedUnixDatagramSocket("/tmp/socket")],
  ] as const)("%s throws NotSupportedError naming the call", async (name, call) => {
    const error = await failureOf(call);
    expect(error).toBeInstanceOf(api.NotSupportedError);
    expect((error as Error).message).toBe(`${name} needs Node.js, Bun or Deno; browsers cannot open sockets`);
  });

  test("the classes exist there too", () => {
    expect(typeof api.UNIXDatagramSocket).toBe("function");
    expect(typeof api.ConnectedUNIXDatagramSocket).toBe("function");
  });
});
