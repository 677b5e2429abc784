#!/usr/bin/env node
/**
 * Takes the screenshots of docs/playground.md (docs/images/playground-*.png): builds the
 * playground into a temporary directory, serves it, and drives Debian's Chromium through a few
 * programs with playwright-core.
 *
 * Also the README's before/after pair (docs/images/playground-timeout-*.png): the programs
 * examples/timeout-promise-all.ts and examples/timeout-task-group.ts, typed into the editor and run.
 *
 *   npm run playground:screenshots
 *   npm run playground:screenshots -- --only timeout-promise-all,timeout-task-group
 */
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { buildPlayground } = require("./build.cjs");
const { launchChromium } = require("./browser.cjs");
const { serve } = require("./serve.cjs");

const images = path.resolve(__dirname, "..", "docs", "images");
const WAIT = { timeout: 30_000 };
const examples = path.resolve(__dirname, "..", "examples");

/** `--only a,b`: take only the named screenshots (every one by default). */
const only = (() => {
  const index = process.argv.indexOf("--only");
  return index < 0 ? null : new Set(process.argv[index + 1].split(","));
})();

const MISSPELLED = `"use structured";
import { createTaskGroup, run, sleep } from "anyio-ts";

async function worker(ms: number) {
  "use structure";
  await sleep(ms);
}

async function main() {
  await using tg = createTaskGroup();
  tg.startSoon(worker, 10);
  await Promise.all([worker(1), worker(2)]);
}

run(main);
`;

const FAILING = `"use structured";
import { createTaskGroup, run, sleep } from "anyio-ts";

async function check(n: number) {
  await sleep(n);
  if (n > 1) throw new RangeError(\`too big: \${n}\`);
}

async function main() {
  await using tg = createTaskGroup();
  tg.startSoon(async () => {
    await check(5);
  });
}

run(main);
`;

const TYPED = `"use structured";
import { moveOnAfter, run, sleep } from "anyio-ts";

async function main() {
  using scope = moveOnAfter(100);
  const ms: number = "50";
  await sleep(ms);
  console.log(scope.cancelledCaught);
}

run(main);
`;

async function main() {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-playground-shots-"));
  fs.mkdirSync(images, { recursive: true });
  buildPlayground(outDir);
  const server = await serve(outDir);
  const browser = await launchChromium({ viewport: { width: 1440, height: 900 } });
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const compiled = () =>
      page.waitForFunction(() => ["ok", "errors"].includes(document.body.dataset.compiled ?? ""), null, WAIT);
    const runExample = async (id) => {
      await page.selectOption("#examples", id);
      await compiled();
      await page.click("#run");
      await page.waitForFunction(() => document.body.dataset.run === "done", null, WAIT);
      await page.waitForSelector('#tasks[data-drawn="final"]', WAIT);
    };
    const setProgram = async (text) => {
      await page.click("#editor .cm-content");
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.insertText(text);
      await page.waitForFunction(
        (expected) =>
          Array.from(document.querySelectorAll("#editor .cm-line"), (line) => line.textContent).join("\n") === expected,
        text,
        WAIT,
      );
      await compiled();
    };
    const wanted = (name) => only === null || only.has(name);
    const runProgram = async (code) => {
      await page.click("#editor .cm-content");
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.insertText(code);
      await page.waitForFunction(() => document.body.dataset.compiled === "ok", null, WAIT);
      await page.click("#run");
      await page.waitForFunction(() => document.body.dataset.run === "done", null, WAIT);
      await page.waitForTimeout(100); // one more animation frame for the timeline
    };
    const shot = async (name, locator) => {
      if (!wanted(name)) return;
      const file = path.join(images, `playground-${name}.png`);
      await (locator ?? page).screenshot({ path: file });
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
    };

    await page.goto(server.url);
    await compiled();

    // The README's before/after pair: a timeout around Promise.all leaves the slow request
    // running; a task group under the same timeout cancels it.
    for (const name of ["timeout-promise-all", "timeout-task-group"]) {
      if (!wanted(name)) continue;
      await runProgram(fs.readFileSync(path.join(examples, `${name}.ts`), "utf8"));
      // The console and the task view side by side: what happened, and when.
      const boxes = await Promise.all([".pane.console-pane", ".pane.tasks"].map((s) => page.locator(s).boundingBox()));
      const x = Math.min(...boxes.map((b) => b.x));
      const y = Math.min(...boxes.map((b) => b.y));
      const right = Math.max(...boxes.map((b) => b.x + b.width));
      const bottom = Math.min(Math.max(...boxes.map((b) => b.y + b.height)), y + 230);
      const file = path.join(images, `playground-${name}.png`);
      await page.screenshot({ path: file, clip: { x, y, width: right - x, height: bottom - y } });
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
    }

    await runExample("task-group");
    await shot("overview");

    await runExample("error-grouping");
    await shot("error-timeline", page.locator(".pane.tasks"));

    await runExample("timeouts");
    await shot("deadlines", page.locator(".panes"));

    // Scopes and waits: the shielding example's tasks, and the producers' waits on their stream.
    await runExample("shielding");
    await shot("scopes", page.locator(".pane.tasks"));
    await runExample("producer-consumer");
    await shot("waits", page.locator(".pane.tasks"));

    // The two code panes linked: the cursor on a line of the program, the hooks hidden.
    await page.selectOption("#examples", "task-group");
    await compiled();
    await page.check("#hide-plumbing");
    await page.locator("#editor .cm-line", { hasText: "await sleep(ms);" }).first().click();
    await page.waitForSelector("#output .cm-linked", WAIT);
    await shot("linked", page.locator(".panes"));
    await page.uncheck("#hide-plumbing");

    // An error whose stack points at the program's lines.
    await setProgram(FAILING);
    await page.click("#run");
    await page.waitForFunction(() => document.body.dataset.run === "done", null, WAIT);
    await page.waitForSelector('#tasks[data-drawn="final"]', WAIT);
    await shot("stack", page.locator(".panes"));

    // Types: a type error listed and a hover on the anyio-ts API.
    await setProgram(TYPED);
    await page.waitForFunction(() => document.body.dataset.types === "errors", null, { timeout: 60_000 });
    const at = await page.evaluate(() => {
      const line = Array.from(document.querySelectorAll("#editor .cm-line")).find((l) =>
        l.textContent.includes("moveOnAfter("),
      );
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
        const i = node.textContent.indexOf("moveOnAfter");
        if (i === -1) continue;
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 4);
        const box = range.getBoundingClientRect();
        return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
      }
      return null;
    });
    await page.mouse.move(at.x - 2, at.y);
    await page.mouse.move(at.x, at.y, { steps: 2 });
    await page.waitForSelector(".cm-tooltip-hover .cm-type-hover", WAIT);
    await shot("types", page.locator(".pane.source"));
    await page.mouse.move(5, 5);

    await setProgram(MISSPELLED);
    await page.waitForSelector("#editor .cm-lintRange-error", WAIT);
    await page.hover("#editor .cm-lintRange-error");
    await page.waitForTimeout(600); // the diagnostic's tooltip
    await shot("diagnostics", page.locator(".pane.source"));
  } finally {
    await browser.close();
    await server.close();
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
