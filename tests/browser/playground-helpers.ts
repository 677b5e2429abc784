/**
 * What the playground's browser test files share: building and serving the page, launching
 * Chromium, and the few things a person does on the page (type a program, run it, read a pane).
 * Every helper takes the page it acts on.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BrowserContext, Page } from "playwright-core";

interface Served {
  url: string;
  close(): Promise<void>;
}
interface Launched {
  context: BrowserContext;
  close(): Promise<void>;
}
const { serve } = require("../../playground/serve.cjs") as { serve(dir: string): Promise<Served> };
const { buildPlayground } = require("../../playground/build.cjs") as { buildPlayground(outDir: string): void };
const { launchChromium } = require("../../playground/browser.cjs") as {
  launchChromium(options?: { viewport?: { width: number; height: number } }): Promise<Launched>;
};

/** Generous waits: a cold start loads the TypeScript compiler (megabytes) into a worker. */
export const WAIT = { timeout: 30_000 };

/** A built, served playground and a browser on it. */
export interface Playground {
  readonly outDir: string;
  readonly url: string;
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

/** Builds the playground into a temporary folder, serves it and opens it in Chromium. */
export async function openPlayground(viewport?: { width: number; height: number }): Promise<Playground> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-playground-"));
  let server: Served | undefined;
  let browser: Launched | undefined;
  try {
    buildPlayground(outDir);
    server = await serve(outDir);
    browser = await launchChromium(viewport === undefined ? {} : { viewport });
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(server.url);
    await compiled(page);
    const [s, b] = [server, browser];
    return {
      outDir,
      url: server.url,
      context: browser.context,
      page,
      async close() {
        await b.close();
        await s.close();
        fs.rmSync(outDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close();
    await server?.close();
    fs.rmSync(outDir, { recursive: true, force: true });
    throw error;
  }
}

/** Waits until the rewrite of the current text is shown; returns "ok" or "errors". */
export async function compiled(page: Page): Promise<string> {
  await page.waitForFunction(
    () => document.body.dataset.compiled === "ok" || document.body.dataset.compiled === "errors",
    null,
    WAIT,
  );
  return (await page.getAttribute("body", "data-compiled"))!;
}

/** Replaces the program in the editor, as a paste would, and waits for its rewrite. */
export async function setProgram(page: Page, text: string): Promise<void> {
  await page.click("#editor .cm-content");
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.insertText(text);
  await page.waitForFunction(
    (expected) =>
      Array.from(document.querySelectorAll("#editor .cm-line"), (line) => line.textContent).join("\n") === expected,
    text,
    WAIT,
  );
  await compiled(page);
}

/** Clicks Run and waits for the program to end on its own. */
export async function runToEnd(page: Page): Promise<void> {
  await page.click("#run");
  await page.waitForFunction(() => document.body.dataset.run === "done", null, WAIT);
  // The timeline draws on the next animation frame, which a loaded machine may delay.
  await page.waitForSelector('#tasks[data-drawn="final"]', WAIT);
}

/** The console's lines: level and text. */
export async function consoleLines(page: Page): Promise<Array<{ level: string; text: string }>> {
  return page.$$eval("#console .console-line", (lines) =>
    lines.map((line) => ({
      level: Array.from(line.classList).find((c) => c !== "console-line") ?? "",
      text: line.querySelector(".console-text")?.textContent ?? "",
    })),
  );
}

/** The line of the editor's cursor (1-based). */
export async function cursorLine(page: Page): Promise<number> {
  return page.evaluate(() => Number(document.body.dataset.cursorLine));
}

/** The middle of the first occurrence of `word` on the editor's line containing `line` (screen coordinates). */
export async function wordPosition(page: Page, line: string, word: string): Promise<{ x: number; y: number }> {
  return page.evaluate(
    ([line, word]) => {
      const el = Array.from(document.querySelectorAll("#editor .cm-line")).find((l) => l.textContent!.includes(line))!;
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
        const at = node.textContent!.indexOf(word);
        if (at === -1) continue;
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + word.length);
        const box = range.getBoundingClientRect();
        return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
      }
      throw new Error(`"${word}" is not on the line "${line}"`);
    },
    [line, word] as const,
  );
}
