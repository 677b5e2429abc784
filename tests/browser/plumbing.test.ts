/**
 * Hiding the hook plumbing of the rewritten output (the Rewritten pane's "hide hooks"): what is
 * left reads like the program, for the output of either front end.
 */
/// <reference path="../../playground/src/babel-modules.d.ts" />
import * as fs from "node:fs";
import * as path from "node:path";
import { compile as compileBabel } from "../../playground/src/front-ends/babel";
import { compile as compileTypeScript } from "../../playground/src/front-ends/typescript";
import { findPlumbing, matchingParen, withoutPlumbing } from "../../playground/src/plumbing";

const examples = path.join(__dirname, "../../playground/src/examples");
const example = (name: string): string => fs.readFileSync(path.join(examples, `${name}.ts`), "utf8");

describe("hiding the hook plumbing", () => {
  for (const [frontEnd, compile] of [
    ["TypeScript", compileTypeScript],
    ["Babel", compileBabel],
  ] as const) {
    test(`leaves the program's own code and no hook of the ${frontEnd} front end's output`, () => {
      for (const name of fs.readdirSync(examples).filter((f) => f !== "index.ts")) {
        const shown = withoutPlumbing(compile(example(name.replace(/\.ts$/, ""))).output);
        expect({ name, hooks: shown.match(/__rt\.\w+|\$c\b/g) ?? [] }).toEqual({ name, hooks: [] });
      }
      const shown = withoutPlumbing(compile(example("task-group")).output);
      expect(shown).toContain("        await sleep(ms);".trim());
      expect(shown).toMatch(/const tg = createTaskGroup\(\);/);
      expect(shown).toMatch(/async function worker\(ms\) \{\n\s+const \{/);
      expect(shown).not.toMatch(/catch \(\$e\)/);
    });
  }

  test("keeps every line it does not hide, and hides spans within a line only", () => {
    const text = [
      'import * as __rt from "anyio-ts/rt";',
      "async function f() {",
      "    const $c = __rt.enter();",
      "    try {",
      '        __rt.resume($c, await __rt.suspendCall($c, (__rt.pre($c), g(")", h(1)))));',
      "    }",
      "    finally {",
      "        __rt.exit($c);",
      "    }",
      "}",
    ].join("\n");
    const { lines, spans } = findPlumbing(text);
    expect(lines).toEqual([1, 3, 4, 6, 7, 8, 9]);
    expect(spans.every(([from, to]) => !text.slice(from, to).includes("\n"))).toBe(true);
    expect(withoutPlumbing(text)).toBe(["async function f() {", '        await g(")", h(1));', "}"].join("\n"));
  });

  test("hides the site table and the site index each hook call ends with, never a wrapped value", () => {
    const text = [
      'import * as __rt from "anyio-ts/rt";',
      'var $sites = ["main.ts", "f", 3, 5, "f", 4, 3];',
      "async function f() {",
      "    const $c = __rt.enter($sites);",
      "    for await (const x of __rt.forAwait($c, [1, 2], 1)) {",
      "        __rt.resume($c, await __rt.suspendCall($c, (__rt.pre($c), g(x)), 0));",
      "        __rt.resume($c, await __rt.suspend($c, 42));",
      "    }",
      "}",
    ].join("\n");
    expect(withoutPlumbing(text)).toBe(
      [
        "async function f() {",
        "    for await (const x of [1, 2]) {",
        "        await g(x);",
        "        await 42;",
        "    }",
        "}",
      ].join("\n"),
    );
  });

  test("an empty catch sharing its line with the try block's closing brace leaves the brace", () => {
    const text = ["try {", "  a();", "} catch ($e) {", "  $u.fail($e);", "}", "b();"].join("\n");
    expect(withoutPlumbing(text)).toBe(["try {", "  a();", "}", "b();"].join("\n"));
  });

  test("matches parentheses across strings and comments", () => {
    expect(matchingParen('f(")", `(`, a(b)) + 1', 1)).toBe(16);
    expect(matchingParen("f(a // )\n)", 1)).toBe(9);
    expect(matchingParen("f(a", 1)).toBe(-1);
  });
});
