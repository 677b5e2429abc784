/**
 * How the TypeScript plugin makes sure it runs where it can: in TypeScript 5 or 6 (the lines with
 * a transformer API), called as a ts-patch transformer (or by ts-jest, ts-loader, a script). Any
 * other way of loading it fails at once with a message that says what to do, instead of an
 * error deep inside the rewrite (or a silent build without it).
 */
import type * as TS from "typescript";

/** Where the setup is explained, for the messages (the README ships in the package). */
const SETUP = "the Setup section of anyio-ts's README";

/**
 * The TypeScript lines the plugin supports. TypeScript 7 (the native compiler) has no
 * transformer API and no JavaScript compiler to patch.
 */
const SUPPORTED_MAJORS = [5, 6];

/**
 * Checks that `ts` is a TypeScript compiler the plugin can run in, and returns it.
 *
 * @example
 * const ts = checkCompiler(extras?.ts ?? require("typescript"), "ts-patch");
 * @throws Error naming the version found and the way out (typescript\@5.9 or 6 with ts-patch 3,
 * or the Babel plugin for TypeScript 7) when `ts` is not TypeScript 5 or 6.
 */
export function checkCompiler(ts: unknown, loadedBy: string): typeof TS {
  const module = ts as Partial<typeof TS> | null | undefined;
  const version = typeof module?.version === "string" ? module.version : "unknown";
  const major = Number.parseInt(version, 10);
  const hasTransformerApi =
    typeof module?.visitEachChild === "function" && typeof module?.factory === "object" && module.factory !== null;
  if (SUPPORTED_MAJORS.includes(major) && hasTransformerApi) return module as typeof TS;
  const found = version === "unknown" ? "a `typescript` module without a version" : `TypeScript ${version}`;
  const reason =
    major >= 7
      ? `TypeScript ${major} has no transformer API, so no plugin can rewrite code inside it`
      : hasTransformerApi
        ? "it needs TypeScript 5 or 6"
        : "that module has no transformer API";
  throw new Error(
    `anyio-ts/transformer was loaded by ${loadedBy} with ${found}: ${reason}. ` +
      "Install TypeScript 5.9 or 6 with ts-patch 3 (`npm install --save-dev typescript@5.9 ts-patch@3`) and " +
      "build with `npx tspc`, or keep TypeScript 7 for type-checking and compile with the Babel plugin " +
      `(\`anyio-ts/babel\`). See ${SETUP}.`,
  );
}

/**
 * Checks that the first argument ts-patch passes (the program) is a program: a tsconfig entry
 * `{ "name": "anyio-ts/transformer" }` makes the editor load the module as a language-service
 * plugin, which calls it with `{ typescript }` instead.
 *
 * @example
 * checkProgram(program);
 * @throws Error saying how to list the plugin (`"transform"`, built with tspc) otherwise.
 */
export function checkProgram(program: unknown): asserts program is TS.Program | undefined {
  if (program === undefined || program === null) return;
  if (typeof (program as Partial<TS.Program>).getCompilerOptions === "function") return;
  throw new Error(
    "anyio-ts/transformer is a ts-patch transformer, and it was called with something that is not a TypeScript " +
      'program (a language-service plugin entry, `{ "name": "anyio-ts/transformer" }`, is loaded this way by ' +
      'editors). List it as `{ "transform": "anyio-ts/transformer" }` in `compilerOptions.plugins` and build with ' +
      `\`npx tspc\` (ts-patch 3); plain \`tsc\` ignores transformer plugins. See ${SETUP}.`,
  );
}
