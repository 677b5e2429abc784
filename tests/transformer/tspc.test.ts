// End to end: a project that lists the plugin in its tsconfig and builds with ts-patch's `tspc`,
// or with plain `tsc` after `ts-patch install`, gets structured code (cancellable foreign
// awaits, task groups through `await using`), and compile errors with file, line and column.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const repo = path.resolve(__dirname, "../..");
const tspc = path.join(repo, "node_modules/.bin/tspc");

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-tspc-"));
  made.push(dir);
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "commonjs",
      outDir: "out",
      rootDir: "src",
      strict: true,
      skipLibCheck: true,
      noEmitOnError: true, // never write next to sources when a build goes wrong
      lib: ["ES2022", "ESNext.Disposable", "DOM"],
      types: ["node"],
      typeRoots: [path.join(repo, "node_modules/@types")],
      plugins: [
        {
          transform: path.join(repo, "transformer/typescript/jest-ast-transformer.cjs"),
          runtimeModule: path.join(repo, "runtime/rt.ts"),
        },
      ],
    },
    include: ["src"],
  };
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  fs.mkdirSync(path.join(dir, "src"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, "src", name), text);
  return dir;
}

/** Runs a compiler command line (`tspc` by default) on the project in `dir`. */
function build(dir: string, compiler: string[] = [tspc]): { status: number; output: string } {
  const [command, ...args] = compiler;
  try {
    return { status: 0, output: execFileSync(command!, [...args, "-p", dir], { encoding: "utf8", stdio: "pipe" }) };
  } catch (error) {
    const { status, stdout, stderr } = error as { status: number; stdout: string; stderr: string };
    return { status, output: `${stdout}${stderr}` };
  }
}

const runtime = JSON.stringify(path.join(repo, "runtime/index.ts"));
const mainProgram = `"use structured";
// The runtime's sources, loaded at run time through tsx (kept out of this program).
const { createTaskGroup, getCurrentTask, moveOnAfter, run } = require(${runtime});

run(async function root() {
  const started = Date.now();
  {
    using scope = moveOnAfter(20);
    await new Promise((resolve) => setTimeout(resolve, 10_000).unref());
  }
  const names: string[] = [];
  {
    await using tg = createTaskGroup();
    tg.startSoon({ name: "child" }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      names.push(getCurrentTask().name);
    });
  }
  console.log(JSON.stringify({ fast: Date.now() - started < 5000, names }));
});
`;

/** Builds the program above with `compiler`, runs it, and checks what it printed. */
function buildAndRunMain(compiler?: string[]): void {
  const dir = project({ "main.ts": mainProgram });
  const { status, output } = build(dir, compiler);
  expect(output).toBe("");
  expect(status).toBe(0);
  const compiled = fs.readFileSync(path.join(dir, "out/main.js"), "utf8");
  expect(compiled).toContain("__rt.suspend(");
  const result = execFileSync(process.execPath, ["--import", "tsx", path.join(dir, "out/main.js")], {
    cwd: repo,
    encoding: "utf8",
  });
  expect(JSON.parse(result.trim())).toEqual({ fast: true, names: ["child"] });
}

describe("tspc with the plugin in tsconfig.json", () => {
  test("builds structured code that cancels a foreign await and runs a task group", () => {
    buildAndRunMain();
  }, 60_000);

  test("reports diagnostics as TypeScript errors with file, line and column", () => {
    const dir = project({
      "bad.ts": `export async function f() {\n  "use structure";\n}\n`,
    });
    const { status, output } = build(dir);
    expect(status).not.toBe(0);
    expect(output).toContain('src/bad.ts(2,3): error TS99102: Unknown directive "use structure"');
  }, 60_000);
});

describe("plain tsc after `ts-patch install`", () => {
  // ts-patch rewrites the TypeScript package in place, so it patches a copy, never the
  // repository's own (ts-jest would then apply the plugin twice).
  let tsc: string[];
  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-patch-"));
    made.push(dir);
    const typescript = path.join(dir, "node_modules/typescript");
    fs.cpSync(path.join(repo, "node_modules/typescript"), typescript, { recursive: true });
    const install = execFileSync(
      process.execPath,
      [path.join(repo, "node_modules/ts-patch/bin/ts-patch.js"), "install", "-d", typescript],
      { encoding: "utf8", stdio: "pipe" },
    );
    expect(install).toContain("ts-patch installed");
    tsc = [process.execPath, path.join(typescript, "bin/tsc")];
  }, 60_000);

  test("builds and runs the same structured program", () => {
    buildAndRunMain(tsc);
  }, 60_000);

  test("reports the plugin's diagnostics", () => {
    const dir = project({ "bad.ts": `export async function f() {\n  "use structure";\n}\n` });
    const { status, output } = build(dir, tsc);
    expect(status).not.toBe(0);
    expect(output).toContain('src/bad.ts(2,3): error TS99102: Unknown directive "use structure"');
  }, 60_000);
});
