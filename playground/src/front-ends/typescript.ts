/**
 * The TypeScript front end in the browser: `ts.transpileModule` with the anyio-ts rewrite as a
 * `before` transformer, the same `createRewriter` that the ts-patch plugin (`anyio-ts/transformer`)
 * wraps. The plugin's entry only adds what a Node build needs (the tsconfig's directory for
 * `include` globs, ts-patch's diagnostics channel); here the host is the playground's one file.
 *
 * The program is emitted twice: as an ES module (what the page shows) and, from that very
 * output, as CommonJS (what the run worker executes with its `require` shim).
 */
import ts from "typescript";
import { resolveOptions } from "../../../transformer/core/options";
import { createRewriter } from "../../../transformer/typescript/rewrite";
import type { PlaygroundDiagnostic } from "../protocol";
import {
  OUTPUT_FILE,
  PROGRAM_FILE,
  compileResult,
  positionOf,
  withoutMapComment,
  type CompileResult,
  type Emitted,
} from "./result";

const options = resolveOptions({});

/** Rewrites `source` with the TypeScript front end. */
export function compile(source: string): CompileResult {
  const reported: ts.Diagnostic[] = [];
  const rewriter = createRewriter({
    ts,
    options,
    relativePath: (fileName) => fileName,
    report: (diagnostics) => void reported.push(...diagnostics),
  });
  const esm = ts.transpileModule(source, {
    fileName: PROGRAM_FILE,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      // Keep the program's own imports as written, so the output reads like the source.
      verbatimModuleSyntax: false,
      removeComments: false,
      sourceMap: true,
    },
    transformers: { before: [rewriter] },
  });
  const diagnostics = [...(esm.diagnostics ?? []), ...reported].map((d) => toDiagnostic(source, d));
  return compileResult({ code: withoutMapComment(esm.outputText), map: esm.sourceMapText! }, diagnostics, toCommonJs);
}

/** The ES module output as CommonJS: only the imports and exports change. */
function toCommonJs(code: string): Emitted {
  const cjs = ts.transpileModule(code, {
    fileName: OUTPUT_FILE,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      allowJs: true,
      sourceMap: true,
    },
  });
  return { code: withoutMapComment(cjs.outputText), map: cjs.sourceMapText! };
}

function toDiagnostic(source: string, d: ts.Diagnostic): PlaygroundDiagnostic {
  const from = d.start ?? 0;
  const to = from + Math.max(d.length ?? 0, 0);
  const { line, column } = positionOf(source, from);
  return {
    from,
    to,
    line,
    column,
    severity: d.category === ts.DiagnosticCategory.Error ? "error" : "warning",
    code: d.code,
    message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  };
}
