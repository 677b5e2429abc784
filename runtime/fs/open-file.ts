/**
 * `openFile()` and `wrapFile()`: the ways to get an {@link AsyncFile}.
 */
import { checkOptions, describeValue } from "../core/validate";
import { CapacityLimiter } from "../sync/capacity-limiter";
import type { TextErrors } from "../streams/text";
import { AsyncFile } from "./async-file";
import { HandleBackend } from "./file-backend";
import { runHostCall } from "./file-operation";
import { fsHost, type FileHandle, type FsHost } from "./host";
import { parseMode, type BinaryMode, type ParsedMode, type TextMode } from "./open-mode";
import { pathString, type PathLike } from "./path-like";
import { checkEncoding, checkTextErrors, TextCodec, type FileEncoding } from "./text-codec";

/** Options of {@link openFile} and {@link wrapFile} in binary mode. */
export interface OpenFileOptions {
  /**
   * The capacity limiter whose tokens the file's operations hold while the host runs them.
   * @default the current run's default limiter (40 tokens)
   */
  limiter?: CapacityLimiter;
}

/** Options of {@link openFile} and {@link wrapFile} in text mode. */
export interface TextFileOptions extends OpenFileOptions {
  /**
   * The text encoding; "latin1" is ISO-8859-1 (each byte is the code point).
   * @default "utf-8"
   */
  encoding?: FileEncoding;
  /**
   * What to do with bytes that are invalid in the encoding (and characters it cannot encode):
   * `"strict"` raises a `TypeError`, `"replace"` substitutes U+FFFD (or "?" when writing Latin-1).
   * @default "strict"
   */
  errors?: TextErrors;
}

const BINARY_OPTIONS = ["limiter"] as const;
const TEXT_OPTIONS = ["limiter", "encoding", "errors"] as const;

/** @internal Checks the options of a file in `parsed` mode; returns the limiter and the text codec. */
export function fileOptions(
  parsed: ParsedMode,
  options: TextFileOptions | undefined,
  known: readonly string[] = parsed.binary ? BINARY_OPTIONS : TEXT_OPTIONS,
): { limiter: CapacityLimiter | null; text: TextCodec | null } {
  checkOptions(options, known);
  const limiter = options?.limiter;
  if (limiter !== undefined && !(limiter instanceof CapacityLimiter)) {
    throw new TypeError(`Expected \`limiter\` to be a CapacityLimiter, got ${describeValue(limiter)}`);
  }
  const text = parsed.binary
    ? null
    : new TextCodec(checkEncoding(options?.encoding ?? "utf-8"), checkTextErrors(options?.errors ?? "strict"));
  return { limiter: limiter ?? null, text };
}

/**
 * @internal Opens `path` on the host and wraps it (host side of an operation: runs to
 * completion). Whether the file has positions is found out on first use; only an append mode
 * asks for the size now, to start at the end.
 */
export async function openOnHost<F extends AsyncFile<string | Uint8Array>>(
  host: FsHost,
  path: string,
  flags: string,
  createMode: number,
  make: (backend: HandleBackend, position: number, positional: boolean | undefined) => F,
  append: boolean,
): Promise<F> {
  const handle = await host.open(path, flags, createMode);
  try {
    if (!append) return make(new HandleBackend(host, handle), 0, undefined);
    const info = await host.stat(handle);
    return make(new HandleBackend(host, handle), info.regular ? info.size : 0, info.regular);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Opens a file (Python's `open()` with async methods): `mode` as in Python, "r" by default;
 * binary modes give an `AsyncFile<Uint8Array>`, text modes an `AsyncFile<string>`.
 *
 * This is a checkpoint: a cancelled task opens nothing. Once the open started it finishes, and
 * the file is returned even if the task was cancelled meanwhile (the cancellation lands at the
 * next checkpoint).
 *
 * @example
 * ```ts
 * await using file = await openFile("data.bin", "rb");
 * const header = await file.read(16);
 * ```
 * @throws TypeError / RangeError for a bad path, mode or option.
 * @throws the Node error (`code` "ENOENT", "EEXIST", "EACCES", ...) when the open fails.
 * @throws NotSupportedError in a browser.
 */
export function openFile(file: PathLike, mode: BinaryMode, options?: OpenFileOptions): Promise<AsyncFile<Uint8Array>>;
export function openFile(file: PathLike, mode?: TextMode, options?: TextFileOptions): Promise<AsyncFile<string>>;
export function openFile(
  file: PathLike,
  mode: BinaryMode | TextMode = "r",
  options?: TextFileOptions,
): Promise<AsyncFile<string | Uint8Array>> {
  let host: FsHost;
  let path: string;
  let parsed: ParsedMode;
  let settings: ReturnType<typeof fileOptions>;
  try {
    host = fsHost.get("openFile()");
    path = pathString(file, "file");
    parsed = parseMode(mode);
    settings = fileOptions(parsed, options);
  } catch (error) {
    return Promise.reject(error);
  }
  return runHostCall("openFile()", settings.limiter, () =>
    openOnHost(
      host,
      path,
      parsed.flags,
      0o666,
      (backend, position, positional) =>
        new AsyncFile<string | Uint8Array>(backend, {
          name: path,
          mode,
          text: settings.text,
          append: parsed.append,
          limiter: settings.limiter,
          position,
          positional,
        }),
      parsed.append,
    ),
  );
}

/**
 * Wraps a `node:fs/promises` `FileHandle` you opened as an {@link AsyncFile}: binary unless an
 * `encoding` is given. The `AsyncFile` keeps its own position, starting at 0 (Node cannot tell
 * the handle's); `name` is "" and `mode` "r+b" (or "r+" in text mode): the handle's own flags
 * decide what it may do, and the host reports `EBADF` otherwise. Closing the `AsyncFile`
 * closes the handle. Never a checkpoint.
 *
 * @example
 * ```ts
 * const file = wrapFile(await fs.promises.open("log.txt", "a+"), { encoding: "utf-8" });
 * ```
 * @throws TypeError if `file` is not a FileHandle or an option is wrong.
 * @throws NotSupportedError in a browser.
 */
export function wrapFile(file: FileHandle, options?: OpenFileOptions): AsyncFile<Uint8Array>;
export function wrapFile(
  file: FileHandle,
  options: TextFileOptions & { encoding: NonNullable<TextFileOptions["encoding"]> },
): AsyncFile<string>;
export function wrapFile(file: FileHandle, options?: TextFileOptions): AsyncFile<string | Uint8Array> {
  const host = fsHost.get("wrapFile()");
  if (!host.isFileHandle(file)) {
    throw new TypeError(`Expected \`file\` to be a FileHandle from node:fs/promises, got ${describeValue(file)}`);
  }
  const binary = options?.encoding === undefined;
  const parsed = parseMode(binary ? "r+b" : "r+");
  const settings = fileOptions(parsed, options, TEXT_OPTIONS);
  if (binary && options?.errors !== undefined) {
    throw new TypeError("The `errors` option of wrapFile() needs an `encoding` (it applies to text mode only)");
  }
  return new AsyncFile<string | Uint8Array>(new HandleBackend(host, file), {
    name: "",
    mode: binary ? "r+b" : "r+",
    text: settings.text,
    append: false,
    limiter: settings.limiter,
    position: 0,
    positional: undefined,
  });
}
