// Test helpers for operations in flight: a thread pool kept busy, and knowing when a host call started.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as nodePath from "node:path";
import { Event, sleep } from "anyio-ts";
import { pathHost, type PathHost } from "../../../runtime/fs/path-host";

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

/**
 * Watches one method of the installed file-system host: `started` is set once the method has been
 * called (the host call is under way), until `restore()`.
 */
export function watchHostCall(method: keyof PathHost): { started: Event; restore(): void } {
  const host = pathHost.get("watchHostCall()") as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = host[method]!;
  const started = new Event();
  host[method] = (...args: unknown[]) => {
    const result = original(...args);
    started.set();
    return result;
  };
  return {
    started,
    restore: () => {
      host[method] = original;
    },
  };
}
