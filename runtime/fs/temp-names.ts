/**
 * Unique temporary names (Python's `tempfile._mkstemp_inner`): `prefix + random + suffix` in a
 * directory, created with `O_EXCL` so that a name is never shared, retried on a collision.
 * Internal, apart from {@link TempNameOptions}.
 */
import { checkOptions, describeValue } from "../core/validate";
import type { FsHost } from "./host";
import { pathString, type PathLike } from "./path-like";

/** Where and how temporary files and directories are named. */
export interface TempNameOptions {
  /**
   * Text after the random part (".txt").
   * @default ""
   */
  suffix?: string;
  /**
   * Text before the random part.
   * @default "tmp"
   */
  prefix?: string;
  /**
   * The directory to create it in.
   * @default gettempdir()
   */
  dir?: PathLike;
}

/** How many names are tried before giving up (Python's `TMP_MAX`). */
const ATTEMPTS = 10000;

/** The checked name options: `dir` still unresolved (undefined: the host's temporary directory). */
export interface TempNames {
  readonly prefix: string;
  readonly suffix: string;
  readonly dir: string | undefined;
}

/**
 * Checks the naming options of `options` (whose other known keys are `more`).
 * @throws TypeError for an unknown option or a value of the wrong type.
 */
export function checkTempNames(options: TempNameOptions | undefined, more: readonly string[]): TempNames {
  checkOptions(options, ["suffix", "prefix", "dir", ...more]);
  const suffix = options?.suffix === undefined ? "" : options.suffix;
  const prefix = options?.prefix === undefined ? "tmp" : options.prefix;
  if (typeof suffix !== "string")
    throw new TypeError(`Expected \`suffix\` to be a string, got ${describeValue(suffix)}`);
  if (typeof prefix !== "string")
    throw new TypeError(`Expected \`prefix\` to be a string, got ${describeValue(prefix)}`);
  const dir = options?.dir === undefined ? undefined : pathString(options.dir, "dir");
  return { prefix, suffix, dir };
}

/**
 * Calls `create(path)` (which must fail with `EEXIST` when `path` exists) with fresh names
 * until one succeeds; resolves to what it returned. The host side of an operation.
 * @throws the Node error of the last attempt when every name was taken, or any other error at once.
 */
export async function createUnique<R>(
  host: FsHost,
  names: TempNames,
  create: (path: string) => Promise<R>,
): Promise<R> {
  const dir = names.dir ?? host.tmpdir();
  let last: unknown;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const path = host.join(dir, names.prefix + host.randomName() + names.suffix);
    try {
      return await create(path);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      // On Windows a directory of that name makes the open fail with EACCES (Python retries too).
      if (code !== "EEXIST" && !(code === "EACCES" && host.windows)) throw error;
      last = error;
    }
  }
  throw last;
}
