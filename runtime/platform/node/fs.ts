/**
 * The file room's host (runtime/fs/host.ts) on Node, Bun and Deno: `node:fs/promises` for file
 * handles, `node:os` for the temporary directory, `node:crypto` for random names. Installed
 * when the Node entry point loads this module; the browser entry never does.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { fsHost, type FsHost } from "../../fs/host";

export type { FileHandle };

/** Python's `tempfile` alphabet: lower-case letters, digits and `_`. */
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789_";

const host: FsHost = {
  alloc: (length) => {
    const buffer = Buffer.allocUnsafeSlow(length);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
  },
  open: (path, flags, mode) => fsp.open(path, flags, mode),
  // Reads and writes go through the callback API on the handle's descriptor: one promise per
  // call instead of FileHandle's async wrappers (measured: a few microseconds per 64 KiB read).
  // The file room never closes a handle while one of its calls runs.
  read: (handle, buffer, offset, length, position) =>
    new Promise((resolve, reject) =>
      fs.read(handle.fd, buffer, offset, length, position, (error, count) => (error ? reject(error) : resolve(count))),
    ),
  write: (handle, buffer, offset, length, position) =>
    new Promise((resolve, reject) =>
      fs.write(handle.fd, buffer, offset, length, position, (error, count) => (error ? reject(error) : resolve(count))),
    ),
  stat: (handle) => handle.stat().then((stats) => ({ size: stats.size, regular: stats.isFile() })),
  truncate: (handle, size) => handle.truncate(size),
  close: (handle) => handle.close(),
  unlink: (path) => fsp.unlink(path),
  mkdir: (path, mode) => fsp.mkdir(path, { mode }).then(() => undefined),
  rmTree: (path) => fsp.rm(path, { recursive: true }),
  tmpdir: () => tmpdir(),
  join: (directory, name) => join(directory, name),
  randomName: () => {
    const bytes = randomBytes(8);
    let name = "";
    for (const byte of bytes) name += ALPHABET[byte % ALPHABET.length];
    return name;
  },
  isFileHandle: (value): value is FileHandle =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as FileHandle).fd === "number" &&
    typeof (value as FileHandle).read === "function" &&
    typeof (value as FileHandle).write === "function" &&
    typeof (value as FileHandle).close === "function",
  illegalSeek: () =>
    Object.assign(new Error("ESPIPE: illegal seek, seek"), {
      code: "ESPIPE",
      errno: -(constants.errno.ESPIPE ?? 29),
      syscall: "seek",
    }),
  windows: process.platform === "win32",
};

fsHost.install(host);
