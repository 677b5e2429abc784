/**
 * The transformer's options, shared by both front ends: which code is structured besides the
 * directives, and which module compiled code imports its hooks from. Validation messages follow
 * one template (`Expected \`x\` to be ..., got \`y\` (type)`).
 */

/** Options of the anyio-ts transformer (the ts-patch plugin entry's config, or Babel's plugin options). */
export interface TransformerOptions {
  /**
   * Globs of files whose async functions are all structured, as if each file started with
   * `"use structured"`. Matched against the path relative to the project root (the directory
   * of tsconfig.json, or the current directory), with `/` separators. `*` matches within one
   * path segment, `**` across segments, `?` one character, `{a,b}` either.
   * A `"use unstructured"` directive still opts a function out.
   * @default []
   * @example ["src/**\/*.ts"]
   */
  include?: string[];
  /**
   * Globs of files never treated as structured through `include` (directives still apply).
   * @default []
   */
  exclude?: string[];
  /**
   * The module compiled code imports its hooks from. A package specifier is used as it is; a
   * path that starts with `./` or `../` names a file relative to the project root (the directory
   * of tsconfig.json, or Babel's `root`), and each compiled file imports it by its own relative
   * path to that file, the same in both front ends.
   * @default "anyio-ts/rt"
   * @example "./src/vendor/anyio-rt"
   */
  runtimeModule?: string;
  /**
   * Whether to report warnings (errors are always reported).
   * @default true
   */
  warnings?: boolean;
  /**
   * Whether compiled code records where each task waits: every `await`, `for await` and `using`
   * block of structured code gets a static site (file, line, column, function) in a table
   * emitted once per file, and each await hands its site's index to the runtime, which
   * `getTaskTree()` and `formatTaskTree()` resolve. Off, the output has no table and task trees
   * show `<unknown>` frames.
   * @default true
   */
  sites?: boolean;
}

/** Options after validation and defaults. */
export interface ResolvedOptions {
  readonly include: readonly RegExp[];
  readonly exclude: readonly RegExp[];
  readonly runtimeModule: string;
  readonly warnings: boolean;
  readonly sites: boolean;
}

/** The module compiled code imports by default. */
export const DEFAULT_RUNTIME_MODULE = "anyio-ts/rt";

/**
 * Validates `raw` (a plugin config, which may carry unrelated keys such as ts-patch's
 * `transform`) and fills in defaults.
 * @throws TypeError naming the option and the value it got.
 */
export function resolveOptions(raw: unknown = {}): ResolvedOptions {
  if (raw === null || typeof raw !== "object") {
    throw new TypeError(
      `Expected the anyio-ts transformer options to be an object, got \`${String(raw)}\` (${typeof raw})`,
    );
  }
  const options = raw as Record<string, unknown>;
  const runtimeModule = options.runtimeModule ?? DEFAULT_RUNTIME_MODULE;
  if (typeof runtimeModule !== "string" || runtimeModule === "") {
    throw new TypeError(
      `Expected \`runtimeModule\` to be a non-empty string, got \`${String(runtimeModule)}\` (${typeof runtimeModule})`,
    );
  }
  const warnings = options.warnings ?? true;
  if (typeof warnings !== "boolean") {
    throw new TypeError(`Expected \`warnings\` to be a boolean, got \`${String(warnings)}\` (${typeof warnings})`);
  }
  const sites = options.sites ?? true;
  if (typeof sites !== "boolean") {
    throw new TypeError(`Expected \`sites\` to be a boolean, got \`${String(sites)}\` (${typeof sites})`);
  }
  return {
    include: globList("include", options.include),
    exclude: globList("exclude", options.exclude),
    runtimeModule,
    warnings,
    sites,
  };
}

function globList(name: string, value: unknown): RegExp[] {
  if (value === undefined) return [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || !list.every((item) => typeof item === "string")) {
    throw new TypeError(
      `Expected \`${name}\` to be an array of glob strings, got \`${String(value)}\` (${typeof value})`,
    );
  }
  return list.map(globToRegExp);
}

/**
 * Whether the file at `relativePath` (relative to the project root, any separators) is
 * structured through the `include` option.
 */
export function isIncluded(options: ResolvedOptions, relativePath: string): boolean {
  if (options.include.length === 0) return false;
  const path = relativePath.replace(/\\/g, "/").replace(/^\.\//, "");
  return options.include.some((glob) => glob.test(path)) && !options.exclude.some((glob) => glob.test(path));
}

/** Compiles a glob (`*`, `**`, `?`, `{a,b}`) to an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  let braces = 0;
  const pattern = glob.replace(/\\/g, "/").replace(/^\.\//, "");
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") {
          i++;
          source += "(?:.*/)?"; // `**/` matches zero or more directories
        } else {
          source += ".*";
        }
      } else {
        source += "[^/]*";
      }
    } else if (ch === "?") {
      source += "[^/]";
    } else if (ch === "{") {
      braces++;
      source += "(?:";
    } else if (ch === "}" && braces > 0) {
      braces--;
      source += ")";
    } else if (ch === "," && braces > 0) {
      source += "|";
    } else {
      source += ch.replace(/[.+^$()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}
