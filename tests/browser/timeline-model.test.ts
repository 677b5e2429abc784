/**
 * The playground task view's model (playground/src/timeline-model.ts): run events folded into
 * one row per task, in tree order, with marks and a log in words; and its time axis.
 */
import type { RunEvent } from "../../playground/src/protocol";
import { formatMs, groupMarks, niceSpan } from "../../playground/src/task-view";
import { TimelineModel, scopeId, scopeLabel } from "../../playground/src/timeline-model";

function fold(events: RunEvent[]): TimelineModel {
  const model = new TimelineModel();
  for (const event of events) model.apply(event);
  return model;
}

const spawn = (time: number, task: number, name: string, parent: number | null): RunEvent => ({
  type: "spawned",
  time,
  task,
  name,
  parent,
});
const start = (time: number, task: number): RunEvent => ({ type: "started", time, task });

describe("TimelineModel", () => {
  test("rows come in tree order, children in spawn order, with their depth and tree guides", () => {
    const model = fold([
      spawn(0, 1, "main", null),
      start(0, 1),
      spawn(1, 2, "a", 1),
      spawn(1, 3, "b", 1),
      spawn(2, 4, "a.1", 2),
      spawn(2, 5, "a.2", 2),
      spawn(3, 6, "b.1", 3),
    ]);
    expect(model.placed().map((p) => [p.row.name, p.depth, p.guides, p.last])).toEqual([
      ["main", 0, [], true],
      ["a", 1, [], false],
      ["a.1", 2, [true], false], // "a" has a sibling below: its line continues
      ["a.2", 2, [true], true],
      ["b", 1, [], true],
      ["b.1", 2, [false], true],
    ]);
  });

  test("a task's bar runs from its start to its end, and its outcome and error are kept", () => {
    const model = fold([
      spawn(0, 1, "main", null),
      start(0, 1),
      spawn(5, 2, "child", 1),
      start(6, 2),
      {
        type: "finished",
        time: 20,
        task: 2,
        outcome: "failed",
        error: "Error: boom\n  1. detail",
        at: { line: 7, column: 11 },
      },
    ]);
    const child = model.tasks.get(2)!;
    expect(child).toMatchObject({
      spawned: 5,
      started: 6,
      ended: 20,
      outcome: "failed",
      error: "Error: boom\n  1. detail",
    });
    expect(child.marks).toEqual([{ time: 20, kind: "error", text: "child raised Error: boom" }]);
    // The log says where in the program the error was raised.
    expect(model.log).toEqual([
      { time: 20, kind: "error", text: "child raised Error: boom", at: { line: 7, column: 11 } },
    ]);
    expect(model.tasks.get(1)!.ended).toBeUndefined();
    expect(model.lastTime).toBe(20);
  });

  test("cancellations and deadlines are marked on the scope's task and explained in the log", () => {
    const model = fold([
      spawn(0, 1, "main", null),
      spawn(1, 2, "worker", 1),
      {
        type: "scope-cancelled",
        time: 50,
        task: 1,
        cause: "deadline",
        scope: "<moveOnAfter#4 active cancelled deadline=50.0>",
        reason: "Cancelled by cancel scope 4: deadline exceeded",
      },
      {
        type: "scope-cancelled",
        time: 60,
        task: 2,
        cause: "cancel",
        scope: "<task#7 active cancelled>",
        reason: "Cancelled by cancel scope 7: cancelled (by task 'main')",
      },
      {
        type: "scope-cancelled",
        time: 70,
        task: 1,
        cause: "cancel",
        scope: "<CancelScope#9 active cancelled>",
        reason: "Cancelled by cancel scope 9: too slow (by task 'main')",
      },
      {
        type: "scope-cancelled",
        time: 80,
        task: null,
        cause: "cancel",
        scope: "<CancelScope#10 new cancelled>",
        reason: "Cancelled by cancel scope 10: cancelled",
      },
      {
        type: "finished",
        time: 61,
        task: 2,
        outcome: "cancelled",
        error: "Cancelled: Cancelled by cancel scope 7: cancelled",
        at: null,
      },
    ]);
    expect(model.tasks.get(1)!.marks.map((m) => m.kind)).toEqual(["deadline", "cancel"]);
    expect(model.tasks.get(2)!.marks.map((m) => m.kind)).toEqual(["cancel"]);
    expect(model.log.map((entry) => entry.text)).toEqual([
      "the deadline of moveOnAfter#4 in task main passed: every checkpoint inside it now raises Cancelled",
      "task worker was cancelled through its handle, reason: cancelled (by task 'main')",
      "CancelScope#9 in task main was cancelled, reason: too slow (by task 'main'); every checkpoint inside it now raises Cancelled",
      "CancelScope#10 was cancelled, reason: cancelled; every checkpoint inside it now raises Cancelled",
      "worker ended by cancellation (Cancelled: Cancelled by cancel scope 7: cancelled)",
    ]);
  });

  test("a group's first error says it cancels the group; later ones join the same ExceptionGroup", () => {
    const model = fold([
      spawn(0, 1, "main", null),
      { type: "group-error", time: 10, task: 1, group: "<TaskGroup#3 active>", error: "Error: one" },
      { type: "group-error", time: 11, task: 1, group: "<TaskGroup#3 active cancelled>", error: "Error: two" },
    ]);
    expect(model.log.map((entry) => entry.text)).toEqual([
      "TaskGroup#3 in task main recorded Error: one: it cancels its other tasks and will raise an ExceptionGroup",
      "TaskGroup#3 in task main recorded Error: two (into the same ExceptionGroup)",
    ]);
    expect(model.tasks.get(1)!.marks.map((m) => m.kind)).toEqual(["error", "error"]);
  });

  test("stopping ends the timeline at the stop time, once", () => {
    const model = fold([spawn(0, 1, "spinner", null), start(0, 1)]);
    model.stop(120);
    model.stop(500);
    expect(model).toMatchObject({ stopped: true, endTime: 120 });
    expect(model.log.at(-1)).toEqual({ time: 120, kind: "end", text: "stopped: the run's worker was terminated" });
  });

  test("the end of a run is logged, with or without an uncaught error", () => {
    expect(fold([{ type: "done", time: 9, ok: true }]).log).toEqual([
      { time: 9, kind: "end", text: "the program ended" },
    ]);
    expect(fold([{ type: "done", time: 9, ok: false }]).log[0]!.text).toBe("the program ended with an uncaught error");
  });
});

describe("scopes and waits", () => {
  test("a scope's span runs from entry to exit on its task, and its cancellation is matched to it by id", () => {
    const model = fold([
      spawn(0, 1, "main", null),
      {
        type: "scope-entered",
        time: 1,
        task: 1,
        scope: 4,
        label: "<moveOnAfter#4 active deadline=51.0>",
        shielded: false,
        deadline: 51,
        depth: 0,
      },
      {
        type: "scope-entered",
        time: 2,
        task: 1,
        scope: 5,
        label: "<CancelScope#5 active shielded>",
        shielded: true,
        deadline: null,
        depth: 1,
      },
      {
        type: "scope-cancelled",
        time: 51,
        task: 1,
        cause: "deadline",
        scope: "<moveOnAfter#4 active cancelled deadline=51.0>",
        reason: "Cancelled by cancel scope 4: deadline exceeded",
      },
      { type: "scope-exited", time: 60, scope: 5 },
      { type: "scope-exited", time: 61, scope: 4 },
    ]);
    expect(model.tasks.get(1)!.scopes).toEqual([
      {
        id: 4,
        label: "moveOnAfter#4",
        start: 1,
        end: 61,
        shielded: false,
        deadline: 51,
        depth: 0,
        cancelled: { time: 51, cause: "deadline", reason: "deadline exceeded" },
      },
      {
        id: 5,
        label: "CancelScope#5",
        start: 2,
        end: 60,
        shielded: true,
        deadline: null,
        depth: 1,
        cancelled: undefined,
      },
    ]);
  });

  test("a wait runs from its start to its end on the waiting task", () => {
    const model = fold([
      spawn(0, 1, "main", null),
      {
        type: "wait-started",
        time: 3,
        task: 1,
        wait: 9,
        kind: "event",
        what: "Event.wait()",
        chain: ["main (playground.ts:4:3)"],
      },
      { type: "wait-ended", time: 8, wait: 9 },
      { type: "wait-started", time: 9, task: 1, wait: 10, kind: "sleep", what: "sleep()", chain: [] },
    ]);
    expect(model.tasks.get(1)!.waits).toEqual([
      { id: 9, kind: "event", what: "Event.wait()", chain: ["main (playground.ts:4:3)"], start: 3, end: 8 },
      { id: 10, kind: "sleep", what: "sleep()", chain: [], start: 9, end: undefined },
    ]);
  });

  test("marks closer than a mark's width to the first of their group are grouped, in order", () => {
    const mark = (time: number, kind: "cancel" | "error" | "deadline") => ({ time, kind, text: `${kind}@${time}` });
    const pct = (t: number) => t; // 1 ms = 1% of the axis
    const groups = groupMarks([mark(10, "error"), mark(11, "cancel"), mark(13, "deadline"), mark(30, "error")], pct, 3);
    expect(groups.map((g) => g.map((m) => m.text))).toEqual([["error@10", "cancel@11"], ["deadline@13"], ["error@30"]]);
    expect(scopeId("<TaskGroup#12 active>")).toBe(12);
    expect(scopeId("no id")).toBe(-1);
  });
});

describe("scopeLabel", () => {
  test("takes the name and id from a scope's toString()", () => {
    expect(scopeLabel("<moveOnAfter#4 active cancelled deadline=152.3>")).toBe("moveOnAfter#4");
    expect(scopeLabel("<TaskGroup#2 active>")).toBe("TaskGroup#2");
    expect(scopeLabel("something else")).toBe("something else");
  });
});

describe("the time axis", () => {
  test("spans a round length at or above the run's length, with round quarters", () => {
    expect([0, 9, 10, 11, 209, 250, 309, 413, 999, 1001].map(niceSpan)).toEqual([
      10, 10, 10, 12, 240, 300, 400, 500, 1000, 1200,
    ]);
    for (const ms of [7, 55, 130, 2600, 47_000]) {
      const quarter = niceSpan(ms) / 4;
      expect(quarter).toBeGreaterThanOrEqual(ms / 4);
      expect(Number.isInteger(quarter * 10)).toBe(true);
    }
    expect([0, 2.5, 12.4, 999.6, 1250, 12_500].map(formatMs)).toEqual([
      "0 ms",
      "2.5 ms",
      "12 ms",
      "1000 ms",
      "1.25 s",
      "12.5 s",
    ]);
  });
});
