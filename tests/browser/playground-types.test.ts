/**
 * Types in the editor: TypeScript's language service, with the declaration files of anyio-ts,
 * reports type errors (listed like diagnostics, without stopping Run), shows types on hover and
 * completes the anyio-ts API.
 */
import {
  WAIT,
  compiled,
  consoleLines,
  openPlayground,
  runToEnd,
  setProgram,
  wordPosition,
  type Playground,
} from "./playground-helpers";

let playground: Playground;

beforeAll(async () => {
  playground = await openPlayground();
}, 240_000);

afterAll(async () => {
  await playground?.close();
});

/** Waits for the type check of the current text (the language service loads on the first one). */
async function typesChecked(): Promise<string> {
  await playground.page.waitForFunction(
    () => document.body.dataset.types === "ok" || document.body.dataset.types === "errors",
    null,
    { timeout: 60_000 },
  );
  return (await playground.page.getAttribute("body", "data-types"))!;
}

describe("types in the editor", () => {
  test("every example of the menu type-checks without an error", async () => {
    const { page } = playground;
    const ids = await page.$$eval("#examples option", (options) => options.map((o) => (o as HTMLOptionElement).value));
    for (const id of ids.filter((id) => id !== "shared")) {
      await page.selectOption("#examples", id);
      await compiled(page);
      const result = await typesChecked();
      const listed = await page.$$eval("#diagnostics li", (items) => items.map((item) => item.textContent ?? ""));
      expect({ id, result, listed }).toEqual({ id, result: "ok", listed: [] });
    }
  }, 120_000);

  test("a type error is underlined and listed, and the program still runs", async () => {
    const { page } = playground;
    await setProgram(
      page,
      [
        '"use structured";',
        'import { run, sleep } from "anyio-ts";',
        "",
        "run(async () => {",
        '  const n: number = "ten";',
        '  console.log("ran anyway", n);',
        "});",
      ].join("\n"),
    );
    expect(await typesChecked()).toBe("errors");
    const listed = await page.$$eval("#diagnostics li", (items) => items.map((item) => item.textContent ?? ""));
    expect(listed).toEqual([
      expect.stringMatching(/^5:9\s*type error TS2322\s*Type 'string' is not assignable to type 'number'/),
    ]);
    await page.waitForSelector("#editor .cm-lintRange-error", WAIT);
    expect(await page.getAttribute("body", "data-compiled")).toBe("ok");
    await runToEnd(page);
    expect((await consoleLines(page)).map((line) => line.text)).toContain("ran anyway ten");

    // Fixing it clears the list.
    await setProgram(page, '"use structured";\nimport { run, sleep } from "anyio-ts";\nrun(() => sleep(10));\n');
    expect(await typesChecked()).toBe("ok");
    expect(await page.$$("#diagnostics li")).toHaveLength(0);
  }, 90_000);

  test("hovering a name of the anyio-ts API shows its type and documentation", async () => {
    const { page } = playground;
    await setProgram(page, '"use structured";\nimport { run, sleep } from "anyio-ts";\nrun(() => sleep(10));\n');
    await typesChecked();
    const at = await wordPosition(page, "run(() => sleep(10));", "sleep");
    await page.mouse.move(at.x - 2, at.y);
    await page.mouse.move(at.x, at.y, { steps: 2 });
    const tooltip = page.locator(".cm-tooltip-hover .cm-type-hover");
    await tooltip.waitFor(WAIT);
    expect(await tooltip.locator(".cm-type-signature").textContent()).toMatch(/sleep\(ms: number\): Promise<void>/);
    expect(await tooltip.locator(".cm-type-doc").textContent()).toMatch(/checkpoint/i);
  }, 90_000);

  test("completion offers the anyio-ts API: a task group's methods after `tg.`", async () => {
    const { page } = playground;
    await setProgram(
      page,
      [
        '"use structured";',
        'import { createTaskGroup, run } from "anyio-ts";',
        "",
        "run(async () => {",
        "  await using tg = createTaskGroup();",
        "  ",
        "});",
      ].join("\n"),
    );
    await typesChecked();
    await page.locator("#editor .cm-line").nth(5).click();
    await page.keyboard.press("End");
    await page.keyboard.type("tg.st");
    const options = page.locator(".cm-tooltip-autocomplete li");
    await options.first().waitFor(WAIT);
    const labels = await options.allTextContents();
    expect(labels).toEqual(
      expect.arrayContaining([expect.stringContaining("startSoon"), expect.stringContaining("start")]),
    );
    await page.keyboard.press("Escape");
  }, 90_000);
});
