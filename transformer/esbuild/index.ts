/**
 * `anyio-ts/esbuild`: compiles `"use structured"` code in an esbuild build, through the anyio-ts
 * Babel plugin.
 *
 * ```js
 * // build.mjs
 * import { build } from "esbuild";
 * import { anyio } from "anyio-ts/esbuild";
 *
 * await build({ entryPoints: ["src/main.ts"], bundle: true, platform: "node", outfile: "out/main.js", plugins: [anyio()] });
 * ```
 *
 * An `onLoad` hook reads each file that may hold structured code (a directive, a near miss of
 * one, `using` of a scope, or an `include` glob) and hands esbuild the rewritten TypeScript with
 * an inline source map, so esbuild's own TypeScript transform, `target` and minifier still apply
 * and its source maps point at the original file. Every other file, and everything under
 * `node_modules`, is loaded by esbuild as usual. Needs `@babel/core` (7 or 8).
 *
 * @packageDocumentation
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { PartialMessage, Plugin } from "esbuild";
import { createBundlerTransform, syntaxOf, type BundlerPluginOptions } from "../babel/bundler-transform";
import type { Diagnostic } from "../babel/plugin";
import { diagnosticCode } from "../core/messages";

export type { BundlerPluginOptions } from "../babel/bundler-transform";

/**
 * The esbuild plugin. Errors and warnings become esbuild messages, with esbuild's own code
 * frames; `onWarning` takes the warnings instead when given.
 *
 * esbuild runs only the first `onLoad` hook that returns contents for a file: list this plugin
 * before other plugins that load the same `.ts` files, or compose them.
 *
 * @param options - the transformer's options (`include`, `exclude`, `runtimeModule`, `warnings`,
 * `onWarning`), `filter` and `root` (default: esbuild's `absWorkingDir`, else the current directory).
 * @throws TypeError for invalid options.
 * @example
 * import { anyio } from "anyio-ts/esbuild";
 * await esbuild.build({ entryPoints: ["src/main.ts"], bundle: true, plugins: [anyio()] });
 */
export function anyio(options: BundlerPluginOptions = {}): Plugin {
  const compiler = createBundlerTransform(options);
  return {
    name: "anyio-ts",
    setup(build) {
      const root = options.root ?? build.initialOptions.absWorkingDir ?? process.cwd();
      build.onLoad({ filter: compiler.filter }, async (args) => {
        if (args.namespace !== "file" || !compiler.accepts(args.path)) return undefined;
        const code = await fs.readFile(args.path, "utf8");
        const result = await compiler.transform(code, args.path, root);
        if (result === undefined) return undefined;
        const lines = code.split(/\r?\n/);
        const message = (d: Diagnostic): PartialMessage => toMessage(d, path.relative(root, args.path), lines);
        const warnings = result.warnings.map(message);
        const errors = result.errors.map(message);
        if (result.code === undefined && warnings.length === 0 && errors.length === 0) return undefined;
        const contents =
          result.code === undefined
            ? code
            : `${result.code}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(result.map)).toString("base64")}\n`;
        return { contents, loader: syntaxOf(args.path), warnings, errors };
      });
    },
  };
}

export default anyio;

function toMessage(d: Diagnostic, file: string, lines: string[]): PartialMessage {
  const lineText = lines[d.line - 1] ?? "";
  return {
    text: `${diagnosticCode(d.code)}: ${d.message}`,
    // esbuild's columns count UTF-8 bytes from 0; the diagnostics count characters from 1.
    location: { file, line: d.line, column: Buffer.byteLength(lineText.slice(0, d.column - 1)), lineText },
  };
}
