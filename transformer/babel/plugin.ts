/**
 * The Babel plugin: options, the per-file entry and diagnostics. The rewrite itself is in
 * ./rewrite.ts; options, directive rules and message texts are shared with the TypeScript front
 * end (transformer/core).
 *
 * The rewrite runs when Babel enters a file's `Program`, before the visitors of any later
 * plugin or of any preset (preset-typescript included) touch the tree, so it sees the file as
 * written. Afterwards the runtime import is registered in the program's scope, so later plugins
 * (TypeScript's import elision) see it as used (./runtime-binding.ts says why nothing else is),
 * and the compiled functions' `try` blocks take over the scope information of the bodies they
 * are (./scope-handover.ts) when the traversal reaches them.
 */
import * as path from "node:path";
import type { NodePath, PluginObj, PluginPass, types as BabelTypes } from "@babel/core";
import { diagnosticCode } from "../core/messages";
import { resolveOptions, type TransformerOptions } from "../core/options";
import { runtimeModuleSpecifier } from "../core/runtime-module";
import { rewriteProgram, type BabelDiagnostic } from "./rewrite";
import { fastTypes } from "./fast-types";
import { registerRuntimeBinding } from "./runtime-binding";
import { ScopeHandover } from "./scope-handover";

/** A diagnostic as the Babel plugin reports it: 1-based line and column of the input file. */
export interface Diagnostic {
  /** The 1-based line of the input where the problem is. */
  readonly line: number;
  /** The 0-based column of the input where the problem is. */
  readonly column: number;
  /** Whether the diagnostic fails the file (`"error"`) or is reported only (`"warning"`). */
  readonly category: "error" | "warning";
  /** The diagnostic's number, written `TS<code>` (for example `TS99102`) as tsc writes it. */
  readonly code: number;
  /** What is wrong and how to fix it, without the position or the code frame. */
  readonly message: string;
  /** The file's name, when Babel knows it. */
  readonly fileName?: string;
  /** The message with a code frame of the input. */
  readonly frame: string;
}

/** Options of the Babel plugin: the transformer's options, plus how warnings are reported. */
export interface BabelPluginOptions extends TransformerOptions {
  /**
   * Receives each warning (errors always fail the file). By default warnings are printed to
   * stderr with a code frame.
   */
  onWarning?: (warning: Diagnostic) => void;
  /**
   * Ignored by the plugin. Tools that cache Babel's output by its options (babel-jest) can put a
   * hash of the transformer's sources here, so their cache is dropped when the plugin changes.
   */
  cacheKey?: string;
}

/**
 * The error a file with errors fails with: a `SyntaxError` whose message has one block per error,
 * `file:line:column - error TS99102: message` and its code frame (Babel puts the file's name in
 * front). It prints as that text and the first error's place (`at file:line:column`): no stack
 * trace of Babel's (it is not a crash) and no dump of its properties.
 */
export interface AnyioBabelError extends Error {
  /** All diagnostics of the file, errors and warnings, in source order of discovery (not enumerable). */
  diagnostics: Diagnostic[];
}

/**
 * What the plugin records about each file in Babel's result (`result.metadata.anyioTs`), for
 * tools that drive Babel themselves (the Vite and esbuild plugins keep a file's original text
 * when nothing in it was structured).
 *
 * @example
 * const result = babel.transformSync(code, { filename, plugins: ["anyio-ts/babel"] });
 * const { structured, diagnostics } = (result.metadata as { anyioTs: AnyioFileMetadata }).anyioTs;
 */
export interface AnyioFileMetadata {
  /** Whether the file had structured code (and was rewritten). */
  structured: boolean;
  /** Every diagnostic of the file, errors and warnings (a file with errors also fails). */
  diagnostics: Diagnostic[];
}

/** What Babel passes to a plugin (the part this plugin uses). */
interface PluginApi {
  types: typeof BabelTypes;
  assertVersion?(range: number | string): void;
}

interface CodeFrameFile {
  buildCodeFrameError(
    node: BabelTypes.Node | null | undefined,
    message: string,
    error?: new (message: string) => Error,
  ): Error;
}

/**
 * The Babel plugin (`plugins: ["anyio-ts/babel"]`, or `[["anyio-ts/babel", { include: [...] }]]`).
 *
 * @throws TypeError for invalid options; a code-frame error for a file with errors.
 */
export default function anyioBabelPlugin(api: PluginApi, rawOptions: BabelPluginOptions = {}): PluginObj {
  api.assertVersion?.("^7.0.0-0 || ^8.0.0-0");
  const { onWarning, cacheKey: _cacheKey, ...transformerOptions } = rawOptions ?? {};
  if (onWarning !== undefined && typeof onWarning !== "function") {
    throw new TypeError(`Expected \`onWarning\` to be a function, got \`${String(onWarning)}\` (${typeof onWarning})`);
  }
  const options = resolveOptions(transformerOptions);
  const report = onWarning ?? printWarning;
  const handover = new ScopeHandover(api.types);
  return {
    name: "anyio-ts",
    visitor: {
      ...handover.visitor,
      Program: {
        enter(programPath: NodePath<BabelTypes.Program>, state: PluginPass) {
          const file = state.file;
          const fileName = file.opts.filename ?? undefined;
          const cwd = file.opts.cwd ?? process.cwd();
          const root = path.resolve(cwd, file.opts.root ?? cwd);
          const { changed, runtimeName, diagnostics, guards } = rewriteProgram(programPath.node, {
            types: api.types,
            // A root-relative `runtimeModule` is imported by its path from this file, as the
            // TypeScript front end does (a file without a name keeps the option as written).
            options:
              fileName === undefined
                ? options
                : {
                    ...options,
                    runtimeModule: runtimeModuleSpecifier(root, options.runtimeModule, path.resolve(cwd, fileName)),
                  },
            code: file.code,
            relativePath: fileName === undefined ? undefined : path.relative(root, path.resolve(cwd, fileName)),
            commonJs: programPath.node.sourceType === "script",
          });
          if (runtimeName !== undefined) registerRuntimeBinding(programPath, runtimeName, fastTypes(api.types));
          handover.expect(guards);
          const framer = file as unknown as CodeFrameFile;
          const all = diagnostics.map((d) => toDiagnostic(framer, d, fileName));
          // The plugin may be listed twice; the second application rewrites nothing.
          const metadata = file.metadata as { anyioTs?: AnyioFileMetadata };
          metadata.anyioTs ??= { structured: false, diagnostics: [] };
          metadata.anyioTs.structured ||= changed;
          metadata.anyioTs.diagnostics.push(...all);
          if (diagnostics.length === 0) return;
          for (const warning of all) if (warning.category === "warning") report(warning);
          const errors = diagnostics.filter((d) => d.category === "error");
          if (errors.length === 0) return;
          throw diagnosticsError(all);
        },
      },
    },
  };
}

function toDiagnostic(file: CodeFrameFile, d: BabelDiagnostic, fileName: string | undefined): Diagnostic {
  const frame = file.buildCodeFrameError(d.node, d.message).message;
  return { line: d.line, column: d.column, category: d.category, code: d.code, message: d.message, fileName, frame };
}

/**
 * One diagnostic as a block of text, as `tsc --pretty` prints it: where, severity and code, the
 * message, then the code frame.
 *
 * @example
 * formatDiagnostic(d); // '/app/src/a.ts:2:3 - error TS99102: Unknown directive "use structure": ...\n> 2 | ...'
 */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.fileName ?? "unknown file"}:${d.line}:${d.column} - ${d.category} ${diagnosticCode(d.code)}: ${d.frame}`;
}

/**
 * The error for a file with errors (see {@link AnyioBabelError}). Babel prefixes the message with
 * the file's name, and sets `code` only when the error has none: `code` is Babel's own
 * `BABEL_TRANSFORM_ERROR`, set here so that it stays out of printed output, as `diagnostics` does.
 * `stack` is the message (read when the error is printed, after Babel's prefix) and one frame, the
 * first error's place in the file, as Babel gives its own configuration errors: a stack without
 * frames would print in brackets (Node's `util.inspect`, which Babel's CLI prints errors with).
 */
function diagnosticsError(all: Diagnostic[]): AnyioBabelError {
  const errors = all.filter((d) => d.category === "error");
  const count = `${errors.length} error${errors.length === 1 ? "" : "s"}`;
  const error = new SyntaxError(
    [`anyio-ts reported ${count}:`, ...errors.map(formatDiagnostic)].join("\n\n"),
  ) as AnyioBabelError;
  Object.defineProperties(error, {
    diagnostics: { value: all, enumerable: false, writable: true, configurable: true },
    code: { value: "BABEL_TRANSFORM_ERROR", enumerable: false, writable: true, configurable: true },
    stack: {
      get(this: Error) {
        const first = errors[0]!;
        return `${this.name}: ${this.message}\n    at ${first.fileName ?? "unknown file"}:${first.line}:${first.column}`;
      },
      set(this: Error, value: unknown) {
        Object.defineProperty(this, "stack", { value, enumerable: false, writable: true, configurable: true });
      },
      enumerable: false,
      configurable: true,
    },
  });
  return error;
}

function printWarning(warning: Diagnostic): void {
  process.stderr.write(`${formatDiagnostic(warning)}\n`);
}
