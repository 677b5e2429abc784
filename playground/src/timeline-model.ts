/**
 * The task view's model: the run's instrument events folded into one row per task (its place in
 * the tree, when it ran, how it ended, what happened to it) and a log of the events that explain
 * a cancellation, in words. The view (task-view.ts) only draws this.
 */
import type { RunEvent, SourcePosition, WaitKind } from "./protocol";

/** Something that happened to a task at one moment, drawn as a mark on its bar. */
export interface Mark {
  readonly time: number;
  /** `cancel`: a scope of the task was cancelled; `deadline`: a scope's deadline passed; `error`: an error was raised. */
  readonly kind: "cancel" | "deadline" | "error";
  readonly text: string;
}

/** A cancel scope a task was inside: drawn as a span under the task's bar, one level per nesting. */
export interface ScopeSpan {
  readonly id: number;
  /** `moveOnAfter#4`, `TaskGroup#2`, `CancelScope#7`. */
  readonly label: string;
  readonly start: number;
  end: number | undefined;
  readonly shielded: boolean;
  /** When its deadline passes (run time), or null. */
  readonly deadline: number | null;
  readonly depth: number;
  /** Set when it was cancelled: when, why (its Cancelled's reason) and by what. */
  cancelled: { readonly time: number; readonly cause: "cancel" | "deadline"; readonly reason: string } | undefined;
}

/** A time a task spent blocked, and on what. */
export interface WaitSpan {
  readonly id: number;
  readonly kind: WaitKind;
  readonly what: string;
  /** Where the task waited: its pending awaits, innermost first (`worker (playground.ts:8:3)`). */
  readonly chain: readonly string[];
  readonly start: number;
  end: number | undefined;
}

/** One task: a row of the tree and a bar of the timeline. */
export interface TaskRow {
  readonly id: number;
  readonly name: string;
  readonly parent: number | null;
  readonly spawned: number;
  started: number | undefined;
  ended: number | undefined;
  outcome: "returned" | "failed" | "cancelled" | undefined;
  /** How it failed or was cancelled, as text. */
  error: string | null;
  readonly marks: Mark[];
  readonly children: number[];
  readonly scopes: ScopeSpan[];
  readonly waits: WaitSpan[];
}

/** A line of the event log under the timeline. */
export interface LogEntry {
  readonly time: number;
  readonly kind: Mark["kind"] | "end";
  readonly text: string;
  /** The program position the event happened at (where an error was raised), when known. */
  readonly at?: SourcePosition;
}

/**
 * The reason part of a Cancelled message: `Cancelled by cancel scope 4: too slow (by task 'main')`
 * → `too slow (by task 'main')`.
 */
export function cancelReason(message: string): string {
  return /^Cancelled by cancel scope \d+: ([^]*)$/.exec(message)?.[1] ?? message;
}

/** A row in display order, with its depth in the tree and whether it is its parent's last child. */
export interface PlacedRow {
  readonly row: TaskRow;
  readonly depth: number;
  /** Per ancestor level (outermost first), whether a vertical tree line continues below this row. */
  readonly guides: readonly boolean[];
  readonly last: boolean;
}

/** The short name of a scope or group from its `toString()`: `<moveOnAfter#4 active ...>` → `moveOnAfter#4`. */
export function scopeLabel(description: string): string {
  return /^<([^\s>]+)/.exec(description)?.[1] ?? description;
}

/** The id in a scope's `toString()`: `<moveOnAfter#4 active>` → 4 (-1 if there is none). */
export function scopeId(description: string): number {
  return Number(/#(\d+)/.exec(description)?.[1] ?? -1);
}

/** The first line of a (possibly multi-line) error description. */
function headline(text: string): string {
  return text.split("\n", 1)[0]!;
}

/** Folds run events into rows and a log. */
export class TimelineModel {
  readonly tasks = new Map<number, TaskRow>();
  readonly roots: number[] = [];
  readonly log: LogEntry[] = [];
  /** The time of the latest event. */
  lastTime = 0;
  /** Set when the run ended or was stopped. */
  endTime: number | undefined;
  stopped = false;
  /** Groups that recorded an error already (the first one cancels the group). */
  private readonly failedGroups = new Set<string>();
  private readonly scopes = new Map<number, ScopeSpan>();
  private readonly waits = new Map<number, WaitSpan>();

  apply(event: RunEvent): void {
    this.lastTime = Math.max(this.lastTime, event.time);
    switch (event.type) {
      case "spawned": {
        const row: TaskRow = {
          id: event.task,
          name: event.name,
          parent: event.parent,
          spawned: event.time,
          started: undefined,
          ended: undefined,
          outcome: undefined,
          error: null,
          marks: [],
          children: [],
          scopes: [],
          waits: [],
        };
        this.tasks.set(row.id, row);
        const parent = event.parent === null ? undefined : this.tasks.get(event.parent);
        if (parent !== undefined) parent.children.push(row.id);
        else this.roots.push(row.id);
        break;
      }
      case "started": {
        const row = this.tasks.get(event.task);
        if (row !== undefined) row.started = event.time;
        break;
      }
      case "finished": {
        const row = this.tasks.get(event.task);
        if (row === undefined) break;
        row.ended = event.time;
        row.outcome = event.outcome;
        row.error = event.error;
        if (event.outcome === "failed") {
          const text = `${row.name} raised ${headline(event.error ?? "an error")}`;
          row.marks.push({ time: event.time, kind: "error", text });
          this.log.push({ time: event.time, kind: "error", text, ...(event.at !== null ? { at: event.at } : {}) });
        } else if (event.outcome === "cancelled") {
          // The Cancelled message names the scope and who cancelled it: the effect, tied to its cause.
          this.log.push({
            time: event.time,
            kind: "cancel",
            text: `${row.name} ended by cancellation (${headline(event.error ?? "Cancelled")})`,
          });
        }
        break;
      }
      case "scope-entered": {
        const span: ScopeSpan = {
          id: event.scope,
          label: scopeLabel(event.label),
          start: event.time,
          end: undefined,
          shielded: event.shielded,
          deadline: event.deadline,
          depth: event.depth,
          cancelled: undefined,
        };
        this.scopes.set(span.id, span);
        this.tasks.get(event.task)?.scopes.push(span);
        break;
      }
      case "scope-exited": {
        const span = this.scopes.get(event.scope);
        if (span !== undefined) span.end = event.time;
        break;
      }
      case "wait-started": {
        const span: WaitSpan = {
          id: event.wait,
          kind: event.kind,
          what: event.what,
          chain: event.chain,
          start: event.time,
          end: undefined,
        };
        this.waits.set(span.id, span);
        this.tasks.get(event.task)?.waits.push(span);
        break;
      }
      case "wait-ended": {
        const span = this.waits.get(event.wait);
        if (span !== undefined) span.end = event.time;
        break;
      }
      case "scope-cancelled": {
        const row = event.task === null ? undefined : this.tasks.get(event.task);
        const scope = scopeLabel(event.scope);
        const span = this.scopes.get(scopeId(event.scope));
        if (span !== undefined)
          span.cancelled = { time: event.time, cause: event.cause, reason: cancelReason(event.reason) };
        const where = row === undefined ? "" : ` in task ${row.name}`;
        // The reason (given to cancel(), and who called it) says why, in the program's words.
        const reason = cancelReason(event.reason);
        const text =
          event.cause === "deadline"
            ? `the deadline of ${scope}${where} passed: every checkpoint inside it now raises Cancelled`
            : scope.startsWith("task#")
              ? `task ${row?.name ?? "?"} was cancelled through its handle, reason: ${reason}`
              : `${scope}${where} was cancelled, reason: ${reason}; every checkpoint inside it now raises Cancelled`;
        if (row !== undefined) row.marks.push({ time: event.time, kind: event.cause, text });
        this.log.push({ time: event.time, kind: event.cause, text });
        break;
      }
      case "group-error": {
        const row = this.tasks.get(event.task);
        const group = scopeLabel(event.group);
        const first = !this.failedGroups.has(group);
        this.failedGroups.add(group);
        const text =
          `${group} in task ${row?.name ?? "?"} recorded ${headline(event.error)}` +
          (first ? ": it cancels its other tasks and will raise an ExceptionGroup" : " (into the same ExceptionGroup)");
        row?.marks.push({ time: event.time, kind: "error", text });
        this.log.push({ time: event.time, kind: "error", text });
        break;
      }
      case "done":
        this.endTime = event.time;
        this.log.push({
          time: event.time,
          kind: "end",
          text: event.ok ? "the program ended" : "the program ended with an uncaught error",
        });
        break;
      case "console":
        break;
    }
  }

  /** Marks the run as stopped at `time` (Stop was pressed): unfinished tasks end there. */
  stop(time: number): void {
    if (this.endTime !== undefined) return;
    this.stopped = true;
    this.endTime = Math.max(time, this.lastTime);
    this.log.push({ time: this.endTime, kind: "end", text: "stopped: the run's worker was terminated" });
  }

  /** The rows in tree order (depth first, children in spawn order). */
  placed(): PlacedRow[] {
    const out: PlacedRow[] = [];
    const visit = (id: number, depth: number, guides: boolean[], last: boolean): void => {
      const row = this.tasks.get(id);
      if (row === undefined) return;
      out.push({ row, depth, guides, last });
      row.children.forEach((child, i) =>
        visit(child, depth + 1, depth === 0 ? [] : [...guides, !last], i === row.children.length - 1),
      );
    };
    this.roots.forEach((id, i) => visit(id, 0, [], i === this.roots.length - 1));
    return out;
  }
}
