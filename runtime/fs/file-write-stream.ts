/**
 * `FileWriteStream`: a file as a byte send stream (AnyIO's `anyio.streams.file`).
 */
import { tagPrimitive } from "../rt";
import { checkOptions, describeValue } from "../core/validate";
import { TypedAttributeProvider, type TypedAttributeMap } from "../streams/typed-attributes";
import type { ByteSendStream } from "../streams/types";
import type { AsyncFile } from "./async-file";
import { adopt, asStreamOperation, fileStreamAttributes, takeAdopted } from "./file-stream-support";
import { fsHost, type FileHandle } from "./host";
import { openFile, wrapFile } from "./open-file";
import { pathString, type PathLike } from "./path-like";

/** Options of {@link FileWriteStream.fromPath}. */
export interface FileWriteStreamOptions {
  /**
   * Append to the file ("ab") instead of truncating it ("wb").
   * @default false
   */
  append?: boolean;
}

/**
 * Writes a file as a `ByteSendStream`: each `send()` writes all of its bytes. Writes run on
 * the host's thread pool, each a checkpoint first and, once started, run to completion (a
 * cancelled `send()` wrote nothing or everything).
 *
 * @example
 * ```ts
 * await using out = await FileWriteStream.fromPath("copy.bin");
 * for await (const chunk of source) await out.send(chunk);
 * ```
 */
export class FileWriteStream extends TypedAttributeProvider implements ByteSendStream {
  private readonly file: AsyncFile<Uint8Array>;
  private readonly path: string | undefined;

  /**
   * Takes ownership of `file` (a `node:fs/promises` `FileHandle`): `aclose()` closes it.
   * Writing starts at offset 0 (or at the end for a handle opened in an append mode). Never a
   * checkpoint.
   * @throws TypeError if `file` is not a FileHandle.
   * @throws NotSupportedError in a browser.
   */
  constructor(file: FileHandle) {
    super();
    const adopted = takeAdopted();
    if (adopted === undefined) fsHost.get("new FileWriteStream()");
    this.file = adopted?.file ?? wrapFile(file);
    this.path = adopted?.path;
  }

  /**
   * Opens `path` for writing: "ab" if `append`, otherwise "wb" (creating or truncating it).
   * This is a checkpoint.
   *
   * @example
   * ```ts
   * const log = await FileWriteStream.fromPath("app.log", { append: true });
   * ```
   * @throws the Node error (`code` "ENOENT", "EACCES", ...) when the open fails.
   * @throws NotSupportedError in a browser.
   */
  static fromPath(path: PathLike, options?: FileWriteStreamOptions): Promise<FileWriteStream> {
    let name: string;
    try {
      fsHost.get("FileWriteStream.fromPath()");
      name = pathString(path, "path");
      checkOptions(options, ["append"]);
      if (options?.append !== undefined && typeof options.append !== "boolean") {
        throw new TypeError(`Expected \`append\` to be a boolean, got ${describeValue(options.append)}`);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return tagPrimitive(
      openFile(name, options?.append === true ? "ab" : "wb").then((file) =>
        adopt(file, name, () => new FileWriteStream(file.wrapped)),
      ),
    );
  }

  /** `file`, `fileno`, and `path` for a stream made by `fromPath()`. Never a checkpoint. */
  override get extraAttributes(): TypedAttributeMap {
    return fileStreamAttributes(this.file, this.path);
  }

  /**
   * Writes all of `data`. This is a checkpoint; once started, the write finishes even if the
   * task is cancelled meanwhile.
   *
   * @example
   * ```ts
   * await out.send(new TextEncoder().encode("hello"));
   * ```
   * @throws TypeError if `data` is not a Uint8Array.
   * @throws ClosedResourceError after `aclose()`.
   * @throws BrokenResourceError if the write failed (the Node error is its `cause`).
   */
  send(data: Uint8Array): Promise<void> {
    if (!(data instanceof Uint8Array)) {
      return Promise.reject(new TypeError(`Expected \`data\` to be a Uint8Array, got ${describeValue(data)}`));
    }
    return asStreamOperation(this.file.write(data), () => undefined, "write");
  }

  /**
   * Closes the file (after a write in progress finishes). Never a checkpoint: it closes even in
   * a cancelled scope.
   *
   * @example
   * ```ts
   * await out.aclose();
   * ```
   */
  aclose(): Promise<void> {
    return this.file.aclose();
  }

  /** Closes the stream at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
}
