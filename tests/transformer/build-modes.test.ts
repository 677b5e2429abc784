// The plugin under `tspc -b` (project references: a library project and an app project that
// references it, both with the plugin) and under `tspc --watch` (a change to a structured file is
// rewritten again). Temp projects under os.tmpdir(), removed afterwards; never timed.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const repo = path.resolve(__dirname, "../..");
const tspc = path.join(repo, "node_modules/ts-patch/bin/tspc.js");

const made: string[] = [];
const watchers: ChildProcess[] = [];
afterAll(() => {
  for (const child of watchers) stop(child);
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-tsc-modes-"));
  made.push(dir);
  return dir;
}

const plugin = {
  transform: path.join(repo, "transformer/typescript/jest-ast-transformer.cjs"),
  runtimeModule: path.join(repo, "runtime/rt.ts"),
};

function compilerOptions(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    target: "ES2022",
    module: "commonjs",
    outDir: "out",
    rootDir: "src",
    strict: true,
    skipLibCheck: true,
    noEmitOnError: true,
    lib: ["ES2022", "ESNext.Disposable", "DOM"],
    types: ["node"],
    typeRoots: [path.join(repo, "node_modules/@types")],
    plugins: [plugin],
    ...extra,
  };
}

function write(dir: string, files: Record<string, unknown>): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  }
}

function runTspc(args: string[], cwd: string): { status: number; output: string } {
  try {
    return {
      status: 0,
      output: execFileSync(process.execPath, [tspc, ...args], { cwd, encoding: "utf8", stdio: "pipe" }),
    };
  } catch (error) {
    const { status, stdout, stderr } = error as { status: number; stdout: string; stderr: string };
    return { status, output: `${stdout}${stderr}` };
  }
}

/** Runs a compiled file with the repository's runtime (its TypeScript sources, through tsx). */
function runCompiled(file: string): string {
  return execFileSync(process.execPath, ["--import", "tsx", file], { cwd: repo, encoding: "utf8" }).trim();
}

const runtime = JSON.stringify(path.join(repo, "runtime/index.ts"));

describe("tspc -b with project references", () => {
  test("builds a library project and the app that references it, both structured", () => {
    const dir = tempDir();
    write(dir, {
      "lib/tsconfig.json": {
        compilerOptions: compilerOptions({ composite: true, declaration: true }),
        include: ["src"],
      },
      "lib/src/wait.ts": `"use structured";
// The runtime's sources are loaded at run time (kept out of this program).
const { getCurrentTask } = require(${runtime});

/** Awaits a foreign promise that never settles on its own (a cancellable checkpoint). */
export async function waitForever(): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 10_000).unref());
  return "never";
}

export async function taskName(): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return getCurrentTask().name;
}
`,
      "app/tsconfig.json": {
        compilerOptions: compilerOptions(),
        include: ["src"],
        references: [{ path: "../lib" }],
      },
      "app/src/main.ts": `"use structured";
// The library's build output (tsc -b builds it first; its .d.ts types this import).
import { taskName, waitForever } from "../../lib/out/wait";
const { createTaskGroup, moveOnAfter, run } = require(${runtime});

run(async function root() {
  const events: string[] = [];
  {
    using scope = moveOnAfter(20);
    events.push(await waitForever());
  }
  events.push("moved-on");
  {
    await using tg = createTaskGroup();
    tg.startSoon({ name: "child" }, async () => {
      events.push(await taskName());
    });
  }
  console.log(JSON.stringify(events));
});
`,
    });

    const first = runTspc(["-b", "app"], dir);
    expect(first.output).toBe("");
    expect(first.status).toBe(0);
    const lib = fs.readFileSync(path.join(dir, "lib/out/wait.js"), "utf8");
    const app = fs.readFileSync(path.join(dir, "app/out/main.js"), "utf8");
    expect(lib).toContain("await __rt.suspend(");
    expect(app).toContain("__rt.suspendCall(");
    expect(fs.existsSync(path.join(dir, "lib/out/wait.d.ts"))).toBe(true);
    expect(JSON.parse(runCompiled(path.join(dir, "app/out/main.js")))).toEqual(["moved-on", "child"]);

    // Up to date: a second build succeeds and leaves the rewritten output as it was.
    const second = runTspc(["-b", "app"], dir);
    expect(second.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, "lib/out/wait.js"), "utf8")).toBe(lib);

    // A change in the referenced project is rebuilt, through the plugin again.
    const source = path.join(dir, "lib/src/wait.ts");
    fs.writeFileSync(source, fs.readFileSync(source, "utf8").replace('return "never";', 'return "still never";'));
    const third = runTspc(["-b", "app"], dir);
    expect(third.output).toBe("");
    const rebuilt = fs.readFileSync(path.join(dir, "lib/out/wait.js"), "utf8");
    expect(rebuilt).toContain('"still never"');
    expect(rebuilt).toContain("await __rt.suspend(");
  }, 120_000);
});

function stop(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGTERM"); // the watcher's own process group (spawned detached)
  } catch {
    child.kill("SIGTERM");
  }
}

/** Polls until `check` returns a value (generous: the watcher may be slow on a busy machine). */
async function until<T>(what: string, check: () => T | undefined, log: () => string, timeout = 90_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; watcher output:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("tspc --watch", () => {
  test("rewrites a structured file again when it changes", async () => {
    const dir = tempDir();
    write(dir, {
      "tsconfig.json": { compilerOptions: compilerOptions(), include: ["src"] },
      "src/main.ts": `"use structured";
export async function first(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return 1;
}
`,
    });
    const out = path.join(dir, "out/main.js");
    let log = "";
    const child = spawn(process.execPath, [tspc, "--watch", "--preserveWatchOutput", "-p", dir], {
      cwd: dir,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    watchers.push(child);
    child.stdout!.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
    const read = () => (fs.existsSync(out) ? fs.readFileSync(out, "utf8") : undefined);
    try {
      const initial = await until(
        "the first build",
        () => (read()?.includes("async function first") ? read() : undefined),
        () => log,
      );
      expect(initial).toContain("await __rt.suspend(");
      await until(
        "the watcher to settle",
        () => (/Watching for file changes/.test(log) ? true : undefined),
        () => log,
      );

      fs.writeFileSync(
        path.join(dir, "src/main.ts"),
        `"use structured";
export async function first(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return 1;
}

export async function second(): Promise<number> {
  const value = await first();
  await new Promise((resolve) => setTimeout(resolve, 1));
  return value + 1;
}
`,
      );
      const updated = await until(
        "the rebuilt output",
        () => (read()?.includes("async function second") ? read() : undefined),
        () => log,
      );
      expect(updated).toContain("__rt.suspendCall($c, (__rt.pre($c), first()), 1)");
      expect(updated.match(/const \$c = __rt\.enter\(\$sites\)/g)).toHaveLength(2);
      expect(log).not.toMatch(/error TS/);
    } finally {
      stop(child);
    }
  }, 120_000);
});
