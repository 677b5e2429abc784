/**
 * `FileReadStream`: a file as a byte receive stream (AnyIO's `anyio.streams.file`).
 */
import { EndOfStream } from "../core/errors";
import { iterateReceive, positiveIntegerError } from "../streams/stream-helpers";
import { TypedAttributeProvider, type TypedAttributeMap } from "../streams/typed-attributes";
import type { ByteReceiveStream } from "../streams/types";
import type { AsyncFile } from "./async-file";
import { adopt, asStreamOperation, fileStreamAttributes, takeAdopted } from "./file-stream-support";
import { fsHost, type FileHandle } from "./host";
import { openFile, wrapFile } from "./open-file";
import { pathString, type PathLike } from "./path-like";
import { tagPrimitive } from "../rt";

const DEFAULT_MAX_BYTES = 65536;

/**
 * Reads a file as a `ByteReceiveStream`: each `receive()` is one read of at most `maxBytes`
 * bytes, `EndOfStream` at the end of the file. Reads run on the host's thread pool, each a
 * checkpoint first and, once started, run to completion (a cancelled `receive()` read nothing,
 * or returns what it read; the cancellation lands at the next checkpoint).
 *
 * @example
 * ```ts
 * await using stream = await FileReadStream.fromPath("big.bin");
 * for await (const chunk of stream) hash.update(chunk);
 * ```
 */
export class FileReadStream extends TypedAttributeProvider implements ByteReceiveStream {
  private readonly file: AsyncFile<Uint8Array>;
  private readonly path: string | undefined;

  /**
   * Takes ownership of `file` (a `node:fs/promises` `FileHandle`): `aclose()` closes it.
   * Reading starts at offset 0. Never a checkpoint.
   * @throws TypeError if `file` is not a FileHandle.
   * @throws NotSupportedError in a browser.
   */
  constructor(file: FileHandle) {
    super();
    const adopted = takeAdopted();
    if (adopted === undefined) fsHost.get("new FileReadStream()");
    this.file = adopted?.file ?? wrapFile(file);
    this.path = adopted?.path;
  }

  /**
   * Opens `path` for reading ("rb"). This is a checkpoint.
   *
   * @example
   * ```ts
   * const stream = await FileReadStream.fromPath("data.bin");
   * ```
   * @throws the Node error (`code` "ENOENT", ...) when the open fails.
   * @throws NotSupportedError in a browser.
   */
  static fromPath(path: PathLike): Promise<FileReadStream> {
    let name: string;
    try {
      fsHost.get("FileReadStream.fromPath()");
      name = pathString(path, "path");
    } catch (error) {
      return Promise.reject(error);
    }
    return tagPrimitive(openFile(name, "rb").then((file) => adopt(file, name, () => new FileReadStream(file.wrapped))));
  }

  /** `file`, `fileno`, and `path` for a stream made by `fromPath()`. Never a checkpoint. */
  override get extraAttributes(): TypedAttributeMap {
    return fileStreamAttributes(this.file, this.path);
  }

  /**
   * Reads at most `maxBytes` bytes (one host read). This is a checkpoint.
   *
   * @example
   * ```ts
   * const chunk = await stream.receive(4096);
   * ```
   * @throws EndOfStream at the end of the file.
   * @throws ClosedResourceError after `aclose()`.
   * @throws BrokenResourceError if the read failed (the Node error is its `cause`).
   * @throws TypeError / RangeError if `maxBytes` is not a positive integer.
   */
  receive(maxBytes = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
    const problem = positiveIntegerError(maxBytes, "maxBytes");
    if (problem !== undefined) return Promise.reject(problem);
    return asStreamOperation(
      this.file.read1(maxBytes),
      (chunk) => {
        if (chunk.length === 0) throw new EndOfStream("The file has no more bytes to read");
        return chunk;
      },
      "read",
    );
  }

  /**
   * Moves the read position: `position` bytes from the start (`whence` 0), the current position
   * (1) or the end (2); returns the new position. This is a checkpoint.
   *
   * @example
   * ```ts
   * await stream.seek(0);
   * ```
   * @throws the Node error with `code` "ESPIPE" on a pipe or terminal.
   * @throws ClosedResourceError after `aclose()`.
   */
  seek(position: number, whence: 0 | 1 | 2 = 0): Promise<number> {
    return this.file.seek(position, whence);
  }

  /**
   * The current read position. This is a checkpoint.
   *
   * @example
   * ```ts
   * const offset = await stream.tell();
   * ```
   * @throws the Node error with `code` "ESPIPE" on a pipe or terminal.
   * @throws ClosedResourceError after `aclose()`.
   */
  tell(): Promise<number> {
    return this.file.tell();
  }

  /**
   * Closes the file (after a read in progress finishes). Never a checkpoint: it closes even in
   * a cancelled scope.
   *
   * @example
   * ```ts
   * await stream.aclose();
   * ```
   */
  aclose(): Promise<void> {
    return this.file.aclose();
  }

  /** Closes the stream at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /** Iterates over the chunks until the end of the file. Each step is a checkpoint. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return iterateReceive(() => this.receive());
  }
}
