/**
 * What `Path` needs from the host: the platform's path flavour, glob segment matchers, and the
 * file-system calls behind its I/O members. runtime/platform/node/fs-path.ts implements it with
 * `node:fs`, `node:path`, `node:os` and `node:url`; in browsers nothing is installed, so
 * `new Path()` and every static member throw `NotSupportedError` naming the call.
 *
 * Each call here is one host operation, whole: the room decides around it whether it is a query
 * (abandoned on cancellation) or a mutation (run to completion), and holds the limiter token.
 */
import { Seam } from "../platform/seam";
import type { PathFlavour } from "./path-flavour";
import type { NodeDirent, NodeStats } from "../platform/node/fs-path";

/** File metadata, as `node:fs` reports it (`fs.Stats`). */
export type Stats = NodeStats;

/** One entry read from a directory handle (an `fs.Dirent`). */
export type DirectoryEntry = NodeDirent;

/** An open directory (`fs.Dir`): entries a batch at a time, then closed. */
export interface DirectoryHandle {
  /** The next entries (as many as the handle has read ahead, at least one), or none once every entry was read. */
  read(): Promise<DirectoryEntry[]>;
  /** Closes the handle; later reads fail. */
  close(): Promise<void>;
}

/** The encodings `readText`/`writeText` take. */
export type PathEncoding = "utf-8" | "utf-16le" | "latin1";

/** What `Path` asks of the host. */
export interface PathHost {
  /** The platform's flavour: Windows or POSIX. */
  readonly flavour: PathFlavour;
  /** Whether `lchmod` exists (macOS only). */
  readonly hasLchmod: boolean;
  /** A matcher for one glob segment, escaped by path-pattern.ts so only `*`, `?` and `[...]` are special. */
  segmentRegExp(escaped: string, caseSensitive: boolean): RegExp;
  /** The path of a `file:` URL (`url.fileURLToPath`). @throws TypeError for another URL. */
  fileUrlToPath(url: URL): string;
  /** The working directory. */
  cwd(): Promise<string>;
  /** The user's home directory (`$HOME` first). */
  home(): Promise<string>;
  /** The current user's name, to expand `~name` when it is that user. */
  userName(): string;
  stat(path: string, followSymlinks: boolean): Promise<Stats>;
  /** `stat` that answers undefined instead of raising (`exists()`, `is*()`). */
  probe(path: string, followSymlinks: boolean): Promise<Stats | undefined>;
  isMount(path: string): Promise<boolean>;
  isJunction(path: string): Promise<boolean>;
  samefile(a: string, b: string): Promise<boolean>;
  readlink(path: string): Promise<string>;
  /** `os.path.realpath`; non-strict resolves as far as the file system allows and keeps the rest. */
  realpath(path: string, strict: boolean): Promise<string>;
  opendir(path: string): Promise<DirectoryHandle>;
  readBytes(path: string): Promise<Uint8Array>;
  readText(path: string, encoding: PathEncoding, fatal: boolean): Promise<string>;
  writeBytes(path: string, data: Uint8Array): Promise<void>;
  /** Encodes (raising or replacing as `fatal` says) and writes. */
  writeText(path: string, data: string, encoding: PathEncoding, fatal: boolean): Promise<void>;
  touch(path: string, mode: number, existOk: boolean): Promise<void>;
  mkdir(path: string, mode: number, parents: boolean, existOk: boolean): Promise<void>;
  chmod(path: string, mode: number, followSymlinks: boolean): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string, missingOk: boolean): Promise<void>;
  rmdir(path: string): Promise<void>;
  symlink(target: string, path: string, targetIsDirectory: boolean): Promise<void>;
  link(target: string, path: string): Promise<void>;
  copy(from: string, to: string, followSymlinks: boolean, preserveMetadata: boolean): Promise<void>;
  /** Renames, or across devices copies (keeping metadata and links) then deletes. */
  move(from: string, to: string): Promise<void>;
}

/** The host's implementation of {@link PathHost}, installed by the Node entry point. */
export const pathHost = new Seam<PathHost>("browsers cannot touch the file system");
