// The plugin entries (ts-patch program pattern, ts-jest adapter), option validation and the
// include globs, and what the emitted code carries along (source maps, idempotence).
import * as path from "node:path";
import * as ts from "typescript";
import anyioTransformer, { jestFactory } from "../../transformer/typescript/index";
import { globToRegExp, isIncluded, resolveOptions } from "../../transformer/core/options";
import { messages } from "../../transformer/core/messages";
import { suggestDirective, mayContainDirective } from "../../transformer/core/directive";

const structured = `"use structured";\nexport async function f() {\n  await fetch("x");\n}\n`;

function emit(source: string, before: ts.TransformerFactory<ts.SourceFile>[], fileName = "/project/src/a.ts") {
  return ts.transpileModule(source, {
    fileName,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, sourceMap: true },
    transformers: { before },
  });
}

describe("the ts-patch entry", () => {
  test("is a program transformer factory: (program, config, extras) => (context) => (file) => file", () => {
    const factory = anyioTransformer(undefined, { transform: "anyio-ts/transformer" }, { ts });
    expect(emit(structured, [factory]).outputText).toContain("__rt.enter(");
  });

  test("reports diagnostics through ts-patch's addDiagnostic, with file, position and code", () => {
    const added: ts.Diagnostic[] = [];
    const factory = anyioTransformer(undefined, {}, { ts, addDiagnostic: (d) => added.push(d) });
    emit(`export async function f() {\n  "use structure";\n}\n`, [factory]);
    expect(added).toHaveLength(1);
    const [d] = added;
    expect(d!.code).toBe(messages.misspelledDirective.code);
    expect(d!.category).toBe(ts.DiagnosticCategory.Error);
    expect(d!.file!.getLineAndCharacterOfPosition(d!.start!)).toEqual({ line: 1, character: 2 });
  });

  test("without a diagnostics channel, errors fail the file with a code frame", () => {
    const factory = anyioTransformer(undefined, {}, { ts });
    expect(() => emit(`export async function f() {\n  "use structure";\n}\n`, [factory])).toThrow(
      /a\.ts:2:3[\s\S]*use structure/,
    );
  });

  test("include globs are matched relative to the tsconfig's directory", () => {
    const program = {
      getCompilerOptions: () => ({ configFilePath: "/project/tsconfig.json" }),
      getCurrentDirectory: () => "/elsewhere",
    };
    const factory = anyioTransformer(program as unknown as ts.Program, { include: ["src/**/*.ts"] }, { ts });
    const source = `export async function f() {\n  await fetch("x");\n}\n`;
    expect(emit(source, [factory], "/project/src/deep/a.ts").outputText).toContain("__rt.enter(");
    expect(emit(source, [factory], "/project/test/a.ts").outputText).not.toContain("__rt");
  });

  test("rejects invalid options with the option's name", () => {
    expect(() => anyioTransformer(undefined, { runtimeModule: 3 }, { ts })).toThrow(
      "Expected `runtimeModule` to be a non-empty string, got `3` (number)",
    );
    expect(() => anyioTransformer(undefined, { include: "src/*.ts" }, { ts })).not.toThrow();
    expect(() => anyioTransformer(undefined, { include: [1] }, { ts })).toThrow(/Expected `include` to be an array/);
  });

  test("applying the transformer twice rewrites once", () => {
    const factory = anyioTransformer(undefined, {}, { ts });
    const once = emit(structured, [factory]).outputText;
    const twice = emit(structured, [factory, anyioTransformer(undefined, {}, { ts })]).outputText;
    expect(twice).toBe(once);
  });

  test("awaits keep their source positions in the source map", () => {
    const factory = anyioTransformer(undefined, {}, { ts });
    const result = emit(structured, [factory]);
    const map = JSON.parse(result.sourceMapText!) as { mappings: string };
    // The await on line 3 of the input is mapped from the output line that contains it.
    const outputLine = result.outputText.split("\n").findIndex((line) => line.includes("await __rt.suspend"));
    const lines = map.mappings.split(";");
    expect(outputLine).toBeGreaterThan(0);
    expect(lines[outputLine]).not.toBe("");
  });
});

describe("the ts-jest adapter", () => {
  test("has the { name, version, factory } shape and rewrites structured files", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const shim = require("../../transformer/typescript/jest-ast-transformer.cjs") as {
      name: string;
      version: string;
      factory: (compiler: unknown, options?: unknown) => ts.TransformerFactory<ts.SourceFile>;
    };
    expect(shim.name).toBe("anyio-ts-transformer");
    expect(shim.version).toMatch(/^[0-9a-f]{16}$/);
    const factory = shim.factory({ configSet: { compilerModule: ts, rootDir: "/project" } }, {});
    expect(emit(structured, [factory]).outputText).toContain("__rt.enter(");
  });

  test("jestFactory takes ts-jest's compiler and the options of the astTransformers entry", () => {
    const factory = jestFactory({ configSet: { compilerModule: ts, rootDir: "/project" } }, { runtimeModule: "rt" });
    expect(emit(structured, [factory]).outputText).toContain('require("rt")');
  });
});

describe("options", () => {
  test("defaults", () => {
    expect(resolveOptions({})).toEqual({
      include: [],
      exclude: [],
      runtimeModule: "anyio-ts/rt",
      warnings: true,
      sites: true,
    });
  });

  test.each([
    ["src/**/*.ts", "src/a.ts", true],
    ["src/**/*.ts", "src/x/y/a.ts", true],
    ["src/**/*.ts", "lib/a.ts", false],
    ["src/*.ts", "src/x/a.ts", false],
    ["src/*.{ts,mts}", "src/a.mts", true],
    ["src/?.ts", "src/ab.ts", false],
    ["**/*.structured.ts", "a/b.structured.ts", true],
  ])("glob %j matches %j: %s", (glob, file, expected) => {
    expect(globToRegExp(glob).test(file)).toBe(expected);
  });

  test("exclude wins over include, and Windows separators are normalized", () => {
    const options = resolveOptions({ include: ["src/**/*.ts"], exclude: ["src/vendor/**"] });
    expect(isIncluded(options, path.win32.join("src", "a.ts"))).toBe(true);
    expect(isIncluded(options, "src/vendor/x.ts")).toBe(false);
  });

  test("warnings: false silences warnings but not errors", () => {
    const added: ts.Diagnostic[] = [];
    const factory = anyioTransformer(undefined, { warnings: false }, { ts, addDiagnostic: (d) => added.push(d) });
    emit(`"use structured";\nasync function f() { await Promise.all([g(), g()]); }\n"use structured";\n`, [factory]);
    expect(added.map((d) => d.code)).toEqual([messages.misplacedDirective.code]);
  });
});

describe("directive helpers", () => {
  test.each([
    ["use structure", "use structured"],
    ["use unstrucured", "use unstructured"],
    ["USE_UNSTRUCTURED", "use unstructured"],
    ["use-structured", "use structured"],
  ])("suggests %j for %j", (text, suggestion) => {
    expect(suggestDirective(text)).toBe(suggestion);
  });

  test("the pre-check finds directives and near misses, and skips files without either", () => {
    expect(mayContainDirective(`async function f() { "use structured"; }`)).toBe(true);
    expect(mayContainDirective(`'use-structured';`)).toBe(true);
    expect(mayContainDirective(`const x = "hello world, friends"; "use strict";`)).toBe(false);
  });
});

describe("with TypeScript 6 (the typescript6 devDependency)", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts6 = require("typescript6") as typeof ts;
  const emit6 = (source: string, before: ts.TransformerFactory<ts.SourceFile>[]) =>
    ts6.transpileModule(source, {
      fileName: "/project/src/a.ts",
      compilerOptions: { target: ts6.ScriptTarget.ES2022, module: ts6.ModuleKind.CommonJS },
      transformers: { before },
    }).outputText;

  test("is a different TypeScript than the project's", () => {
    expect(ts6.version).toMatch(/^6\.0\./);
    expect(ts.version).toMatch(/^5\./);
  });

  test("the ts-patch entry builds its nodes with the TypeScript instance it is given", () => {
    const added: ts.Diagnostic[] = [];
    const factory = anyioTransformer(undefined, {}, { ts: ts6, addDiagnostic: (d) => added.push(d) });
    const output = emit6(`"use structured";\nexport async function f() {\n  using s = g();\n  await fetch("x");\n}\n`, [
      factory,
    ]);
    expect(output).toContain("__rt.enter(");
    expect(output).toContain("$u.use(g())");
    emit6(`export async function f() {\n  "use structure";\n}\n`, [factory]);
    expect(added.map((d) => [d.code, d.category])).toEqual([
      [messages.misspelledDirective.code, ts6.DiagnosticCategory.Error],
    ]);
  });

  test("a TypeScript 6 program emits through the plugin, diagnostics and all", () => {
    const files: Record<string, string> = {
      "/project/src/a.ts": `"use structured";\nexport async function f(): Promise<void> {\n  await new Promise((r) => setTimeout(r, 1));\n}\n`,
      "/project/src/b.ts": `export async function g(): Promise<void> {\n  "use-structured";\n}\n`,
    };
    const options: ts.CompilerOptions = {
      target: ts6.ScriptTarget.ES2022,
      module: ts6.ModuleKind.CommonJS,
      types: [],
      lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
      skipLibCheck: true,
      outDir: "/project/out",
    };
    const host = ts6.createCompilerHost(options);
    const written: Record<string, string> = {};
    const readFile = host.readFile.bind(host);
    host.readFile = (name) => files[name] ?? readFile(name);
    host.fileExists = (name) => name in files || ts6.sys.fileExists(name);
    host.getSourceFile = (
      (getSourceFile) =>
      (name: string, ...rest: unknown[]) =>
        name in files
          ? ts6.createSourceFile(name, files[name]!, ts6.ScriptTarget.ES2022, true)
          : (getSourceFile as (...args: unknown[]) => ts.SourceFile | undefined)(name, ...rest)
    )(host.getSourceFile.bind(host));
    host.writeFile = (name, text) => (written[name] = text);
    const program = ts6.createProgram(Object.keys(files), options, host);
    const added: ts.Diagnostic[] = [];
    const factory = anyioTransformer(program, {}, { ts: ts6, addDiagnostic: (d) => added.push(d) });
    program.emit(undefined, undefined, undefined, false, { before: [factory] });
    expect(written["/project/out/a.js"]).toContain("await __rt.suspend($c, new Promise(");
    expect(added.map((d) => [d.file?.fileName, d.code])).toEqual([
      ["/project/src/b.ts", messages.misspelledDirective.code],
    ]);
  });

  test("the ts-jest adapter uses ts-jest's compiler module", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const shim = require("../../transformer/typescript/jest-ast-transformer.cjs") as {
      factory: (compiler: unknown, options?: unknown) => ts.TransformerFactory<ts.SourceFile>;
    };
    const factory = shim.factory({ configSet: { compilerModule: ts6, rootDir: "/project" } }, {});
    expect(emit6(structured, [factory])).toContain("await __rt.suspend");
  });
});
