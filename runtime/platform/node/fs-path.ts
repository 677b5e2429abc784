/**
 * The Node implementation of `Path`'s host (runtime/fs/path-host.ts): `node:fs/promises` for the
 * file system, `node:os` for the home directory, `node:url` for `file:` URLs, and picomatch for
 * glob segments. Installed at load by the Node entry point; browsers never load this file.
 */
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as url from "node:url";
import { describeValue } from "../../core/validate";
import { posixFlavour, windowsFlavour } from "../../fs/path-flavour";
import { pathHost, type DirectoryHandle, type PathEncoding, type PathHost } from "../../fs/path-host";

/** `fs.Stats`, for the host-neutral room to name without importing `node:fs`. */
export type NodeStats = fs.Stats;
/** `fs.Dirent`, likewise. */
export type NodeDirent = fs.Dirent;

// picomatch 4 ships no types; this is the one function used. Its POSIX entry never looks at the
// platform: segments arrive escaped and never contain a separator.
const picomatch = require("picomatch/posix") as {
  makeRe(pattern: string, options: Record<string, boolean>): RegExp;
};

const windows = process.platform === "win32";

let openDirectories = 0;

/** @internal How many directory handles `Path` holds open right now (for tests: every walk closes what it opens). */
export function openDirectoryHandles(): number {
  return openDirectories;
}

/** Entries per batch, and the handle's read-ahead: a batch costs one or two trips to the thread pool. */
const BATCH = 128;

/** Reads up to {@link BATCH} entries of `dir` (none at its end); most come from the handle's buffer. */
async function readBatch(dir: fs.Dir): Promise<fs.Dirent[]> {
  const entries: fs.Dirent[] = [];
  while (entries.length < BATCH) {
    const entry = await dir.read();
    if (entry === null) break;
    entries.push(entry);
  }
  return entries;
}

async function opendir(path: string): Promise<DirectoryHandle> {
  // A larger buffer than Node's 32 entries: fewer trips to the thread pool on big directories.
  const dir = await fsp.opendir(path, { bufferSize: BATCH });
  openDirectories++;
  let closing: Promise<void> | undefined;
  return {
    read: () => readBatch(dir),
    close: () => {
      if (closing === undefined) {
        // Dir queues the close behind a read still in flight (an abandoned step), so it never races one.
        closing = dir.close().finally(() => {
          openDirectories--;
        });
      }
      return closing;
    },
  };
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** `os.path.realpath`, non-strict: a part that is missing (or loops) is kept and the rest joined to it. */
async function realpath(path: string, strict: boolean): Promise<string> {
  const sep = windows ? "\\" : "/";
  const absolute = (windows ? windowsFlavour : posixFlavour).join([process.cwd(), path]);
  if (strict) return await fsp.realpath(absolute);
  return await realpathLoose(absolute, sep);
}

async function realpathLoose(path: string, sep: string): Promise<string> {
  try {
    return await fsp.realpath(path);
  } catch (error) {
    const code = errorCode(error);
    if (code !== "ENOENT" && code !== "ENOTDIR" && code !== "ELOOP") throw error;
  }
  const flavour = windows ? windowsFlavour : posixFlavour;
  const { drive, root, tail } = flavour.parse(path);
  if (tail.length === 0) return path;
  const last = tail[tail.length - 1]!;
  const parent = await realpathLoose(flavour.format({ drive, root, tail: tail.slice(0, -1) }), sep);
  // `parent` is real (no links left), so its own parent is a matter of strings.
  if (last === "..") {
    const resolved = flavour.parse(parent);
    return flavour.format({ drive: resolved.drive, root: resolved.root, tail: resolved.tail.slice(0, -1) });
  }
  return parent.endsWith(sep) ? parent + last : parent + sep + last;
}

function decode(bytes: Uint8Array, encoding: PathEncoding, fatal: boolean): string {
  // ISO-8859-1 proper: TextDecoder's "latin1" is windows-1252.
  if (encoding === "latin1") return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  // ignoreBOM keeps a byte-order mark as text, as Python's "utf-8" and "utf-16-le" codecs do.
  try {
    return new TextDecoder(encoding, { fatal, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    // Raised again as this realm's TypeError (TextDecoder's may come from another realm, as under Jest).
    throw new TypeError(`Cannot decode the file's bytes as ${encoding}: ${(error as Error).message}`, { cause: error });
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATE_G = new RegExp(LONE_SURROGATE.source, "g");

function encode(text: string, encoding: PathEncoding, fatal: boolean): Uint8Array {
  if (encoding === "latin1") {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      if (unit > 0xff) {
        if (fatal)
          throw new TypeError(
            `Cannot encode ${describeValue(text)} in latin1: it holds ${JSON.stringify(text[i])}, which latin1 cannot hold`,
          );
        bytes[i] = 0x3f; // "?"
      } else bytes[i] = unit;
    }
    return bytes;
  }
  if (LONE_SURROGATE.test(text)) {
    if (fatal) throw new TypeError(`Cannot encode ${describeValue(text)} in ${encoding}: it holds a lone surrogate`);
    text = text.replace(LONE_SURROGATE_G, "\uFFFD");
  }
  return encoding === "utf-8" ? Buffer.from(text, "utf8") : Buffer.from(text, "utf16le");
}

async function touch(path: string, mode: number, existOk: boolean): Promise<void> {
  if (existOk) {
    try {
      const now = new Date();
      await fsp.utimes(path, now, now);
      return;
    } catch {
      // Missing (or not ours to touch): create it below, which raises the real error if any.
    }
  }
  const { O_CREAT, O_WRONLY, O_EXCL } = fs.constants;
  const handle = await fsp.open(path, O_CREAT | O_WRONLY | (existOk ? 0 : O_EXCL), mode);
  await handle.close();
}

async function mkdir(path: string, mode: number, parents: boolean, existOk: boolean): Promise<void> {
  try {
    await fsp.mkdir(path, { mode });
  } catch (error) {
    if (errorCode(error) === "ENOENT" && parents) {
      const flavour = windows ? windowsFlavour : posixFlavour;
      const { drive, root, tail } = flavour.parse(path);
      if (tail.length === 0) throw error;
      // Parents get the default mode, as pathlib gives them.
      await mkdir(flavour.format({ drive, root, tail: tail.slice(0, -1) }), 0o777, true, true);
      await mkdir(path, mode, false, existOk);
      return;
    }
    // Not only EEXIST: a system may report EACCES or EROFS first for a directory that exists.
    if (!existOk || !(await isDirectory(path))) throw error;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await fsp.stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function copy(from: string, to: string, followSymlinks: boolean, preserveMetadata: boolean): Promise<void> {
  const source = followSymlinks ? await fsp.stat(from) : await fsp.lstat(from);
  // A directory is copied into a new directory: an existing target is an error (EEXIST), as in pathlib.
  if (source.isDirectory()) await fsp.mkdir(to);
  await fsp.cp(from, to, {
    recursive: true,
    dereference: followSymlinks,
    // Without dereferencing, links are copied as they read (Node would otherwise make them absolute).
    verbatimSymlinks: !followSymlinks,
    preserveTimestamps: preserveMetadata,
    force: true,
  });
}

/** @internal `move` across devices: a copy keeping links and metadata, then the source deleted. */
export async function moveAcrossDevices(from: string, to: string): Promise<void> {
  await fsp.cp(from, to, {
    recursive: true,
    dereference: false,
    verbatimSymlinks: true,
    preserveTimestamps: true,
    force: true,
  });
  await fsp.rm(from, { recursive: true });
}

async function probe(path: string, followSymlinks: boolean): Promise<fs.Stats | undefined> {
  try {
    return followSymlinks ? await fsp.stat(path) : await fsp.lstat(path);
  } catch {
    return undefined;
  }
}

const host: PathHost = {
  flavour: windows ? windowsFlavour : posixFlavour,
  hasLchmod: typeof fs.lchmod === "function",
  segmentRegExp: (escaped, caseSensitive) =>
    picomatch.makeRe(escaped, {
      dot: true,
      nocase: !caseSensitive,
      nobrace: true,
      noextglob: true,
      nonegate: true,
      windows: false,
    }),
  fileUrlToPath: (fileUrl) => url.fileURLToPath(fileUrl),
  cwd: () => Promise.resolve(process.cwd()),
  home: () => Promise.resolve(os.homedir()),
  userName: () => {
    try {
      return os.userInfo().username;
    } catch {
      return "";
    }
  },
  stat: (path, followSymlinks) => (followSymlinks ? fsp.stat(path) : fsp.lstat(path)),
  probe,
  isMount: async (path) => {
    // os.path.ismount: not a link, and its parent is on another device or is the same directory.
    const own = await probe(path, false);
    if (own === undefined || own.isSymbolicLink()) return false;
    const parent = await probe((windows ? windowsFlavour : posixFlavour).join([path, ".."]), false);
    if (parent === undefined) return false;
    return own.dev !== parent.dev || own.ino === parent.ino;
  },
  isJunction: async (path) => {
    if (!windows) return false;
    // Node reports a junction as a link to a directory and cannot tell it from a directory symlink.
    const own = await probe(path, false);
    return own !== undefined && own.isSymbolicLink() && (await isDirectory(path));
  },
  samefile: async (a, b) => {
    const [first, second] = await Promise.all([fsp.stat(a), fsp.stat(b)]);
    return first.dev === second.dev && first.ino === second.ino;
  },
  readlink: (path) => fsp.readlink(path),
  realpath,
  opendir,
  readBytes: async (path) => {
    const buffer = await fsp.readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  },
  readText: async (path, encoding, fatal) => decode(await fsp.readFile(path), encoding, fatal),
  writeBytes: (path, data) => fsp.writeFile(path, data),
  writeText: async (path, data, encoding, fatal) => {
    const bytes = encode(data, encoding, fatal);
    await fsp.writeFile(path, bytes);
  },
  touch,
  mkdir,
  chmod: (path, mode, followSymlinks) => (followSymlinks ? fsp.chmod(path, mode) : fsp.lchmod(path, mode)),
  rename: (from, to) => fsp.rename(from, to),
  unlink: async (path, missingOk) => {
    try {
      await fsp.unlink(path);
    } catch (error) {
      if (!missingOk || errorCode(error) !== "ENOENT") throw error;
    }
  },
  rmdir: (path) => fsp.rmdir(path),
  symlink: (target, path, targetIsDirectory) => fsp.symlink(target, path, targetIsDirectory ? "dir" : "file"),
  link: (target, path) => fsp.link(target, path),
  copy,
  move: async (from, to) => {
    try {
      await fsp.rename(from, to);
    } catch (error) {
      if (errorCode(error) !== "EXDEV") throw error;
      await moveAcrossDevices(from, to);
    }
  },
};

pathHost.install(host);
