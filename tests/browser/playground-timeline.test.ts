/**
 * The timeline shows scopes and waits: each task's cancel scopes as nested spans under its bar
 * (the deadline marked, a shielded scope drawn differently, a cancelled one ended with its
 * reason), what a blocked task waits on as a state of its bar, and marks close in time grouped.
 */
import type { Page } from "playwright-core";
import { openPlayground, runToEnd, setProgram, type Playground } from "./playground-helpers";

let playground: Playground;

beforeAll(async () => {
  playground = await openPlayground();
}, 240_000);

afterAll(async () => {
  await playground?.close();
});

interface DrawnScope {
  scope: string;
  classes: string[];
  depth: number;
  title: string;
}

/** The scope spans of a task's row, with their nesting level read from where they are drawn. */
async function scopesOf(page: Page, task: string): Promise<DrawnScope[]> {
  // The timeline draws on the next animation frame after the run ended.
  await page.waitForFunction(() => document.body.dataset.run === "done", null);
  await page.waitForTimeout(0);
  return page.$$eval(`.tv-row[data-name="${task}"] .tv-scope`, (spans) =>
    spans.map((span) => {
      const el = span as HTMLElement;
      return {
        scope: el.dataset.scope ?? "",
        classes: Array.from(el.classList).filter((c) => c !== "tv-scope"),
        depth: Math.round((parseFloat(el.style.top) - 20) / 7),
        title: el.title,
      };
    }),
  );
}

async function waitKinds(page: Page, task: string): Promise<string[]> {
  return page.$$eval(`.tv-row[data-name="${task}"] .tv-wait`, (waits) =>
    waits.map((wait) => (wait as HTMLElement).dataset.kind ?? ""),
  );
}

describe("scopes and waits on the timeline", () => {
  test("a task's cancel scopes are nested spans under its bar: deadline marked, shielded drawn apart, cancelled ended with the reason", async () => {
    const { page } = playground;
    await setProgram(
      page,
      [
        '"use structured";',
        'import { CancelScope, moveOnAfter, run, sleep } from "anyio-ts";',
        "",
        "async function main() {",
        "  {",
        "    using _outer = moveOnAfter(60);",
        "    {",
        "      using _shield = new CancelScope({ shield: true });",
        "      await sleep(100); // the deadline passes meanwhile; the shield keeps it out",
        "    }",
        "    await sleep(10_000);",
        "  }",
        "  const stop = new CancelScope();",
        "  {",
        "    using _ = stop;",
        '    stop.cancel("enough");',
        "    await sleep(10_000);",
        "  }",
        "}",
        "",
        "run(main);",
      ].join("\n"),
    );
    await runToEnd(page);
    await page.waitForSelector('.tv-row[data-name="main"] .tv-scope');
    const scopes = await scopesOf(page, "main");
    expect(scopes.map(({ scope, classes, depth }) => ({ scope: scope.replace(/#\d+/, ""), classes, depth }))).toEqual([
      { scope: "moveOnAfter", classes: ["cancelled", "deadline"], depth: 0 },
      { scope: "CancelScope", classes: ["shielded"], depth: 1 },
      { scope: "CancelScope", classes: ["cancelled", "cancel"], depth: 0 },
    ]);
    expect(scopes[0]!.title).toMatch(/deadline \d+ ms; cancelled at .*: deadline exceeded$/);
    expect(scopes[2]!.title).toMatch(/cancelled at .*: enough \(by task 'main'\)$/);
    expect(await page.$$('.tv-row[data-name="main"] .tv-deadline')).toHaveLength(1);
    expect(await page.$$('.tv-row[data-name="main"] .tv-scope-cancel')).toHaveLength(2);
  }, 60_000);

  test("what a blocked task waits on is drawn as a state of its bar: sleep, Event, lock, stream send and receive, child tasks, a foreign promise", async () => {
    const { page } = playground;
    await setProgram(
      page,
      [
        '"use structured";',
        'import { Event, Lock, createMemoryObjectStream, createTaskGroup, run, sleep } from "anyio-ts";',
        "",
        "async function main() {",
        "  const ready = new Event();",
        "  const lock = new Lock();",
        "  const [send, receive] = createMemoryObjectStream<number>(0);",
        "  await using tg = createTaskGroup();",
        '  tg.startSoon({ name: "sleeper" }, sleep, 30);',
        '  tg.startSoon({ name: "event" }, async () => await ready.wait());',
        '  tg.startSoon({ name: "lock" }, async () => {',
        "    using _ = await lock.acquire();",
        "  });",
        '  tg.startSoon({ name: "receiver" }, async () => void (await receive.receive()));',
        '  tg.startSoon({ name: "foreign" }, async () => {',
        "    await new Promise((resolve) => setTimeout(resolve, 30));",
        "  });",
        "  using _held = await lock.acquire();",
        "  await sleep(40);",
        "  ready.set();",
        "  _held[Symbol.dispose]();",
        '  tg.startSoon({ name: "sender" }, async () => await send.send(1));',
        "}",
        "",
        "run(main);",
      ].join("\n"),
    );
    await runToEnd(page);
    await page.waitForSelector('.tv-row[data-name="foreign"] .tv-wait');
    expect(await waitKinds(page, "sleeper")).toEqual(["sleep"]);
    expect(await waitKinds(page, "event")).toEqual(["event"]);
    expect(await waitKinds(page, "lock")).toEqual(["lock"]);
    expect(await waitKinds(page, "receiver")).toEqual(["receive"]);
    expect(await waitKinds(page, "foreign")).toEqual(["promise"]);
    expect(await waitKinds(page, "main")).toEqual(["lock", "sleep", "group"]);
    expect(await waitKinds(page, "sender")).toEqual(["send"]);
    // Each wait says where the task waited: its await chain, from the transformer's await sites.
    const mainWaits = await page.$$eval('.tv-row[data-name="main"] .tv-wait', (waits) =>
      waits.map((wait) => (wait as HTMLElement).title),
    );
    expect(mainWaits[1]).toMatch(/^waiting in sleep\(\) \(sleep\).*\n {2}at main \(playground\.ts:19:3\)$/);
  }, 60_000);

  test("marks close in time are drawn as one mark with their count, listing each", async () => {
    const { page } = playground;
    await setProgram(
      page,
      [
        '"use structured";',
        'import { createTaskGroup, run, sleep } from "anyio-ts";',
        "",
        "async function main() {",
        "  try {",
        "    await using tg = createTaskGroup();",
        '    tg.startSoon({ name: "failing" }, async () => {',
        "      await sleep(10);",
        '      throw new Error("boom");',
        "    });",
        '    tg.startSoon({ name: "victim" }, sleep, 10_000);',
        "  } catch {}",
        // A long axis: the group's error and its cancellation, a moment apart even on a busy
        // machine, are then well within one mark's width of each other.
        "  await sleep(1000);",
        "}",
        "",
        "run(main);",
      ].join("\n"),
    );
    await runToEnd(page);
    await page.waitForSelector('.tv-row[data-name="main"] .tv-mark');
    const marks = await page.$$eval('.tv-row[data-name="main"] .tv-mark', (list) =>
      list.map((m) => ({
        kinds: (m as HTMLElement).dataset.kinds,
        count: m.querySelector("sup")?.textContent,
        lines: (m as HTMLElement).title.split("\n").length,
      })),
    );
    expect(marks).toEqual([{ kinds: "error cancel", count: "2", lines: 2 }]);
  }, 60_000);
});
