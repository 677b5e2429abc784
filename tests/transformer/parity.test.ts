// Parity of the two transformer front ends. transformer/typescript and transformer/babel are
// twins: the same input must give the same runtime hook calls (docs/transformer.md, "the
// Babel plugin is the TypeScript plugin's twin"). Each front end's golden files pin its own
// output, but nothing compared the two, so their parity rested on discipline: a change made in
// one rewrite module and forgotten in the other passed both fixture suites as long as its golden
// file was regenerated. This test reads both golden outputs of every fixture that compiles,
// extracts the ordered runtime hook calls of each with a real parser (tests/transformer/hook-calls.ts),
// and requires the two lists to be equal. It guards the coming refactor that moves the decisions
// both front ends make (which await is a direct call, which function is a leaf, where a
// temporary goes, what gets marked) into transformer/core: each step of it must keep the lists
// equal. The layout of the code around the hooks (module interop, helpers, decorators lowered by
// tsc but kept by Babel, formatting) is the front ends' own business and is not compared.
import * as fs from "node:fs";
import * as path from "node:path";
import { resolveOptions } from "../../transformer/core/options";
import { runtimeModuleSpecifier } from "../../transformer/core/runtime-module";
import { readFixtureOptions, type FixtureDiagnostic } from "./compile";
import { diffHookCalls, extractHookCalls, type RuntimeUse } from "./hook-calls";

const root = path.join(__dirname, "fixtures");
const cases = fs
  .readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/**
 * Fixtures left out of the comparison, each with its reason. Error-only fixtures (an error in
 * diagnostics.json) are left out by rule, not listed here: Babel fails the file, so its golden
 * output is the error message rather than code (fixtures.babel.test.ts), and there is nothing
 * to compare. A fixture listed here must still exist; one that compiles in both front ends
 * belongs here only while a known difference is being fixed.
 */
const EXCLUDED: Record<string, string> = {};

function read(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

function failsToCompile(dir: string): boolean {
  const diagnostics = JSON.parse(read(path.join(dir, "diagnostics.json")) ?? "[]") as FixtureDiagnostic[];
  return diagnostics.some((d) => d.category === "error");
}

/** The specifier the fixture's output imports the hooks from (its `runtimeModule`, from its file). */
function runtimeSpecifier(dir: string): string {
  const options = readFixtureOptions(dir);
  const { runtimeModule } = resolveOptions(options.transformer ?? {});
  return runtimeModuleSpecifier(dir, runtimeModule, path.join(dir, options.fileName ?? "input.ts"));
}

const errorOnly = cases.filter((name) => failsToCompile(path.join(root, name)));
const compared = cases.filter((name) => !errorOnly.includes(name) && !(name in EXCLUDED));

/** Both front ends' use of the runtime in a fixture, from its golden files. */
function bothOutputs(name: string): { tsc: RuntimeUse; babel: RuntimeUse } {
  const dir = path.join(root, name);
  const specifier = runtimeSpecifier(dir);
  const output = (file: string): string => {
    const code = read(path.join(dir, file));
    if (code === undefined) throw new Error(`${name}: ${file} is missing`);
    return code;
  };
  return {
    tsc: extractHookCalls(output("output.tsc.js"), specifier),
    babel: extractHookCalls(output("output.babel.js"), specifier),
  };
}

describe("the parity corpus", () => {
  test("compares every fixture that compiles, and lists every other one with its reason", () => {
    expect(compared.length).toBeGreaterThanOrEqual(60);
    for (const name of Object.keys(EXCLUDED)) expect(cases).toContain(name);
  });

  test("leaves out exactly the fixtures whose Babel output is an error message, not code", () => {
    const babelFails = cases.filter((name) =>
      read(path.join(root, name, "output.babel.js"))?.startsWith("/* Babel fails with:"),
    );
    expect(babelFails).toEqual(errorOnly);
  });

  test("finds hook calls in the compared outputs (the extraction is not vacuously equal)", () => {
    const total = compared.reduce((sum, name) => sum + bothOutputs(name).tsc.calls.length, 0);
    expect(total).toBeGreaterThan(500);
  });
});

describe.each(compared)("fixture %s", (name) => {
  test("both front ends make the same runtime hook calls, in the same order", () => {
    const { tsc, babel } = bothOutputs(name);
    // Both import the runtime, or neither does; an import with no hook call is a bug of its own.
    const imports = (use: RuntimeUse) =>
      use.namespace === undefined ? "no runtime import" : `imports the runtime as ${use.namespace}`;
    if ((tsc.namespace === undefined) !== (babel.namespace === undefined)) {
      throw new Error(`${name}: output.tsc.js ${imports(tsc)}, output.babel.js ${imports(babel)}`);
    }
    if (tsc.namespace !== undefined) expect(tsc.calls.length).toBeGreaterThan(0);
    const difference = diffHookCalls(name, ["output.tsc.js", tsc.calls], ["output.babel.js", babel.calls]);
    if (difference !== undefined) throw new Error(difference);
  });
});

describe("the comparison", () => {
  // Two hand-written outputs of one function: TypeScript's CommonJS form with the namespace
  // renamed by the collision rule, and Babel's ES module form.
  const tscOutput = (hook: string, marked: string): string => `"use strict";
const __rt_1 = require("anyio-ts/rt");
const __rt = "mine";
__rt_1.markMethods(A.prototype, ${marked});
async function f() {
    const $c = __rt_1.enter();
    try {
        __rt_1.resume($c, await __rt_1.${hook}($c, (__rt_1.pre($c), g())));
        __rt.length;
    }
    finally {
        __rt_1.exit($c);
    }
}
`;
  const babelOutput = `import * as __rt_1 from "anyio-ts/rt";
const __rt = "mine";
__rt_1.markMethods(A.prototype, "run", $k);
async function f() {
  const $c = __rt_1.enter();
  try {
    __rt_1.resume($c, await __rt_1.suspendCall($c, (__rt_1.pre($c), g())));
    __rt.length;
  } finally {
    __rt_1.exit($c);
  }
}
`;
  const compare = (tsc: string, babel: string) =>
    diffHookCalls(
      "hand-written",
      ["output.tsc.js", extractHookCalls(tsc, "anyio-ts/rt").calls],
      ["output.babel.js", extractHookCalls(babel, "anyio-ts/rt").calls],
    );

  test("finds the namespace from the import, in either module form, and ignores other names", () => {
    expect(
      extractHookCalls(tscOutput("suspendCall", `"run", $k`), "anyio-ts/rt").calls.map((call) => call.text),
    ).toEqual(['markMethods(A.prototype, "run", $k)', "enter/0", "resume/2", "suspendCall/2", "pre/1", "exit/1"]);
    expect(compare(tscOutput("suspendCall", `"run", $k`), babelOutput)).toBeUndefined();
  });

  test("reports a hook that differs, with the fixture, the position and both lists around it", () => {
    const difference = compare(tscOutput("suspend", `"run", $k`), babelOutput);
    expect(difference).toBeDefined();
    expect(difference).toContain("hand-written: the runtime hook calls differ at position 3");
    expect(difference).toMatch(/> +3 {2}suspend\/2 /);
    expect(difference).toMatch(/> +3 {2}suspendCall\/2 /);
    expect(difference).toContain("output.tsc.js:");
    expect(difference).toContain("output.babel.js:");
  });

  test("reports a marker that names different methods", () => {
    expect(compare(tscOutput("suspendCall", `"walk", $k`), babelOutput)).toContain("differ at position 0");
  });

  test("reports a list that ends early", () => {
    const shorter = babelOutput.replace("    __rt_1.exit($c);\n", "");
    expect(compare(tscOutput("suspendCall", `"run", $k`), shorter)).toMatch(
      /differ at position 5 .*\n[^]*\(end: 5 calls\)/,
    );
  });
});
