// The Babel front end leaves code unwalked when its text holds none of the file's marks
// (transformer/core/rules.ts: `rewriteMarks` outside structured functions, `insideMarks` inside
// them), and registers only the runtime import in Babel's scope instead of crawling the file
// again (transformer/babel/runtime-binding.ts).
// These tests hold both to what a full walk gives: the TypeScript front end walks every node, so
// on random programs that mix code the rewrite must see with code it may skip, the two front ends
// must make the same hook calls and report the same diagnostics.
import * as babel from "@babel/core";
import fc from "fast-check";
import * as ts from "typescript";
import anyioBabelPlugin, { type AnyioBabelError, type Diagnostic } from "../../transformer/babel";
import { hasMarkIn, rewriteMarks } from "../../transformer/core/rules";
import { transpileStructured } from "./differential/compile";
import { extractHookCalls, type HookCall } from "./hook-calls";

interface Compiled {
  calls: string[];
  diagnostics: string[];
}

const describeCall = (call: HookCall): string => call.text;
const describeDiagnostic = (d: { line: number; column: number; code: number; category: string }): string =>
  `${d.line}:${d.column} ${d.category} TS${d.code}`;

function compileWithTypeScript(code: string): Compiled {
  const { output, diagnostics: found } = transpileStructured(code);
  const diagnostics = found.map((d) => {
    const { line, character } = d.file!.getLineAndCharacterOfPosition(d.start!);
    return describeDiagnostic({
      line: line + 1,
      column: character + 1,
      code: d.code,
      category: d.category === ts.DiagnosticCategory.Error ? "error" : "warning",
    });
  });
  // Babel fails a file with errors, so only the diagnostics of such a file are compared.
  if (found.some((d) => d.category === ts.DiagnosticCategory.Error)) return { calls: ["(failed)"], diagnostics };
  return { calls: extractHookCalls(output, "anyio-ts/rt").calls.map(describeCall), diagnostics };
}

function compileWithBabel(code: string): Compiled {
  const warnings: Diagnostic[] = [];
  try {
    const output = babel.transformSync(code, {
      filename: "input.ts",
      babelrc: false,
      configFile: false,
      presets: [[require.resolve("@babel/preset-typescript"), { allowDeclareFields: true }]],
      plugins: [[anyioBabelPlugin, { onWarning: (w: Diagnostic) => warnings.push(w) }]],
    })!.code!;
    return {
      calls: extractHookCalls(output, "anyio-ts/rt").calls.map(describeCall),
      diagnostics: warnings.map(describeDiagnostic),
    };
  } catch (error) {
    // A file with errors fails: its diagnostics (errors and warnings) come with the error.
    const all = (error as AnyioBabelError).diagnostics;
    if (all === undefined) throw error;
    return { calls: ["(failed)"], diagnostics: all.map(describeDiagnostic) };
  }
}

/**
 * Statements at the top of a file, each a piece the rewrite either acts on or leaves alone,
 * several of them hiding what it acts on inside code it could skip.
 */
const PIECES: readonly ((i: number) => string)[] = [
  (i) => `const plain${i} = [1, 2, 3].map((x) => x * 2);`,
  (i) => `function sync${i}(a: number): number {\n  const b = a + 1;\n  return b * 2;\n}`,
  (i) => `export async function work${i}(): Promise<void> {\n  await fetch("x${i}");\n}`,
  (i) => `const nested${i} = { run: [async () => { await fetch("n${i}"); }] };`,
  (i) =>
    `class Service${i} {\n  size = 1;\n  get(): number { return this.size; }\n  async load() { await fetch("s${i}"); }\n}`,
  (i) => `class Plain${i} {\n  x = 1;\n  y(): number { return this.x; }\n}`,
  // A callback handed to `startSoon` in code that is not async: marked in structured files.
  (i) =>
    `declare const tg${i}: { startSoon(fn: () => unknown): void };\nfunction spawn${i}() {\n  tg${i}.startSoon(() => sync${i}(1));\n}`,
  // Directives and near misses inside code without `async`.
  (i) => `const typo${i} = [function () {\n  "use structred";\n  return 1;\n}];`,
  (i) => `function stray${i}() {\n  if (Math.random() > 2) {\n    "use structured";\n  }\n}`,
  (i) => `const notAsync${i} = () => {\n  "use unstructured";\n  return ${i};\n};`,
  // A scope held by `using` outside structured code.
  (i) =>
    `declare function moveOnAfter(s: number): Disposable;\nfunction scoped${i}() {\n  using scope = moveOnAfter(1);\n  return scope;\n}`,
  (i) => `const Made${i} = class {\n  static async make() {\n    await fetch("m${i}");\n    return 1;\n  }\n};`,
  (i) => `const table${i} = { a: 1, b: "two", c: [3, { d: 4 }] };\nexport { table${i} };`,
  (i) => `for (const k of [1, 2]) {\n  const h${i} = async () => { await fetch(String(k)); };\n  void h${i};\n}`,
  // Inside async functions: what the rewrite acts on, among statements it may skip.
  (i) =>
    `async function tried${i}(n: number) {\n  const m = n * 2;\n  try {\n    void m;\n  } catch {\n    void n;\n  }\n  await fetch("t${i}");\n}`,
  (i) =>
    `async function early${i}(n: number) {\n  const m = [n].map((x) => x + 1);\n  if (m.length) {\n    return m;\n  }\n  await fetch("e${i}");\n  return fetch("f${i}");\n}`,
  (i) =>
    `async function all${i}() {\n  const urls = ["a", "b"];\n  await fetch(urls[0]!);\n  return Promise.all(urls.map((u) => fetch(u)));\n}`,
  (i) => `async function* gen${i}(n: number) {\n  const m = n + 1;\n  if (m) {\n    yield m;\n  }\n}`,
  (i) =>
    `async function loop${i}(src: AsyncIterable<number>) {\n  let total = 0;\n  outer: for (const q of [1, 2]) {\n    total += q;\n    for await (const z of src) {\n      if (z > q) break outer;\n    }\n  }\n  return total;\n}`,
  (i) =>
    `async function inner${i}() {\n  const table = { a: 1, b: [2, 3] };\n  const obj = { ...table, async m() { await fetch("m${i}"); } };\n  await obj.m();\n  const g = function () {\n    "use structred";\n    return table;\n  };\n  return g;\n}`,
  (i) =>
    `declare function open${i}(): Disposable;\ndeclare const group${i}: { startSoon(fn: () => unknown): void };\nasync function held${i}() {\n  const x = [1, 2].filter((v) => v > 1);\n  {\n    using s = open${i}();\n    group${i}.startSoon(() => x);\n  }\n  await fetch("h${i}");\n}`,
];

const programs: fc.Arbitrary<string> = fc
  .tuple(fc.boolean(), fc.array(fc.integer({ min: 0, max: PIECES.length - 1 }), { minLength: 1, maxLength: 8 }))
  .map(([fileLevel, picks]) => {
    const body = picks.map((piece, i) => PIECES[piece]!(i)).join("\n");
    return fileLevel ? `"use structured";\n${body}\n` : `${body}\n`;
  });

describe("the file's marks", () => {
  test("are every `async`, `using`, callback runner name and directive-like string, in ascending order", () => {
    const text = `const a = "use structred"; async function f() {} // using\ntg.startSoon(g); "use strict";`;
    expect(rewriteMarks(text)).toEqual([
      text.indexOf('"use structred"'),
      text.indexOf("async"),
      text.indexOf("using"),
      text.indexOf("startSoon"),
    ]);
  });

  test("a range holds a mark when one starts at or after its start and before its end", () => {
    const marks = [5, 10, 20];
    expect(hasMarkIn(marks, 0, 5)).toBe(false);
    expect(hasMarkIn(marks, 0, 6)).toBe(true);
    expect(hasMarkIn(marks, 5, 6)).toBe(true);
    expect(hasMarkIn(marks, 6, 10)).toBe(false);
    expect(hasMarkIn(marks, 11, 20)).toBe(false);
    expect(hasMarkIn(marks, 20, 21)).toBe(true);
    expect(hasMarkIn(marks, 21, 99)).toBe(false);
    expect(hasMarkIn([], 0, 99)).toBe(false);
  });
});

describe("code the Babel front end leaves unwalked", () => {
  test("a startSoon callback inside a function without async is still marked", () => {
    const code = `"use structured";\n${PIECES[6]!(0)}\n`;
    expect(compileWithBabel(code).calls).toContain("markStructured(arrow)");
  });

  test("a misspelled directive in a function nested in an expression is still reported", () => {
    const code = `"use structured";\n${PIECES[7]!(0)}\n`;
    expect(compileWithBabel(code).diagnostics).toHaveLength(1);
  });

  test("random programs get the same hook calls and diagnostics from both front ends", () => {
    fc.assert(
      fc.property(programs, (code) => {
        expect(compileWithBabel(code)).toEqual(compileWithTypeScript(code));
      }),
      { seed: 2606, numRuns: 200 },
    );
  });
});

describe("the runtime import in Babel's scope", () => {
  const compile = (code: string, extra: babel.TransformOptions = {}) =>
    babel.transformSync(code, {
      filename: "input.ts",
      babelrc: false,
      configFile: false,
      presets: [[require.resolve("@babel/preset-typescript"), { allowDeclareFields: true }]],
      plugins: [[anyioBabelPlugin, {}]],
      ...extra,
    })!.code!;

  test("is kept by TypeScript's import elision, and a file without other imports gets no `export {}`", () => {
    const output = compile(`"use structured";\nvoid (async () => {\n  await fetch("x");\n})();\n`);
    expect(output).toContain(`import * as __rt from "anyio-ts/rt";`);
    expect(output).not.toContain("export {}");
  });

  test("type-only imports are still elided and value imports kept", () => {
    const output = compile(
      `"use structured";\nimport { type A, b } from "./m";\nimport { C } from "./types";\nexport async function f(x: C): Promise<A> {\n  return await b(x);\n}\n`,
    );
    expect(output).toContain(`import { b } from "./m";`);
    expect(output).not.toContain("./types");
  });

  test("is renamed with the module transform like any import", () => {
    const output = compile(`"use structured";\nexport async function f() {\n  await fetch("x");\n}\n`, {
      plugins: [[anyioBabelPlugin, {}], require.resolve("@babel/plugin-transform-modules-commonjs")],
    });
    expect(output).toMatch(/var __rt = _interopRequireWildcard\(require\("anyio-ts\/rt"\)\);/);
    expect(output).toContain("__rt.enter(");
  });
});
