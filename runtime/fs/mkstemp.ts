/**
 * `mkstemp()`: a new temporary file, created and opened, that the caller deletes.
 */
import { runHostCall } from "./file-operation";
import { fsHost, type FileHandle, type FsHost } from "./host";
import { checkTempNames, createUnique, type TempNameOptions, type TempNames } from "./temp-names";

/**
 * Creates a file named `prefix + random + suffix` in `dir` (`O_EXCL`, mode 0o600, read and
 * write) and returns its open handle and its path; closing and deleting it are the caller's
 * job. This is a checkpoint; once started, the creation finishes (a cancelled task created
 * nothing, or gets the file).
 *
 * @example
 * ```ts
 * const [handle, path] = await mkstemp({ suffix: ".json" });
 * try { ... } finally { await handle.close(); await fs.promises.unlink(path); }
 * ```
 * @throws TypeError for a bad option.
 * @throws the Node error (`code` "ENOENT" for a missing `dir`, "EACCES", ...).
 * @throws NotSupportedError in a browser.
 */
export function mkstemp(options?: TempNameOptions): Promise<[handle: FileHandle, path: string]> {
  let host: FsHost;
  let names: TempNames;
  try {
    host = fsHost.get("mkstemp()");
    names = checkTempNames(options, []);
  } catch (error) {
    return Promise.reject(error);
  }
  return runHostCall("mkstemp()", null, () =>
    createUnique(host, names, async (path): Promise<[FileHandle, string]> => [
      await host.open(path, "wx+", 0o600),
      path,
    ]),
  );
}
