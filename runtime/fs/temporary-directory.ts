/**
 * `TemporaryDirectory`: a temporary directory removed with everything in it when done.
 */
import { CancelScope } from "../core/cancel-scope";
import { runHostCall } from "./file-operation";
import { fsHost, type FsHost } from "./host";
import { booleanOption } from "./temp-file-support";
import { checkTempNames, createUnique, type TempNameOptions, type TempNames } from "./temp-names";

/** The cleanup options of {@link TemporaryDirectory.create}. */
export interface TemporaryDirectoryOptions {
  /**
   * Swallow errors while removing the directory.
   * @default false
   */
  ignoreCleanupErrors?: boolean;
  /**
   * Remove the directory at the end of its `await using` block.
   * @default true
   */
  delete?: boolean;
}

/**
 * A temporary directory (Python's `tempfile.TemporaryDirectory`): created like `mkdtemp()`
 * (mode 0o700) and removed with its contents by `cleanup()`, or at the end of its
 * `await using` block when `delete` (the default). A cancelled block still removes it: the
 * removal is shielded.
 *
 * ≠AnyIO: a static async factory replaces `async with TemporaryDirectory()`.
 *
 * @example
 * ```ts
 * await using tmp = await TemporaryDirectory.create();
 * await writeReport(`${tmp.path}/report.html`);
 * ```
 */
export class TemporaryDirectory implements AsyncDisposable {
  private cleaned = false;

  private constructor(
    /** The directory's path. */
    readonly path: string,
    private readonly host: FsHost,
    private readonly ignoreCleanupErrors: boolean,
    private readonly deleteOnDispose: boolean,
  ) {}

  /**
   * Creates a temporary directory. This is a checkpoint; once started, the creation finishes.
   *
   * @example
   * ```ts
   * await using tmp = await TemporaryDirectory.create({ prefix: "test-", ignoreCleanupErrors: true });
   * ```
   * @throws TypeError for a bad option.
   * @throws the Node error (`code` "ENOENT" for a missing `dir`, ...).
   * @throws NotSupportedError in a browser.
   */
  static create(options?: TempNameOptions & TemporaryDirectoryOptions): Promise<TemporaryDirectory> {
    let host: FsHost;
    let names: TempNames;
    let ignore: boolean;
    let remove: boolean;
    try {
      host = fsHost.get("TemporaryDirectory.create()");
      names = checkTempNames(options, ["ignoreCleanupErrors", "delete"]);
      ignore = booleanOption(options, "ignoreCleanupErrors", false);
      remove = booleanOption(options, "delete", true);
    } catch (error) {
      return Promise.reject(error);
    }
    return runHostCall("TemporaryDirectory.create()", null, () =>
      createUnique(host, names, async (path) => {
        await host.mkdir(path, 0o700);
        return new TemporaryDirectory(path, host, ignore, remove);
      }),
    );
  }

  /**
   * Removes the directory and everything in it (`fs.rm` recursive); doing it again, or on a
   * directory already gone, does nothing. This is a checkpoint; once started, the removal
   * finishes.
   *
   * @example
   * ```ts
   * await tmp.cleanup();
   * ```
   * @throws the Node error of the removal, unless `ignoreCleanupErrors`.
   */
  cleanup(): Promise<void> {
    return runHostCall("TemporaryDirectory.cleanup()", null, async () => {
      if (this.cleaned) return;
      try {
        await this.host.rmTree(this.path);
      } catch (error) {
        if ((error as { code?: unknown }).code !== "ENOENT" && !this.ignoreCleanupErrors) throw error;
      }
      this.cleaned = true;
    });
  }

  /** Removes the directory if `delete` (the default), even in a cancelled scope (shielded). */
  [Symbol.asyncDispose](): Promise<void> {
    if (!this.deleteOnDispose) return Promise.resolve();
    return new CancelScope({ shield: true }).run(() => this.cleanup());
  }

  toString(): string {
    return `<TemporaryDirectory ${JSON.stringify(this.path)}>`;
  }
}
