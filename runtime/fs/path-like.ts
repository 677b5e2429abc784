/**
 * The paths file functions accept: a string, a `file:` URL, or an object that knows its own
 * path through the `Symbol.for("anyio-ts.fspath")` method (as Python's `os.PathLike` has
 * `__fspath__`); `Path` is one. Pure string work: no host call, so it runs anywhere.
 */
import { describeValue } from "../core/validate";
import type { PathLike } from "./path";

export type { PathLike };

/** The method an object implements to be accepted as a path: returns the path as a string. */
export const FSPATH: unique symbol = Symbol.for("anyio-ts.fspath") as never;

/** An object that can say what path it stands for (`Path` is one). */
export interface FsPathLike {
  [FSPATH](): string;
}

function isWindows(): boolean {
  return (globalThis as { process?: { platform?: string } }).process?.platform === "win32";
}

/** The path of a `file:` URL, by the rules of Node's `url.fileURLToPath`. */
function fileUrlPath(url: URL, name: string): string {
  if (url.protocol !== "file:") {
    throw new TypeError(`Expected \`${name}\` to be a file: URL, got ${describeValue(url.href)}`);
  }
  const windows = isWindows();
  const pathname = url.pathname;
  if (/%2f/i.test(pathname) || (windows && /%5c/i.test(pathname))) {
    throw new TypeError(
      `Expected \`${name}\` to be a file: URL without encoded path separators, got ${describeValue(url.href)}`,
    );
  }
  const decoded = decodeURIComponent(pathname);
  if (windows) {
    const local = decoded.replace(/\//g, "\\");
    if (url.hostname !== "") return `\\\\${url.hostname}${local}`;
    return /^\\[a-zA-Z]:/.test(local) ? local.slice(1) : local;
  }
  if (url.hostname !== "" && url.hostname !== "localhost") {
    throw new TypeError(`Expected \`${name}\` to be a file: URL without a host, got ${describeValue(url.href)}`);
  }
  return decoded;
}

/**
 * The path `path` stands for, as a string. Never a checkpoint.
 *
 * @param name - the argument's name, for the error.
 * @example
 * ```ts
 * pathString(new URL("file:///tmp/a%20b"), "file"); // "/tmp/a b"
 * ```
 * @throws TypeError if `path` is not a string, a `file:` URL or an object with the
 *   `Symbol.for("anyio-ts.fspath")` method returning a string, or if it holds a NUL character.
 */
export function pathString(path: PathLike | FsPathLike, name: string): string {
  let result: unknown;
  if (typeof path === "string") result = path;
  else if (path instanceof URL) result = fileUrlPath(path, name);
  else if (typeof path === "object" && path !== null && typeof (path as Partial<FsPathLike>)[FSPATH] === "function") {
    result = (path as FsPathLike)[FSPATH]();
    if (typeof result !== "string") {
      throw new TypeError(
        `Expected \`${name}\`'s [Symbol.for("anyio-ts.fspath")]() to return a string, got ${describeValue(result)}`,
      );
    }
  } else {
    throw new TypeError(`Expected \`${name}\` to be a string, a file: URL or a Path, got ${describeValue(path)}`);
  }
  if ((result as string).includes("\0")) {
    throw new TypeError(`Expected \`${name}\` to be a path without NUL characters, got ${describeValue(result)}`);
  }
  return result as string;
}
