/**
 * Errors that point at the program's lines: the stacks of uncaught errors and failed tasks are
 * mapped back through the compile's source maps (with either front end) and link to the line;
 * tasks started with an anonymous function are named after where they were started; the event
 * log gives the reason a scope was cancelled.
 */
import type { Page } from "playwright-core";
import {
  WAIT,
  compiled,
  consoleLines,
  openPlayground,
  runToEnd,
  setProgram,
  type Playground,
} from "./playground-helpers";

let playground: Playground;

beforeAll(async () => {
  playground = await openPlayground();
}, 240_000);

afterAll(async () => {
  await playground?.close();
});

const FAILING = [
  '"use structured";', // 1
  'import { createTaskGroup, run, sleep } from "anyio-ts";', // 2
  "", // 3
  "async function check(n: number) {", // 4
  "  await sleep(n);", // 5
  "  if (n > 1) {", // 6
  "    // the failure", // 7
  '    throw new RangeError("too big: " + n);', // 8
  "  }", // 9
  "}", // 10
  "", // 11
  "async function main() {", // 12
  "  await using tg = createTaskGroup();", // 13
  "  tg.startSoon(async () => {", // 14
  "    await check(5);", // 15
  "  });", // 16
  "}", // 17
  "", // 18
  "run(main);", // 19
].join("\n");

async function activeLine(page: Page): Promise<string> {
  return page.$eval("#editor .cm-activeLine", (line) => line.textContent ?? "");
}

describe("errors in the playground", () => {
  for (const frontEnd of ["typescript", "babel"] as const) {
    test(`an uncaught error's stack shows the program's lines, and a frame jumps to its line (${frontEnd})`, async () => {
      const { page } = playground;
      await page.check(`input[name="front-end"][value="${frontEnd}"]`);
      await compiled(page);
      await setProgram(page, FAILING);
      await runToEnd(page);
      const uncaught = (await consoleLines(page)).find((line) => line.level === "error");
      expect(uncaught?.text).toMatch(/^Uncaught \(in promise\) ExceptionGroup/);
      expect(uncaught?.text).toContain("RangeError: too big: 5");
      expect(uncaught?.text).toMatch(/at check \(playground\.ts:8:\d+\)/);
      expect(uncaught?.text).toMatch(/at .* \(playground\.ts:15:\d+\)/);

      // The frame is a link: it puts the cursor on line 8.
      await page.click("#editor .cm-content");
      await page.keyboard.press("ControlOrMeta+Home");
      expect(await activeLine(page)).toBe('"use structured";');
      await page.click('#console .console-line.error button.loc[data-line="8"]');
      await page.waitForFunction(
        () => document.querySelector("#editor .cm-activeLine")?.textContent?.includes("throw new RangeError"),
        null,
        WAIT,
      );

      // The failed task's line in the event log links to where it raised.
      const logLink = page.locator('.tv-log li.tv-log-error button.loc[data-line="8"]');
      await logLink.first().waitFor(WAIT);
      await page.click("#editor .cm-content");
      await page.keyboard.press("ControlOrMeta+Home");
      await logLink.first().click();
      await page.waitForFunction(
        () => document.querySelector("#editor .cm-activeLine")?.textContent?.includes("throw new RangeError"),
        null,
        WAIT,
      );
    }, 60_000);
  }

  test("a task started with an anonymous function is named after where it was started", async () => {
    const { page } = playground;
    await page.check('input[name="front-end"][value="typescript"]');
    await compiled(page);
    await setProgram(page, FAILING);
    await runToEnd(page);
    const names = await page.$$eval(".tv-row", (rows) => rows.map((row) => (row as HTMLElement).dataset.name));
    expect(names).toEqual(["main", "task@14:6"]);
  }, 60_000);

  test("the event log says why a scope was cancelled and by which task", async () => {
    const { page } = playground;
    await setProgram(
      page,
      [
        '"use structured";',
        'import { CancelScope, run, sleep } from "anyio-ts";',
        "",
        "async function main() {",
        "  const scope = new CancelScope();",
        "  using _ = scope;",
        '  scope.cancel("enough waiting");',
        "  await sleep(10_000);",
        "}",
        "",
        "run(main);",
      ].join("\n"),
    );
    await runToEnd(page);
    const log = await page.$$eval(".tv-log li", (items) => items.map((item) => item.textContent ?? ""));
    expect(log).toContainEqual(
      expect.stringMatching(/CancelScope#\d+ in task main was cancelled, reason: enough waiting \(by task 'main'\)/),
    );
  }, 60_000);
});
