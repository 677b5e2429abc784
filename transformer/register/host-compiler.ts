/**
 * How `anyio-ts/register` (Node.js and Deno module hooks) and `anyio-ts/bun` (a Bun plugin)
 * compile a file that the host is about to run from source: the structured code is rewritten
 * as the build-time plugins rewrite it, with a source map back to the file as written, and the
 * result is kept in an on-disk cache.
 *
 * Two front ends, chosen by what the project has installed:
 *
 * - TypeScript (`typescript`, preferred): `transpileModule` with the ts-patch plugin's rewrite
 *   gives plain JavaScript in one pass. It also runs `.ts` files on hosts that cannot strip types
 *   (Node 20, Deno's module hooks) and TypeScript that type stripping rejects (`enum`,
 *   `namespace`, parameter properties), and it is the front end `tspc` builds with.
 * - Babel (`@babel/core`): the Babel plugin's rewrite, printed back still in TypeScript; the host
 *   strips the types itself (Node 22.18 and later, Bun). Where the host cannot, a `.ts` file needs
 *   `typescript`, and the error says so.
 *
 * Only files that may hold structured code are compiled (a directive, a near miss of one, or a
 * `using` of a scope); every other file is left to the host, except `.ts` files on a host that
 * cannot run them. Files under `node_modules` are never compiled: packages ship compiled code.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as TS from "typescript";
import anyioBabelPlugin from "../babel/plugin";
import { mayNeedRewrite } from "../core/rules";
import { jestFactory } from "../typescript/index";

/** A module system, as Node.js names a module's format. */
export type ModuleFormat = "module" | "commonjs";

/**
 * What to hand the host: JavaScript, or TypeScript with the rewrite applied that the host strips
 * itself (the `-typescript` formats of Node's module hooks).
 */
export type HostFormat = ModuleFormat | "module-typescript" | "commonjs-typescript";

/** The result of compiling one file: the code (with an inline source map) and its format. */
export interface HostCompileResult {
  readonly code: string;
  readonly format: HostFormat;
}

/** Which front end compiles structured code. */
export type FrontEnd = "typescript" | "babel";

/**
 * Options of {@link createHostCompiler}.
 *
 * @example
 * createHostCompiler({ hostStripsTypes: true, cacheDir: "/tmp/anyio-ts-cache" })
 */
export interface HostCompilerOptions {
  /** Whether the host runs TypeScript given to it (Node 22.18+ with `module-typescript`, Bun). */
  readonly hostStripsTypes: boolean;
  /**
   * Where compiled files are kept between runs; `false` keeps nothing.
   * @default the `ANYIO_TS_CACHE_DIR` environment variable, else node_modules/.cache/anyio-ts of
   * the current directory when it has a node_modules, else anyio-ts-cache in the system's
   * temporary directory
   */
  readonly cacheDir?: string | false;
  /** The project root: the current directory unless given. */
  readonly root?: string;
}

/**
 * Compiles files for a host that runs them from source.
 *
 * @example
 * const compiler = createHostCompiler({ hostStripsTypes: false });
 * const result = compiler.compile("/app/main.ts", source); // undefined: leave it to the host
 */
export interface HostCompiler {
  /**
   * The compiled file, or undefined when the host runs it as it is (no structured code and not
   * TypeScript the host cannot run, or a file under node_modules).
   *
   * @param format - the module system the host has decided on; undefined to decide here, as
   * Node does: the extension, else the nearest package.json's `type`, else ES module syntax.
   * @throws Error with a code frame for a file with transformer errors; Error naming the package
   * to install when no front end can compile the file.
   */
  compile(fileName: string, source: string, format?: ModuleFormat): HostCompileResult | undefined;
}

const COMPILED_EXTENSION = /\.[cm]?[jt]s$/;
const TYPESCRIPT_EXTENSION = /\.[cm]?ts$/;
const IN_NODE_MODULES = /[\\/]node_modules[\\/]/;

/**
 * Makes the compiler a host's hooks call for each file.
 *
 * @throws never; a missing front end is reported by `compile`, for the first file that needs one.
 * @example
 * const compiler = createHostCompiler({ hostStripsTypes: Boolean(process.features.typescript) });
 */
export function createHostCompiler(options: HostCompilerOptions): HostCompiler {
  const root = options.root ?? process.cwd();
  const cacheDir = options.cacheDir === undefined ? defaultCacheDir(root) : options.cacheDir;
  let frontEnd: { name: FrontEnd; version: string } | null | undefined;
  let transformerVersion: string | undefined;

  return {
    compile(fileName, source, format) {
      if (!COMPILED_EXTENSION.test(fileName) || IN_NODE_MODULES.test(fileName)) return undefined;
      const typescriptFile = TYPESCRIPT_EXTENSION.test(fileName);
      const needsTypesStripped = typescriptFile && !options.hostStripsTypes;
      if (!mayNeedRewrite(false, source) && !needsTypesStripped) return undefined;

      frontEnd ??= findFrontEnd();
      if (frontEnd === null) throw missingFrontEnd(needsTypesStripped);
      if (frontEnd.name === "babel" && needsTypesStripped) throw hostCannotStripTypes();
      const decided = format ?? declaredFormat(fileName);

      transformerVersion ??= hashTransformer();
      const key = crypto
        .createHash("sha256")
        .update(JSON.stringify([transformerVersion, frontEnd, options.hostStripsTypes, decided ?? null, fileName]))
        .update(source)
        .digest("hex");
      const cached = cacheDir === false ? undefined : readCache(cacheDir, key);
      if (cached !== undefined) return cached;

      const result =
        frontEnd.name === "typescript"
          ? compileWithTypeScript(fileName, source, decided, root)
          : compileWithBabel(fileName, source, decided, root, typescriptFile);
      if (cacheDir !== false) writeCache(cacheDir, key, result);
      return result;
    },
  };
}

/** TypeScript when it is installed (a version with a transformer API), else Babel, else none. */
function findFrontEnd(): { name: FrontEnd; version: string } | null {
  const typescript = installedVersion("typescript");
  if (typescript !== undefined && Number(typescript.split(".")[0]) < 7)
    return { name: "typescript", version: typescript };
  const babel = installedVersion("@babel/core");
  if (babel !== undefined) return { name: "babel", version: babel };
  return null;
}

/** The version of a package as this package resolves it (a peer dependency), without loading it. */
function installedVersion(name: string): string | undefined {
  try {
    const manifest = require.resolve(`${name}/package.json`);
    return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string }).version;
  } catch {
    return undefined;
  }
}

function missingFrontEnd(needsTypesStripped: boolean): Error {
  if (needsTypesStripped) {
    return new Error(
      `anyio-ts/register compiles .ts files with TypeScript on ${hostName()}, which cannot run TypeScript itself, ` +
        "and `typescript` (5 or 6) is not installed. Install it with: npm install --save-dev typescript",
    );
  }
  return new Error(
    "anyio-ts/register compiles structured code with TypeScript or Babel, and neither `typescript` (5 or 6) " +
      "nor `@babel/core` is installed. Install one of them with: npm install --save-dev typescript",
  );
}

function hostName(): string {
  return "Deno" in globalThis ? "Deno" : `Node.js ${process.version}`;
}

function hostCannotStripTypes(): Error {
  return new Error(
    `${hostName()} cannot run TypeScript itself, and anyio-ts/register found only \`@babel/core\`, which keeps the ` +
      "types. Install TypeScript (5 or 6) so anyio-ts/register compiles .ts files: npm install --save-dev typescript",
  );
}

/** A hash of the transformer's own files: a new anyio-ts (or a patched one) never reuses old output. */
function hashTransformer(): string {
  const { hashSources } = require("../core/load-source.cjs") as { hashSources(): string };
  return hashSources();
}

/**
 * The module system a file declares without looking at its code: by extension, else by the
 * `type` of the nearest package.json. Undefined when neither says (a `.ts` or `.js` file in a
 * package without `type`): then ES module syntax decides, as in Node 20.19 and later.
 *
 * @example
 * declaredFormat("/app/main.mts"); // "module"
 */
export function declaredFormat(fileName: string): ModuleFormat | undefined {
  if (/\.m[jt]s$/.test(fileName)) return "module";
  if (/\.c[jt]s$/.test(fileName)) return "commonjs";
  for (let dir = path.dirname(fileName); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      try {
        const { type } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { type?: unknown };
        return type === "module" ? "module" : type === "commonjs" ? "commonjs" : undefined;
      } catch {
        return undefined;
      }
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

function compileWithTypeScript(
  fileName: string,
  source: string,
  declared: ModuleFormat | undefined,
  root: string,
): HostCompileResult {
  const ts = require("typescript") as typeof TS;
  const format =
    declared ??
    (ts.isExternalModule(ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest)) ? "module" : "commonjs");
  const { outputText } = ts.transpileModule(source, {
    fileName,
    compilerOptions: {
      // ES2022 lowers `using` outside structured code, which Node 20 and 22 cannot parse.
      target: ts.ScriptTarget.ES2022,
      module: format === "module" ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS,
      esModuleInterop: true,
      inlineSourceMap: true,
      inlineSources: true,
    },
    transformers: { before: [jestFactory({ configSet: { compilerModule: ts, rootDir: root } })] },
  });
  return { code: outputText, format };
}

/** The part of `@babel/core` used here (Babel 7 and 8 alike). */
interface BabelCore {
  transformSync(
    code: string,
    options: Record<string, unknown>,
  ): { code?: string | null; ast?: { program: { sourceType: string } } | null } | null;
}

function compileWithBabel(
  fileName: string,
  source: string,
  declared: ModuleFormat | undefined,
  root: string,
  typescriptFile: boolean,
): HostCompileResult {
  const babel = require("@babel/core") as BabelCore;
  const result = babel.transformSync(source, {
    filename: fileName,
    cwd: root,
    root,
    babelrc: false,
    configFile: false,
    highlightCode: false,
    // "unambiguous": ES module syntax makes a module, as Node decides for a file without a declared format.
    sourceType: declared === "module" ? "module" : declared === "commonjs" ? "script" : "unambiguous",
    parserOpts: { plugins: typescriptFile ? ["typescript"] : [] },
    plugins: [[anyioBabelPlugin, {}]],
    sourceMaps: "inline",
    sourceFileName: path.basename(fileName),
    ast: true,
  });
  const format: ModuleFormat = result?.ast?.program.sourceType === "module" ? "module" : "commonjs";
  return { code: result?.code ?? source, format: typescriptFile ? `${format}-typescript` : format };
}

function defaultCacheDir(root: string): string | false {
  const fromEnvironment = environment("ANYIO_TS_CACHE_DIR");
  if (fromEnvironment !== undefined && fromEnvironment !== "") return path.resolve(root, fromEnvironment);
  const modules = path.join(root, "node_modules");
  return fs.existsSync(modules) ? path.join(modules, ".cache", "anyio-ts") : path.join(os.tmpdir(), "anyio-ts-cache");
}

/** An environment variable; undefined where reading it is not allowed (Deno without `--allow-env`). */
function environment(name: string): string | undefined {
  try {
    return process.env[name];
  } catch {
    return undefined;
  }
}

function readCache(dir: string, key: string): HostCompileResult | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, `${key}.json`), "utf8")) as HostCompileResult;
  } catch {
    return undefined; // missing, or half-written by a process that was killed: compile again
  }
}

/** Written to a temporary name and renamed, so a concurrent run never reads half a file. */
function writeCache(dir: string, key: string, result: HostCompileResult): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const temporary = path.join(dir, `${key}.${process.pid}.tmp`);
    fs.writeFileSync(temporary, JSON.stringify(result));
    fs.renameSync(temporary, path.join(dir, `${key}.json`));
  } catch {
    // A read-only or full disk costs a compile next time, never the run.
  }
}
