// The fixture corpus of the TypeScript front end: every folder under fixtures/ holds an
// `input.ts`, the expected `output.tsc.js`, optional `options.json` and `diagnostics.json`.
// `OVERWRITE=1 npx jest tests/transformer/fixtures` regenerates the golden files; a missing
// golden file fails the case.
//
// Every case also runs through TypeScript 6.0 (the `typescript6` devDependency) with the same
// plugin and the same expected diagnostics. Its expected output is `output.tsc6.js` where one
// exists (cases where TypeScript 6's own emit differs: `esModuleInterop` and `alwaysStrict` are
// always on, ...), otherwise `output.tsc.js` with one printer change applied: TypeScript 6 puts
// `"use strict"` before the file's other directives, TypeScript 5 after them.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  checkJavaScript,
  compileFixture,
  compilers,
  isCommonJs,
  readFixtureOptions,
  type FixtureDiagnostic,
} from "./compile";

const root = path.join(__dirname, "fixtures");
const overwrite = process.env.OVERWRITE === "1" || process.env.OVERWRITE === "true";
const cases = fs
  .readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function read(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

describe("the fixture corpus", () => {
  test("has a case for every construct of the rewrite contract", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  test("every case folder has an input.ts", () => {
    for (const name of cases) expect([name, fs.existsSync(path.join(root, name, "input.ts"))]).toEqual([name, true]);
  });
});

describe.each(cases)("fixture %s", (name) => {
  const dir = path.join(root, name);
  const options = readFixtureOptions(dir);

  test("compiles to output.tsc.js with the expected diagnostics", () => {
    const { output, diagnostics } = compileFixture(dir);
    const outputFile = path.join(dir, "output.tsc.js");
    const diagnosticsFile = path.join(dir, "diagnostics.json");
    if (overwrite) {
      fs.writeFileSync(outputFile, output);
      if (diagnostics.length > 0) fs.writeFileSync(diagnosticsFile, JSON.stringify(diagnostics, null, 2) + "\n");
      else if (fs.existsSync(diagnosticsFile)) fs.unlinkSync(diagnosticsFile);
    }
    const expected = read(outputFile);
    if (expected === undefined) throw new Error(`${name}: output.tsc.js is missing; run with OVERWRITE=1 to create it`);
    expect(output).toBe(expected);
    const expectedDiagnostics = JSON.parse(read(diagnosticsFile) ?? "[]") as FixtureDiagnostic[];
    expect(diagnostics).toEqual(expectedDiagnostics);
  });

  const commonJs = isCommonJs(options);
  test("the output is valid JavaScript", () => {
    const { output } = compileFixture(dir);
    expect(() => checkJavaScript(output, commonJs)).not.toThrow();
  });

  if (options.unchanged === true) {
    test("the output is exactly what TypeScript emits without the plugin", () => {
      expect(compileFixture(dir).output).toBe(compileFixture(dir, { plugin: false }).output);
    });
  }

  describe(`with TypeScript ${compilers.tsc6.version}`, () => {
    const ts = compilers.tsc6;

    test("compiles to the same output with the same diagnostics", () => {
      const { output, diagnostics } = compileFixture(dir, { ts });
      const ownFile = path.join(dir, "output.tsc6.js");
      if (overwrite) {
        const shared = read(path.join(dir, "output.tsc.js"));
        if (shared !== undefined && output === useStrictFirst(shared)) {
          if (fs.existsSync(ownFile)) fs.unlinkSync(ownFile);
        } else fs.writeFileSync(ownFile, output);
      }
      const own = read(ownFile);
      const shared = read(path.join(dir, "output.tsc.js"));
      if (own === undefined && shared === undefined) throw new Error(`${name}: output.tsc.js is missing`);
      expect(output).toBe(own ?? useStrictFirst(shared!));
      const expectedDiagnostics = JSON.parse(read(path.join(dir, "diagnostics.json")) ?? "[]") as FixtureDiagnostic[];
      expect(diagnostics).toEqual(expectedDiagnostics);
    });

    // A case that fails to compile may emit anything: TypeScript 6 leaves `using` directly in a
    // `case` clause (its own grammar error, beside the plugin's) as it is.
    const failsToCompile = (JSON.parse(read(path.join(dir, "diagnostics.json")) ?? "[]") as FixtureDiagnostic[]).some(
      (d) => d.category === "error",
    );
    if (!failsToCompile) {
      test("the output is valid JavaScript", () => {
        const { output } = compileFixture(dir, { ts });
        expect(() => checkJavaScript(output, commonJs)).not.toThrow();
      });
    }

    if (options.unchanged === true) {
      test("the output is exactly what TypeScript emits without the plugin", () => {
        expect(compileFixture(dir, { ts }).output).toBe(compileFixture(dir, { ts, plugin: false }).output);
      });
    }
  });
});

/** TypeScript 6's prologue order: `"use strict"` first, then the file's own directives. */
function useStrictFirst(output: string): string {
  const lines = output.split("\n");
  let end = 0;
  while (end < lines.length && /^"[^"]*";$/.test(lines[end]!)) end++;
  const prologue = lines.slice(0, end);
  const strict = prologue.indexOf('"use strict";');
  if (strict <= 0) return output;
  prologue.splice(strict, 1);
  return ['"use strict";', ...prologue, ...lines.slice(end)].join("\n");
}
