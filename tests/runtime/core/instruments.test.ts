/**
 * Instruments (Trio's add_instrument): the events the core reports as tasks are spawned, start
 * and finish, as scopes are cancelled and as task groups record errors.
 */
import {
  CancelScope,
  Cancelled,
  Event,
  ExceptionGroup,
  addInstrument,
  createTaskGroup,
  failAfter,
  failAt,
  getCurrentTask,
  moveOnAfter,
  moveOnAt,
  removeInstrument,
  run,
  sleep,
  sleepForever,
  type CancelCause,
  type Instrument,
  type TaskOutcome,
  type TaskStatus,
} from "anyio-ts";
import { LONG, caught } from "../../helpers";
import { inTaskGroup } from "../helpers";

type Recorded =
  | { kind: "spawned"; id: number; name: string; parentId: number | null }
  | { kind: "started"; id: number; name: string }
  | { kind: "finished"; id: number; name: string; outcome: TaskOutcome; error: unknown }
  | { kind: "cancelled"; scope: string; cause: CancelCause; taskId: number | null }
  | { kind: "groupError"; group: string; error: unknown; hostId: number };

/** An instrument that records every event, and removes itself after each test. */
function recorder(): { events: Recorded[]; instrument: Instrument } {
  const events: Recorded[] = [];
  const instrument: Instrument = {
    taskSpawned: (task) => events.push({ kind: "spawned", id: task.id, name: task.name, parentId: task.parentId }),
    taskStarted: (task) => events.push({ kind: "started", id: task.id, name: task.name }),
    taskFinished: (task, outcome, error) =>
      events.push({ kind: "finished", id: task.id, name: task.name, outcome, error }),
    scopeCancelled: (scope, cause, task) =>
      events.push({ kind: "cancelled", scope: String(scope), cause, taskId: task?.id ?? null }),
    taskGroupError: (group, error, host) =>
      events.push({ kind: "groupError", group: String(group), error, hostId: host.id }),
  };
  installed.push(instrument);
  addInstrument(instrument);
  return { events, instrument };
}

const installed: Instrument[] = [];

afterEach(() => {
  for (const instrument of installed.splice(0)) {
    try {
      removeInstrument(instrument);
    } catch {
      // already removed by the test
    }
  }
});

const short = (events: Recorded[]): string[] =>
  events.map((e) => {
    switch (e.kind) {
      case "spawned":
      case "started":
        return `${e.kind} ${e.name}`;
      case "finished":
        return `finished ${e.name} ${e.outcome}`;
      case "cancelled":
        return `cancelled ${e.cause}`;
      case "groupError":
        return "groupError";
    }
  });

describe("task events", () => {
  test("the root task is spawned and started at once, and finishes with its outcome", async () => {
    const { events } = recorder();
    await run(async function main() {
      await sleep(1);
    });
    expect(short(events)).toEqual(["spawned main", "started main", "finished main returned"]);
    expect(events[0]).toMatchObject({ parentId: null });
  });

  test("children are spawned when startSoon is called, start in spawn order, and name their parent", async () => {
    const { events } = recorder();
    let hostId = 0;
    await run(async function main() {
      hostId = getCurrentTask().id;
      await createTaskGroup().run(async (tg) => {
        const bDone = new Event();
        tg.startSoon({ name: "a" }, () => bDone.wait());
        tg.startSoon(async function b() {
          await sleep(1);
          bDone.set();
        });
        expect(short(events)).toEqual(["spawned main", "started main", "spawned a", "spawned b"]);
      });
    });
    const order = short(events);
    expect(order.slice(0, 6)).toEqual([
      "spawned main",
      "started main",
      "spawned a",
      "spawned b",
      "started a",
      "started b",
    ]);
    // The children end in either order (a is woken by b); the host's task ends after both.
    expect(order.slice(6, 8).sort()).toEqual(["finished a returned", "finished b returned"]);
    expect(order.slice(8)).toEqual(["finished main returned"]);
    const children = events.filter(
      (e): e is Extract<Recorded, { kind: "spawned" }> => e.kind === "spawned" && e.name !== "main",
    );
    expect(children.map((e) => e.parentId)).toEqual([hostId, hostId]);
  });

  test("a failed task reports its error, a cancelled one its Cancelled", async () => {
    const { events } = recorder();
    const boom = new Error("boom");
    const error = await caught(
      inTaskGroup(async (tg) => {
        tg.startSoon({ name: "sleeper" }, () => sleep(LONG));
        tg.startSoon({ name: "failer" }, async () => {
          await sleep(1);
          throw boom;
        });
      }),
    );
    expect(error).toBeInstanceOf(ExceptionGroup);
    const finished = events.filter((e): e is Extract<Recorded, { kind: "finished" }> => e.kind === "finished");
    const failer = finished.find((e) => e.name === "failer")!;
    const sleeper = finished.find((e) => e.name === "sleeper")!;
    expect(failer.outcome).toBe("failed");
    expect(failer.error).toBe(boom);
    expect(sleeper.outcome).toBe("cancelled");
    expect(sleeper.error).toBeInstanceOf(Cancelled);
    expect(finished.at(-1)).toMatchObject({ outcome: "failed" }); // the root task raised the group
  });

  test("a task started with start() names its caller as parent until it is started", async () => {
    const { events } = recorder();
    const parents: Array<number | null> = [];
    await inTaskGroup(async (tg) => {
      await tg.start({ name: "server" }, async (status: TaskStatus<void>) => {
        parents.push(getCurrentTask().parentId);
        status.started();
        await sleep(1);
      });
    });
    expect(short(events)).toContain("started server");
    expect(events.find((e) => e.kind === "spawned" && e.name === "server")).toMatchObject({ parentId: parents[0] });
  });
});

describe("scope cancellation events", () => {
  test("cancel() is reported once, with the scope's task and cause 'cancel'", async () => {
    const { events } = recorder();
    let taskId = 0;
    await run(async () => {
      taskId = getCurrentTask().id;
      await new CancelScope().run(async (scope) => {
        scope.cancel("stop");
        scope.cancel("again");
        await sleep(LONG);
      });
    });
    const cancelled = events.filter((e) => e.kind === "cancelled");
    expect(cancelled).toEqual([
      {
        kind: "cancelled",
        scope: expect.stringMatching(/^<CancelScope#\d+ active cancelled>$/),
        cause: "cancel",
        taskId,
      },
    ]);
  });

  test("a deadline is reported with cause 'deadline' and the scope's label", async () => {
    const { events } = recorder();
    await run(async () => {
      await moveOnAfter(1).run(() => sleep(LONG));
      await caught(failAfter(1).run(() => sleep(LONG)));
    });
    const cancelled = events.filter((e): e is Extract<Recorded, { kind: "cancelled" }> => e.kind === "cancelled");
    expect(cancelled.map((e) => e.cause)).toEqual(["deadline", "deadline"]);
    expect(cancelled[0]!.scope).toMatch(/^<moveOnAfter#\d+ active cancelled deadline=/);
    expect(cancelled[1]!.scope).toMatch(/^<failAfter#\d+ active cancelled deadline=/);
  });

  test("a deadline already past on entry is reported as a deadline too", async () => {
    const { events } = recorder();
    await run(() => moveOnAfter(-1).run(() => sleep(LONG)));
    expect(events.filter((e) => e.kind === "cancelled")).toMatchObject([{ cause: "deadline" }]);
  });

  test("a scope cancelled before it was entered has no task", async () => {
    const { events } = recorder();
    const scope = new CancelScope();
    scope.cancel();
    expect(events).toEqual([
      { kind: "cancelled", scope: expect.stringContaining("new cancelled"), cause: "cancel", taskId: null },
    ]);
  });

  test("cancelling a task handle cancels that task's own scope, reported with the task", async () => {
    const { events } = recorder();
    let victim = 0;
    await inTaskGroup(async (tg) => {
      const handle = tg.startSoon({ name: "victim" }, sleepForever);
      victim = handle.id;
      await sleep(1);
      handle.cancel();
    });
    expect(events.filter((e) => e.kind === "cancelled")).toMatchObject([
      { cause: "cancel", taskId: victim, scope: expect.stringContaining("<task#") },
    ]);
    expect(events.find((e) => e.kind === "finished" && e.name === "victim")).toMatchObject({ outcome: "cancelled" });
  });
});

describe("labels", () => {
  test("scopes name the function that made them, and tasks and groups describe themselves", async () => {
    expect(String(moveOnAfter(10))).toMatch(/^<moveOnAfter#\d+ new deadline=/);
    expect(String(moveOnAt(5))).toMatch(/^<moveOnAt#\d+ new deadline=5\.0>$/);
    expect(String(failAfter(10))).toMatch(/^<failAfter#\d+ new>$/);
    expect(String(failAt(5))).toMatch(/^<failAt#\d+ new deadline=5\.0>$/);
    expect(String(new CancelScope({ shield: true }))).toMatch(/^<CancelScope#\d+ new shielded>$/);
    await run(() =>
      createTaskGroup().run((tg) => {
        expect(String(tg.cancelScope)).toMatch(/^<TaskGroup#\d+ active>$/);
        const handle = tg.startSoon({ name: "worker" }, () => sleep(1));
        expect(String(handle)).toMatch(/^<TaskHandle pending id=\d+ name='worker'>$/);
        expect(String(handle.info)).toMatch(/^TaskInfo\(id=\d+, name='worker'\)$/);
      }),
    );
  });
});

describe("task group errors", () => {
  test("the group reports the error with its host, after the failed task finished and before it cancels the rest", async () => {
    const { events } = recorder();
    const boom = new Error("boom");
    let host = 0;
    await caught(
      run(async () => {
        host = getCurrentTask().id;
        await createTaskGroup().run(async (tg) => {
          tg.startSoon({ name: "sleeper" }, () => sleep(LONG));
          tg.startSoon({ name: "failer" }, async () => {
            await sleep(1);
            throw boom;
          });
        });
      }),
    );
    const order = short(events);
    const failed = order.indexOf("finished failer failed");
    expect(order.slice(failed, failed + 3)).toEqual(["finished failer failed", "groupError", "cancelled cancel"]);
    expect(events.find((e) => e.kind === "groupError")).toEqual({
      kind: "groupError",
      group: expect.stringMatching(/^<TaskGroup active/),
      error: boom,
      hostId: host,
    });
    expect(events.find((e) => e.kind === "cancelled")).toMatchObject({
      scope: expect.stringMatching(/^<TaskGroup#\d+ active cancelled>$/),
      taskId: host,
    });
  });

  test("an error raised by the host body is reported too", async () => {
    const { events } = recorder();
    await caught(
      run(() =>
        createTaskGroup().run(() => {
          throw new Error("body");
        }),
      ),
    );
    expect(events.filter((e) => e.kind === "groupError")).toMatchObject([{ error: { message: "body" } }]);
  });
});

describe("installing and removing", () => {
  test("a removed instrument receives nothing more", async () => {
    const { events, instrument } = recorder();
    removeInstrument(instrument);
    await run(async () => {
      await sleep(1);
    });
    expect(events).toEqual([]);
  });

  test("installing the same instrument twice delivers each event once", async () => {
    const { events, instrument } = recorder();
    addInstrument(instrument);
    await run(async function main() {});
    expect(short(events)).toEqual(["spawned main", "started main", "finished main returned"]);
  });

  test("an instrument may implement only some hooks", async () => {
    const names: string[] = [];
    const partial: Instrument = { taskFinished: (task) => names.push(task.name) };
    installed.push(partial);
    addInstrument(partial);
    await run(() => createTaskGroup().run((tg) => void tg.startSoon({ name: "child" }, () => sleep(1))));
    expect(names).toEqual(["child", expect.any(String)]);
  });

  test("removing an instrument that is not installed is an error that says so", () => {
    expect(() => removeInstrument({})).toThrow(/not installed/);
  });

  test("addInstrument rejects a non-object with the validation template", () => {
    expect(() => addInstrument(null as unknown as Instrument)).toThrow(TypeError);
    expect(() => addInstrument(42 as unknown as Instrument)).toThrow(
      "Expected `instrument` to be an object, got `42` (number)",
    );
  });

  test("a hook that throws removes its instrument with a warning, and the run goes on", async () => {
    const warn = jest.spyOn(process, "emitWarning").mockImplementation(() => {});
    try {
      let calls = 0;
      const broken: Instrument = {
        taskSpawned: () => {
          calls++;
          throw new Error("instrument bug");
        },
      };
      installed.push(broken);
      addInstrument(broken);
      const { events } = recorder();
      const value = await run(() =>
        createTaskGroup()
          .run(async (tg) => void tg.startSoon(() => sleep(1)))
          .then(() => 7),
      );
      expect(value).toBe(7);
      expect(calls).toBe(1);
      expect(short(events).filter((e) => e.startsWith("spawned"))).toHaveLength(2); // the others still hear everything
      expect(warn.mock.calls).toEqual([
        [
          expect.stringContaining("taskSpawned hook raised and the instrument was removed: Error: instrument bug"),
          { type: "RuntimeWarning" },
        ],
      ]);
      expect(() => removeInstrument(broken)).toThrow(/not installed/);
    } finally {
      warn.mockRestore();
    }
  });

  test("a hook that removes its own instrument and then throws only warns", async () => {
    const warn = jest.spyOn(process, "emitWarning").mockImplementation(() => {});
    try {
      const leaving: Instrument = {
        taskSpawned: () => {
          removeInstrument(leaving);
          throw new Error("bye");
        },
      };
      addInstrument(leaving);
      expect(await run(async () => 3)).toBe(3);
      expect(warn.mock.calls).toEqual([
        [
          expect.stringContaining("taskSpawned hook raised and the instrument was removed: Error: bye"),
          { type: "RuntimeWarning" },
        ],
      ]);
    } finally {
      warn.mockRestore();
    }
  });

  test("an instrument removed by an earlier one during a dispatch is not called", async () => {
    const calls: string[] = [];
    const second: Instrument = { taskSpawned: () => void calls.push("second") };
    const first: Instrument = {
      taskSpawned: () => {
        calls.push("first");
        removeInstrument(second);
      },
    };
    installed.push(first, second);
    addInstrument(first);
    addInstrument(second);
    await run(async () => {});
    expect(calls).toEqual(["first"]);
  });
});
