/**
 * `SpooledTemporaryFile`: a temporary file kept in memory until it grows past a size.
 */
import { tagPrimitive } from "../rt";
import { describeValue } from "../core/validate";
import { AsyncFile } from "./async-file";
import { HandleBackend, MemoryBackend } from "./file-backend";
import { fsHost, type FileHandle, type FsHost } from "./host";
import type { TextFileOptions } from "./open-file";
import type { BinaryMode, TextMode } from "./open-mode";
import { tempFileSettings, unlinkQuietly, type TempFileSettings } from "./temp-file-support";
import { createUnique, type TempNameOptions } from "./temp-names";

/** Options of {@link SpooledTemporaryFile}. */
export type SpooledTemporaryFileOptions = TempNameOptions & {
  /**
   * The size in bytes the data may reach in memory; a write or truncate that leaves it strictly
   * larger moves it to a real temporary file. 0: never.
   * @default 0
   */
  maxSize?: number;
  /** The mode. @default "w+b" */
  mode?: BinaryMode | TextMode;
} & TextFileOptions;

function checkMaxSize(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`Expected \`maxSize\` to be an integer >= 0, got ${describeValue(value)}`);
  }
  if (value < 0) throw new RangeError(`Expected \`maxSize\` to be an integer >= 0, got ${describeValue(value)}`);
  return value;
}

/**
 * A temporary file whose data stays in memory until a write (or truncate) leaves it larger
 * than `maxSize` bytes, and then moves to an unnamed temporary file in `dir` on that same
 * operation (Python's `tempfile.SpooledTemporaryFile` rule: strictly larger; `maxSize` 0, the
 * default, never rolls over). `T` must match the mode: `Uint8Array` for the default "w+b",
 * `string` for a text mode.
 *
 * Before rollover `wrapped` is `null` and `name` is ""; in-memory operations do not yield and
 * take no limiter token, but each still checks for cancellation first (`checkpointIfCancelled`)
 * and keeps call order. `closed` reflects either state.
 *
 * @example
 * ```ts
 * await using spool = new SpooledTemporaryFile({ maxSize: 1 << 20 });
 * await spool.write(chunk); // in memory until it passes 1 MiB
 * ```
 */
export class SpooledTemporaryFile<T extends string | Uint8Array = Uint8Array> extends AsyncFile<T> {
  /** The size past which the data moves to a real file (0: never). */
  readonly maxSize: number;
  private readonly settings: TempFileSettings;
  private readonly host: FsHost;
  private rolledPath: string | undefined;

  /**
   * An empty spooled file, in memory. Never a checkpoint.
   * @throws TypeError / RangeError for a bad option.
   * @throws NotSupportedError in a browser.
   */
  constructor(options?: SpooledTemporaryFileOptions) {
    const host = fsHost.get("new SpooledTemporaryFile()");
    const settings = tempFileSettings(options, ["maxSize"]);
    const maxSize = checkMaxSize(options?.maxSize);
    super(new MemoryBackend(), {
      name: "",
      mode: settings.mode,
      text: settings.text,
      append: settings.parsed.append,
      limiter: settings.limiter,
      position: 0,
      positional: true,
    });
    this.host = host;
    this.settings = settings;
    this.maxSize = maxSize;
  }

  /** The `FileHandle` after rollover; `null` before (typed as the base class's). Never a checkpoint. */
  override get wrapped(): FileHandle {
    return this._backend.handle as FileHandle;
  }

  /** Whether the data has moved to a real file. Never a checkpoint. */
  get rolledOver(): boolean {
    return !this._backend.inMemory;
  }

  /**
   * Moves the data to a real temporary file now (nothing happens if it already did). This is a
   * checkpoint; once started, the move finishes.
   *
   * @example
   * ```ts
   * await spool.rollover();
   * ```
   * @throws ClosedResourceError after `aclose()`.
   * @throws the Node error if the file cannot be created or written.
   */
  rollover(): Promise<void> {
    return this._operation("SpooledTemporaryFile.rollover()", () => this.rolloverNow());
  }

  /** @internal The rule: a write or truncate that leaves the data larger than `maxSize` rolls over. */
  override _afterGrowth(): Promise<void> {
    const backend = this._backend;
    if (backend instanceof MemoryBackend && this.maxSize > 0 && backend.size > this.maxSize) return this.rolloverNow();
    return Promise.resolve();
  }

  /** Closes the file (and on Windows deletes the rolled-over file). Never a checkpoint. */
  override aclose(): Promise<void> {
    const closed = super.aclose();
    const path = this.rolledPath;
    if (path === undefined || !this.host.windows) return closed;
    return tagPrimitive(closed.then(() => unlinkQuietly(this.host, path)));
  }

  private async rolloverNow(): Promise<void> {
    const memory = this._backend;
    if (!(memory instanceof MemoryBackend)) return;
    const host = this.host;
    const [handle, path] = await createUnique(
      host,
      this.settings.names,
      async (candidate): Promise<[FileHandle, string]> => [await host.open(candidate, "wx+", 0o600), candidate],
    );
    try {
      if (!host.windows) await host.unlink(path);
      const data = memory.contents();
      let written = 0;
      while (written < data.length) written += await host.write(handle, data, written, data.length - written, written);
    } catch (error) {
      await handle.close();
      if (host.windows) await unlinkQuietly(host, path);
      throw error;
    }
    this._backend = new HandleBackend(host, handle);
    this._name = path;
    this.rolledPath = path;
    await memory.close();
  }
}
