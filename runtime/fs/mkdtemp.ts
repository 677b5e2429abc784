/**
 * `mkdtemp()`: a new temporary directory that the caller deletes.
 */
import { runHostCall } from "./file-operation";
import { fsHost, type FsHost } from "./host";
import { checkTempNames, createUnique, type TempNameOptions, type TempNames } from "./temp-names";

/**
 * Creates a directory named `prefix + random + suffix` in `dir` (mode 0o700) and returns its
 * path; deleting it is the caller's job. This is a checkpoint; once started, the creation
 * finishes.
 *
 * @example
 * ```ts
 * const dir = await mkdtemp({ prefix: "build-" });
 * ```
 * @throws TypeError for a bad option.
 * @throws the Node error (`code` "ENOENT" for a missing `dir`, "EACCES", ...).
 * @throws NotSupportedError in a browser.
 */
export function mkdtemp(options?: TempNameOptions): Promise<string> {
  let host: FsHost;
  let names: TempNames;
  try {
    host = fsHost.get("mkdtemp()");
    names = checkTempNames(options, []);
  } catch (error) {
    return Promise.reject(error);
  }
  return runHostCall("mkdtemp()", null, () =>
    createUnique(host, names, async (path) => {
      await host.mkdir(path, 0o700);
      return path;
    }),
  );
}
