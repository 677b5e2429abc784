/**
 * The playground's share links (playground/src/share.ts), in Node: the same CompressionStream,
 * Blob and base64 functions the browser has.
 */
import { decodeShare, encodeShare, fromBase64Url, toBase64Url } from "../../playground/src/share";

describe("share links", () => {
  test("a program and its front end survive the round trip", async () => {
    const code =
      '"use structured";\nimport { run } from "anyio-ts";\n// ünïcödé, emoji 🎉, and a + / = or two\nrun(async () => {});\n';
    const hash = await encodeShare({ code, frontEnd: "babel" });
    expect(hash).toMatch(/^#fe=babel&code=[A-Za-z0-9_-]+$/);
    await expect(decodeShare(hash)).resolves.toEqual({ code, frontEnd: "babel" });
  });

  test("the code is compressed: a repetitive program makes a short link", async () => {
    const code = 'console.log("the same line, again and again");\n'.repeat(200);
    const hash = await encodeShare({ code, frontEnd: "typescript" });
    expect(hash.length).toBeLessThan(code.length / 20);
    await expect(decodeShare(hash)).resolves.toEqual({ code, frontEnd: "typescript" });
  });

  test("a hash without a program decodes to nothing", async () => {
    await expect(decodeShare("")).resolves.toBeUndefined();
    await expect(decodeShare("#")).resolves.toBeUndefined();
    await expect(decodeShare("#fe=babel")).resolves.toBeUndefined();
  });

  test("an unknown front end falls back to TypeScript", async () => {
    const hash = (await encodeShare({ code: "x", frontEnd: "babel" })).replace("fe=babel", "fe=swc");
    await expect(decodeShare(hash)).resolves.toEqual({ code: "x", frontEnd: "typescript" });
  });

  test("a link cut short is an error that says so", async () => {
    const hash = await encodeShare({
      code: "console.log('a program long enough to be cut');".repeat(3),
      frontEnd: "typescript",
    });
    await expect(decodeShare(hash.slice(0, hash.length - 12))).rejects.toThrow(/share link is damaged/);
  });

  test("base64url uses the URL-safe alphabet without padding, for every byte", () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = toBase64Url(bytes);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(fromBase64Url(text)).toEqual(bytes);
    expect(toBase64Url(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
  });
});
