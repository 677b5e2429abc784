/**
 * The live task view: the task tree on the left, one bar per task on a shared time axis on the
 * right, marks where a scope was cancelled (✕), a deadline passed (a clock) or an error was raised
 * (!), and the log of those events in words below. Bars are coloured by how the task ended;
 * hovering a bar or mark tells the whole story.
 */
import { locationButton, type OnLocation } from "./location-link";
import { SOURCE_FILE } from "./source-map";
import type { WaitKind } from "./protocol";
import { TimelineModel, type Mark, type PlacedRow, type ScopeSpan, type WaitSpan } from "./timeline-model";

// The deadline mark is a small clock drawn in SVG: clock characters are missing from many fonts.
const CLOCK = `<svg viewBox="0 0 12 12" width="11" height="11" aria-hidden="true"><circle cx="6" cy="6" r="4.8" fill="none" stroke="currentColor" stroke-width="1.4"/><path d="M6 3.2V6l2 1.4" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round"/></svg>`;
const MARK_GLYPH: Record<Mark["kind"], string> = { cancel: "✕", deadline: CLOCK, error: "!" };
/** A mark's width (px): marks closer than this are drawn as one mark with a count, not on top of each other. */
const MARK_WIDTH = 19;
/** A row's height (px) without scopes, and what each level of nested scopes adds under the bar. */
const ROW_HEIGHT = 24;
const SCOPE_STEP = 7;
const WAIT_NAMES: Record<WaitKind, string> = {
  sleep: "sleep",
  event: "Event",
  lock: "lock",
  send: "stream send",
  receive: "stream receive",
  group: "child tasks",
  promise: "foreign promise",
};

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
    private readonly container: HTMLElement,
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
      <div class="tv-legend">
        <span>waiting:</span>
        ${(Object.keys(WAIT_NAMES) as WaitKind[]).map((k) => `<span><i class="tv-swatch tv-wait-swatch ${k}"></i>${WAIT_NAMES[k]}</span>`).join("")}
        <span><i class="tv-swatch tv-scope-swatch"></i>cancel scope</span>
        <span><i class="tv-swatch tv-scope-swatch shielded"></i>shielded</span>
        <span><i class="tv-swatch tv-scope-swatch cancelled"></i>cancelled</span>
        <span><i class="tv-swatch tv-deadline-swatch"></i>deadline</span>
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
    this.container.dataset.drawn = "partial";
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
    // "final" once the drawing shows the run's end (tests and screenshots wait for it).
    this.container.dataset.drawn = model.endTime !== undefined ? "final" : "partial";
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

  /** How close (in % of the axis) two marks may be before they would overlap. */
  private markClose(): number {
    const width = this.axis.clientWidth;
    return width > 0 ? (MARK_WIDTH / width) * 100 : 4;
  }

  /** A group of marks at (nearly) one moment: one mark, the first's glyph, with the count and every text. */
  private renderMarks(group: readonly Mark[], x: (t: number) => string): HTMLElement {
    const first = group[0]!;
    const m = document.createElement("b");
    m.className = `tv-mark ${first.kind}${group.length > 1 ? " grouped" : ""}`;
    m.dataset.kind = first.kind;
    m.dataset.kinds = group.map((mark) => mark.kind).join(" ");
    m.style.left = x(first.time);
    m.innerHTML = MARK_GLYPH[first.kind] + (group.length > 1 ? `<sup>${group.length}</sup>` : "");
    m.title = group.map((mark) => `${formatMs(mark.time)}: ${mark.text}`).join("\n");
    return m;
  }

  /** A wait drawn over the task's bar: the task was blocked, on what. */
  private renderWait(wait: WaitSpan, stop: number, x: (t: number) => string): HTMLElement {
    const el = document.createElement("div");
    const until = wait.end ?? stop;
    el.className = `tv-wait ${wait.kind}`;
    el.dataset.kind = wait.kind;
    el.style.left = x(wait.start);
    el.style.width = `calc(${x(until)} - ${x(wait.start)})`;
    el.title =
      `waiting in ${wait.what} (${WAIT_NAMES[wait.kind]}), ${formatMs(wait.start)} to ${formatMs(until)}` +
      wait.chain.map((frame) => `\n  at ${frame}`).join("");
    return el;
  }

  /** A scope as a span under the bar, its deadline as a tick, its cancellation as the span's end cap. */
  private renderScope(scope: ScopeSpan, end: number, x: (t: number) => string): HTMLElement[] {
    const top = ROW_HEIGHT - 4 + scope.depth * SCOPE_STEP;
    const until = scope.end ?? end;
    const span = document.createElement("div");
    span.className =
      `tv-scope${scope.shielded ? " shielded" : ""}` +
      `${scope.cancelled !== undefined ? ` cancelled ${scope.cancelled.cause}` : ""}`;
    span.dataset.scope = scope.label;
    span.style.top = `${top}px`;
    span.style.left = x(scope.start);
    span.style.width = `max(2px, calc(${x(until)} - ${x(scope.start)}))`;
    span.title =
      `${scope.label}${scope.shielded ? " (shielded)" : ""}: entered ${formatMs(scope.start)}, ` +
      (scope.end !== undefined ? `exited ${formatMs(scope.end)}` : "not exited") +
      (scope.deadline !== null ? `; deadline ${formatMs(scope.deadline)}` : "") +
      (scope.cancelled !== undefined
        ? `; cancelled at ${formatMs(scope.cancelled.time)}: ${scope.cancelled.cause === "deadline" ? "deadline exceeded" : scope.cancelled.reason}`
        : "");
    const parts = [span];
    if (scope.deadline !== null && scope.deadline <= end) {
      const tick = document.createElement("div");
      tick.className = "tv-deadline";
      tick.style.top = `${top - 2}px`;
      tick.style.left = x(scope.deadline);
      tick.title = `deadline of ${scope.label}: ${formatMs(scope.deadline)}`;
      parts.push(tick);
    }
    if (scope.cancelled !== undefined) {
      const cap = document.createElement("div");
      cap.className = "tv-scope-cancel";
      cap.style.top = `${top - 2}px`;
      cap.style.left = x(scope.cancelled.time);
      cap.title = `${scope.label} cancelled at ${formatMs(scope.cancelled.time)}: ${scope.cancelled.reason}`;
      parts.push(cap);
    }
    return parts;
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
    for (const wait of row.waits) track.append(this.renderWait(wait, stop, x));
    for (const scope of row.scopes) track.append(...this.renderScope(scope, end, x));
    const levels = row.scopes.reduce((most, scope) => Math.max(most, scope.depth + 1), 0);
    if (levels > 0) el.style.height = `${ROW_HEIGHT + levels * SCOPE_STEP}px`;
    for (const group of groupMarks(row.marks, pct, this.markClose())) track.append(this.renderMarks(group, x));
    el.append(label, track);
    return el;
  }
}

/** Marks closer than `close` (in % of the axis) to the first of their group, in order. */
export function groupMarks(marks: readonly Mark[], pct: (t: number) => number, close: number): Mark[][] {
  const groups: Mark[][] = [];
  for (const mark of marks) {
    const group = groups.at(-1);
    if (group !== undefined && pct(mark.time) - pct(group[0]!.time) < close) group.push(mark);
    else groups.push([mark]);
  }
  return groups;
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
