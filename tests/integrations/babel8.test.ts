// The Babel plugin under Babel 8: the whole fixture corpus goes through Babel 8's CLI (with
// @babel/preset-typescript 8, and the CommonJS transform 8 where a fixture asks for CommonJS, as
// fixtures.babel.test.ts does with Babel 7) and must give Babel 7's golden output, errors and warnings. Babel 8 is ES modules only
// and cannot be loaded in jest's VM on Node 20, so it runs as a child process, installed with
// `npm ci` into tests/integrations/babel8 (its own package.json and lock, beside Babel 7).
//
// One normalization: Babel's own helpers (`_interopRequireWildcard`) are minified differently
// by each Babel release, so they are compared by name, not text. Everything else, including the
// error messages with their code frames, must match byte for byte.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isCommonJs, type FixtureDiagnostic, type FixtureOptions } from "../transformer/compile";
import { INTEGRATION_TIMEOUT, linkBuiltPackage, node, npmCi, repo, spawn, type Finished } from "./helpers";

const babel8 = path.join(__dirname, "babel8");
const fixtures = path.join(repo, "tests", "transformer", "fixtures");
const plugin = path.join(repo, "transformer", "babel", "babel-plugin.cjs");
const cli = path.join(babel8, "node_modules", "@babel", "cli", "bin", "babel.js");

const cases = fs
  .readdirSync(fixtures, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function read(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

function readFixture(name: string) {
  const dir = path.join(fixtures, name);
  const options = JSON.parse(read(path.join(dir, "options.json")) ?? "{}") as FixtureOptions;
  const diagnostics = JSON.parse(read(path.join(dir, "diagnostics.json")) ?? "[]") as FixtureDiagnostic[];
  const fileName = options.fileName ?? "input.ts";
  return {
    dir,
    options,
    diagnostics,
    fileName,
    /** Where Babel 7's runner reported an error (or its parser rejected the file). */
    fails:
      diagnostics.some((d) => d.category === "error") ||
      read(path.join(dir, "output.babel.js"))?.startsWith("/* Babel fails with:"),
    commonJs: isCommonJs(options),
  };
}

const fixtureByName = new Map(cases.map((name) => [name, readFixture(name)]));

function fixture(name: string): ReturnType<typeof readFixture> {
  return fixtureByName.get(name)!;
}

/** A Babel 8 package, resolved from tests/integrations/babel8 (config files name them by path). */
function babel8Package(name: string): string {
  const found = path.dirname(require.resolve(`${name}/package.json`, { paths: [babel8] }));
  // Resolution walks up to the repository's Babel 7 when the nested install is missing.
  if (!found.startsWith(path.join(babel8, "node_modules") + path.sep))
    throw new Error(`${name} 8 is not installed in ${babel8}`);
  return found;
}

/** The plugins of a fixture: the same list as fixtures.babel.test.ts gives Babel 7. */
function pluginsOf(options: FixtureOptions, commonJs: boolean): unknown[] {
  return [
    [plugin, options.transformer ?? {}],
    ...(commonJs ? [babel8Package("@babel/plugin-transform-modules-commonjs")] : []),
  ];
}

function configSource(config: Record<string, unknown>): string {
  return `module.exports = ${JSON.stringify(config, null, 2)};\n`;
}

/** What every case's config has, as fixtures.babel.test.ts gives Babel 7 (after `npm ci`). */
function baseConfig(): Record<string, unknown> {
  return {
    babelrc: false,
    sourceType: "module",
    parserOpts: { plugins: ["decorators"] },
    presets: [babel8Package("@babel/preset-typescript")],
  };
}

/**
 * Babel's helpers are minified per release: compare them by name (with the cache variable the
 * wildcard helper declares). The CLI ends a file with a newline or not depending on its mode.
 */
function normalize(code: string): string {
  return code
    .replace(/\n*$/, "\n")
    .replace(/^var [\w$]+;\n(?=function _interopRequireWildcard\()/m, "")
    .replace(/^function (_interopRequire\w*)\(.*$/gm, "function $1() { /* Babel's helper */ }");
}

/** What a failing file's golden records: the message with its code frames, the fixture folder stripped. */
function goldenError(golden: string): string {
  return golden.replace(/^\/\* Babel fails with:\n/, "").replace(/\n\*\/\n$/, "");
}

/**
 * The error the CLI printed for a file: the message after the class name, to the end of the
 * output (the plugin's errors print without a stack trace or a dump of their properties).
 */
function printedError(stderr: string, caseDir: string): string {
  const start = /^SyntaxError: /m.exec(stderr);
  if (start === null) throw new Error(`no error in Babel 8's output:\n${stderr}`);
  const printed = stderr.slice(start.index + start[0].length).trimEnd();
  if (!/^\S+: anyio-ts reported \d+ errors?:/.test(printed)) {
    // Babel's own parse error (a case its parser rejects): its message, up to its stack.
    return printed
      .slice(0, printed.indexOf("\n    at "))
      .split(caseDir + path.sep)
      .join("");
  }
  // The plugin's: one frame, the first error's place in the file; no frames of Babel's, no dump
  // of properties.
  const frames = printed.split("\n").filter((line) => /^ {4}at /.test(line));
  expect(frames).toEqual([expect.stringMatching(/^ {4}at \S+:\d+:\d+$/)]);
  expect(printed).not.toContain("diagnostics: [");
  const message = printed.slice(0, printed.lastIndexOf("\n    at "));
  return message.split(caseDir + path.sep).join("");
}

describe("the fixture corpus through Babel 8's CLI", () => {
  let work: string;
  /** Most cases, compiled by one CLI run over one folder. */
  let batch: Finished;
  /** Cases with their own run: files that fail (the CLI stops at the first), and `include` globs (relative to the root, the case folder). */
  const solo = new Map<string, Finished>();
  const soloCases = cases.filter(
    (name) => fixture(name).fails || fixture(name).options.transformer?.include !== undefined,
  );
  const isSolo = new Set(soloCases);

  beforeAll(async () => {
    npmCi(babel8);
    work = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-babel8-"));
    const base = baseConfig();
    const overrides: Record<string, unknown>[] = [];
    for (const name of cases) {
      const { dir, options, fileName, commonJs } = fixture(name);
      const caseDir = path.join(work, isSolo.has(name) ? "solo" : "batch", name);
      fs.mkdirSync(path.dirname(path.join(caseDir, fileName)), { recursive: true });
      fs.copyFileSync(path.join(dir, "input.ts"), path.join(caseDir, fileName));
      const plugins = pluginsOf(options, commonJs);
      if (isSolo.has(name))
        fs.writeFileSync(path.join(work, "solo", `${name}.config.cjs`), configSource({ ...base, plugins }));
      else overrides.push({ test: caseDir, plugins });
    }
    fs.writeFileSync(path.join(work, "batch.config.cjs"), configSource({ ...base, overrides }));

    const babel = (cwd: string, config: string, ...args: string[]) =>
      spawn(process.execPath, [cli, ...args, "--config-file", config, "--no-highlight-code"], cwd);
    const runs: (() => Promise<void>)[] = [
      async () => {
        batch = await babel(
          work,
          path.join(work, "batch.config.cjs"),
          "batch",
          "--out-dir",
          "out",
          "--extensions",
          ".ts",
        );
      },
      ...soloCases.map((name) => async () => {
        const caseDir = path.join(work, "solo", name);
        const config = path.join(work, "solo", `${name}.config.cjs`);
        solo.set(name, await babel(caseDir, config, fixture(name).fileName, "--out-file", "out.js"));
      }),
    ];
    // Two at a time: the machines that run this have two cores.
    const next = async (): Promise<void> => {
      for (let run = runs.shift(); run !== undefined; run = runs.shift()) await run();
    };
    await Promise.all([next(), next()]);
  }, INTEGRATION_TIMEOUT);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test("runs Babel 8", () => {
    expect(node([cli, "--version"], babel8)).toMatch(/^8\.\d+\.\d+ \(@babel\/core 8\.\d+\.\d+\)/);
  });

  test("compiles the batch of cases without errors", () => {
    expect({ status: batch.status, stderr: batch.status === 0 ? "" : batch.stderr }).toEqual({ status: 0, stderr: "" });
    expect(batch.stdout).toContain(`Successfully compiled ${cases.length - soloCases.length} files with Babel`);
  });

  test("prints exactly the expected warnings, with file, line, column and code", () => {
    const expected = cases.flatMap((name) =>
      isSolo.has(name)
        ? []
        : fixture(name)
            .diagnostics.filter((d) => d.category === "warning")
            .map(
              (d) =>
                `${path.join(work, "batch", name, "input.ts")}:${d.line}:${d.column} - warning TS${d.code}: ${d.message}`,
            ),
    );
    const printed = batch.stderr.split("\n").filter((line) => / - warning TS\d+: /.test(line));
    expect(printed).toEqual(expected);
  });

  describe.each(cases)("fixture %s", (name) => {
    const { dir, fails } = fixture(name);

    test(fails ? "fails with Babel 7's message and code frames" : "compiles to output.babel.js", () => {
      const golden = read(path.join(dir, "output.babel.js"));
      if (golden === undefined)
        throw new Error(`${name}: output.babel.js is missing; run fixtures.babel.test.ts with OVERWRITE=1`);
      const run = solo.get(name);
      if (fails) {
        expect(run?.status).toBe(1);
        expect(printedError(run!.stderr, path.join(work, "solo", name))).toBe(goldenError(golden));
        return;
      }
      const output =
        run !== undefined ? path.join(work, "solo", name, "out.js") : path.join(work, "out", name, "input.js");
      expect(run?.status ?? 0).toBe(0);
      // The batch's root is its folder: the site table names the file from there.
      const compiled = fs.readFileSync(output, "utf8").split(`"batch/${name}/`).join('"');
      expect(normalize(compiled)).toBe(normalize(golden));
    });
  });
});

describe("the Vite and esbuild plugins with Babel 8 as the project's @babel/core", () => {
  beforeAll(() => {
    npmCi(babel8);
    linkBuiltPackage(babel8);
  }, INTEGRATION_TIMEOUT);

  test("compile structured code (Babel 8 is loaded with require, as Node 20.19 and later allow)", () => {
    // --preserve-symlinks: the linked package resolves @babel/core from this project, as an installed one would.
    const script = `
      const { anyio } = require("anyio-ts/vite");
      const babelCore = require.resolve("@babel/core/package.json", { paths: [require.resolve("anyio-ts/vite")] });
      const plugin = anyio();
      plugin.configResolved({ root: "/app" });
      const context = { warn() {}, error(log) { throw new Error(log.message); } };
      plugin.transform.call(context, '"use structured";\\nexport async function f(x: number) {\\n  await g(x);\\n}\\n', "/app/src/a.ts")
        .then((result) => console.log(JSON.stringify({ babel: require(babelCore).version, code: result.code })));`;
    const { babel, code } = JSON.parse(node(["--preserve-symlinks", "-e", script], babel8)) as {
      babel: string;
      code: string;
    };
    expect(babel).toMatch(/^8\./);
    expect(code).toContain("const $c = __rt.enter($sites);");
    expect(code).toContain("export async function f(x: number)");
  });
});
