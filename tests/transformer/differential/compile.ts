// The three builds of a generated program: plain TypeScript (no plugin), TypeScript with the
// anyio-ts plugin (as tests/transformer/compile.ts runs it), and Babel with the anyio-ts plugin
// (as tests/transformer/fixtures.babel.test.ts runs it). All are CommonJS, ES2022.
import * as babel from "@babel/core";
import * as ts from "typescript";
import anyioBabelPlugin from "../../../transformer/babel";
import { resolveOptions } from "../../../transformer/core/options";
import { createRewriter } from "../../../transformer/typescript/rewrite";

export type Build = "plain" | "tsc" | "babel";

const compilerOptions: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS };

/** TypeScript's own output for `source` (the uncompiled baseline). */
export function compilePlain(source: string): string {
  return ts.transpileModule(source, { fileName: "program.ts", compilerOptions }).outputText;
}

/** `source` through the TypeScript front end, with what it reported. */
export function transpileStructured(source: string): { output: string; diagnostics: ts.Diagnostic[] } {
  const diagnostics: ts.Diagnostic[] = [];
  const { outputText } = ts.transpileModule(source, {
    fileName: "program.ts",
    compilerOptions,
    transformers: {
      before: [
        createRewriter({
          ts,
          options: resolveOptions({}),
          relativePath: (name) => name,
          report: (found) => diagnostics.push(...found),
        }),
      ],
    },
  });
  return { output: outputText, diagnostics };
}

/** `source` through the TypeScript front end; throws on any diagnostic. */
export function compileTsc(source: string): string {
  const { output, diagnostics } = transpileStructured(source);
  if (diagnostics.length > 0) {
    const texts = diagnostics.map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    throw new Error(`the TypeScript front end reported:\n${texts.join("\n")}`);
  }
  return output;
}

/** `source` through the Babel front end (preset-typescript, the plugin, CommonJS modules); throws on any diagnostic. */
export function compileBabel(source: string): string {
  const warnings: unknown[] = [];
  const result = babel.transformSync(source, {
    filename: "/differential/program.ts",
    cwd: "/differential",
    root: "/differential",
    babelrc: false,
    configFile: false,
    highlightCode: false,
    sourceType: "module",
    presets: [[require.resolve("@babel/preset-typescript"), { allowDeclareFields: true }]],
    plugins: [
      [anyioBabelPlugin, { onWarning: (warning: unknown) => warnings.push(warning) }],
      require.resolve("@babel/plugin-transform-modules-commonjs"),
    ],
  });
  if (warnings.length > 0) throw new Error(`the Babel front end warned:\n${JSON.stringify(warnings, null, 2)}`);
  return result!.code!;
}
