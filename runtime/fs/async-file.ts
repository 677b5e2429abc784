/**
 * `AsyncFile`: a file opened by `openFile()` or wrapped by `wrapFile()`, whose every operation is
 * a checkpoint and then runs on the host's thread pool holding a token of the file's capacity
 * limiter (AnyIO's `AsyncFile`, which runs each call of the Python file in a worker thread).
 *
 * Invariants:
 * - Operations run one at a time in call order (one {@link OperationQueue} per file), so the
 *   position and the read-ahead below stay coherent whatever tasks call them.
 * - `pos` is the byte offset of the next host read or write; `ahead` holds bytes read from the
 *   host but not yet returned (they start at `pos - ahead.length`), and in text mode `aheadText`
 *   the characters decoded from the start of `ahead` (the decoder carries an incomplete last
 *   character). `tell()` is `pos - ahead.length`: read-ahead is hidden.
 * - A seek, write or truncate first drops the read-ahead (moving `pos` back to `tell()`).
 *
 * Deliberately not structured code: the bodies here are the host side of an operation, started
 * once the checkpoint and the token are behind it, and must run to completion; compiled awaits
 * would race them against cancellation.
 */
import { currentFrame, noteSchedulePoint, tagPrimitive, yieldMacrotask } from "../rt";
import { ClosedResourceError } from "../core/errors";
import { describeValue } from "../core/validate";
import type { CapacityLimiter } from "../sync/capacity-limiter";
import { cancelled, outsideTask } from "../sync/checks";
import type { AsyncResource } from "../streams/types";
import type { FileBackend } from "./file-backend";
import { limiterOf, OperationQueue } from "./file-operation";
import { fsHost, type FileHandle } from "./host";
import type { TextCodec } from "./text-codec";

const EMPTY = new Uint8Array(0);
/** Bytes asked of the host per read for `read1()` without a size. */
const CHUNK = 65536;
/** Bytes asked of the host per read for a line, and the first read of a read to the end. */
const LINE_CHUNK = 8192;
/** The largest read of a read to the end: each read asks twice as much as the one before, up to this. */
const MAX_CHUNK = 1 << 20;
const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/** How an `AsyncFile` was opened. @internal */
export interface AsyncFileInit {
  readonly name: string;
  readonly mode: string;
  readonly text: TextCodec | null;
  readonly append: boolean;
  readonly limiter: CapacityLimiter | null;
  /** The starting byte offset. */
  readonly position: number;
  /** Whether the file has positions (explicit offsets); undefined: find out on first use. */
  readonly positional: boolean | undefined;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function concatAll(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function closedFile(): ClosedResourceError {
  return new ClosedResourceError("This file was closed and can no longer be used");
}

function sizeError(value: unknown, name: string): Error | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return new TypeError(`Expected \`${name}\` to be an integer, got ${describeValue(value)}`);
  }
  return undefined;
}

function bytesError(value: unknown, name: string): Error | undefined {
  if (value instanceof Uint8Array) return undefined;
  return new TypeError(`Expected \`${name}\` to be a Uint8Array, got ${describeValue(value)}`);
}

/**
 * An open file whose methods are async (AnyIO's `AsyncFile`): `T` is `string` in text mode and
 * `Uint8Array` in binary mode. Iterating it with `for await` yields its lines. Close it with
 * `aclose()` or `await using`.
 *
 * Every method is a checkpoint, then runs through `node:fs` holding one token of
 * {@link AsyncFile.limiter} (the run's default limiter of 40 tokens when null), and once started
 * runs to completion: a cancelled `write()` has either not started or finished. Operations run
 * one at a time in call order.
 *
 * @example
 * ```ts
 * await using file = await openFile("notes.txt");
 * for await (const line of file) console.log(line.trimEnd());
 * ```
 */
export class AsyncFile<T extends string | Uint8Array> implements AsyncResource, AsyncIterable<T> {
  /** The limiter given when opening, or null for the run's default limiter. */
  readonly limiter: CapacityLimiter | null;
  /** @internal */ _name: string;
  /** The mode opened with ("rb", "w+", ...). */
  readonly mode: string;

  /** @internal */ _backend: FileBackend;
  /** @internal */ readonly _queue = new OperationQueue();
  /** @internal */ _pos: number;
  /** @internal */ _positional: boolean | undefined;
  private readonly text: TextCodec | null;
  private readonly append: boolean;
  private ahead: Uint8Array = EMPTY;
  private aheadText = "";
  private isClosed = false;
  private closing: Promise<void> | undefined;
  /** Whether a subclass watches growth (a spooled file's rollover rule). */
  private readonly grows: boolean;

  /** @internal Use `openFile()` or `wrapFile()`. */
  constructor(backend: FileBackend, init: AsyncFileInit) {
    this._backend = backend;
    this._name = init.name;
    this.mode = init.mode;
    this.text = init.text;
    this.append = init.append;
    this.limiter = init.limiter;
    this._pos = init.position;
    this._positional = init.positional;
    this.grows = this._afterGrowth !== AsyncFile.prototype._afterGrowth;
  }

  /** The `node:fs/promises` `FileHandle` underneath. Never a checkpoint. */
  get wrapped(): FileHandle {
    return this._backend.handle as FileHandle;
  }

  /** The path opened ("" for `wrapFile()`). Never a checkpoint. */
  get name(): string {
    return this._name;
  }

  /** Whether `aclose()` was called. Never a checkpoint. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Reads up to `size` characters (text mode) or bytes (binary mode); to the end of the file
   * when `size` is negative or omitted. Returns an empty string or array at the end of the file.
   * In text mode a character beyond the BMP is never split: the result may hold one more UTF-16
   * unit than `size` to complete it. This is a checkpoint.
   *
   * @example
   * ```ts
   * const everything = await file.read();
   * ```
   * @throws TypeError if `size` is not an integer, or (text mode, `errors: "strict"`) if the bytes are not valid in the encoding.
   * @throws ClosedResourceError after `aclose()`.
   */
  read(size = -1): Promise<T> {
    const problem = sizeError(size, "size");
    if (problem !== undefined) return Promise.reject(problem);
    return this._operation(
      "AsyncFile.read()",
      () => (this.text === null ? this.readBytes(size) : this.readText(size)) as Promise<T>,
    );
  }

  /**
   * Reads at most `size` bytes with at most one host read (binary mode only): what the file has
   * buffered, or one read. Empty at the end of the file. This is a checkpoint.
   *
   * @example
   * ```ts
   * const chunk = await file.read1(65536);
   * ```
   * @throws TypeError if `size` is not an integer, or in text mode.
   * @throws ClosedResourceError after `aclose()`.
   */
  read1(this: AsyncFile<Uint8Array>, size = -1): Promise<Uint8Array> {
    const problem = sizeError(size, "size") ?? this.binaryOnly("read1");
    if (problem !== undefined) return Promise.reject(problem);
    return this._operation("AsyncFile.read1()", () => this.readOnce(size < 0 ? CHUNK : size));
  }

  /**
   * Reads up to and including the next "\n"; an empty string or array at the end of the file.
   * This is a checkpoint.
   *
   * @example
   * ```ts
   * const header = await file.readline();
   * ```
   * @throws ClosedResourceError after `aclose()`.
   */
  readline(): Promise<T> {
    return this._operation("AsyncFile.readline()", () => this.readLineNow() as Promise<T>);
  }

  /**
   * Reads the remaining lines, each with its "\n". This is a checkpoint.
   *
   * @example
   * ```ts
   * const lines = await file.readlines();
   * ```
   * @throws ClosedResourceError after `aclose()`.
   */
  readlines(): Promise<T[]> {
    return this._operation("AsyncFile.readlines()", async () => {
      const lines: T[] = [];
      for (;;) {
        const line = (await this.readLineNow()) as T;
        if (line.length === 0) return lines;
        lines.push(line);
      }
    });
  }

  /**
   * Reads into `buffer` until it is full or the file ends (binary mode only); returns the count
   * read. This is a checkpoint.
   *
   * @example
   * ```ts
   * const count = await file.readinto(buffer);
   * ```
   * @throws TypeError if `buffer` is not a Uint8Array, or in text mode.
   * @throws ClosedResourceError after `aclose()`.
   */
  readinto(this: AsyncFile<Uint8Array>, buffer: Uint8Array): Promise<number> {
    const problem = bytesError(buffer, "buffer") ?? this.binaryOnly("readinto");
    if (problem !== undefined) return Promise.reject(problem);
    return this._operation("AsyncFile.readinto()", () => this.readInto(buffer, false));
  }

  /**
   * Reads into `buffer` with at most one host read (binary mode only); returns the count read.
   * This is a checkpoint.
   *
   * @example
   * ```ts
   * const count = await file.readinto1(buffer);
   * ```
   * @throws TypeError if `buffer` is not a Uint8Array, or in text mode.
   * @throws ClosedResourceError after `aclose()`.
   */
  readinto1(this: AsyncFile<Uint8Array>, buffer: Uint8Array): Promise<number> {
    const problem = bytesError(buffer, "buffer") ?? this.binaryOnly("readinto1");
    if (problem !== undefined) return Promise.reject(problem);
    return this._operation("AsyncFile.readinto1()", () => this.readInto(buffer, true));
  }

  /**
   * Writes all of `data` (writes are not buffered); returns the number of bytes (binary mode)
   * or characters, as UTF-16 units (text mode), written. In an append mode the data goes to the
   * end of the file. This is a checkpoint; once started, a write finishes even if the task is
   * cancelled meanwhile.
   *
   * @example
   * ```ts
   * await file.write("hello\n");
   * ```
   * @throws TypeError if `data` is not a string (text mode) or a Uint8Array (binary mode), or
   *   cannot be encoded under `errors: "strict"`.
   * @throws ClosedResourceError after `aclose()`.
   */
  write(data: T): Promise<number> {
    let bytes: Uint8Array;
    try {
      bytes = this.encode(data, "data");
    } catch (error) {
      return Promise.reject(error);
    }
    return this._operation("AsyncFile.write()", () => this.writeNow(bytes).then(() => data.length));
  }

  /**
   * Writes each of `lines` in order (no separators are added). This is a checkpoint.
   *
   * @example
   * ```ts
   * await file.writelines(["a\n", "b\n"]);
   * ```
   * @throws TypeError if a line is of the wrong type.
   * @throws ClosedResourceError after `aclose()`.
   */
  writelines(lines: Iterable<T>): Promise<void> {
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      if (lines === null || typeof (lines as Partial<Iterable<T>>)?.[Symbol.iterator] !== "function") {
        throw new TypeError(`Expected \`lines\` to be an iterable, got ${describeValue(lines)}`);
      }
      for (const line of lines) {
        const bytes = this.encode(line, "line");
        chunks.push(bytes);
        total += bytes.length;
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this._operation("AsyncFile.writelines()", () =>
      this.writeNow(concatAll(chunks.length ? chunks : [EMPTY], total)),
    );
  }

  /**
   * Resizes the file to `size` bytes (default: the current position), leaving the position
   * unchanged; returns the new size. This is a checkpoint.
   *
   * @example
   * ```ts
   * await file.truncate(0);
   * ```
   * @throws TypeError / RangeError if `size` is not an integer >= 0.
   * @throws ClosedResourceError after `aclose()`.
   */
  truncate(size?: number): Promise<number> {
    const problem = sizeError(size, "size");
    if (problem !== undefined) return Promise.reject(problem);
    if (size !== undefined && size < 0)
      return Promise.reject(new RangeError(`Expected \`size\` to be >= 0, got ${describeValue(size)}`));
    return this._operation("AsyncFile.truncate()", async () => {
      this.dropReadAhead();
      const target = size ?? this._pos;
      await this._backend.truncate(target);
      if (this.grows) await this._afterGrowth();
      return target;
    });
  }

  /**
   * Moves the position to `offset` bytes from the start (`whence` 0, the default), the current
   * position (1) or the end (2); returns the new position. Positions are byte offsets in text
   * mode too. This is a checkpoint.
   *
   * @example
   * ```ts
   * await file.seek(0);
   * ```
   * @throws TypeError / RangeError for an offset that is not an integer, a negative absolute
   *   offset, a `whence` other than 0, 1 or 2, or a resulting position below 0.
   * @throws Error with `code` "ESPIPE" on a pipe or terminal.
   * @throws ClosedResourceError after `aclose()`.
   */
  seek(offset: number, whence: 0 | 1 | 2 = 0): Promise<number> {
    let problem = sizeError(offset, "offset");
    if (problem === undefined && whence !== 0 && whence !== 1 && whence !== 2) {
      problem = new RangeError(`Expected \`whence\` to be 0, 1 or 2, got ${describeValue(whence)}`);
    }
    if (problem === undefined && whence === 0 && offset < 0) {
      problem = new RangeError(
        `Expected \`offset\` to be >= 0 when seeking from the start, got ${describeValue(offset)}`,
      );
    }
    if (problem !== undefined) return Promise.reject(problem);
    return this._operation("AsyncFile.seek()", async () => {
      await this.requirePositional();
      this.dropReadAhead();
      const base = whence === 0 ? 0 : whence === 1 ? this._pos : (await this._backend.stat()).size;
      const target = base + offset;
      if (target < 0) throw new RangeError(`Cannot seek to a negative position (${target})`);
      this._pos = target;
      return target;
    });
  }

  /**
   * The current position, in bytes from the start (the offset of the next character not yet
   * returned in text mode). This is a checkpoint.
   *
   * @example
   * ```ts
   * const offset = await file.tell();
   * ```
   * @throws Error with `code` "ESPIPE" on a pipe or terminal.
   * @throws ClosedResourceError after `aclose()`.
   */
  tell(): Promise<number> {
    return this._operation("AsyncFile.tell()", async () => {
      await this.requirePositional();
      return this._pos - this.ahead.length;
    });
  }

  /**
   * Writes are not buffered, so there is nothing to flush: a checkpoint only (in call order
   * with the file's other operations). This is a checkpoint.
   *
   * @example
   * ```ts
   * await file.flush();
   * ```
   * @throws ClosedResourceError after `aclose()`.
   */
  flush(): Promise<void> {
    return this._operation("AsyncFile.flush()", () => Promise.resolve(), false);
  }

  /**
   * Closes the file: operations still waiting for their turn fail with `ClosedResourceError`,
   * the one in progress finishes, then the handle closes. Never a checkpoint: it closes the
   * file even in a cancelled scope. Closing again waits for the same close.
   *
   * @example
   * ```ts
   * await file.aclose();
   * ```
   */
  aclose(): Promise<void> {
    if (this.closing === undefined) {
      this.isClosed = true;
      this._queue.failWaiting(closedFile);
      this.closing = this._queue.whenIdle().then(() => this._backend.close());
    }
    return tagPrimitive(this.closing.then(() => undefined));
  }

  /** Closes the file at the end of an `await using` block (see {@link AsyncFile.aclose}). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /**
   * Iterates over the lines of the file (`readline()` until the end). Each step is a
   * checkpoint.
   *
   * @example
   * ```ts
   * for await (const line of file) handle(line);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    const iterator: AsyncIterableIterator<T> = {
      next: () =>
        tagPrimitive(
          this.readline().then((line): IteratorResult<T> => (line.length === 0 ? DONE : { value: line, done: false })),
        ),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  toString(): string {
    return `<AsyncFile ${JSON.stringify(this.name)} mode=${JSON.stringify(this.mode)}${this.isClosed ? " closed" : ""}>`;
  }

  // ---- the operation protocol -------------------------------------------------------------

  /**
   * @internal Runs `call` as one operation of this file: a checkpoint (cancelled: nothing
   * happens), `ClosedResourceError` after `aclose()`, then `call` in the file's queue holding a
   * limiter token (none for a file still in memory), to completion.
   */
  _operation<R>(what: string, call: () => Promise<R>, token = true): Promise<R> {
    const frame = currentFrame();
    if (frame === undefined) return outsideTask(what);
    if (frame.scope._effectivelyCancelled) return cancelled(frame);
    if (this.isClosed) return Promise.reject(closedFile());
    const memory = this._backend.inMemory;
    let limiter: CapacityLimiter | undefined;
    if (token && !memory) {
      try {
        limiter = limiterOf(this.limiter);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const guarded = (): Promise<R> => {
      // An operation whose turn comes after aclose() was called does not start.
      if (this.isClosed) return Promise.reject(closedFile());
      if (memory) return call();
      // The task suspends on the host call (or the yield below) until it is done: a schedule point.
      noteSchedulePoint(frame);
      // One that needed no host call (tell(), flush(), a read served from the read-ahead)
      // still lets other tasks run once, as a checkpoint does.
      const backend = this._backend;
      const before = backend.calls;
      return call().then((value) =>
        backend.calls !== before ? value : new Promise<R>((resolve) => yieldMacrotask(() => resolve(value))),
      );
    };
    return this._queue.run(frame, limiter, guarded);
  }

  /** @internal Called after a write or truncate, inside the operation (a spooled file rolls over here). */
  _afterGrowth(): Promise<void> {
    return Promise.resolve();
  }

  // ---- the host side: these run inside an operation ---------------------------------------

  private binaryOnly(method: string): TypeError | undefined {
    return this.text === null
      ? undefined
      : new TypeError(`AsyncFile.${method}() needs a file opened in binary mode, not ${JSON.stringify(this.mode)}`);
  }

  private encode(data: unknown, name: string): Uint8Array {
    if (this.text === null) {
      const problem = bytesError(data, name);
      if (problem !== undefined) throw problem;
      return data as Uint8Array;
    }
    if (typeof data !== "string")
      throw new TypeError(`Expected \`${name}\` to be a string, got ${describeValue(data)}`);
    return this.text.encode(data);
  }

  private async requirePositional(): Promise<void> {
    if (this._positional === undefined) this._positional = (await this._backend.stat()).regular;
    if (!this._positional) throw fsHost.get("AsyncFile.seek()").illegalSeek();
  }

  /**
   * Runs `io` at the file's position, or at the kernel's offset (null) on a pipe or terminal.
   * A file not known to be regular is tried at the position first: the host refuses with
   * `ESPIPE` where the file has no positions, and `io` runs again at the kernel's offset (it
   * did nothing the first time). Saves a `stat` per open.
   */
  private positioned<T>(io: (position: number | null) => Promise<T>): Promise<T> {
    const kind = this._positional;
    if (kind === true) return io(this._pos);
    if (kind === false) return io(null);
    return io(this._pos).then(
      (value) => {
        this._positional = true;
        return value;
      },
      (error: unknown) => {
        if (this._positional !== undefined || (error as { code?: unknown } | null)?.code !== "ESPIPE") throw error;
        this._positional = false;
        return io(null);
      },
    );
  }

  /** One host read of up to `length` bytes at the position; empty at the end of the file. */
  private hostRead(length: number): Promise<Uint8Array> {
    const buffer = this._backend.alloc(length);
    return this.positioned((position) => this._backend.read(buffer, 0, length, position)).then((count) => {
      this._pos += count;
      if (count === length) return buffer;
      // A copy, so the caller never sees the rest of an uninitialised buffer.
      return count === 0 ? EMPTY : buffer.slice(0, count);
    });
  }

  /** Takes `count` bytes off the front of the read-ahead (binary mode). */
  private takeAhead(count: number): Uint8Array {
    const taken = this.ahead.subarray(0, count);
    this.ahead = count >= this.ahead.length ? EMPTY : this.ahead.subarray(count);
    return taken;
  }

  private dropReadAhead(): void {
    if (this.ahead.length > 0) {
      this._pos -= this.ahead.length;
      this.ahead = EMPTY;
    }
    this.aheadText = "";
    this.text?.reset();
  }

  private readOnce(size: number): Promise<Uint8Array> {
    if (this.ahead.length > 0) return Promise.resolve(this.takeAhead(size).slice());
    if (size === 0) return Promise.resolve(EMPTY);
    return this.hostRead(size);
  }

  private readBytes(size: number): Promise<Uint8Array> {
    // The common case first: one host read gives all that was asked (or the end of the file).
    if (size > 0 && this.ahead.length === 0) {
      return this.hostRead(size).then((chunk) =>
        chunk.length === size || chunk.length === 0 ? chunk : this.readMoreBytes(size, [chunk], chunk.length),
      );
    }
    return this.readMoreBytes(size, [], 0);
  }

  private async readMoreBytes(size: number, chunks: Uint8Array[], total: number): Promise<Uint8Array> {
    if (size === 0) return EMPTY;
    if (this.ahead.length > 0) {
      const first = this.takeAhead(size < 0 ? this.ahead.length : size).slice();
      chunks.push(first);
      total += first.length;
    }
    // To the end: small files take one small read (and the read that finds the end).
    let ask = LINE_CHUNK;
    while (size < 0 || total < size) {
      const chunk = await this.hostRead(size < 0 ? ask : size - total);
      if (chunk.length === 0) break;
      chunks.push(chunk);
      total += chunk.length;
      if (ask < MAX_CHUNK) ask *= 2;
    }
    return chunks.length === 0 ? EMPTY : concatAll(chunks, total);
  }

  private async readInto(buffer: Uint8Array, once: boolean): Promise<number> {
    let filled = 0;
    if (this.ahead.length > 0) {
      const taken = this.takeAhead(buffer.length);
      buffer.set(taken);
      filled = taken.length;
      if (once) return filled;
    }
    while (filled < buffer.length) {
      const count = await this.positioned((position) =>
        this._backend.read(buffer, filled, buffer.length - filled, position),
      );
      this._pos += count;
      filled += count;
      if (count === 0 || once) break;
    }
    return filled;
  }

  /** Reads one more chunk into the read-ahead (text: decodes it); false at the end of the file. */
  private async fill(length: number): Promise<boolean> {
    const chunk = await this.hostRead(length);
    if (this.text !== null) this.aheadText += this.text.decode(chunk, chunk.length === 0);
    if (chunk.length === 0) return false;
    this.ahead = concat(this.ahead, chunk);
    return true;
  }

  /** Takes `units` decoded UTF-16 units off the front of the read-ahead (text mode). */
  private takeText(units: number): string {
    const text = this.aheadText;
    if (units < text.length && units > 0) {
      const last = text.charCodeAt(units - 1);
      const next = text.charCodeAt(units);
      if (last >= 0xd800 && last <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) units++;
    }
    units = Math.min(units, text.length);
    const taken = text.slice(0, units);
    this.aheadText = text.slice(units);
    const bytes = this.text!.prefixBytes(this.ahead, units);
    this.ahead = bytes >= this.ahead.length ? EMPTY : this.ahead.subarray(bytes);
    return taken;
  }

  private async readText(size: number): Promise<string> {
    if (size < 0) {
      const chunks: Uint8Array[] = [];
      let total = 0;
      let ask = LINE_CHUNK;
      for (;;) {
        const chunk = await this.hostRead(ask);
        if (chunk.length === 0) break;
        chunks.push(chunk);
        total += chunk.length;
        if (ask < MAX_CHUNK) ask *= 2;
      }
      const rest = this.text!.decode(concatAll(chunks.length ? chunks : [EMPTY], total), true);
      const result = this.aheadText + rest;
      this.ahead = EMPTY;
      this.aheadText = "";
      return result;
    }
    while (this.aheadText.length < size) {
      if (!(await this.fill(Math.max(LINE_CHUNK, size - this.aheadText.length)))) break;
    }
    return this.takeText(size);
  }

  private async readLineNow(): Promise<string | Uint8Array> {
    if (this.text !== null) {
      let searched = 0;
      for (;;) {
        const index = this.aheadText.indexOf("\n", searched);
        if (index >= 0) return this.takeText(index + 1);
        searched = this.aheadText.length;
        if (!(await this.fill(LINE_CHUNK))) return this.takeText(this.aheadText.length);
      }
    }
    let searched = 0;
    for (;;) {
      const index = this.ahead.indexOf(0x0a, searched);
      if (index >= 0) return this.takeAhead(index + 1).slice();
      searched = this.ahead.length;
      if (!(await this.fill(LINE_CHUNK))) return this.takeAhead(this.ahead.length).slice();
    }
  }

  private writeNow(bytes: Uint8Array): Promise<void> {
    // The common case first: one host write at a known position, nothing read ahead.
    if (
      !this.append &&
      this._positional === true &&
      this.ahead.length === 0 &&
      this.aheadText.length === 0 &&
      !this.grows
    ) {
      const at = this._pos;
      return this._backend.write(bytes, 0, bytes.length, at).then((count) => {
        this._pos = at + count;
        if (count < bytes.length) return this.writeRest(bytes, count);
      });
    }
    return this.writeRest(bytes, 0);
  }

  private async writeRest(bytes: Uint8Array, written: number): Promise<void> {
    this.dropReadAhead();
    while (written < bytes.length) {
      const from = written;
      // In an append mode the kernel appends (O_APPEND); elsewhere the file's own position.
      const count = this.append
        ? await this._backend.write(bytes, from, bytes.length - from, null)
        : await this.positioned((position) => this._backend.write(bytes, from, bytes.length - from, position));
      written += count;
      if (!this.append) this._pos += count;
    }
    if (this.append) this._pos = (await this._backend.stat()).size;
    if (this.grows) await this._afterGrowth();
  }
}
