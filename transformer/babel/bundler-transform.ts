/**
 * What the bundler plugins (`anyio-ts/vite`, `anyio-ts/esbuild`) share: compile one file's
 * structured code with the Babel plugin, and leave every other file to the bundler untouched.
 *
 * The output is still TypeScript (or JSX): Babel only parses the file's syntax and prints it
 * back with the rewrite applied, so the bundler's own TypeScript and JSX transforms, targets and
 * minifier run afterwards as they always do. That is also why the plugins must run before the
 * bundler lowers `async` functions: the rewrite works on `async`/`await` as written.
 */
import * as path from "node:path";
import { classifyDirective } from "../core/directive";
import { isIncluded, resolveOptions } from "../core/options";
import { mayNeedRewrite } from "../core/rules";
import anyioBabelPlugin, {
  type AnyioBabelError,
  type AnyioFileMetadata,
  type BabelPluginOptions,
  type Diagnostic,
} from "./plugin";

/**
 * Options of the Vite and esbuild plugins: the transformer's options (`include`, `exclude`,
 * `runtimeModule`, `warnings`, `onWarning`), plus which files the plugin looks at.
 *
 * @example
 * anyio({ include: ["src/jobs/**\/*.ts"], filter: /\/src\/.*\.tsx?$/ })
 */
export interface BundlerPluginOptions extends Omit<BabelPluginOptions, "cacheKey"> {
  /**
   * Files the plugin looks at, by absolute path (a Vite module id without its query). Files under
   * `node_modules` are never compiled: packages ship compiled code, and compiling it again would
   * wrap every await twice.
   * @default /\.[cm]?[jt]sx?$/
   * @example /\/src\/.*\.ts$/
   */
  filter?: RegExp;
  /**
   * The project root: `include` globs and a relative `runtimeModule` are relative to it.
   * @default Vite's `root`; esbuild's `absWorkingDir`, else the current directory
   * @example "/home/me/app"
   */
  root?: string;
}

/**
 * One file's result: the rewritten code (when the file had structured code) and its diagnostics.
 *
 * @example
 * const result = await compiler.transform(code, fileName, root);
 * if (result?.errors.length) fail(result.errors); else if (result?.code !== undefined) use(result.code, result.map);
 */
export interface BundlerTransformResult {
  /** The rewritten code, still TypeScript / JSX; undefined when the file is to be kept as it is. */
  readonly code?: string;
  /** The source map from `code` back to the file (version 3, sources relative to the file). */
  readonly map?: SourceMapObject;
  /** Warnings to report (none when the user's `onWarning` took them). */
  readonly warnings: readonly Diagnostic[];
  /** Errors: the file must fail. */
  readonly errors: readonly Diagnostic[];
}

/**
 * A version 3 source map as Babel returns it; `sources` holds the file's base name, relative to
 * the file's own directory.
 *
 * @example
 * { version: 3, sources: ["main.ts"], names: [], mappings: "AAAA;...", sourcesContent: ["..."] }
 */
export interface SourceMapObject {
  /** The source map format's version: always 3. */
  version: number;
  /** The files the generated code comes from. */
  sources: string[];
  /** The identifiers the mappings refer to by index. */
  names: string[];
  /** The mappings, Base64 VLQ encoded. */
  mappings: string;
  /** The text of each source, so that debuggers need not read the files. */
  sourcesContent?: (string | null)[];
  /** The generated file's name. */
  file?: string;
}

/**
 * Compiles files for a bundler plugin; made once per plugin instance by {@link createBundlerTransform}.
 *
 * @example
 * const compiler = createBundlerTransform();
 * if (compiler.accepts(fileName)) await compiler.transform(code, fileName, root);
 */
export interface BundlerTransform {
  /** The `filter` option (what esbuild's `onLoad` is registered for). */
  readonly filter: RegExp;
  /** Whether the plugin looks at the file at all: it matches `filter` and is not in `node_modules`. */
  accepts(fileName: string): boolean;
  /**
   * Compiles `code` (the text of `fileName`); undefined when the file cannot contain structured
   * code, decided from its text without parsing it.
   * @throws the bundler's parse error with a code frame, for a file Babel cannot parse.
   */
  transform(code: string, fileName: string, root: string): Promise<BundlerTransformResult | undefined>;
}

const DEFAULT_FILTER = /\.[cm]?[jt]sx?$/;

/** The part of `@babel/core` the bundler plugins call (Babel 7 and 8 alike). */
interface BabelCore {
  transformAsync(
    code: string,
    options: Record<string, unknown>,
  ): Promise<{ code?: string | null; map?: unknown; metadata?: unknown } | null>;
}

let babel: BabelCore | undefined;

/** Loads the user's `@babel/core` on first use, so a project without structured files never needs it. */
function loadBabel(): BabelCore {
  if (babel !== undefined) return babel;
  try {
    babel = require("@babel/core") as BabelCore;
  } catch (error) {
    // Only @babel/core itself missing; a broken install of it keeps its own error.
    if (
      (error as { code?: string }).code !== "MODULE_NOT_FOUND" ||
      !String((error as Error).message).includes("'@babel/core'")
    )
      throw error;
    throw new Error(
      "anyio-ts compiles structured code with Babel, and `@babel/core` is not installed. " +
        "Install it with: npm install --save-dev @babel/core",
    );
  }
  return babel;
}

/**
 * Validates a bundler plugin's options and returns the compiler its hooks call.
 *
 * @throws TypeError for invalid options, in the transformer's template
 * (`` Expected `filter` to be a regular expression, got `x` (string) ``).
 * @example
 * const compiler = createBundlerTransform({ include: ["src/**\/*.ts"] });
 * const result = await compiler.transform(code, "/app/src/main.ts", "/app");
 */
export function createBundlerTransform(options: BundlerPluginOptions = {}): BundlerTransform {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Expected the anyio-ts plugin options to be an object, got \`${String(options)}\` (${typeof options})`,
    );
  }
  const { filter = DEFAULT_FILTER, root: _root, onWarning, ...transformerOptions } = options;
  if (!(filter instanceof RegExp)) {
    throw new TypeError(`Expected \`filter\` to be a regular expression, got \`${String(filter)}\` (${typeof filter})`);
  }
  if (options.root !== undefined && (typeof options.root !== "string" || options.root === "")) {
    throw new TypeError(
      `Expected \`root\` to be a non-empty string, got \`${String(options.root)}\` (${typeof options.root})`,
    );
  }
  if (onWarning !== undefined && typeof onWarning !== "function") {
    throw new TypeError(`Expected \`onWarning\` to be a function, got \`${String(onWarning)}\` (${typeof onWarning})`);
  }
  const resolved = resolveOptions(transformerOptions);
  // One options object for every file, so Babel instantiates the plugin once. Warnings come back
  // through the result's metadata, so each file's warnings reach the right bundler call.
  const pluginOptions: BabelPluginOptions = { ...transformerOptions, onWarning: onWarning ?? (() => {}) };
  // The user's `onWarning` already took the warnings; otherwise the bundler reports them.
  const warningsOf = (diagnostics: readonly Diagnostic[]): Diagnostic[] =>
    onWarning === undefined ? diagnostics.filter((d) => d.category === "warning") : [];

  return {
    filter,
    accepts(fileName) {
      return filter.test(fileName) && !/[\\/]node_modules[\\/]/.test(fileName);
    },
    async transform(code, fileName, root) {
      const relative = path.relative(root, fileName);
      if (!mayNeedRewrite(isIncluded(resolved, relative), code)) return undefined;
      const compile = (decorators: string) =>
        loadBabel().transformAsync(code, {
          filename: fileName,
          cwd: root,
          root,
          babelrc: false,
          configFile: false,
          // Bundlers print frames in overlays and logs that show ANSI escapes as text.
          highlightCode: false,
          sourceType: /\.c[jt]s$/.test(fileName) ? "script" : "module",
          parserOpts: { plugins: [...syntaxPlugins(fileName), decorators] },
          plugins: [[anyioBabelPlugin, pluginOptions], dropFileDirectives],
          sourceMaps: true,
          sourceFileName: path.basename(fileName),
        });
      let result: Awaited<ReturnType<BabelCore["transformAsync"]>>;
      try {
        try {
          result = await compile("decorators");
        } catch (error) {
          // TypeScript's experimental decorators (on parameters, say) only parse as Babel's legacy ones.
          if ((error as { code?: string }).code !== "BABEL_PARSE_ERROR" || !code.includes("@")) throw error;
          result = await compile("decorators-legacy");
        }
      } catch (error) {
        const diagnostics = (error as Partial<AnyioBabelError>).diagnostics;
        if (diagnostics === undefined) throw error;
        return {
          warnings: warningsOf(diagnostics),
          errors: diagnostics.filter((d) => d.category === "error"),
        };
      }
      const metadata = (result?.metadata as { anyioTs?: AnyioFileMetadata } | undefined)?.anyioTs;
      const warnings = warningsOf(metadata?.diagnostics ?? []);
      if (result?.code == null || metadata?.structured !== true) return { warnings, errors: [] };
      return { code: result.code, map: result.map as SourceMapObject, warnings, errors: [] };
    },
  };
}

/**
 * Once a file is compiled its file-level directive means nothing, and bundlers warn that they
 * cannot keep a module-level directive (Rolldown's MODULE_LEVEL_DIRECTIVE); dropping it also
 * keeps a second pass over the bundle from compiling the file again.
 */
const dropFileDirectives = {
  name: "anyio-ts-drop-file-directives",
  visitor: {
    Program: {
      exit(program: { node: { directives: { value: { value: string } }[] } }, state: { file: { metadata: unknown } }) {
        if ((state.file.metadata as { anyioTs?: AnyioFileMetadata }).anyioTs?.structured !== true) return;
        program.node.directives = program.node.directives.filter((d) => {
          const kind = classifyDirective(d.value.value);
          return kind !== "structured" && kind !== "unstructured";
        });
      },
    },
  },
};

/** Babel's parser plugins for a file, by extension: the syntax the bundler itself accepts there. */
/** The syntax a file's extension says it is written in (also the esbuild loader of that name). */
export function syntaxOf(fileName: string): "ts" | "tsx" | "jsx" | "js" {
  const extension = path.extname(fileName);
  if (extension === ".tsx") return "tsx";
  if (/^\.[cm]?ts$/.test(extension)) return "ts";
  if (extension === ".jsx") return "jsx";
  return "js";
}

const SYNTAX_PLUGINS = { ts: ["typescript"], tsx: ["typescript", "jsx"], jsx: ["jsx"], js: [] } as const;

function syntaxPlugins(fileName: string): readonly string[] {
  return SYNTAX_PLUGINS[syntaxOf(fileName)];
}
