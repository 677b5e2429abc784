/**
 * `anyio-ts/transformer`: the ts-patch plugin for `tsc`, `tspc` and ts-jest.
 *
 * Add it to a tsconfig and build with `tspc` (or `ts-patch install` and plain `tsc`):
 *
 * ```json
 * { "compilerOptions": { "plugins": [{ "transform": "anyio-ts/transformer" }] } }
 * ```
 *
 * Options sit beside `transform`: `include` (globs of files that are structured as a whole),
 * `exclude`, `runtimeModule`, `warnings`; see {@link TransformerOptions}. A `runtimeModule` that
 * starts with `./` or `../` names a file relative to the project root (like `include`), and each
 * compiled file imports it by its path relative to that file. Diagnostics are
 * reported as TypeScript diagnostics (`tspc --pretty` shows them with a code frame). Under
 * ts-jest, which has no way to add diagnostics, errors fail the file and warnings are printed.
 *
 * @packageDocumentation
 */
import * as path from "node:path";
import type * as TS from "typescript";
import { resolveOptions, type ResolvedOptions } from "../core/options";
import { runtimeModuleSpecifier } from "../core/runtime-module";
import { checkCompiler, checkProgram } from "./check-compiler";
import { createRewriter, type RewriteHost } from "./rewrite";

export { STRUCTURED_DIRECTIVE, UNSTRUCTURED_DIRECTIVE, classifyDirective, type DirectiveKind } from "../core/directive";
export type { TransformerOptions } from "../core/options";
export { createRewriter, type RewriteHost } from "./rewrite";

/** What ts-patch passes as the third argument of a program-pattern plugin. */
export interface TransformerExtras {
  /** The TypeScript instance ts-patch compiles with; the transformer builds its nodes with it. */
  ts: typeof TS;
  /** Reports a diagnostic in tsc's output (ts-patch 3); without it, errors are thrown instead. */
  addDiagnostic?: (diagnostic: TS.Diagnostic) => number;
}

/**
 * The ts-patch entry point (program pattern): `(program, config, extras) => TransformerFactory`.
 *
 * @param program - the program being emitted; its tsconfig's directory is the root for `include` globs.
 * @param config - the plugin entry of tsconfig.json (`transform` and the options).
 * @param extras - ts-patch's extras: the TypeScript instance and `addDiagnostic`.
 * @throws TypeError for invalid options; Error when loaded by TypeScript 7 (or any line but 5 and
 * 6), or called with something other than a program (a language-service plugin entry).
 */
export default function anyioTransformer(
  program?: TS.Program,
  config: Record<string, unknown> = {},
  extras?: TransformerExtras,
): TS.TransformerFactory<TS.SourceFile> {
  checkProgram(program);
  const ts = checkCompiler(extras?.ts ?? require("typescript"), extras?.ts === undefined ? "a script" : "ts-patch");
  const root = projectRoot(program);
  const addDiagnostic = extras?.addDiagnostic;
  const report =
    addDiagnostic !== undefined
      ? (diagnostics: TS.Diagnostic[]) => diagnostics.forEach((d) => addDiagnostic(d))
      : throwOnErrors(ts);
  return rewriterAt(ts, root, resolveOptions(config), report);
}

/**
 * The ts-jest `astTransformers` entry (through transformer/typescript/jest-ast-transformer.cjs):
 * ts-jest calls `factory(tsCompiler, options)`.
 */
export function jestFactory(
  tsCompiler: { configSet?: { compilerModule?: typeof TS; rootDir?: string }; program?: TS.Program } | undefined,
  options: Record<string, unknown> = {},
): TS.TransformerFactory<TS.SourceFile> {
  const ts = checkCompiler(tsCompiler?.configSet?.compilerModule ?? require("typescript"), "ts-jest");
  const root = tsCompiler?.configSet?.rootDir ?? process.cwd();
  return rewriterAt(ts, root, resolveOptions(options), throwOnErrors(ts));
}

/** The rewriter for a project rooted at `root`: `include` globs and a relative `runtimeModule` resolve from it. */
function rewriterAt(
  ts: typeof TS,
  root: string,
  options: ResolvedOptions,
  report: RewriteHost["report"],
): TS.TransformerFactory<TS.SourceFile> {
  return createRewriter({
    ts,
    options,
    relativePath: (fileName) => path.relative(root, fileName),
    runtimeModuleFor: (fileName) => runtimeModuleSpecifier(root, options.runtimeModule, fileName),
    report,
  });
}

function projectRoot(program: TS.Program | undefined): string {
  const configFile = program?.getCompilerOptions().configFilePath;
  if (typeof configFile === "string") return path.dirname(configFile);
  return program?.getCurrentDirectory() ?? process.cwd();
}

/** Without a diagnostics channel: errors fail the file (with code frames), warnings go to stderr. */
function throwOnErrors(ts: typeof TS): (diagnostics: TS.Diagnostic[]) => void {
  const host: TS.FormatDiagnosticsHost = {
    getCanonicalFileName: (fileName) => fileName,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => "\n",
  };
  // Code frames always; colours only on a terminal.
  const format = (list: TS.Diagnostic[]): string => {
    const text = ts.formatDiagnosticsWithColorAndContext(list, host);
    return process.stderr.isTTY ? text : text.replace(/\x1b\[[0-9;]*m/g, "");
  };
  return (diagnostics) => {
    const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
    const warnings = diagnostics.filter((d) => d.category !== ts.DiagnosticCategory.Error);
    if (warnings.length > 0) process.stderr.write(format(warnings));
    if (errors.length > 0) throw new Error(`anyio-ts transformer:\n${format(errors)}`);
  };
}
