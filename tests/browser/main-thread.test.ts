/**
 * The package's browser build on the main thread of a page, not only in the playground's worker:
 * a structured program (tests/browser/fixtures/main-thread-program.ts) is compiled by the anyio-ts
 * Babel plugin, bundled by esbuild for the browser with the built package's
 * dist/runtime/index.browser.js as `anyio-ts` (and its dist/runtime/rt.js as `anyio-ts/rt`),
 * loaded into a page of Debian's Chromium as a classic script, and run there. The test reads what
 * the program reports from the page: task groups, deadlines on foreign promises with the scope's
 * signal, `failAfter`, error groups, memory object streams, and `NotSupportedError` for sockets.
 */
import * as babel from "@babel/core";
import * as esbuild from "esbuild";
import * as fs from "node:fs";
import * as path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { builtPackage } from "../integrations/helpers";

interface Launched {
  context: BrowserContext;
  close(): Promise<void>;
}
const { launchChromium } = require("../../playground/browser.cjs") as { launchChromium(): Promise<Launched> };

const TIMEOUT = 240_000;
const PROGRAM = path.join(__dirname, "fixtures", "main-thread-program.ts");

let browser: Launched | undefined;
let page: Page;
let bundle: string;

beforeAll(async () => {
  const pkg = builtPackage();
  const compiled = babel.transformSync(fs.readFileSync(PROGRAM, "utf8"), {
    filename: PROGRAM,
    babelrc: false,
    configFile: false,
    presets: [require.resolve("@babel/preset-typescript")],
    plugins: [require.resolve(path.join(pkg, "dist/transformer/babel/index.js"))],
  })!.code!;
  const built = await esbuild.build({
    stdin: { contents: compiled, resolveDir: __dirname, sourcefile: "main-thread-program.js", loader: "js" },
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "chrome120",
    alias: {
      "anyio-ts": path.join(pkg, "dist/runtime/index.browser.js"),
      "anyio-ts/rt": path.join(pkg, "dist/runtime/rt.js"),
    },
    logLevel: "silent",
  });
  bundle = built.outputFiles[0]!.text;
  browser = await launchChromium();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
}, TIMEOUT);

afterAll(async () => {
  await browser?.close();
});

describe("the browser build on a page's main thread", () => {
  test("the bundle is the compiled program on the browser build: rt hooks in, no Node module", () => {
    expect(bundle).toContain("use structured");
    expect(bundle).toMatch(/enterScope|exitScope/);
    expect(bundle).not.toMatch(/require\(["']node:/);
    expect(bundle).not.toMatch(/from ["']node:/);
  });

  test("a compiled structured program runs there and behaves as on Node", async () => {
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.setContent("<!doctype html><html><head><title>anyio-ts</title></head><body></body></html>");
    await page.addScriptTag({ content: bundle });
    await page.waitForFunction(() => document.body.dataset.done !== undefined, null, { timeout: 30_000 });
    const result = await page.evaluate(() => ({ ...document.body.dataset }));
    expect({ done: result.done, error: result.error, errors }).toEqual({ done: "ok", error: undefined, errors: [] });
    expect(JSON.parse(result.events!)).toEqual([
      "main thread: true",
      "task: main",
      "fast done",
      "slow done",
      "moved on: true, signal aborted: true",
      "failAfter: true",
      "sibling cancelled",
      "group: Error: boom",
      "received: 1,2,3",
      "connectTcp: true",
    ]);
  });
});
