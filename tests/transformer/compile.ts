// Compiles a fixture's input.ts with TypeScript and the anyio-ts plugin, the way `tsc` would
// (transpileModule, target ES2022, ES modules unless options.json says otherwise). Goldens are ES
// modules so that each shows the rewrite and nothing of a module system's helpers; only the
// fixtures about module format ask for CommonJS.
import { parse } from "@babel/parser";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import * as ts5 from "typescript";
import { resolveOptions } from "../../transformer/core/options";
import { createRewriter } from "../../transformer/typescript/rewrite";

/** options.json of a fixture. */
export interface FixtureOptions {
  /** The plugin's options (as in tsconfig's plugin entry). */
  transformer?: Record<string, unknown>;
  /** Compiler options in tsconfig.json form, over `{ target: "ES2022", module: "ES2022" }`. */
  compilerOptions?: Record<string, unknown>;
  /** The input's file name as the compiler sees it (for `include` globs). */
  fileName?: string;
  /** Also assert that the output equals TypeScript's own output without the plugin. */
  unchanged?: boolean;
}

/** A diagnostic as diagnostics.json records it (1-based line and column). */
export interface FixtureDiagnostic {
  line: number;
  column: number;
  category: "error" | "warning";
  code: number;
  message: string;
}

export function readFixtureOptions(dir: string): FixtureOptions {
  const file = path.join(dir, "options.json");
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as FixtureOptions) : {};
}

/** The TypeScript versions the fixtures run through: the project's 5.9 and 6.0 (the `typescript6` alias). */
export const compilers: Record<"tsc" | "tsc6", typeof ts5> = {
  tsc: ts5,
  tsc6: require("typescript6") as typeof ts5,
};

export function compileFixture(
  dir: string,
  { plugin = true, ts = ts5 }: { plugin?: boolean; ts?: typeof ts5 } = {},
): { output: string; diagnostics: FixtureDiagnostic[] } {
  const options = readFixtureOptions(dir);
  const input = fs.readFileSync(path.join(dir, "input.ts"), "utf8");
  const fileName = options.fileName ?? "input.ts";
  const converted = ts.convertCompilerOptionsFromJson(
    { target: "ES2022", module: "ES2022", ...options.compilerOptions },
    dir,
  );
  if (converted.errors.length > 0)
    throw new Error(ts.flattenDiagnosticMessageText(converted.errors[0]!.messageText, "\n"));
  const collected: ts5.Diagnostic[] = [];
  const result = ts.transpileModule(input, {
    fileName,
    compilerOptions: converted.options,
    transformers: plugin
      ? {
          before: [
            createRewriter({
              ts,
              options: resolveOptions(options.transformer ?? {}),
              relativePath: (name) => name,
              report: (diagnostics) => collected.push(...diagnostics),
            }),
          ],
        }
      : undefined,
  });
  const diagnostics = collected.map((d): FixtureDiagnostic => {
    const { line, character } = d.file!.getLineAndCharacterOfPosition(d.start!);
    return {
      line: line + 1,
      column: character + 1,
      category: d.category === ts.DiagnosticCategory.Error ? "error" : "warning",
      code: d.code,
      message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
    };
  });
  return { output: result.outputText, diagnostics };
}

/** Whether the fixture asks for CommonJS output (ES modules otherwise). */
export function isCommonJs(options: FixtureOptions): boolean {
  return /commonjs/i.test(String(options.compilerOptions?.module ?? "ES2022"));
}

/**
 * Throws unless `output` is valid JavaScript: CommonJS output is compiled by Node itself (as the
 * body of a module function); an ES module, which Node 20's `vm` cannot compile without a flag,
 * is parsed by @babel/parser as a module, with the syntax Node 20 lacks but the language has
 * (`using`, decorators) allowed.
 */
export function checkJavaScript(output: string, commonJs: boolean): void {
  if (commonJs) {
    new vm.Script(`(function (exports, require, module) {\n${output}\n})`);
    return;
  }
  parse(output, {
    sourceType: "module",
    plugins: ["explicitResourceManagement", ["decorators", { decoratorsBeforeExport: true }]],
  });
}
