/**
 * The live task view: the task tree on the left, one bar per task on a shared time axis on the
 * right, marks where a scope was cancelled (✕), a deadline passed (a clock) or an error was raised
 * (!), and the log of those events in words below. Bars are coloured by how the task ended;
 * hovering a bar or mark tells the whole story.
 */
import { locationButton, type OnLocation } from "./location-link";
import { SOURCE_FILE } from "./source-map";
import { TimelineModel, type Mark, type PlacedRow } from "./timeline-model";

// The deadline mark is a small clock drawn in SVG: clock characters are missing from many fonts.
const CLOCK = `<svg viewBox="0 0 12 12" width="11" height="11" aria-hidden="true"><circle cx="6" cy="6" r="4.8" fill="none" stroke="currentColor" stroke-width="1.4"/><path d="M6 3.2V6l2 1.4" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round"/></svg>`;
const MARK_GLYPH: Record<Mark["kind"], string> = { cancel: "✕", deadline: CLOCK, error: "!" };
/** Marks closer than this (in % of the axis) are drawn side by side rather than on top of each other. */
const MARK_CLOSE = 2;

/** Draws a {@link TimelineModel} into a container, at most once per animation frame. */
export class TaskView {
  private model = new TimelineModel();
  private running = false;
  /** Page time when the run started, to extend running bars to "now". */
  private startedAt = 0;
  private frame: number | undefined;
  private readonly rows: HTMLElement;
  private readonly axis: HTMLElement;
  private readonly log: HTMLOListElement;
  private readonly empty: HTMLElement;

  constructor(
    container: HTMLElement,
    private readonly onLocation: OnLocation,
  ) {
    container.classList.add("task-view");
    container.innerHTML = `
      <div class="tv-empty">Run a program to see its tasks: one bar per task, from its start to its end.</div>
      <div class="tv-axis" aria-hidden="true"></div>
      <div class="tv-rows" role="tree" aria-label="Task tree and timeline"></div>
      <div class="tv-legend">
        <span><i class="tv-swatch returned"></i>returned</span>
        <span><i class="tv-swatch failed"></i>failed</span>
        <span><i class="tv-swatch cancelled"></i>cancelled</span>
        <span><i class="tv-swatch running"></i>running</span>
        <span><b class="tv-mark cancel">✕</b>scope cancelled</span>
        <span><b class="tv-mark deadline">${CLOCK}</b>deadline passed</span>
        <span><b class="tv-mark error">!</b>error raised</span>
      </div>
      <ol class="tv-log" aria-label="What happened"></ol>`;
    this.empty = container.querySelector(".tv-empty")!;
    this.axis = container.querySelector(".tv-axis")!;
    this.rows = container.querySelector(".tv-rows")!;
    this.log = container.querySelector(".tv-log")!;
  }

  /** Starts over for a new run. */
  reset(): void {
    this.model = new TimelineModel();
    this.running = true;
    this.startedAt = performance.now();
    this.schedule();
  }

  /** Shows no run at all (a refused run, or none yet). */
  clear(): void {
    this.model = new TimelineModel();
    this.running = false;
    this.schedule();
  }

  /** The model, for the run client to feed. */
  get current(): TimelineModel {
    return this.model;
  }

  /** Call after feeding events. */
  update(): void {
    this.schedule();
  }

  /** The run ended (on its own or stopped). */
  finish(stoppedAt?: number): void {
    if (stoppedAt !== undefined) this.model.stop(stoppedAt);
    this.running = false;
    this.schedule();
  }

  /** Milliseconds since the run started, on the page's clock. */
  private elapsed(): number {
    return performance.now() - this.startedAt;
  }

  private schedule(): void {
    if (this.frame !== undefined) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = undefined;
      this.render();
      // Running bars grow with time, so keep drawing while the run lasts.
      if (this.running) this.schedule();
    });
  }

  private render(): void {
    const model = this.model;
    const placed = model.placed();
    this.empty.hidden = placed.length > 0;
    const end = model.endTime ?? Math.max(model.lastTime, this.running ? this.elapsed() : 0);
    const span = niceSpan(end);
    const pct = (t: number): number => Math.min(100, (Math.max(t, 0) / span) * 100);
    const x = (t: number): string => `${pct(t).toFixed(3)}%`;

    this.axis.innerHTML = [0, 0.25, 0.5, 0.75, 1]
      .map((f) => `<span style="left:${f * 100}%">${formatMs(f * span)}</span>`)
      .join("");
    this.rows.replaceChildren(...placed.map((p) => this.renderRow(p, end, x, pct)));
    this.log.replaceChildren(
      ...model.log.map((entry) => {
        const li = document.createElement("li");
        li.className = `tv-log-${entry.kind}`;
        li.innerHTML = `<time>${formatMs(entry.time)}</time> `;
        li.append(entry.text);
        if (entry.at !== undefined) {
          const { line, column } = entry.at;
          li.append(" at ", locationButton(`${SOURCE_FILE}:${line}:${column}`, line, column, this.onLocation));
        }
        return li;
      }),
    );
  }

  private renderRow(
    { row, depth, guides, last }: PlacedRow,
    end: number,
    x: (t: number) => string,
    pct: (t: number) => number,
  ): HTMLElement {
    const state = row.outcome ?? (this.model.stopped ? "stopped" : "running");
    const el = document.createElement("div");
    el.className = `tv-row ${state}`;
    el.setAttribute("role", "treeitem");
    el.setAttribute("aria-level", String(depth + 1));
    el.dataset.task = String(row.id);
    el.dataset.name = row.name;
    el.dataset.outcome = state;

    const label = document.createElement("div");
    label.className = "tv-label";
    const tree = depth === 0 ? "" : guides.map((g) => (g ? "│ " : "  ")).join("") + (last ? "└ " : "├ ");
    label.innerHTML = `<span class="tv-tree">${tree}</span>`;
    const name = document.createElement("span");
    name.className = "tv-name";
    name.textContent = row.name;
    const id = document.createElement("span");
    id.className = "tv-id";
    id.textContent = `#${row.id}`;
    label.append(name, id);
    label.title = `${row.name} (task ${row.id}): ${describe(row.outcome, state)}`;

    const track = document.createElement("div");
    track.className = "tv-track";
    const start = row.started ?? row.spawned;
    const stop = row.ended ?? end;
    const bar = document.createElement("div");
    bar.className = `tv-bar ${state}`;
    bar.style.left = x(start);
    bar.style.width = `max(2px, calc(${x(stop)} - ${x(start)}))`;
    bar.title =
      `${row.name}: started ${formatMs(start)}, ` +
      (row.ended !== undefined
        ? `ended ${formatMs(row.ended)}, ${row.outcome}`
        : `still ${state} at ${formatMs(end)}`) +
      (row.error !== null ? `\n${row.error}` : "");
    track.append(bar);
    let previous = -Infinity;
    let shift = 0;
    for (const mark of row.marks) {
      const m = document.createElement("b");
      m.className = `tv-mark ${mark.kind}`;
      m.dataset.kind = mark.kind;
      // Marks at (nearly) the same moment sit side by side, in the order they happened.
      shift = pct(mark.time) - previous < MARK_CLOSE ? shift + 1 : 0;
      if (shift === 0) previous = pct(mark.time);
      m.style.left = shift === 0 ? x(mark.time) : `calc(${previous.toFixed(3)}% + ${shift * 19}px)`;
      m.innerHTML = MARK_GLYPH[mark.kind];
      m.title = `${formatMs(mark.time)}: ${mark.text}`;
      track.append(m);
    }
    el.append(label, track);
    return el;
  }
}

function describe(outcome: string | undefined, state: string): string {
  return outcome === undefined ? state : outcome === "returned" ? "returned normally" : outcome;
}

/**
 * A round axis length at or just above `ms`, at least 10 ms, whose quarters (the axis labels)
 * are round too: 1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6 or 8 × a power of ten.
 */
export function niceSpan(ms: number): number {
  const target = Math.max(ms, 10);
  const power = 10 ** Math.floor(Math.log10(target));
  for (const step of [1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10]) if (step * power >= target) return step * power;
  return 10 * power;
}

/** Milliseconds for the axis and the log: `0 ms`, `12.5 ms`, `1.25 s`. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s`;
  return `${ms < 10 && ms !== 0 ? ms.toFixed(1) : Math.round(ms)} ms`;
}
