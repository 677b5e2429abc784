/**
 * The Babel front end in the browser: `@babel/core` with `@babel/preset-typescript` and the
 * anyio-ts rewrite, run from `Program` enter like the published plugin (`anyio-ts/babel`) does,
 * so it sees the file before the preset strips the types. The plugin's entry adds what a Node
 * build needs (paths relative to Babel's root, code-frame errors, warnings on stderr); here
 * every diagnostic is collected with its node's offsets, for underlining.
 *
 * The program is emitted twice: as an ES module (what the page shows) and, from that very
 * output, as CommonJS through `@babel/plugin-transform-modules-commonjs` (what a run executes).
 */
import { transformSync, type PluginObj, type types as BabelTypes } from "@babel/core";
import modulesCommonJs from "@babel/plugin-transform-modules-commonjs";
import presetTypeScript from "@babel/preset-typescript";
import { resolveOptions } from "../../../transformer/core/options";
import { rewriteProgram, type BabelDiagnostic } from "../../../transformer/babel/rewrite";
import type { PlaygroundDiagnostic } from "../protocol";
import {
  OUTPUT_FILE,
  PROGRAM_FILE,
  compileResult,
  failedResult,
  offsetOf,
  positionOf,
  type CompileResult,
  type Emitted,
} from "./result";

const options = resolveOptions({});

/** Rewrites `source` with the Babel front end. */
export function compile(source: string): CompileResult {
  const found: BabelDiagnostic[] = [];
  const anyio = (api: { types: typeof BabelTypes }): PluginObj => ({
    name: "anyio-ts",
    visitor: {
      Program: {
        enter(path, state) {
          const result = rewriteProgram(path.node, {
            types: api.types,
            options,
            code: state.file.code,
            relativePath: PROGRAM_FILE,
            commonJs: false,
          });
          if (result.changed) path.scope.crawl();
          found.push(...result.diagnostics);
        },
      },
    },
  });
  let output: Emitted;
  try {
    const result = transformSync(source, {
      filename: PROGRAM_FILE,
      babelrc: false,
      configFile: false,
      sourceType: "module",
      sourceMaps: true,
      presets: [[presetTypeScript, { allowDeclareFields: true }]],
      plugins: [anyio],
    });
    output = { code: result?.code ?? "", map: JSON.stringify(result?.map ?? emptyMap(PROGRAM_FILE)) };
  } catch (error) {
    return failedResult([syntaxError(source, error)]);
  }
  return compileResult(
    output,
    found.map((d) => toDiagnostic(source, d)),
    toCommonJs,
  );
}

function toCommonJs(code: string): Emitted {
  const result = transformSync(code, {
    filename: OUTPUT_FILE,
    babelrc: false,
    configFile: false,
    sourceType: "module",
    sourceMaps: true,
    plugins: [modulesCommonJs],
  });
  return { code: result?.code ?? "", map: JSON.stringify(result?.map ?? emptyMap(OUTPUT_FILE)) };
}

function emptyMap(file: string): object {
  return { version: 3, sources: [file], names: [], mappings: "" };
}

function toDiagnostic(source: string, d: BabelDiagnostic): PlaygroundDiagnostic {
  const from = d.node.start ?? offsetOf(source, d.line, d.column);
  const to = d.node.end ?? from;
  return { from, to, line: d.line, column: d.column, severity: d.category, code: d.code, message: d.message };
}

/** Babel's parser errors carry `loc` (1-based line, 0-based column) and `pos`. */
function syntaxError(source: string, error: unknown): PlaygroundDiagnostic {
  const e = error as { message?: string; loc?: { line: number; column: number }; pos?: number };
  const from =
    typeof e.pos === "number" ? e.pos : e.loc !== undefined ? offsetOf(source, e.loc.line, e.loc.column + 1) : 0;
  const { line, column } = positionOf(source, from);
  // Babel prefixes the file name and appends a code frame; the list shows its own position.
  const message = (e.message ?? String(error))
    .replace(/^[^:]*playground\.ts: /, "")
    .split("\n")[0]!
    .replace(/ \(\d+:\d+\)$/, "");
  return { from, to: Math.min(from + 1, source.length), line, column, severity: "error", code: 0, message };
}
