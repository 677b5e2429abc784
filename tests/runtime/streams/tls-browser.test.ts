// The TLS names in the browser entry point (runtime/index.browser.ts), which never loads Node's
// TLS engine: they exist with the same types, and every call or constructor throws
// NotSupportedError naming itself.
import * as browser from "../../../runtime/index.browser";

const NEEDS_NODE = "needs Node.js, Bun or Deno; browsers cannot open TLS connections";
const listener = { serve: async () => {}, aclose: async () => {} };
const connectable = { connect: async () => ({}) as never };

describe("TLS in the browser entry point", () => {
  test("TLSStream.wrap() rejects with NotSupportedError naming the call", async () => {
    const error = await browser.TLSStream.wrap({} as never, { hostname: "localhost" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(browser.NotSupportedError);
    expect((error as Error).message).toBe(`TLSStream.wrap() ${NEEDS_NODE}`);
  });

  test("new TLSListener() throws NotSupportedError naming the constructor", () => {
    expect(() => new browser.TLSListener(listener as never, {})).toThrow(
      new browser.NotSupportedError(`new TLSListener() ${NEEDS_NODE}`),
    );
  });

  test("new TLSConnectable() throws NotSupportedError naming the constructor", () => {
    expect(() => new browser.TLSConnectable(connectable, { hostname: "localhost" })).toThrow(
      new browser.NotSupportedError(`new TLSConnectable() ${NEEDS_NODE}`),
    );
  });

  test("the TLS typed attributes exist and work everywhere", () => {
    expect(browser.TLSAttribute.attributes()).toContain(browser.TLSAttribute.standardCompatible);
  });
});
