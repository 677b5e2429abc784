"use structured";
// anyio-ts/jest: a structured test that overruns its deadline fails with a TimeoutError whose
// message carries the task tree as it was when the deadline passed (before anything was
// cancelled), so the report says where each task was stuck and on what.
import * as fs from "node:fs";
import { Event, TimeoutError, createTaskGroup, sleepForever } from "anyio-ts";
import { failureOf, register } from "../testing/capture";

const FILE = "tests/runtime/introspection/jest-timeout.test.ts";
const SOURCE = fs.readFileSync(__filename, "utf8").split("\n");

/** `file:line:column` of `token` on the line that ends with the comment `// site: name`. */
function where(name: string, token = "await"): string {
  const index = SOURCE.findIndex((text) => text.endsWith(`// site: ${name}`));
  if (index < 0) throw new Error(`no line marked ${name}`);
  return `${FILE}:${index + 1}:${SOURCE[index]!.indexOf(token) + 1}`;
}

async function waitForSignal(event: Event): Promise<void> {
  await event.wait(); // site: event
}

async function stuck(): Promise<void> {
  const never = new Event();
  await using tg = createTaskGroup(); // site: group
  tg.startSoon(waitForSignal, never);
  await sleepForever(); // site: host
}

describe("the task tree in a structured test's timeout", () => {
  test.each([
    ["the real clock", "real" as const],
    ["a mock clock (the deadline is real time)", "autojump" as const],
  ])("on %s, the TimeoutError shows every task's await chain and what it waits on", async (_name, clock) => {
    const error = await failureOf(register("stuck", stuck, { timeout: 50, clock }));
    expect(error).toBeInstanceOf(TimeoutError);
    const message = (error as Error).message;
    const [headline, dump] = message.split("\n\nTasks when the deadline passed:\n");
    expect(headline).toBe('test "stuck" exceeded its 50 ms deadline');
    const lines = dump!.split("\n").map((line) => line.trim());
    expect(lines[0]).toMatch(/^Task tree at [\d.]+ ms: 2 live tasks$/);
    expect(lines).toContain(`at stuck (${where("host")}) waiting for sleepForever()`);
    expect(lines).toContain(`at waitForSignal (${where("event")}) waiting for <Event unset waiting=1>`);
    // Taken from outside every task, before anything was cancelled.
    expect(dump).not.toMatch(/ running$/m);
    expect(dump).not.toContain("cancelled:");
    // Jest prints the stack, which starts with the same message.
    expect((error as Error).stack).toContain(`at waitForSignal (${where("event")})`);
  });

  test("a test that passes prints nothing more", async () => {
    const registered = register("quick", async () => {}, { timeout: 1000 });
    await expect(registered.body()).resolves.toBeUndefined();
  });
});
