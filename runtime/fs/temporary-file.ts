/**
 * `TemporaryFile`: an anonymous temporary file, gone once closed.
 */
import { AsyncFile } from "./async-file";
import { runHostCall } from "./file-operation";
import { fsHost, type FsHost } from "./host";
import { NamedTemporaryFile } from "./named-temporary-file";
import type { OpenFileOptions, TextFileOptions } from "./open-file";
import type { BinaryMode, TextMode } from "./open-mode";
import { createTempFile, tempFileSettings, type TempFileSettings } from "./temp-file-support";
import type { TempNameOptions } from "./temp-names";

/**
 * An unnamed temporary file (Python's `tempfile.TemporaryFile`): created like `mkstemp()`,
 * then unlinked at once on POSIX, so nothing is left behind when it is closed (on Windows it is
 * deleted when closed). `name` is the path it was created at.
 *
 * ≠AnyIO: a static async factory replaces `async with TemporaryFile()`; close the file with
 * `await using` or `aclose()`.
 *
 * @example
 * ```ts
 * await using scratch = await TemporaryFile.open();
 * await scratch.write(bytes);
 * await scratch.seek(0);
 * ```
 */
export class TemporaryFile {
  private constructor() {}

  /**
   * Creates and opens a temporary file, "w+b" unless `mode` says otherwise. This is a
   * checkpoint; once started, the creation finishes.
   *
   * @example
   * ```ts
   * await using scratch = await TemporaryFile.open({ mode: "w+", encoding: "utf-8" });
   * ```
   * @throws TypeError / RangeError for a bad option.
   * @throws the Node error (`code` "ENOENT" for a missing `dir`, ...).
   * @throws NotSupportedError in a browser.
   */
  static open(options?: TempNameOptions & { mode?: BinaryMode } & OpenFileOptions): Promise<AsyncFile<Uint8Array>>;
  static open(options: TempNameOptions & { mode: TextMode } & TextFileOptions): Promise<AsyncFile<string>>;
  static open(
    options?: TempNameOptions & { mode?: BinaryMode | TextMode } & TextFileOptions,
  ): Promise<AsyncFile<string | Uint8Array>> {
    let host: FsHost;
    let settings: TempFileSettings;
    try {
      host = fsHost.get("TemporaryFile.open()");
      settings = tempFileSettings(options, []);
    } catch (error) {
      return Promise.reject(error);
    }
    return runHostCall("TemporaryFile.open()", settings.limiter, async () => {
      if (host.windows) {
        // An open file cannot be unlinked on Windows: delete it when it is closed instead.
        return createTempFile(host, settings, (backend, init) => new NamedTemporaryFile(backend, init, true, true));
      }
      const file = await createTempFile(
        host,
        settings,
        (backend, init) => new AsyncFile<string | Uint8Array>(backend, init),
      );
      try {
        await host.unlink(file.name);
      } catch (error) {
        await file.wrapped.close();
        throw error;
      }
      return file;
    });
  }
}
