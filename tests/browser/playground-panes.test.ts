/**
 * The program and its rewrite side by side: the cursor's line in either pane highlights the lines
 * it maps to in the other (through the compile's source map), and "hide hooks" hides the hook
 * plumbing of the rewrite so the shape of the program shows.
 */
import type { Page } from "playwright-core";
import { WAIT, compiled, openPlayground, type Playground } from "./playground-helpers";

let playground: Playground;

beforeAll(async () => {
  playground = await openPlayground();
}, 240_000);

afterAll(async () => {
  await playground?.close();
});

async function visibleLines(page: Page, pane: "editor" | "output"): Promise<string[]> {
  return page.$$eval(`#${pane} .cm-line`, (lines) => lines.map((line) => line.textContent ?? ""));
}

async function highlighted(page: Page, pane: "editor" | "output"): Promise<string[]> {
  return page.$$eval(`#${pane} .cm-line.cm-linked`, (lines) => lines.map((line) => line.textContent ?? ""));
}

async function clickLine(page: Page, pane: "editor" | "output", containing: string): Promise<void> {
  await page.locator(`#${pane} .cm-line`, { hasText: containing }).first().click();
}

describe("the program and its rewrite", () => {
  for (const frontEnd of ["typescript", "babel"] as const) {
    test(`the cursor's line in either pane highlights the lines it maps to in the other (${frontEnd})`, async () => {
      const { page } = playground;
      await page.check(`input[name="front-end"][value="${frontEnd}"]`);
      await page.selectOption("#examples", "task-group");
      await compiled(page);

      await clickLine(page, "editor", "await sleep(ms);");
      await page.waitForFunction(() => document.querySelector("#output .cm-linked") !== null, null, WAIT);
      expect(await highlighted(page, "output")).toEqual([expect.stringContaining("sleep(ms)")]);
      expect(await highlighted(page, "editor")).toEqual([]);

      await clickLine(page, "output", 'console.log("main: three workers started")');
      await page.waitForFunction(() => document.querySelector("#editor .cm-linked") !== null, null, WAIT);
      expect(await highlighted(page, "editor")).toEqual([
        expect.stringContaining('console.log("main: three workers started")'),
      ]);
      expect(await highlighted(page, "output")).toEqual([]);
    }, 60_000);
  }

  test("hide hooks shows the rewrite without its plumbing, and showing them again restores it", async () => {
    const { page } = playground;
    await page.check('input[name="front-end"][value="typescript"]');
    await page.selectOption("#examples", "task-group");
    await compiled(page);
    const full = await visibleLines(page, "output");
    expect(full.join("\n")).toContain("__rt.enter(");

    await page.check("#hide-plumbing");
    await page.waitForFunction(
      () => !Array.from(document.querySelectorAll("#output .cm-line")).some((l) => l.textContent?.includes("__rt")),
      null,
      WAIT,
    );
    const shape = await visibleLines(page, "output");
    expect(shape.map((line) => line.trim())).toEqual(expect.arrayContaining(["await sleep(ms);", "run(main);"]));
    expect(shape.length).toBeLessThan(full.length);

    // The highlighting still works on what is left.
    await clickLine(page, "editor", "await sleep(ms);");
    await page.waitForFunction(() => document.querySelector("#output .cm-linked") !== null, null, WAIT);
    expect((await highlighted(page, "output")).map((l) => l.trim())).toEqual(["await sleep(ms);"]);

    await page.uncheck("#hide-plumbing");
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll("#output .cm-line")).some((l) => l.textContent?.includes("__rt")),
      null,
      WAIT,
    );
    expect(await visibleLines(page, "output")).toEqual(full);
  }, 60_000);
});
