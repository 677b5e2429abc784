// Test helpers for operations in flight: a thread pool kept busy, and waiting for a limiter's token.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as nodePath from "node:path";
import { sleep, type CapacityLimiter } from "anyio-ts";

/**
 * Blocks every thread of libuv's pool with an open() of a FIFO that no writer has opened, so a
 * file-system call started now stays in flight until `release()`.
 */
export function blockThreadPool(dir: string): { release(): Promise<void> } {
  const size = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const readers: Promise<fs.promises.FileHandle>[] = [];
  const fifos: string[] = [];
  for (let i = 0; i < size; i++) {
    const fifo = nodePath.join(dir, `pool-${i}`);
    execFileSync("mkfifo", [fifo]);
    fifos.push(fifo);
    readers.push(fs.promises.open(fifo, "r"));
  }
  return {
    async release() {
      // A writer opened without blocking completes each reader's open().
      const writers: number[] = [];
      for (const fifo of fifos) {
        for (;;) {
          try {
            writers.push(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
            break;
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "ENXIO") throw error;
            await sleep(5); // that reader's open() has not reached the FIFO yet
          }
        }
      }
      for (const handle of await Promise.all(readers)) await handle.close();
      for (const fd of writers) fs.closeSync(fd);
    },
  };
}

/** Waits until `limiter` has lent `count` tokens (an operation holds its token while in flight). */
export async function untilBorrowed(limiter: CapacityLimiter, count: number): Promise<void> {
  while (limiter.borrowedTokens !== count) await sleep(1);
}

