/**
 * The playground in a real browser (Debian's Chromium, driven by playwright-core): the page is
 * built with Vite into a temporary directory, served on a free localhost port, and used the
 * way a person would: type a program, read the rewrite, run it, read the console and the task
 * timeline, hit a diagnostic, stop a runaway loop, follow a share link, go offline.
 *
 * If Chromium is missing, playground/browser.cjs installs Debian's package when running as root,
 * and otherwise fails saying how to install it.
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
// Plain CommonJS helpers shared with `npm start` and the screenshot script.
const { serve } = require("../../playground/serve.cjs") as { serve(dir: string): Promise<Served> };
const { buildPlayground } = require("../../playground/build.cjs") as { buildPlayground(outDir: string): void };
const { launchChromium } = require("../../playground/browser.cjs") as { launchChromium(): Promise<Launched> };

/** Generous waits: a cold start loads the TypeScript compiler (megabytes) into a worker. */
const WAIT = { timeout: 30_000 };

let outDir: string;
let server: Served | undefined;
let browser: Launched | undefined;
let page: Page;

beforeAll(async () => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-playground-"));
  buildPlayground(outDir);
  server = await serve(outDir);
  browser = await launchChromium();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await open(page, server.url);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir !== undefined) fs.rmSync(outDir, { recursive: true, force: true });
});

// --- Helpers: what a person sees and does --------------------------------------------------------

async function open(target: Page, url: string): Promise<void> {
  await target.goto(url);
  await compiled(target);
}

/** Waits until the rewrite of the current text is shown; returns "ok" or "errors". */
async function compiled(target: Page = page): Promise<string> {
  await target.waitForFunction(
    () => document.body.dataset.compiled === "ok" || document.body.dataset.compiled === "errors",
    null,
    WAIT,
  );
  return (await target.getAttribute("body", "data-compiled"))!;
}

/** Replaces the program in the editor, as a paste would. */
async function setProgram(text: string, target: Page = page): Promise<void> {
  await target.click("#editor .cm-content");
  await target.keyboard.press("ControlOrMeta+A");
  await target.keyboard.insertText(text);
  // Once the editor holds the new text, an answer for the old one can no longer count.
  await target.waitForFunction(
    (expected) =>
      Array.from(document.querySelectorAll("#editor .cm-line"), (line) => line.textContent).join("\n") === expected,
    text,
    WAIT,
  );
  await compiled(target);
}

/** The text of a code pane (the programs here are short enough that CodeMirror renders every line). */
async function paneText(id: "editor" | "output", target: Page = page): Promise<string> {
  return target.$$eval(`#${id} .cm-line`, (lines) => lines.map((line) => line.textContent ?? "").join("\n"));
}

async function chooseFrontEnd(frontEnd: "typescript" | "babel", target: Page = page): Promise<void> {
  await target.check(`input[name="front-end"][value="${frontEnd}"]`);
  await compiled(target);
}

/** Clicks Run and waits for the program to end on its own. */
async function runToEnd(target: Page = page): Promise<void> {
  await target.click("#run");
  await target.waitForFunction(() => document.body.dataset.run === "done", null, WAIT);
  // The timeline draws on the next animation frame, which a loaded machine may delay.
  await target.waitForSelector('#tasks[data-drawn="final"]', WAIT);
}

async function consoleLines(target: Page = page): Promise<Array<{ level: string; text: string }>> {
  return target.$$eval("#console .console-line", (lines) =>
    lines.map((line) => ({
      level: Array.from(line.classList).find((c) => c !== "console-line") ?? "",
      text: line.querySelector(".console-text")?.textContent ?? "",
    })),
  );
}

async function programOutput(target: Page = page): Promise<string[]> {
  return (await consoleLines(target)).filter((line) => line.level !== "system").map((line) => line.text);
}

interface Row {
  name: string;
  outcome: string;
  depth: number;
  marks: string[];
  hasBar: boolean;
}

async function timelineRows(target: Page = page): Promise<Row[]> {
  return target.$$eval(".tv-row", (rows) =>
    rows.map((row) => ({
      name: (row as HTMLElement).dataset.name ?? "",
      outcome: (row as HTMLElement).dataset.outcome ?? "",
      depth: Number(row.getAttribute("aria-level")) - 1,
      // A mark drawn for several events at (nearly) one moment lists their kinds in order.
      marks: Array.from(row.querySelectorAll<HTMLElement>(".tv-mark"), (mark) =>
        (mark.dataset.kinds ?? mark.dataset.kind ?? "").split(" "),
      ).flat(),
      hasBar: row.querySelector(".tv-bar") !== null,
    })),
  );
}

async function timelineLog(target: Page = page): Promise<string[]> {
  return target.$$eval(".tv-log li", (items) => items.map((item) => item.textContent ?? ""));
}

// --- The tests -------------------------------------------------------------------------------------

describe("the playground", () => {
  test("typing a program shows its rewrite beside it, updated as you type", async () => {
    await chooseFrontEnd("typescript");
    await setProgram(
      '"use structured";\nimport { run, sleep } from "anyio-ts";\n\nasync function main() {\n  await sleep(10);\n}\n',
    );
    expect(await paneText("output")).toContain("__rt.enter(");
    expect(await paneText("output")).toContain('import * as __rt from "anyio-ts/rt"');

    // Type a line at the end, key by key.
    await page.click("#editor .cm-content");
    await page.keyboard.press("ControlOrMeta+End");
    await page.keyboard.type("run(main);");
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll("#output .cm-line")).some((line) => line.textContent === "run(main);"),
      null,
      WAIT,
    );
    expect(await paneText("editor")).toMatch(/\nrun\(main\);$/);
    expect(await compiled()).toBe("ok");
  }, 60_000);

  test("Run executes the rewritten program and shows what it printed, in order", async () => {
    await setProgram(
      [
        '"use structured";',
        'import { createTaskGroup, run, sleep } from "anyio-ts";',
        "",
        "async function greet(name: string, ms: number) {",
        "  await sleep(ms);",
        "  console.log(`hello from ${name}`);",
        "}",
        "",
        "async function main() {",
        "  {",
        "    await using tg = createTaskGroup();",
        '    tg.startSoon({ name: "slow" }, greet, "slow", 60);',
        '    tg.startSoon({ name: "fast" }, greet, "fast", 10);',
        "  }",
        '  console.log("all done", { answer: 42 });',
        "}",
        "",
        "run(main);",
      ].join("\n"),
    );
    await runToEnd();
    expect(await programOutput()).toEqual(["hello from fast", "hello from slow", "all done { answer: 42 }"]);
    expect((await consoleLines()).at(-1)).toEqual({
      level: "system",
      text: expect.stringMatching(/^The program ended after /),
    });
  }, 60_000);

  test("the timeline shows one bar per task in a tree, with deadline, cancel and error marks", async () => {
    await setProgram(
      [
        '"use structured";',
        'import { createTaskGroup, moveOnAfter, run, sleep } from "anyio-ts";',
        "",
        "async function main() {",
        "  {",
        "    using _ = moveOnAfter(100);",
        "    await using tg = createTaskGroup();",
        '    tg.startSoon({ name: "quick" }, sleep, 10);',
        '    tg.startSoon({ name: "slow" }, sleep, 10_000);',
        "  }",
        "  try {",
        "    await using tg = createTaskGroup();",
        '    tg.startSoon({ name: "failing" }, async () => {',
        "      await sleep(10);",
        '      throw new Error("boom");',
        "    });",
        '    tg.startSoon({ name: "victim" }, sleep, 10_000);',
        "  } catch (error) {",
        '    console.log("caught", String(error));',
        "  }",
        "}",
        "",
        "run(main);",
      ].join("\n"),
    );
    await runToEnd();
    expect(await programOutput()).toEqual([expect.stringMatching(/^caught ExceptionGroup/)]);
    const rows = await timelineRows();
    expect(rows.map(({ name, outcome, depth }) => ({ name, outcome, depth }))).toEqual([
      { name: "main", outcome: "returned", depth: 0 },
      { name: "quick", outcome: "returned", depth: 1 },
      { name: "slow", outcome: "cancelled", depth: 1 },
      { name: "failing", outcome: "failed", depth: 1 },
      { name: "victim", outcome: "cancelled", depth: 1 },
    ]);
    expect(rows.every((row) => row.hasBar)).toBe(true);
    // main: the deadline of moveOnAfter, then the second group recording the error and cancelling.
    expect(rows[0]!.marks).toEqual(["deadline", "error", "cancel"]);
    expect(rows[3]!.marks).toEqual(["error"]);
    const log = await timelineLog();
    expect(log).toContainEqual(expect.stringMatching(/the deadline of moveOnAfter#\d+ in task main passed/));
    expect(log).toContainEqual(expect.stringMatching(/failing raised Error: boom/));
    expect(log).toContainEqual(expect.stringMatching(/TaskGroup#\d+ in task main was cancelled/));
  }, 60_000);

  test("a diagnostic is underlined in the editor and listed with its position, and the program is not run", async () => {
    for (const frontEnd of ["typescript", "babel"] as const) {
      await chooseFrontEnd(frontEnd);
      await setProgram(
        'import { run } from "anyio-ts";\n\nrun(async () => {\n  "use structure";\n  console.log("never");\n});\n',
      );
      expect(await compiled()).toBe("errors");
      await page.waitForSelector("#editor .cm-lintRange-error", WAIT);
      const listed = await page.$$eval("#diagnostics li", (items) => items.map((item) => item.textContent ?? ""));
      expect(listed).toEqual([
        expect.stringMatching(
          /^4:3\s*error TS99102\s*Unknown directive "use structure": did you mean "use structured"\?/,
        ),
      ]);
      await page.click("#run");
      await page.waitForFunction(
        () => document.querySelector("#console")?.textContent?.includes("Not run"),
        null,
        WAIT,
      );
      expect(await programOutput()).toEqual([]);
    }
    await chooseFrontEnd("typescript");
  }, 60_000);

  test("Stop ends a loop that never awaits", async () => {
    await setProgram(
      [
        'import { run } from "anyio-ts";',
        "",
        "run(async function spinner() {",
        '  console.log("spinning");',
        "  for (;;) {}",
        "});",
      ].join("\n"),
    );
    await page.click("#run");
    await page.waitForFunction(() => document.querySelector("#console")?.textContent?.includes("spinning"), null, WAIT);
    expect(await page.getAttribute("body", "data-run")).toBe("running");
    await page.click("#stop");
    await page.waitForFunction(() => document.body.dataset.run === "stopped", null, WAIT);
    expect((await consoleLines()).at(-1)?.text).toMatch(/^Stopped after .*: the run's worker was terminated\.$/);
    // The timeline draws on the next animation frame, which a loaded machine may delay.
    await page.waitForSelector('#tasks[data-drawn="final"]', WAIT);
    expect(await timelineRows()).toMatchObject([{ name: "spinner", outcome: "stopped" }]);

    // The page stays responsive, and the next run starts afresh.
    await setProgram('import { run } from "anyio-ts";\nrun(async () => console.log("fresh"));\n');
    await runToEnd();
    expect(await programOutput()).toEqual(["fresh"]);
  }, 60_000);

  test("a share link carries the program and the front end to a new page", async () => {
    const program =
      '"use structured";\nimport { run, sleep } from "anyio-ts";\n\n// ünïcödé survives the trip\nrun(async () => {\n  await sleep(1);\n  console.log("shared");\n});\n';
    await chooseFrontEnd("babel");
    await setProgram(program);
    await page.click("#share");
    await page.waitForSelector("#share-link:not([hidden])", WAIT);
    const link = await page.inputValue("#share-link");
    expect(link).toMatch(/#fe=babel&code=[A-Za-z0-9_-]+$/);
    expect(link).toBe(page.url());

    const other = await browser!.context.newPage();
    try {
      await open(other, link);
      expect(await paneText("editor", other)).toBe(program);
      expect(await other.isChecked('input[name="front-end"][value="babel"]')).toBe(true);
      expect(await paneText("output", other)).toContain("__rt.enter(");
      await runToEnd(other);
      expect(await programOutput(other)).toEqual(["shared"]);
    } finally {
      await other.close();
    }
    await chooseFrontEnd("typescript");
  }, 60_000);

  test("every example of the menu compiles and runs without an uncaught error, saying what it shows", async () => {
    // A line each example prints when it behaves as its comments say.
    const says: Record<string, string> = {
      "task-group": "main: every worker has finished",
      "start-readiness": "main: the server is ready at http://localhost:8080",
      timeouts: "failAfter: TimeoutError: the query took too long",
      shielding: "progress saved",
      "producer-consumer": "consumer: every producer closed its end",
      limiter: "e.zip: written to the log",
      "error-grouping": "2 errors:",
      "async-generator": "ticks: closed after 3",
      callbacks: "cancelled scope: undefined; cancelledCaught = true",
      "context-vars": "[-] main: the requests' ids never leaked into main",
      "sync-primitives": "main: every job was taken",
      "text-streams": 'reader: "price: 5€\\n"',
    };
    const ids = await page.$$eval("#examples option", (options) => options.map((o) => (o as HTMLOptionElement).value));
    expect(ids.length).toBeGreaterThanOrEqual(8);
    expect(ids).toEqual(expect.arrayContaining([...Object.keys(says), "runaway-loop"]));
    for (const id of ids.filter((id) => id !== "runaway-loop" && id !== "shared")) {
      await page.selectOption("#examples", id);
      expect(await compiled()).toBe("ok");
      await runToEnd();
      const lines = await consoleLines();
      expect({ id, errors: lines.filter((line) => line.level === "error") }).toEqual({ id, errors: [] });
      expect({ id, output: lines.map((line) => line.text) }).toEqual({
        id,
        output: expect.arrayContaining([says[id]]),
      });
      expect(lines.at(-1)?.text).toMatch(/^The program ended after [^,]*\.$/);
      expect((await timelineRows()).length).toBeGreaterThan(0);
    }
  }, 120_000);

  test("the page works offline once it has loaded", async () => {
    // The service worker took control of the page (it registers after the first load).
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, WAIT);
    await browser!.context.setOffline(true);
    try {
      await page.reload();
      await compiled();
      await chooseFrontEnd("babel"); // a front end's chunk is fetched only now
      await setProgram('import { run } from "anyio-ts";\nrun(async () => console.log("offline"));\n');
      await runToEnd();
      expect(await programOutput()).toEqual(["offline"]);
    } finally {
      await browser!.context.setOffline(false);
    }
  }, 60_000);
});
