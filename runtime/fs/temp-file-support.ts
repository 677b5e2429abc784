/**
 * What the temporary file classes share: their options and creating the file on the host.
 * Internal.
 */
import { describeValue } from "../core/validate";
import type { AsyncFile, AsyncFileInit } from "./async-file";
import type { HandleBackend } from "./file-backend";
import type { FsHost } from "./host";
import { fileOptions, openOnHost, type TextFileOptions } from "./open-file";
import { parseMode, type ParsedMode } from "./open-mode";
import { checkTempNames, createUnique, type TempNameOptions, type TempNames } from "./temp-names";
import type { TextCodec } from "./text-codec";
import type { CapacityLimiter } from "../sync/capacity-limiter";

/** What the options of a temporary file say. */
export interface TempFileSettings {
  readonly names: TempNames;
  readonly mode: string;
  readonly parsed: ParsedMode;
  readonly limiter: CapacityLimiter | null;
  readonly text: TextCodec | null;
}

/**
 * Checks the options of a temporary file: names, `mode` (default "w+b"), and the file options
 * of that mode, plus the keys in `more`.
 * @throws TypeError / RangeError for an unknown option or a bad value.
 */
export function tempFileSettings(
  options: (TextFileOptions & { mode?: unknown }) | undefined,
  more: readonly string[],
): TempFileSettings {
  const mode = (options?.mode ?? "w+b") as string;
  const parsed = parseMode(mode);
  const fileKeys = parsed.binary ? ["limiter"] : ["limiter", "encoding", "errors"];
  const names = checkTempNames(options as TempNameOptions | undefined, ["mode", ...fileKeys, ...more]);
  const { limiter, text } = fileOptions(parsed, options, ["suffix", "prefix", "dir", "mode", ...fileKeys, ...more]);
  return { names, mode, parsed, limiter, text };
}

/** Checks a boolean option. @throws TypeError. */
export function booleanOption(options: object | undefined, name: string, fallback: boolean): boolean {
  const value = (options as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean")
    throw new TypeError(`Expected \`${name}\` to be a boolean, got ${describeValue(value)}`);
  return value;
}

/**
 * Creates a new temporary file (`O_EXCL`, mode 0o600, read and write, retried on a collision)
 * and wraps it with `make`. The host side of an operation.
 */
export function createTempFile<F extends AsyncFile<string | Uint8Array>>(
  host: FsHost,
  settings: TempFileSettings,
  make: (backend: HandleBackend, init: AsyncFileInit) => F,
): Promise<F> {
  return createUnique(host, settings.names, (path) =>
    openOnHost(
      host,
      path,
      "wx+",
      0o600,
      (backend, position, positional) =>
        make(backend, {
          name: path,
          mode: settings.mode,
          text: settings.text,
          append: settings.parsed.append,
          limiter: settings.limiter,
          position,
          positional,
        }),
      false,
    ),
  );
}

/** Removes `path`, ignoring a file already gone. */
export function unlinkQuietly(host: FsHost, path: string): Promise<void> {
  return host.unlink(path).catch((error: unknown) => {
    if ((error as { code?: unknown }).code !== "ENOENT") throw error;
  });
}
