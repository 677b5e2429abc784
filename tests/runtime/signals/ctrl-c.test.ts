/**
 * Ctrl+C and SIGTERM end to end: a real program (tests/fixtures/signals/ctrl-c.ts, compiled as
 * structured code and bundled) is started, sent signals once it says it is ready, and judged by
 * what it printed and how it exited.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { build } from "esbuild";
import { anyio } from "anyio-ts/esbuild";
import { hostBinary } from "../../hosts/host-binaries";

const root = path.resolve(__dirname, "../../..");
let workDir: string;
let program: string;

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-ctrl-c-"));
  program = path.join(workDir, "ctrl-c.cjs");
  await build({
    entryPoints: [path.join(root, "tests", "fixtures", "signals", "ctrl-c.ts")],
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "es2022",
    outfile: program,
    alias: { "anyio-ts": path.join(root, "runtime", "index.ts"), "anyio-ts/rt": path.join(root, "runtime", "rt.ts") },
    plugins: [anyio({ root })],
    logLevel: "silent",
  });
}, 60_000);

afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

interface Outcome {
  lines: string[];
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs the program in `mode`; `onLine` sees every line as it comes and may send signals
 * (`kill`). Resolves when the process has exited.
 */
function runProgram(
  mode: string,
  onLine: (line: string, kill: (signal: NodeJS.Signals) => void) => void = () => {},
  host: (program: string) => string[] = (file) => [process.execPath, file],
) {
  return new Promise<Outcome>((resolve, reject) => {
    const [command, ...args] = host(program);
    const child = spawn(command, [...args, mode], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    });
    const lines: string[] = [];
    let stderr = "";
    let pending = "";
    const kill = (signal: NodeJS.Signals) => void child.kill(signal);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        lines.push(line);
        onLine(line, kill);
      }
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ lines, stderr, code, signal });
    });
  });
}

describe("Ctrl+C during run()", () => {
  test("cancels every task, runs their finally blocks and shielded cleanup, then exits with 130", async () => {
    const outcome = await runProgram("cleanup", (line, kill) => {
      if (line.startsWith("ready")) kill("SIGINT");
    });
    // One listener per signal while run() runs.
    expect(outcome.lines[0]).toBe("ready 1,1");
    expect([...outcome.lines.slice(1)].sort()).toEqual(
      ["cleaned a", "cleaned b", "finally a", "finally b", "main unwound"].sort(),
    );
    // Each task's cleanup ran after its own finally began.
    for (const name of ["a", "b"]) {
      expect(outcome.lines.indexOf(`cleaned ${name}`)).toBeGreaterThan(outcome.lines.indexOf(`finally ${name}`));
    }
    expect(outcome.stderr).toMatch(/^Interrupted: run\(\) was interrupted by SIGINT/);
    expect(outcome.code).toBe(130);
  });

  test("a second Ctrl+C while the run unwinds exits at once, without waiting for the cleanup", async () => {
    let finallies = 0;
    const outcome = await runProgram("slow", (line, kill) => {
      if (line.startsWith("ready")) kill("SIGINT");
      if (line.startsWith("finally") && ++finallies === 2) kill("SIGINT");
    });
    expect(outcome.lines).not.toContain("cleaned a");
    expect(outcome.lines).not.toContain("cleaned b");
    expect(outcome.code).toBe(130);
  });

  test("SIGTERM cancels the run the same way and exits with 143", async () => {
    const outcome = await runProgram("cleanup", (line, kill) => {
      if (line.startsWith("ready")) kill("SIGTERM");
    });
    expect(outcome.lines).toEqual(expect.arrayContaining(["cleaned a", "cleaned b", "main unwound"]));
    expect(outcome.stderr).toMatch(/^Interrupted: run\(\) was interrupted by SIGTERM/);
    expect(outcome.code).toBe(143);
  });

  test("a program that catches Interrupted exits normally, with no listener left", async () => {
    const outcome = await runProgram("catch", (line, kill) => {
      if (line.startsWith("ready")) kill("SIGTERM");
    });
    expect(outcome.lines).toEqual(expect.arrayContaining(["cleaned a", "cleaned b", "caught Interrupted SIGTERM"]));
    expect(outcome.lines).not.toContain("returned");
    expect(outcome.lines[outcome.lines.length - 1]).toBe("exit 0 0,0");
    expect(outcome.stderr).toBe("");
    expect(outcome.code).toBe(0);
  });

  test("a signal the program receives itself is not turned into cancellation", async () => {
    const outcome = await runProgram("receiver", (line, kill) => {
      if (line.startsWith("ready")) kill("SIGINT");
    });
    expect(outcome.lines).toEqual(["ready 1,1", "received SIGINT", "still running", "done 0,0"]);
    expect(outcome.code).toBe(0);
  });

  test("a signal just after run() returned, before its listeners are gone, gets the default action", async () => {
    const outcome = await runProgram("late");
    expect(outcome.lines).toEqual(["returned 1,1"]);
    expect(outcome.signal).toBe("SIGTERM");
  });

  test("runWith({ signals: false }) installs no listener", async () => {
    const outcome = await runProgram("opt-out");
    expect(outcome.lines).toEqual(["inside 0,0", "done 0,0"]);
    expect(outcome.code).toBe(0);
  });

  test("openSignalReceiver() in a worker thread throws NotSupportedError", async () => {
    const outcome = await runProgram("worker");
    expect(outcome.lines).toEqual(["worker NotSupportedError"]);
    expect(outcome.code).toBe(0);
  });
});

// The same program on the other hosts, each with its own binary from npm.
const otherHosts: Array<[string, (program: string) => string[]]> = [
  ["bun", (file) => [hostBinary("bun"), file]],
  ["deno", (file) => [hostBinary("deno"), "run", "--allow-all", "--quiet", file]],
];

describe.each([["node", (file: string) => [process.execPath, file]] as const, ...otherHosts])(
  "context in plain callbacks on %s",
  (_name, host) => {
    test("each task keeps its ContextVar value and its spawner's AsyncLocalStorage store across foreign awaits", async () => {
      const outcome = await runProgram("context", undefined, host);
      expect(outcome.code).toBe(0);
      expect(JSON.parse(outcome.lines[outcome.lines.length - 1])).toEqual([
        "fast: fast / store fast",
        "fast: fast changed / store fast",
        "root: fast / undefined",
        "slow: slow / store slow",
        "slow: slow changed / store slow",
      ]);
    });
  },
);

describe.each(otherHosts)("Ctrl+C on %s", (_name, host) => {
  test("unwinds the run, runs every cleanup and exits with 130", async () => {
    const outcome = await runProgram(
      "cleanup",
      (line, kill) => {
        if (line.startsWith("ready")) kill("SIGINT");
      },
      host,
    );
    expect(outcome.lines).toEqual(expect.arrayContaining(["cleaned a", "cleaned b", "main unwound"]));
    expect(outcome.stderr).toMatch(/^Interrupted: run\(\) was interrupted by SIGINT/);
    expect(outcome.code).toBe(130);
  });

  test("a program that receives SIGINT itself gets it, and stays alive while it waits", async () => {
    const outcome = await runProgram(
      "receiver",
      (line, kill) => {
        if (line.startsWith("ready")) kill("SIGINT");
      },
      host,
    );
    expect(outcome.lines).toEqual(["ready 1,1", "received SIGINT", "still running", "done 0,0"]);
    expect(outcome.code).toBe(0);
  });
});
