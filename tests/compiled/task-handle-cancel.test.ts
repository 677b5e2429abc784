"use structured";
// TaskHandle.cancel() cancels one task alone. A task started with startSoon() runs directly in
// its group's scope until then; cancelling it alone gives it a scope of its own at that moment,
// between the group's scope and whatever the task has in there: the scopes it entered, a child it
// is starting, the operation or foreign promise it is parked on. These tests cancel tasks caught
// in each of those states, before they start and while they run, and check that exactly the
// cancelled tasks end cancelled, with their cleanup run, while their siblings finish.
import fc from "fast-check";
import {
  CancelScope,
  Event,
  createTaskGroup,
  currentCancelScope,
  moveOnAfter,
  sleep,
  checkpoint,
  waitAllTasksBlocked,
  type TaskGroup,
  type TaskHandle,
  type TaskStatus,
} from "anyio-ts";
import { currentMockClock, structuredDescribe, structuredTest } from "anyio-ts/jest";
import { structuredProperty } from "anyio-ts/fast-check";
import "./no-frame-leaks";

type Wrap = "none" | "scope" | "moveOnAfter";
type Park = "sleep" | "event" | "foreign" | "starting" | "startingInGroup";
type When = "never" | "beforeStart" | "whileParked";

interface Spec {
  wrap: Wrap;
  park: Park;
  when: When;
}

/** A task of the given shape; logs its cleanup; returns its index when it got through. */
async function worker(
  spec: Spec,
  index: number,
  gate: Event,
  foreign: Promise<void>,
  cleaned: number[],
  group: TaskGroup,
): Promise<number> {
  try {
    if (spec.wrap === "scope") {
      using _ = new CancelScope();
      await park(spec.park, gate, foreign, group);
    } else if (spec.wrap === "moveOnAfter") {
      using _ = moveOnAfter(1e9);
      await park(spec.park, gate, foreign, group);
    } else {
      await park(spec.park, gate, foreign, group);
    }
    await checkpoint();
    return index;
  } finally {
    cleaned.push(index);
  }
}

async function park(how: Park, gate: Event, foreign: Promise<void>, group: TaskGroup): Promise<void> {
  switch (how) {
    case "sleep":
      await sleep(1000);
      break;
    case "event":
      await gate.wait();
      break;
    case "foreign":
      await foreign;
      break;
    case "starting": {
      // A child that reports started only once the gate opens: until then it runs under this task.
      await using inner = createTaskGroup();
      await inner.start(async (status: TaskStatus<void>) => {
        await gate.wait();
        status.started();
      });
      break;
    }
    case "startingInGroup":
      // The same into the task's own group: the child's scope hangs where this task runs.
      await group.start(async (status: TaskStatus<void>) => {
        await gate.wait();
        status.started();
      });
      break;
  }
}

const spec = fc.record<Spec>({
  wrap: fc.constantFrom<Wrap>("none", "scope", "moveOnAfter"),
  park: fc.constantFrom<Park>("sleep", "event", "foreign", "starting", "startingInGroup"),
  when: fc.constantFrom<When>("never", "beforeStart", "whileParked"),
});

/** Runs the tasks, cancels those marked, then lets the rest through; checks every outcome. */
async function runCase(specs: Spec[], order: number[]): Promise<void> {
  const gate = new Event();
  let release!: () => void;
  const foreign = new Promise<void>((resolve) => (release = resolve));
  const cleaned: number[] = [];
  const handles: TaskHandle<number>[] = [];
  await createTaskGroup().run(async (tg) => {
    specs.forEach((s, i) => handles.push(tg.startSoon(worker, s, i, gate, foreign, cleaned, tg)));
    for (const i of order) if (specs[i]!.when === "beforeStart") handles[i]!.cancel("before it started");
    await waitAllTasksBlocked();
    for (const i of order) if (specs[i]!.when === "whileParked") handles[i]!.cancel("while parked");
    // On a manual clock nothing but the cancellation can end them: no sleep ends, no gate opens.
    const cancelled = order.filter((i) => specs[i]!.when !== "never");
    for (const i of cancelled) await handles[i]!.wait();
    expect([...cleaned].sort((a, b) => a - b)).toEqual([...cancelled].sort((a, b) => a - b));
    gate.set();
    release();
    currentMockClock().advance(1000);
  });
  specs.forEach((s, i) => {
    expect([i, handles[i]!.status]).toEqual([i, s.when === "never" ? "finished" : "cancelled"]);
  });
  expect([...cleaned].sort((a, b) => a - b)).toEqual(specs.map((_, i) => i));
  for (const [i, s] of specs.entries()) if (s.when === "never") expect(await handles[i]!.result()).toBe(i);
}

structuredDescribe(
  "TaskHandle.cancel() of a task that runs in its group's scope",
  () => {
    structuredTest("cancels a task parked in its group's scope, and only that task", async () => {
      await runCase(
        [
          { wrap: "none", park: "sleep", when: "whileParked" },
          { wrap: "none", park: "sleep", when: "never" },
        ],
        [0, 1],
      );
    });

    structuredTest("reaches a task parked inside scopes it entered", async () => {
      await runCase(
        [
          { wrap: "scope", park: "event", when: "whileParked" },
          { wrap: "moveOnAfter", park: "event", when: "whileParked" },
          { wrap: "scope", park: "event", when: "never" },
        ],
        [1, 0, 2],
      );
    });

    structuredTest("reaches a task awaiting a promise from outside the runtime", async () => {
      await runCase(
        [
          { wrap: "none", park: "foreign", when: "whileParked" },
          { wrap: "none", park: "foreign", when: "never" },
        ],
        [0, 1],
      );
    });

    structuredTest("reaches the child a task is starting, which runs under it until started", async () => {
      await runCase(
        [
          { wrap: "none", park: "starting", when: "whileParked" },
          { wrap: "none", park: "startingInGroup", when: "whileParked" },
          { wrap: "none", park: "startingInGroup", when: "never" },
          { wrap: "none", park: "starting", when: "never" },
        ],
        [0, 1, 2, 3],
      );
    });

    structuredTest("before the task started, its first checkpoint raises", async () => {
      await runCase(
        [
          { wrap: "none", park: "sleep", when: "beforeStart" },
          { wrap: "scope", park: "event", when: "beforeStart" },
          { wrap: "none", park: "event", when: "never" },
        ],
        [0, 1, 2],
      );
    });

    structuredTest("a task that cancels itself raises at its next checkpoint", async () => {
      await createTaskGroup().run(async (tg) => {
        let self!: TaskHandle<string>;
        let after = "";
        self = tg.startSoon(async () => {
          await checkpoint();
          self.cancel("by itself");
          after = "went on synchronously";
          await checkpoint();
          return "not reached";
        });
        const sibling = tg.startSoon(async () => {
          for (let i = 0; i < 3; i++) await checkpoint();
          return "sibling";
        });
        expect(await sibling.result()).toBe("sibling");
        await self.wait();
        expect(self.status).toBe("cancelled");
        expect(after).toBe("went on synchronously");
      });
    });

    structuredTest(
      "currentCancelScope() in a task is the task's own: it cancels that task alone, and its signal stays quiet once the task ended",
      async () => {
        const aborted: string[] = [];
        await createTaskGroup().run(async (tg) => {
          const gate = new Event();
          const quick = tg.startSoon(async () => {
            const own = currentCancelScope();
            expect(own).not.toBe(tg.cancelScope);
            own.signal.addEventListener("abort", () => aborted.push("quick"));
          });
          const victim = tg.startSoon(async () => {
            const own = currentCancelScope();
            own.signal.addEventListener("abort", () => aborted.push("victim"));
            own.cancel("alone");
            await gate.wait();
          });
          const sibling = tg.startSoon(async () => {
            await gate.wait();
            return "sibling";
          });
          await quick.wait();
          await victim.wait();
          expect(victim.status).toBe("cancelled");
          gate.set();
          expect(await sibling.result()).toBe("sibling");
          tg.cancel("after the others ended");
        });
        expect(aborted).toEqual(["victim"]);
      },
    );

    test("random tasks, random cancellations: exactly the cancelled ones end cancelled (fixed seed)", async () => {
      await fc.assert(
        structuredProperty(
          { timeout: 2000, clock: "manual" },
          fc.array(spec, { minLength: 1, maxLength: 6 }).chain((specs) =>
            fc.tuple(
              fc.constant(specs),
              fc.shuffledSubarray(
                specs.map((_, i) => i),
                { minLength: specs.length, maxLength: specs.length },
              ),
            ),
          ),
          async ([specs, order]) => runCase(specs, order),
        ),
        { seed: 2312, numRuns: 150 },
      );
    });
  },
  { clock: "manual" },
);
