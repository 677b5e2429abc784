/**
 * The playground keeps no stale state and a steady layout: edited programs mark the previous
 * run's panes, a refused run clears them, the Example menu says when the program was edited, the
 * toolbar keeps its place whatever the status says, the diagnostics never hide the editor, long
 * lines wrap, and the dark theme applies to the page and both code panes. The page stays light:
 * what loads before the first compile weighs less than 600 KB.
 */
import * as fs from "node:fs";
import * as path from "node:path";
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

const HELLO = '"use structured";\nimport { run } from "anyio-ts";\nrun(async () => console.log("hello"));\n';

/** Page weight budget: what loads before the first compile (the compilers and the language service load later). */
const PAGE_BUDGET = 600 * 1024;

/**
 * The files a visitor's browser loads before the first compile: the HTML, what it references,
 * the compile worker, and their static imports. Dynamic imports (the front ends) and the other
 * workers (types, run) load later.
 */
function filesBeforeFirstCompile(outDir: string): string[] {
  const html = fs.readFileSync(path.join(outDir, "index.html"), "utf8");
  const seen = new Set<string>(["index.html"]);
  const queue = [...html.matchAll(/(?:src|href)="\.\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith(".js")) continue;
    const code = fs.readFileSync(path.join(outDir, file), "utf8");
    const dir = path.posix.dirname(file);
    for (const m of code.matchAll(/\bimport\s*(?:[\w*{}\s,$]+?from\s*)?["'](\.\/[^"']+\.js)["']/g)) {
      queue.push(path.posix.join(dir, m[1]!));
    }
    // The compile worker starts with the page.
    for (const m of code.matchAll(/compile-worker-[\w-]+\.js/g)) queue.push(path.posix.join("assets", m[0]));
  }
  return [...seen];
}

describe("the playground's state and layout", () => {
  test("the page weighs less than 600 KB (minified) before the first compile", () => {
    const files = filesBeforeFirstCompile(playground.outDir);
    expect(files).toEqual(
      expect.arrayContaining(["index.html", expect.stringMatching(/^assets\/compile-worker-.*\.js$/)]),
    );
    // The compilers and the language service are not among them.
    expect(files.filter((f) => /typescript|babel|types-worker|run-worker/.test(f))).toEqual([]);
    const bytes = files.reduce((sum, file) => sum + fs.statSync(path.join(playground.outDir, file)).size, 0);
    expect(bytes).toBeLessThan(PAGE_BUDGET);
  });

  test("before the first run, the console holds an intro whose links open the guides, served with the page", async () => {
    const { page } = playground;
    expect(await page.isVisible("#console .intro")).toBe(true);
    const links = await page.$$eval("#console .intro a", (anchors) =>
      anchors.map((a) => ({ text: a.textContent ?? "", href: (a as HTMLAnchorElement).href })),
    );
    expect(links.map((l) => new URL(l.href).pathname.replace(/^.*\/(docs\/)/, "$1"))).toEqual([
      "docs/getting-started.md",
      "docs/core.md",
      "docs/sync.md",
      "docs/streams.md",
      "docs/context.md",
      "docs/transformer.md",
      "docs/playground.md",
    ]);
    const served = await page.evaluate(
      (hrefs) =>
        Promise.all(
          hrefs.map(async (href) => [(await fetch(href)).status, (await (await fetch(href)).text()).slice(0, 2)]),
        ),
      links.map((l) => l.href),
    );
    expect(served).toEqual(links.map(() => [200, "# "]));
  }, 60_000);

  test("editing after a run marks the console and the tasks as the previous program's, until the next run", async () => {
    const { page } = playground;
    await setProgram(page, HELLO);
    await runToEnd(page);
    expect(await page.getAttribute("body", "data-stale")).toBe("false");
    expect(await page.isVisible("#console-pane .stale-note")).toBe(false);

    await setProgram(page, HELLO.replace("hello", "hello again"));
    expect(await page.getAttribute("body", "data-stale")).toBe("true");
    expect(await page.isVisible("#console-pane .stale-note")).toBe(true);
    expect(await page.isVisible("#tasks-pane .stale-note")).toBe(true);
    // Editing back to the program that ran: the panes are its run again.
    await setProgram(page, HELLO);
    expect(await page.getAttribute("body", "data-stale")).toBe("false");

    await setProgram(page, HELLO.replace("hello", "hello again"));
    await runToEnd(page);
    expect(await page.getAttribute("body", "data-stale")).toBe("false");
    expect((await consoleLines(page)).map((l) => l.text)).toContain("hello again");
  }, 60_000);

  test("a refused run clears the previous run's console and tasks", async () => {
    const { page } = playground;
    await setProgram(page, HELLO);
    await runToEnd(page);
    expect(await page.$$(".tv-row")).toHaveLength(1);
    await setProgram(page, 'import { run } from "anyio-ts";\nrun(async () => {\n  "use structure";\n});\n');
    await page.click("#run");
    await page.waitForFunction(() => document.querySelector("#console")?.textContent?.includes("Not run"), null, WAIT);
    // The timeline draws on the next animation frame.
    await page.waitForFunction(() => document.querySelectorAll(".tv-row").length === 0, null, WAIT);
    expect((await consoleLines(page)).map((l) => l.level)).toEqual(["system"]);
    expect(await page.getAttribute("body", "data-stale")).toBe("false");
    expect(await page.isVisible(".tv-empty")).toBe(true);
  }, 60_000);

  test("the Example menu shows when the program was edited", async () => {
    const { page } = playground;
    await page.selectOption("#examples", "timeouts");
    await compiled(page);
    expect(await page.isVisible("#edited")).toBe(false);
    await page.click("#editor .cm-content");
    await page.keyboard.press("ControlOrMeta+End");
    await page.keyboard.type("// mine");
    await page.waitForSelector("#edited:not([hidden])", WAIT);
    expect(await page.getAttribute("body", "data-edited")).toBe("true");
    await page.selectOption("#examples", "task-group");
    await compiled(page);
    expect(await page.isVisible("#edited")).toBe(false);
  }, 60_000);

  test("the toolbar keeps every control in place whatever the status says and when the share link shows", async () => {
    const { page } = playground;
    const places = () =>
      page.$$eval(".toolbar button:not([hidden]), .toolbar select", (els) =>
        els.map((el) => {
          const r = el.getBoundingClientRect();
          return `${el.id}@${Math.round(r.left)},${Math.round(r.top)}`;
        }),
      );
    const toolbarHeight = () => page.$eval(".toolbar", (el) => el.getBoundingClientRect().height);
    const before = await places();
    const height = await toolbarHeight();
    await page.$eval("#status", (el) => {
      el.textContent = "A very long status line ".repeat(20);
    });
    expect(await places()).toEqual(before);
    expect(await toolbarHeight()).toBe(height);
    await page.click("#share");
    await page.waitForSelector("#share-link:not([hidden])", WAIT);
    expect(await places()).toEqual(before);
    expect(await toolbarHeight()).toBe(height);
    await page.selectOption("#examples", "task-group"); // clears the hash and hides the link
    await compiled(page);
  }, 60_000);

  test("a long list of diagnostics scrolls under the editor and never hides it", async () => {
    const { page } = playground;
    const lines = ['import { run } from "anyio-ts";'];
    for (let i = 0; i < 40; i++) lines.push(`run(async () => {\n  "use structure";\n});`);
    await setProgram(page, lines.join("\n"));
    expect(await compiled(page)).toBe("errors");
    expect(await page.$$("#diagnostics li")).toHaveLength(40);
    const sizes = await page.evaluate(() => ({
      pane: document.querySelector(".pane.source")!.getBoundingClientRect().height,
      editor: document.querySelector("#editor")!.getBoundingClientRect().height,
      list: document.querySelector("#diagnostics")!.getBoundingClientRect().height,
    }));
    expect(sizes.editor).toBeGreaterThan(sizes.pane / 2);
    expect(sizes.list).toBeLessThanOrEqual(sizes.pane * 0.3 + 1);
  }, 60_000);

  test("long lines wrap in both code panes", async () => {
    const { page } = playground;
    const long = `console.log("${"x".repeat(400)}");`;
    await setProgram(page, `"use structured";\n${long}\n`);
    for (const pane of ["#editor", "#output"]) {
      const { lineHeight, width, scrollWidth } = await page.$eval(pane, (el) => {
        const line = Array.from(el.querySelectorAll<HTMLElement>(".cm-line")).find((l) => l.textContent!.length > 300)!;
        const scroller = el.querySelector<HTMLElement>(".cm-scroller")!;
        return {
          lineHeight: line.getBoundingClientRect().height,
          width: scroller.clientWidth,
          scrollWidth: scroller.scrollWidth,
        };
      });
      expect({ pane, wrapped: lineHeight > 30, scrolls: scrollWidth > width + 1 }).toEqual({
        pane,
        wrapped: true,
        scrolls: false,
      });
    }
  }, 60_000);

  test("the theme button switches the page and both code panes to dark and back", async () => {
    const { page } = playground;
    const colours = () =>
      page.evaluate(() => ({
        theme: document.documentElement.dataset.theme,
        page: getComputedStyle(document.querySelector(".pane")!).backgroundColor,
        editor: getComputedStyle(document.querySelector("#editor .cm-editor")!).backgroundColor,
        output: getComputedStyle(document.querySelector("#output .cm-editor")!).backgroundColor,
      }));
    const start = await colours();
    await page.click("#theme");
    const switched = await colours();
    expect(switched.theme).toBe(start.theme === "dark" ? "light" : "dark");
    const dark = switched.theme === "dark" ? switched : start;
    const light = switched.theme === "dark" ? start : switched;
    const brightness = (rgb: string) =>
      (rgb.match(/\d+/g) ?? []).slice(0, 3).reduce((sum, c) => sum + Number(c), 0) / 3;
    for (const part of ["page", "editor", "output"] as const) {
      expect({ part, darker: brightness(dark[part]) < 80, lighter: brightness(light[part]) > 200 }).toEqual({
        part,
        darker: true,
        lighter: true,
      });
    }
    // The choice is remembered across a reload.
    await page.reload();
    await compiled(page);
    expect((await colours()).theme).toBe(switched.theme);
    await page.click("#theme");
  }, 60_000);
});
