/**
 * `anyio-ts/vite`: compiles `"use structured"` code in a Vite project (dev server and build,
 * client and SSR), through the anyio-ts Babel plugin.
 *
 * ```ts
 * // vite.config.ts
 * import { defineConfig } from "vite";
 * import { anyio } from "anyio-ts/vite";
 *
 * export default defineConfig({ plugins: [anyio()] });
 * ```
 *
 * It runs before Vite's own TypeScript and JSX transforms (`enforce: "pre"`) on each file that
 * may hold structured code (a directive, a near miss of one, `using` of a scope, or an `include`
 * glob), and hands back TypeScript with the rewrite applied and a source map; every other file,
 * and everything under `node_modules`, passes through untouched. Needs `@babel/core` (7 or 8).
 *
 * @packageDocumentation
 */
import { createBundlerTransform, type BundlerPluginOptions, type SourceMapObject } from "../babel/bundler-transform";
import { formatDiagnostic, type Diagnostic } from "../babel/plugin";
import { diagnosticCode } from "../core/messages";

export type { BundlerPluginOptions, SourceMapObject } from "../babel/bundler-transform";

/**
 * The plugin object, typed by the parts of Vite's `Plugin` it uses, so this package's types
 * need neither Vite's (which only resolve with `moduleResolution` `bundler` or `node16`) nor one
 * Vite version; it is assignable to Vite's `Plugin` (tests/integrations/vite.test.ts type-checks
 * examples/vite's config against Vite 8's).
 *
 * @example
 * const plugin: AnyioVitePlugin = anyio({ warnings: false });
 */
export interface AnyioVitePlugin {
  /** The plugin's name in Vite's logs: `"anyio-ts"`. */
  name: string;
  /** Runs before Vite's own TypeScript transform, so the plugin sees the source as written. */
  enforce: "pre";
  /** Takes Vite's project root, against which the `include` and `exclude` globs match. */
  configResolved(config: { root: string }): void;
  /**
   * Compiles one module when it is structured code: resolves to the rewritten code and its
   * source map, or to `null` for a module the plugin leaves alone. Errors go to `this.error`,
   * warnings to `this.warn` (or `onWarning`).
   */
  transform(
    this: ViteTransformContext,
    code: string,
    id: string,
  ): Promise<{
    /** The rewritten module. */
    code: string;
    /** Its source map, back to `code` as given. */
    map?: SourceMapObject;
  } | null>;
}

/**
 * What the plugin uses of Vite's (Rollup's, Rolldown's) transform context.
 *
 * @example
 * const context: ViteTransformContext = { warn: (log) => console.warn(log.message), error: (log) => { throw new Error(log.message); } };
 * await anyio().transform.call(context, code, "/app/src/main.ts");
 */
export interface ViteTransformContext {
  /** Logs a warning and carries on. */
  warn(log: ViteLog): void;
  /** Fails the module with the error (Vite shows it in its overlay in dev). */
  error(log: ViteLog): never;
}

/**
 * A warning or error as Vite logs it: the diagnostic's code and text, its position (0-based
 * column) and code frame.
 *
 * @example
 * { message: "TS99102: Unknown directive ...", id: "/app/src/a.ts", loc: { file: "/app/src/a.ts", line: 2, column: 2 }, frame: "> 2 | ..." }
 */
export interface ViteLog {
  /** `TS<code>: <message>`; for several errors, each further one as a block with its frame. */
  message: string;
  /** The module's id (its path). */
  id?: string;
  /** Where the (first) problem is. */
  loc?: {
    /** The file's path. */
    file?: string;
    /** 1-based line. */
    line: number;
    /** 0-based column. */
    column: number;
  };
  /** The code frame around `loc`. */
  frame?: string;
}

/**
 * The Vite plugin. Errors fail the module with a code frame (an error overlay in dev); warnings
 * go to Vite's log, or to `onWarning`.
 *
 * @param options - the transformer's options (`include`, `exclude`, `runtimeModule`, `warnings`,
 * `onWarning`), `filter` and `root` (default: Vite's `root`).
 * @throws TypeError for invalid options.
 * @example
 * import { anyio } from "anyio-ts/vite";
 * export default defineConfig({ plugins: [anyio({ include: ["src/jobs/**\/*.ts"] })] });
 */
export function anyio(options: BundlerPluginOptions = {}): AnyioVitePlugin {
  const compiler = createBundlerTransform(options);
  let root = options.root ?? process.cwd();
  return {
    name: "anyio-ts",
    // Before Vite strips types or lowers syntax: the rewrite works on async functions as written.
    enforce: "pre",
    configResolved(config) {
      root = options.root ?? config.root;
    },
    async transform(code, id) {
      if (id.startsWith("\0")) return null;
      const fileName = id.replace(/[?#].*$/, "");
      if (!compiler.accepts(fileName)) return null;
      const result = await compiler.transform(code, fileName, root);
      if (result === undefined) return null;
      for (const warning of result.warnings) this.warn(toLog(warning, fileName));
      const [first, ...rest] = result.errors;
      if (first !== undefined) {
        const log = toLog(first, fileName);
        this.error({
          ...log,
          // The first error's frame is Vite's `frame`; each further error is a block of its own.
          message: [log.message, ...rest.map(formatDiagnostic)].join("\n\n"),
        });
      }
      if (result.code === undefined) return null;
      return { code: result.code, map: result.map };
    },
  };
}

export default anyio;

function toLog(d: Diagnostic, fileName: string): ViteLog {
  return {
    message: `${diagnosticCode(d.code)}: ${d.message}`,
    id: fileName,
    loc: { file: fileName, line: d.line, column: d.column - 1 },
    frame: d.frame.slice(d.frame.indexOf("\n") + 1),
  };
}
