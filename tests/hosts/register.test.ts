// Runs a structured TypeScript program from source, as a user would, on each host: this Node
// (20), the pinned Node 22 and 24 (tests/hosts/package.json, installed by
// `npm ci --prefix tests/hosts`), Bun and Deno, with anyio-ts/register (Node, Deno) or
// anyio-ts/bun. The package is the built one (the integration tests' cached build), copied into
// fresh projects so that each resolves only the compiler front end its project installs.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { builtPackage, repo, spawn, type Finished } from "../integrations/helpers";
import { hostBinary } from "./host-binaries";

const TIMEOUT = 120_000;
const fixtures = path.join(__dirname, "fixtures", "register");

/** What main.ts prints when the transformer compiled it and its stack trace maps to its lines. */
const COMPILED = { events: ["moved-on", "child"], thrownAt: "main.ts:16" };

type FrontEnd = "typescript" | "babel" | "none";
const FRONT_END_PACKAGES: Record<FrontEnd, string[]> = {
  typescript: ["typescript"],
  babel: ["@babel/core"],
  none: [],
};

let workDir: string;
const projects = {} as Record<FrontEnd, string>;

/** A fresh project: the fixture, the built anyio-ts, and the given compiler front end. */
function makeProject(name: string, frontEnd: FrontEnd): string {
  const project = path.join(workDir, name);
  fs.mkdirSync(path.join(project, "node_modules", "@babel"), { recursive: true });
  for (const file of fs.readdirSync(fixtures)) fs.copyFileSync(path.join(fixtures, file), path.join(project, file));
  // A copy, not a link: Node resolves a linked package's peer dependencies from its real path,
  // which would find the repository's own TypeScript and Babel.
  fs.cpSync(builtPackage(), path.join(project, "node_modules", "anyio-ts"), { recursive: true });
  for (const name of ["picomatch", "node-gyp-build", ...FRONT_END_PACKAGES[frontEnd]]) {
    const from = path.join(repo, "node_modules", name);
    const to = path.join(project, "node_modules", name);
    // Packages without dependencies are copied, so that Deno's `--allow-read=.` covers them as it
    // covers installed ones; Babel and its dependencies are linked.
    if (name !== "@babel/core") fs.cpSync(from, to, { recursive: true, dereference: true });
    else fs.symlinkSync(from, to, "dir");
  }
  // Deno resolves `npm:` specifiers from the packages package.json lists.
  const dependencies = Object.fromEntries(["anyio-ts", ...FRONT_END_PACKAGES[frontEnd]].map((n) => [n, "*"]));
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name, private: true, dependencies }));
  return project;
}

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-register-"));
  for (const frontEnd of ["typescript", "babel", "none"] as const) projects[frontEnd] = makeProject(frontEnd, frontEnd);
}, TIMEOUT);

afterAll(() => {
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

async function run(project: string, command: string, args: string[]): Promise<Finished> {
  return spawn(command, args, project);
}

/** The JSON line main.ts printed, or a failure that shows everything the host printed. */
function report(result: Finished): unknown {
  const line = result.stdout.trim().split("\n").pop() ?? "";
  try {
    return { status: result.status, ...JSON.parse(line) };
  } catch {
    return result;
  }
}

const nodes: Array<[string, () => string]> = [
  [`node ${process.version} (this one)`, () => process.execPath],
  ["node 22.23.3", () => hostBinary("node22")],
  ["node 24.9.0", () => hostBinary("node24")],
];

describe.each(nodes)("%s --import anyio-ts/register main.ts", (_name, node) => {
  test("compiles the structured file with TypeScript", async () => {
    const result = await run(projects.typescript, node(), ["--import", "anyio-ts/register", "main.ts"]);
    expect(report(result)).toEqual({ status: 0, ...COMPILED });
  });

  test("compiles a CommonJS entry and the structured module it requires", async () => {
    const result = await run(projects.typescript, node(), ["--import", "anyio-ts/register", "main.cts"]);
    expect(report(result)).toEqual({ status: 0, interrupted: true });
  });

  test("fails with what to install when no compiler is installed", async () => {
    const result = await run(projects.none, node(), ["--import", "anyio-ts/register", "main.ts"]);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("Install");
    expect(result.stderr).toContain("npm install --save-dev typescript");
  });
});

describe.each(nodes.slice(1))("%s with only @babel/core installed", (_name, node) => {
  test("compiles the structured file with Babel and strips the types itself", async () => {
    const result = await run(projects.babel, node(), ["--import", "anyio-ts/register", "main.ts"]);
    expect(report(result)).toEqual({ status: 0, ...COMPILED });
  });

  test("compiles a CommonJS entry and the structured module it requires with Babel", async () => {
    const result = await run(projects.babel, node(), ["--import", "anyio-ts/register", "main.cts"]);
    expect(report(result)).toEqual({ status: 0, interrupted: true });
  });
});

describe.each(nodes)("%s --import anyio-ts/register main.mjs", (_name, node) => {
  test.each(["typescript", "babel"] as const)("compiles structured JavaScript with %s", async (frontEnd) => {
    const result = await run(projects[frontEnd], node(), ["--import", "anyio-ts/register", "main.mjs"]);
    expect(report(result)).toEqual({ status: 0, interrupted: true });
  });
});

test(`node ${process.version} with only @babel/core says that a .ts file needs TypeScript`, async () => {
  const result = await run(projects.babel, process.execPath, ["--import", "anyio-ts/register", "main.ts"]);
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain(`Node.js ${process.version} cannot run TypeScript itself`);
  expect(result.stderr).toContain("npm install --save-dev typescript");
});

describe("the compile cache", () => {
  test("reuses a compiled file until the file changes", async () => {
    const project = makeProject("cache", "typescript");
    const cache = path.join(project, "node_modules", ".cache", "anyio-ts");
    const node24 = hostBinary("node24");
    const args = ["--import", "anyio-ts/register", "main.ts"];
    expect(report(await run(project, node24, args))).toEqual({ status: 0, ...COMPILED });
    // Node 24 strips report.ts itself: only main.ts was compiled.
    const [entry, ...others] = fs.readdirSync(cache);
    expect(others).toEqual([]);

    // The cached code is what runs: a marked entry shows through.
    const file = path.join(cache, entry!);
    const cached = JSON.parse(fs.readFileSync(file, "utf8")) as { code: string; format: string };
    fs.writeFileSync(file, JSON.stringify({ ...cached, code: `console.log(JSON.stringify("from the cache"));\n` }));
    expect((await run(project, node24, args)).stdout.trim()).toBe('"from the cache"');

    // A changed file is compiled again, into a new entry.
    fs.appendFileSync(path.join(project, "main.ts"), "\n// changed\n");
    expect(report(await run(project, node24, args))).toEqual({ status: 0, ...COMPILED });
    const after = fs.readdirSync(cache);
    expect(after).toHaveLength(2);
    expect(after).toContain(entry);
  });
});

// ES modules only: Bun 1.4 does not run CommonJS code a runtime plugin hands back, so the
// plugin leaves .cts and .cjs files to Bun (docs/transformer.md says so).
describe("bun with anyio-ts/bun preloaded by bunfig.toml", () => {
  // Bun runs the compiled code it is given without reading its inline source map, so stack
  // traces name main.ts with the compiled code's line numbers.
  const BUN = { events: COMPILED.events, thrownAt: expect.stringMatching(/^main\.ts:\d+$/) };

  test.each(["typescript", "babel"] as const)("compiles the structured file with %s", async (frontEnd) => {
    const result = await run(projects[frontEnd], hostBinary("bun"), ["main.ts"]);
    expect(report(result)).toEqual({ status: 0, ...BUN });
  });

  test.each(["typescript", "babel"] as const)("compiles structured JavaScript with %s", async (frontEnd) => {
    const result = await run(projects[frontEnd], hostBinary("bun"), ["main.mjs"]);
    expect(report(result)).toEqual({ status: 0, interrupted: true });
  });

  test("fails with what to install when no compiler is installed", async () => {
    const result = await run(projects.none, hostBinary("bun"), ["main.ts"]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("npm install --save-dev typescript");
  });
});

describe("deno run --preload npm:anyio-ts/register", () => {
  // The narrowest permissions: the project's files, the cache, and the environment (TypeScript
  // reads TSC_* variables when it loads).
  const deno = (project: string, entry = "main.ts", read = ".") =>
    run(project, hostBinary("deno"), [
      "run",
      `--allow-read=${read}`,
      "--allow-env",
      "--allow-write=node_modules/.cache/anyio-ts",
      "--preload",
      "npm:anyio-ts/register",
      entry,
    ]);

  test("compiles the structured file with TypeScript", async () => {
    expect(report(await deno(projects.typescript))).toEqual({ status: 0, ...COMPILED });
  });

  test("compiles a CommonJS entry and the structured module it requires", async () => {
    expect(report(await deno(projects.typescript, "main.cts"))).toEqual({ status: 0, interrupted: true });
  });

  test("compiles structured JavaScript with Babel", async () => {
    const result = await deno(projects.babel, "main.mjs", `.,${fs.realpathSync(path.join(repo, "node_modules"))}`);
    expect(report(result)).toEqual({ status: 0, interrupted: true });
  });

  test("says that a .ts file needs TypeScript when only @babel/core is installed", async () => {
    // Babel's packages are links into the repository here: reading them needs more than `.`.
    const result = await deno(projects.babel, "main.ts", `.,${fs.realpathSync(path.join(repo, "node_modules"))}`);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("Deno cannot run TypeScript itself");
  });
});
