// anyio-ts/esbuild: examples/esbuild built with its own build script against anyio-ts as
// published, then run; and the plugin's behaviour on single files through esbuild's API.
import * as esbuild from "esbuild";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { anyio } from "../../transformer/esbuild";
import { EXAMPLE_OUTPUT, INTEGRATION_TIMEOUT, linkBuiltPackage, node, repo } from "./helpers";

const example = path.join(repo, "examples", "esbuild");

describe("examples/esbuild", () => {
  beforeAll(() => {
    linkBuiltPackage(example);
    fs.rmSync(path.join(example, "dist"), { recursive: true, force: true });
    node(["build.mjs"], example);
  }, INTEGRATION_TIMEOUT);

  test("its bundle carries the rewrite: every await in main.ts goes through the runtime", () => {
    const bundle = fs.readFileSync(path.join(example, "dist", "main.js"), "utf8");
    expect(bundle).toMatch(/markStructured\w*\(main\)/);
    expect(bundle).toMatch(/await suspend\w*\(\$c, \(pre\w*\(\$c\), slowForeignCall\(\)\), \d+\)/);
    expect(bundle).not.toMatch(/^\s*"use structured";$/m); // the compiled file's directive is dropped
  });

  test("runs with node: the task group waits for both workers and the timeout cancels the foreign await", () => {
    expect(node(["dist/main.js"], example).trim().split("\n")).toEqual(EXAMPLE_OUTPUT);
  });

  test("its source map leads back to src/main.ts as written", () => {
    const map = JSON.parse(fs.readFileSync(path.join(example, "dist", "main.js.map"), "utf8")) as {
      sources: string[];
      sourcesContent: string[];
    };
    const index = map.sources.indexOf("../src/main.ts");
    expect(index).toBeGreaterThanOrEqual(0);
    expect(map.sourcesContent[index]).toBe(fs.readFileSync(path.join(example, "src", "main.ts"), "utf8"));
  });
});

describe("the esbuild plugin", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-esbuild-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function write(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  }

  async function bundle(entry: string, options: Parameters<typeof anyio>[0] = {}, plugin = true) {
    return esbuild.build({
      entryPoints: [entry],
      absWorkingDir: dir,
      bundle: true,
      write: false,
      format: "esm",
      external: ["anyio-ts", "anyio-ts/rt"],
      logLevel: "silent",
      plugins: plugin ? [anyio(options)] : [],
    });
  }

  test("rewrites a structured file and leaves its TypeScript to esbuild", async () => {
    const entry = write(
      "main.ts",
      `"use structured";\nexport async function f(url: string): Promise<number> {\n  return (await fetch(url)).status;\n}\n`,
    );
    const [out] = (await bundle(entry)).outputFiles;
    expect(out!.text).toContain('import * as __rt from "anyio-ts/rt"');
    expect(out!.text).toContain("const $c = __rt.enter($sites);");
    expect(out!.text).not.toContain(": Promise<number>");
  });

  test("leaves a file without structured code exactly as esbuild builds it alone", async () => {
    // The text mentions the directive, so the plugin parses the file, but nothing in it is structured.
    const entry = write(
      "plain.ts",
      `export const directive = "use structured";\nexport async function f(url: string) {\n  return (await fetch(url)).status;\n}\n`,
    );
    const [withPlugin] = (await bundle(entry)).outputFiles;
    const [without] = (await bundle(entry, {}, false)).outputFiles;
    expect(withPlugin!.text).toBe(without!.text);
  });

  test("never compiles files under node_modules (packages ship compiled code)", async () => {
    write("node_modules/dep/index.ts", `"use structured";\nexport async function dep() {\n  await fetch("x");\n}\n`);
    const entry = write("main.ts", `export { dep } from "./node_modules/dep/index.ts";\n`);
    const [out] = (await bundle(entry)).outputFiles;
    expect(out!.text).not.toContain("__rt");
  });

  test("compiles files an include glob selects, relative to absWorkingDir", async () => {
    const source = `export async function f() {\n  await fetch("x");\n}\n`;
    const selected = write("src/jobs/a.ts", source);
    const other = write("scripts/a.ts", source);
    expect((await bundle(selected, { include: ["src/**/*.ts"] })).outputFiles[0]!.text).toContain("__rt.enter(");
    expect((await bundle(other, { include: ["src/**/*.ts"] })).outputFiles[0]!.text).not.toContain("__rt");
  });

  test("reports the transformer's errors as esbuild errors with file, line and column", async () => {
    const entry = write("bad.ts", `export async function f() {\n  "use structure";\n  await fetch("x");\n}\n`);
    const failure = (await bundle(entry).catch((error: unknown) => error)) as esbuild.BuildFailure;
    expect(failure.errors).toHaveLength(1);
    const [error] = failure.errors;
    expect(error!.text).toMatch(/^TS99102: Unknown directive "use structure": did you mean "use structured"\?/);
    expect(error!.location).toMatchObject({ file: "bad.ts", line: 2, column: 2, lineText: '  "use structure";' });
  });

  test("reports warnings as esbuild warnings and still builds", async () => {
    const entry = write(
      "warn.ts",
      `"use structured";\nexport async function f() {\n  await Promise.all([g(), g()]);\n}\nasync function g() {}\n`,
    );
    const result = await bundle(entry);
    expect(result.warnings.map((w) => [w.text.slice(0, 38), w.location?.line, w.location?.column])).toEqual([
      ["TS99105: Promise.all() over calls runs", 3, 8],
    ]);
    expect(result.outputFiles[0]!.text).toContain("__rt.enter(");
  });

  test("rejects invalid options when the plugin is created", () => {
    expect(() => anyio({ filter: "*.ts" as unknown as RegExp })).toThrow(
      "Expected `filter` to be a regular expression, got `*.ts` (string)",
    );
    expect(() => anyio({ runtimeModule: 3 as unknown as string })).toThrow(
      "Expected `runtimeModule` to be a non-empty string, got `3` (number)",
    );
    expect(() => anyio({ root: "" })).toThrow("Expected `root` to be a non-empty string, got `` (string)");
  });
});
