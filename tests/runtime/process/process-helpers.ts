// Helpers of the process tests: fixture programs, and the check that a child is gone for good
// (no process with its pid, no zombie among our children).
import * as fs from "node:fs";
import * as path from "node:path";

/** The absolute path of a fixture program in tests/fixtures/process/. */
export function fixture(name: string): string {
  return path.join(__dirname, "..", "..", "fixtures", "process", name);
}

/** The command that runs a fixture program with this Node. */
export function node(name: string, ...args: string[]): string[] {
  return [process.execPath, fixture(name), ...args];
}

/**
 * Our children that are zombies (exited, not reaped), from /proc (Linux), leaving out those
 * that were already our children when this test file loaded: Jest runs several files in one
 * worker process, and a child an earlier file killed may not be reaped yet (Node reaps on
 * SIGCHLD, when its event loop gets to it).
 */
export function defunctChildren(): number[] {
  return defunctNow().filter((pid) => !childrenAtLoad.has(pid));
}

function defunctNow(): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // it went away meanwhile
    }
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(ppid) === process.pid && state === "Z") found.push(Number(entry));
  }
  return found;
}

/** Our live children (any state), from /proc (Linux). */
export function childrenOfThisProcess(): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === process.pid) found.push(Number(entry));
    } catch {
      continue;
    }
  }
  return found;
}

/** Expects `pid` to be gone and reaped: `kill(pid, 0)` fails with ESRCH and no child of ours is a zombie. */
export function expectReaped(pid: number | undefined): void {
  expect(typeof pid).toBe("number");
  let error: unknown;
  try {
    process.kill(pid!, 0);
  } catch (caughtError) {
    error = caughtError;
  }
  expect((error as NodeJS.ErrnoException | undefined)?.code).toBe("ESRCH");
  expect(defunctChildren()).toEqual([]);
}

/** Whether a process with this pid exists (a zombie counts). */
export function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Our children when this file was loaded (see {@link defunctChildren}). */
const childrenAtLoad = new Set(childrenOfThisProcess());
