/**
 * The networking names in the browser entry point: they exist with the same shape, and every call
 * or constructor throws (or rejects with) NotSupportedError naming the call, because no host is
 * installed there. The browser entry is loaded in an isolated module registry, so the Node host
 * this test file's own imports install is not seen by it.
 */
import { failureOf, loadBrowserEntry } from "../browser-entry";

const api = loadBrowserEntry();
const SOCKETS = "needs Node.js, Bun or Deno; browsers cannot open sockets";

const CALLS: ReadonlyArray<readonly [string, () => unknown]> = [
  ["getaddrinfo()", () => api.getaddrinfo("localhost", 80)],
  ["getnameinfo()", () => api.getnameinfo(["127.0.0.1", 80])],
  ["connectTcp()", () => api.connectTcp("localhost", 80)],
  ["createTcpListener()", () => api.createTcpListener()],
  ["connectUnix()", () => api.connectUnix("/tmp/socket")],
  ["createUnixListener()", () => api.createUnixListener("/tmp/socket")],
  ["asConnectable()", () => api.asConnectable(["localhost", 80])],
  ["new TCPConnectable()", () => new api.TCPConnectable("localhost", 80)],
  ["new UNIXConnectable()", () => new api.UNIXConnectable("/tmp/socket")],
  ["SocketStream.fromSocket()", () => api.SocketStream.fromSocket(3)],
  ["UNIXSocketStream.fromSocket()", () => api.UNIXSocketStream.fromSocket(3)],
  ["SocketListener.fromSocket()", () => api.SocketListener.fromSocket(3)],
  ["UNIXSocketStream.sendFds()", () => Object.create(api.UNIXSocketStream.prototype).sendFds(new Uint8Array([1]), [0])],
  ["UNIXSocketStream.receiveFds()", () => Object.create(api.UNIXSocketStream.prototype).receiveFds(1, 1)],
];

describe("networking in the browser entry point", () => {
  test("is a separate module registry whose NotSupportedError is its own class", () => {
    expect(typeof api.NotSupportedError).toBe("function");
    expect(api.NotSupportedError).not.toBe(require("anyio-ts").NotSupportedError);
  });

  test.each(CALLS)("%s throws NotSupportedError naming the call", async (name, call) => {
    const error = await failureOf(call);
    expect(error).toBeInstanceOf(api.NotSupportedError);
    expect((error as Error).message).toBe(`${name} ${SOCKETS}`);
  });

  test("acloseForcefully() works there (it needs no host)", async () => {
    let closed = false;
    await api.run(() =>
      api.acloseForcefully({ aclose: async () => void (closed = true), [Symbol.asyncDispose]: async () => {} }),
    );
    expect(closed).toBe(true);
  });
});
