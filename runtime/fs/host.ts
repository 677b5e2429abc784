/**
 * What the file room needs from the host: a handful of `node:fs` calls on file handles and
 * paths, the temporary directory and random names. The Node entry point installs the
 * implementation (platform/node/fs.ts); in a browser every file function throws
 * `NotSupportedError` naming the call ("openFile() needs Node.js, Bun or Deno; browsers cannot
 * open files").
 *
 * Every call here is plain host I/O with no notion of cancellation: the room decides when to
 * start it (after a checkpoint, holding a limiter token) and lets it run to completion.
 *
 * The room's modules carry no "use structured" directive, on purpose: their async functions
 * are the host side of an operation (what runs once the checkpoint and the token are behind
 * it), and compiled awaits would race those host calls against cancellation. The operations'
 * promises are tagged as runtime operations instead (file-operation.ts), so compiled callers
 * await them without a race and a call that started is never reported as cancelled.
 */
import { Seam } from "../platform/seam";
import type { FileHandle } from "../platform/node/fs";

export type { FileHandle };

/** What `stat` reports about an open file. */
export interface FileInfo {
  /** Size in bytes. */
  readonly size: number;
  /** Whether it is a regular file (reads and writes at explicit offsets) rather than a pipe, terminal... */
  readonly regular: boolean;
}

/** The host's file operations (Node's `node:fs/promises`, `node:os`, `node:crypto`). */
export interface FsHost {
  /** Opens `path` with Node's `flags` string ("r+", "wx+"...) and `mode` for a created file. */
  open(path: string, flags: string, mode: number): Promise<FileHandle>;
  /**
   * A plain `Uint8Array` of `length` bytes on memory of its own (not a shared pool), left
   * uninitialised: the caller overwrites every byte it hands out.
   */
  alloc(length: number): Uint8Array;
  /** Reads into `buffer[offset, offset + length)` at `position` (null: the kernel's offset); resolves to the count read. */
  read(
    handle: FileHandle,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<number>;
  /** Writes `buffer[offset, offset + length)` at `position` (null: the kernel's offset); resolves to the count written. */
  write(
    handle: FileHandle,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<number>;
  /** Size and kind of an open file. */
  stat(handle: FileHandle): Promise<FileInfo>;
  /** Sets the size of an open file. */
  truncate(handle: FileHandle, size: number): Promise<void>;
  /** Closes the handle. */
  close(handle: FileHandle): Promise<void>;
  /** Removes a file. */
  unlink(path: string): Promise<void>;
  /** Creates one directory (`O_EXCL`-like: `EEXIST` if it exists). */
  mkdir(path: string, mode: number): Promise<void>;
  /** Removes a tree (`fs.rm` recursive). */
  rmTree(path: string): Promise<void>;
  /** The host's directory for temporary files (`os.tmpdir()`). */
  tmpdir(): string;
  /** Joins path segments with the platform's separator. */
  join(directory: string, name: string): string;
  /** Eight random characters from `[a-z0-9_]`, for temporary names. */
  randomName(): string;
  /** Whether `value` is a `node:fs/promises` `FileHandle`. */
  isFileHandle(value: unknown): value is FileHandle;
  /** The host's error for a seek or position query on a pipe or terminal (`code` "ESPIPE"). */
  illegalSeek(): Error;
  /** Whether the host is Windows (an open file cannot be unlinked there). */
  readonly windows: boolean;
}

/** The installed file host; `fsHost.get("openFile()")` in a browser throws `NotSupportedError`. */
export const fsHost = new Seam<FsHost>("browsers cannot open files");
