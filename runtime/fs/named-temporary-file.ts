/**
 * `NamedTemporaryFile`: a temporary file with a name other programs can open, deleted when
 * closed (or when its block ends).
 */
import { tagPrimitive } from "../rt";
import { AsyncFile, type AsyncFileInit } from "./async-file";
import type { FileBackend } from "./file-backend";
import { runHostCall } from "./file-operation";
import { fsHost, type FsHost } from "./host";
import type { OpenFileOptions, TextFileOptions } from "./open-file";
import type { BinaryMode, TextMode } from "./open-mode";
import {
  booleanOption,
  createTempFile,
  tempFileSettings,
  unlinkQuietly,
  type TempFileSettings,
} from "./temp-file-support";
import type { TempNameOptions } from "./temp-names";

/** The deletion options of {@link NamedTemporaryFile.open}. */
export interface NamedTemporaryFileOptions {
  /**
   * Delete the file at all: on `aclose()` if `deleteOnClose`, otherwise at the end of its
   * `await using` block.
   * @default true
   */
  delete?: boolean;
  /**
   * With `delete`, delete the file as soon as it is closed.
   * @default true
   */
  deleteOnClose?: boolean;
}

/**
 * A temporary file with a visible name (Python's `tempfile.NamedTemporaryFile`): created like
 * `mkstemp()` (`O_EXCL`, mode 0o600), opened "w+b" unless `mode` says otherwise. `aclose()`
 * deletes it when `delete && deleteOnClose` (both default true); `[Symbol.asyncDispose]`
 * closes it and deletes it when `delete`.
 *
 * ≠AnyIO: a static async factory replaces `async with NamedTemporaryFile()`.
 *
 * @example
 * ```ts
 * await using file = await NamedTemporaryFile.open({ suffix: ".json", mode: "w+" });
 * await file.write(JSON.stringify(config));
 * await runProcess(["tool", file.name]);
 * ```
 */
export class NamedTemporaryFile<T extends string | Uint8Array> extends AsyncFile<T> {
  private removal: Promise<void> | undefined;

  /** @internal Use {@link NamedTemporaryFile.open}. */
  constructor(
    backend: FileBackend,
    init: AsyncFileInit,
    private readonly deleteFile: boolean,
    private readonly deleteOnClose: boolean,
  ) {
    super(backend, init);
  }

  /**
   * Creates and opens a named temporary file. This is a checkpoint; once started, the
   * creation finishes.
   *
   * @example
   * ```ts
   * await using file = await NamedTemporaryFile.open({ suffix: ".csv", deleteOnClose: false });
   * ```
   * @throws TypeError / RangeError for a bad option.
   * @throws the Node error (`code` "ENOENT" for a missing `dir`, ...).
   * @throws NotSupportedError in a browser.
   */
  static open(
    options?: TempNameOptions & { mode?: BinaryMode } & NamedTemporaryFileOptions & OpenFileOptions,
  ): Promise<NamedTemporaryFile<Uint8Array>>;
  static open(
    options: TempNameOptions & { mode: TextMode } & NamedTemporaryFileOptions & TextFileOptions,
  ): Promise<NamedTemporaryFile<string>>;
  static open(
    options?: TempNameOptions & { mode?: BinaryMode | TextMode } & NamedTemporaryFileOptions & TextFileOptions,
  ): Promise<NamedTemporaryFile<string | Uint8Array>> {
    let host: FsHost;
    let settings: TempFileSettings;
    let deleteFile: boolean;
    let deleteOnClose: boolean;
    try {
      host = fsHost.get("NamedTemporaryFile.open()");
      settings = tempFileSettings(options, ["delete", "deleteOnClose"]);
      deleteFile = booleanOption(options, "delete", true);
      deleteOnClose = booleanOption(options, "deleteOnClose", true);
    } catch (error) {
      return Promise.reject(error);
    }
    return runHostCall("NamedTemporaryFile.open()", settings.limiter, () =>
      createTempFile(
        host,
        settings,
        (backend, init) => new NamedTemporaryFile<string | Uint8Array>(backend, init, deleteFile, deleteOnClose),
      ),
    );
  }

  /**
   * Closes the file, then deletes it if `delete && deleteOnClose`. Never a checkpoint: it
   * closes and deletes even in a cancelled scope.
   *
   * @example
   * ```ts
   * await file.aclose();
   * ```
   */
  override aclose(): Promise<void> {
    const closed = super.aclose();
    if (!(this.deleteFile && this.deleteOnClose)) return closed;
    return tagPrimitive(closed.then(() => this.remove()));
  }

  /** Closes the file and, if `delete`, deletes it: the end of an `await using` block. Never a checkpoint. */
  override [Symbol.asyncDispose](): Promise<void> {
    const closed = super.aclose();
    if (!this.deleteFile) return closed;
    return tagPrimitive(closed.then(() => this.remove()));
  }

  private remove(): Promise<void> {
    this.removal ??= unlinkQuietly(fsHost.get("NamedTemporaryFile.aclose()"), this.name);
    return this.removal;
  }
}
