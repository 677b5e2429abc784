/**
 * The bytes a stream read ahead of its receivers: chunks in arrival order, taken from the front.
 * Internal; shared by the socket streams and the process pipes.
 *
 * Invariant: `size` is the sum of the queued chunks' lengths, and no queued chunk is empty.
 */
export class ByteQueue {
  /** Queued chunks, oldest first from `head` on (taken slots before it are empty). */
  private readonly chunks: Uint8Array[] = [];
  private head = 0;
  /** Bytes queued. */
  size = 0;

  /** Queues `chunk` (not empty) after the others. */
  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** Removes and returns up to `limit` bytes, all from the oldest chunk. The queue must not be empty. */
  take(limit: number): Uint8Array {
    const chunk = this.chunks[this.head]!;
    let bytes: Uint8Array;
    if (chunk.length <= limit) {
      bytes = chunk;
      this.chunks[this.head++] = undefined!;
      if (this.head === this.chunks.length) {
        this.chunks.length = 0;
        this.head = 0;
      } else if (this.head > 1024) {
        // A queue that never runs empty drops its taken slots now and then, not at every take.
        this.chunks.splice(0, this.head);
        this.head = 0;
      }
    } else {
      bytes = chunk.subarray(0, limit);
      this.chunks[this.head] = chunk.subarray(limit);
    }
    this.size -= bytes.length;
    return bytes;
  }

  /** Drops everything queued. */
  clear(): void {
    this.chunks.length = 0;
    this.head = 0;
    this.size = 0;
  }
}
