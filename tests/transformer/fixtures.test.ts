// The fixture corpus of the TypeScript front end: every folder under fixtures/ holds an
// `input.ts`, the expected `output.tsc.js`, optional `options.json` and `diagnostics.json`.
// `OVERWRITE=1 npx jest tests/transformer/fixtures` regenerates the golden files; a missing
// golden file fails the case.
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import { compileFixture, readFixtureOptions, type FixtureDiagnostic } from "./compile";

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

  // Node 20 parses neither ES modules in vm.Script nor `using` (kept by target ESNext).
  const module = String(options.compilerOptions?.module ?? "commonjs");
  const target = String(options.compilerOptions?.target ?? "ES2022");
  if (/commonjs/i.test(module) && !/esnext/i.test(target)) {
    test("the output is valid JavaScript", () => {
      const { output } = compileFixture(dir);
      expect(() => new vm.Script(`(function (exports, require, module) {\n${output}\n})`)).not.toThrow();
    });
  }

  if (options.unchanged === true) {
    test("the output is exactly what TypeScript emits without the plugin", () => {
      expect(compileFixture(dir).output).toBe(compileFixture(dir, { plugin: false }).output);
    });
  }
});
