// The fixture corpus through the Babel front end: every folder under fixtures/ compiled with
// @babel/core, @babel/preset-typescript and the anyio-ts Babel plugin (plus the CommonJS module
// transform where options.json asks for CommonJS), compared with `output.babel.js`; the
// diagnostics must be exactly the TypeScript front end's (diagnostics.json). A file with errors
// fails in Babel: its golden file records the error message with its code frames.
// `OVERWRITE=1 npx jest tests/transformer/fixtures.babel` regenerates the golden files; a missing
// golden file fails the case.
import * as babel from "@babel/core";
import * as fs from "node:fs";
import * as path from "node:path";
import anyioBabelPlugin, { type AnyioBabelError, type Diagnostic } from "../../transformer/babel";
import { checkJavaScript, isCommonJs, type FixtureDiagnostic, type FixtureOptions } from "./compile";

const root = path.join(__dirname, "fixtures");
const overwrite = process.env.OVERWRITE === "1" || process.env.OVERWRITE === "true";
const cases = fs
  .readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/**
 * Cases Babel's parser rejects before the plugin runs (with its own code frame), where the
 * TypeScript front end reports the diagnostic itself.
 */
const PARSER_REJECTS: Record<string, string> = {
  // ECMAScript forbids `using` directly in a case clause; TypeScript parses it, Babel does not.
  "using-in-case-clause": "BABEL_PARSE_ERROR",
};

function read(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

function readOptions(dir: string): FixtureOptions {
  return JSON.parse(read(path.join(dir, "options.json")) ?? "{}") as FixtureOptions;
}

interface BabelOutput {
  /** The generated code, or the error message as a comment when the file has errors. */
  output: string;
  failed: boolean;
  diagnostics: FixtureDiagnostic[];
}

function compileWithBabel(dir: string, { plugin = true }: { plugin?: boolean } = {}): BabelOutput {
  const options = readOptions(dir);
  const input = fs.readFileSync(path.join(dir, "input.ts"), "utf8");
  const warnings: Diagnostic[] = [];
  const plugins: babel.PluginItem[] = [];
  if (plugin)
    plugins.push([anyioBabelPlugin, { ...options.transformer, onWarning: (w: Diagnostic) => warnings.push(w) }]);
  if (isCommonJs(options)) plugins.push(require.resolve("@babel/plugin-transform-modules-commonjs"));
  const toFixture = (d: Diagnostic): FixtureDiagnostic => ({
    line: d.line,
    column: d.column,
    category: d.category,
    code: d.code,
    message: d.message,
  });
  try {
    const result = babel.transformSync(input, {
      filename: path.join(dir, options.fileName ?? "input.ts"),
      cwd: dir,
      root: dir,
      babelrc: false,
      configFile: false,
      highlightCode: false,
      sourceType: "module",
      parserOpts: { plugins: ["decorators"] },
      presets: [[require.resolve("@babel/preset-typescript"), { allowDeclareFields: true }]],
      plugins,
    });
    return { output: result!.code! + "\n", failed: false, diagnostics: warnings.map(toFixture) };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const diagnostics = code === "BABEL_PARSE_ERROR" ? [] : (error as AnyioBabelError).diagnostics;
    if (diagnostics === undefined) throw error;
    const message = (error as Error).message.split(dir + path.sep).join("");
    return { output: `/* Babel fails with:\n${message}\n*/\n`, failed: true, diagnostics: diagnostics.map(toFixture) };
  }
}

describe("the fixture corpus through Babel", () => {
  test("has a case for every construct of the rewrite contract", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });
});

describe.each(cases)("fixture %s (babel)", (name) => {
  const dir = path.join(root, name);
  const options = readOptions(dir);

  test("compiles to output.babel.js with the TypeScript front end's diagnostics", () => {
    const { output, diagnostics } = compileWithBabel(dir);
    const outputFile = path.join(dir, "output.babel.js");
    if (overwrite) fs.writeFileSync(outputFile, output);
    const expected = read(outputFile);
    if (expected === undefined)
      throw new Error(`${name}: output.babel.js is missing; run with OVERWRITE=1 to create it`);
    expect(output).toBe(expected);
    const expectedDiagnostics = JSON.parse(read(path.join(dir, "diagnostics.json")) ?? "[]") as FixtureDiagnostic[];
    expect(diagnostics).toEqual(name in PARSER_REJECTS ? [] : expectedDiagnostics);
  });

  test("fails exactly when the TypeScript front end reports an error", () => {
    const { failed } = compileWithBabel(dir);
    const expectedDiagnostics = JSON.parse(read(path.join(dir, "diagnostics.json")) ?? "[]") as FixtureDiagnostic[];
    expect(failed).toBe(expectedDiagnostics.some((d) => d.category === "error"));
  });

  const failsToCompile = (JSON.parse(read(path.join(dir, "diagnostics.json")) ?? "[]") as FixtureDiagnostic[]).some(
    (d) => d.category === "error",
  );
  if (!failsToCompile) {
    test("the output is valid JavaScript", () => {
      expect(() => checkJavaScript(compileWithBabel(dir).output, isCommonJs(options))).not.toThrow();
    });
  }

  if (options.unchanged === true) {
    test("the output is exactly what Babel emits without the plugin", () => {
      expect(compileWithBabel(dir).output).toBe(compileWithBabel(dir, { plugin: false }).output);
    });
  }
});

describe("the Babel plugin entry", () => {
  const source = `"use structured";\nexport async function f() {\n  await fetch("x");\n}\n`;
  const compile = (code: string, pluginOptions: Record<string, unknown> = {}, extra: babel.TransformOptions = {}) =>
    babel.transformSync(code, {
      filename: "/project/src/file.ts",
      babelrc: false,
      configFile: false,
      highlightCode: false,
      presets: [[require.resolve("@babel/preset-typescript"), { allowDeclareFields: true }]],
      plugins: [[anyioBabelPlugin, pluginOptions]],
      ...extra,
    })!.code!;

  test("imports the runtime once in a module and requires it in a script", () => {
    const module = compile(source);
    expect(module.match(/import \* as __rt from "anyio-ts\/rt";/g)).toHaveLength(1);
    const script = compile(`"use structured";\nasync function f() { await g(); }\n`, {}, { sourceType: "script" });
    expect(script).toContain(`const __rt = require("anyio-ts/rt");`);
  });

  test("keeps the runtime import through preset-typescript's import elision, beside type-only imports", () => {
    const code = compile(
      `"use structured";\nimport type { A } from "a";\nimport { B } from "b";\nexport async function f(x: A & B) { await fetch("x"); }\n`,
    );
    expect(code).toContain(`import * as __rt from "anyio-ts/rt";`);
    expect(code).not.toContain(`from "a"`);
    expect(code).not.toContain(`from "b"`);
  });

  test("rewrites a file once when the plugin is listed twice", () => {
    const twice = babel.transformSync(source, {
      filename: "/project/src/file.ts",
      babelrc: false,
      configFile: false,
      presets: [require.resolve("@babel/preset-typescript")],
      plugins: [
        [anyioBabelPlugin, {}, "first"],
        [anyioBabelPlugin, {}, "second"],
      ],
    })!.code!;
    expect(twice).toBe(compile(source));
  });

  test("validates its options with the shared messages", () => {
    expect(() => compile(source, { runtimeModule: "" })).toThrow(/Expected `runtimeModule` to be a non-empty string/);
    expect(() => compile(source, { onWarning: 1 })).toThrow(/Expected `onWarning` to be a function/);
  });

  test("prints warnings with a code frame by default, and not at all with warnings: false", () => {
    const code = `"use structured";\nexport async function f() {\n  await Promise.all([g(), h()]);\n}\n`;
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      compile(code);
      expect(write).toHaveBeenCalledTimes(1);
      const printed = String(write.mock.calls[0]![0]);
      expect(printed).toContain("/project/src/file.ts:3:9 - warning TS99105: Promise.all() over calls");
      expect(printed).toContain("> 3 |   await Promise.all([g(), h()]);");
      write.mockClear();
      compile(code, { warnings: false });
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });

  test("selects files by include globs relative to Babel's root", () => {
    const plain = `export async function f() {\n  await fetch("x");\n}\n`;
    expect(compile(plain, { include: ["src/**/*.ts"] }, { root: "/project", cwd: "/project" })).toContain(
      "__rt.enter(",
    );
    expect(compile(plain, { include: ["lib/**/*.ts"] }, { root: "/project", cwd: "/project" })).not.toContain("__rt");
  });
});
