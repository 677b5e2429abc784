/**
 * What a front end returns, and the position helpers both front ends share.
 */
import type { PlaygroundDiagnostic } from "../protocol";

/** The file name the playground's program compiles as (diagnostics and `include` globs see it). */
export const PROGRAM_FILE = "playground.ts";

/** One compile of the program: the rewritten ES module, its CommonJS twin, and the diagnostics. */
export interface CompileResult {
  readonly output: string;
  /** null when a diagnostic is an error: such a program is not run. */
  readonly runnable: string | null;
  readonly diagnostics: PlaygroundDiagnostic[];
  /** The source map (JSON) from the output to the program; null when there is no output. */
  readonly outputMap: string | null;
  /** The source map (JSON) from `runnable` to the output; null when there is no runnable. */
  readonly runnableMap: string | null;
}

/** Emitted code and its source map (JSON). */
export interface Emitted {
  readonly code: string;
  readonly map: string;
}

/** A compile that failed before producing output (a syntax error Babel throws). */
export function failedResult(diagnostics: PlaygroundDiagnostic[]): CompileResult {
  return { output: "", runnable: null, diagnostics, outputMap: null, runnableMap: null };
}

/** Code without the `//# sourceMappingURL=` comment a compiler appends (the map travels beside it). */
export function withoutMapComment(code: string): string {
  return code.replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, "\n");
}

/** A compile function: one per front end, loaded on first use. */
export type Compile = (source: string) => CompileResult;

/** The 1-based line and column of `offset` in `text`. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** The offset of a 1-based line and column in `text` (clamped to the text). */
export function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf("\n", offset);
    if (next === -1) return text.length;
    offset = next + 1;
  }
  return Math.min(offset + Math.max(column - 1, 0), text.length);
}

/** The name the ES module output is compiled to CommonJS as (it has no types left). */
export const OUTPUT_FILE = PROGRAM_FILE.replace(/\.ts$/, ".js");

/**
 * A front end's result for `output` and its diagnostics: those sorted, and the CommonJS form
 * (made by `toCommonJs`) only when no diagnostic is an error, since such a program is not run.
 */
export function compileResult(
  output: Emitted,
  diagnostics: PlaygroundDiagnostic[],
  toCommonJs: (output: string) => Emitted,
): CompileResult {
  const sorted = sortDiagnostics(diagnostics);
  const hasErrors = sorted.some((d) => d.severity === "error");
  const runnable = hasErrors ? null : toCommonJs(output.code);
  return {
    output: output.code,
    runnable: runnable?.code ?? null,
    diagnostics: sorted,
    outputMap: output.map,
    runnableMap: runnable?.map ?? null,
  };
}

/** Diagnostics in source order, errors before warnings at the same place. */
function sortDiagnostics(list: PlaygroundDiagnostic[]): PlaygroundDiagnostic[] {
  return list.sort((a, b) => a.from - b.from || (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
}
