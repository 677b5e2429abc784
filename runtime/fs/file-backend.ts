/**
 * What an `AsyncFile` reads and writes: an open file handle of the host, or (for a
 * `SpooledTemporaryFile` before it rolls over) bytes in memory. Internal.
 */
import { fsHost, type FileHandle, type FileInfo, type FsHost } from "./host";

/** Byte-level file access at explicit positions (`null`: the kernel's offset; in memory, the end). */
export interface FileBackend {
  /** The host's handle, or null for memory. */
  readonly handle: FileHandle | null;
  /** Whether operations need no host call (then they take no limiter token and do not yield). */
  readonly inMemory: boolean;
  /** How many host calls were made so far (an operation that made none yields once). */
  readonly calls: number;
  /** A buffer of `length` bytes to read into (uninitialised for a host file: every byte returned is overwritten first). */
  alloc(length: number): Uint8Array;
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number>;
  write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number>;
  stat(): Promise<FileInfo>;
  truncate(size: number): Promise<void>;
  close(): Promise<void>;
}

/** A host file handle. */
export class HandleBackend implements FileBackend {
  readonly inMemory = false;
  calls = 0;

  constructor(
    private readonly host: FsHost,
    readonly handle: FileHandle,
  ) {}

  alloc(length: number): Uint8Array {
    return this.host.alloc(length);
  }
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number> {
    this.calls++;
    return this.host.read(this.handle, buffer, offset, length, position);
  }
  write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number> {
    this.calls++;
    return this.host.write(this.handle, buffer, offset, length, position);
  }
  stat(): Promise<FileInfo> {
    this.calls++;
    return this.host.stat(this.handle);
  }
  truncate(size: number): Promise<void> {
    this.calls++;
    return this.host.truncate(this.handle, size);
  }
  close(): Promise<void> {
    return this.host.close(this.handle);
  }
}

/** A growable byte array standing in for a file. */
export class MemoryBackend implements FileBackend {
  readonly handle = null;
  readonly inMemory = true;
  readonly calls = 0;
  private data = new Uint8Array(256);
  /** The file's size: `data` beyond it is spare capacity (zeros). */
  size = 0;

  /** The contents (a copy). */
  contents(): Uint8Array {
    return this.data.slice(0, this.size);
  }

  alloc(length: number): Uint8Array {
    return new Uint8Array(length);
  }

  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number> {
    const start = Math.min(position ?? this.size, this.size);
    const count = Math.min(length, this.size - start);
    buffer.set(this.data.subarray(start, start + count), offset);
    return Promise.resolve(count);
  }

  write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number> {
    const start = position ?? this.size;
    this.reserve(start + length);
    this.data.set(buffer.subarray(offset, offset + length), start);
    if (start + length > this.size) this.size = start + length;
    return Promise.resolve(length);
  }

  stat(): Promise<FileInfo> {
    return Promise.resolve({ size: this.size, regular: true });
  }

  truncate(size: number): Promise<void> {
    if (size > this.size) this.reserve(size);
    else this.data.fill(0, size, this.size);
    this.size = size;
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.data = new Uint8Array(0);
    this.size = 0;
    return Promise.resolve();
  }

  private reserve(capacity: number): void {
    if (capacity <= this.data.length) return;
    const grown = new Uint8Array(Math.max(capacity, this.data.length * 2));
    grown.set(this.data.subarray(0, this.size));
    this.data = grown;
  }
}

/** The backend of a host handle, through the installed host. */
export function handleBackend(handle: FileHandle, call: string): HandleBackend {
  return new HandleBackend(fsHost.get(call), handle);
}
