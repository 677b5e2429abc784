/**
 * `gettempdir()`: the directory temporary files go to by default.
 */
import { runHostCall } from "./file-operation";
import { fsHost, type FsHost } from "./host";

/**
 * The host's directory for temporary files (`os.tmpdir()`; Python's `tempfile.gettempdir()`).
 * This is a checkpoint.
 *
 * @example
 * ```ts
 * const tmp = await gettempdir(); // "/tmp"
 * ```
 * @throws NotSupportedError in a browser.
 */
export function gettempdir(): Promise<string> {
  let host: FsHost;
  try {
    host = fsHost.get("gettempdir()");
  } catch (error) {
    return Promise.reject(error);
  }
  return runHostCall("gettempdir()", null, () => Promise.resolve(host.tmpdir()));
}
