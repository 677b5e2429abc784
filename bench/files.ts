/**
 * File throughput: anyio-ts's AsyncFile and FileReadStream against node:fs/promises FileHandle
 * in the same run (budget: at least 95% of fs/promises).
 *
 *   node bench/plain-node.cjs --expose-gc bench/files.ts --dist   # anyio-ts from dist/ under plain Node
 *   node --expose-gc --import tsx bench/files.ts                  # anyio-ts from runtime/*.ts (through tsx)
 *   node --import tsx bench/files.ts --quick                      # 32 MiB and 1,000 files: a smoke run
 *
 * The first is the figure to report: it measures the built package as users run it. Under tsx,
 * reads through the file room ran at 40-60% of plain Node (a full collection about every 2 MiB
 * read, which plain Node does not make) while fs/promises alone was unaffected.
 *
 * Workloads (files under a fresh directory in os.tmpdir(), removed at the end):
 * - sequential read of a 256 MiB file in 64 KiB chunks: `FileHandle.read()` into a fresh
 *   `Buffer.allocUnsafe(65536)` per chunk at an explicit position (each chunk is the caller's,
 *   as our reads return a fresh array), against `AsyncFile.read(65536)` and
 *   `FileReadStream.receive(65536)`;
 * - the first 32 MiB of it again in 4 KiB chunks, where the cost per call shows most;
 * - sequential write of 256 MiB in 64 KiB chunks: `FileHandle.write()` at an explicit position
 *   against `AsyncFile.write()`;
 * - reading 10,000 files of 1 KiB: 40 workers each opening, reading to the end and closing
 *   files with fs/promises, against 10,000 tasks doing the same with `openFile()` /
 *   `read()` / `aclose()` under the run's default limiter (40 tokens), and against 40 tasks
 *   doing it one file after another (the cost of the file room without 10,000 task spawns).
 *
 * The file is read once before timing, so reads come from the page cache in every round. Each
 * of ours runs in a pair with its baseline, back to back, alternating which goes first; the
 * figure is the median over ROUNDS rounds of ours / baseline within the pair (and the range),
 * and the median ratio of CPU time (user + system, all threads) for the same work, which a busy
 * machine disturbs less than wall-clock throughput.
 */
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

type AnyIO = typeof import("../runtime/index");

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const CHUNK = 65536;
const FILE_SIZE = (QUICK ? 32 : 256) * 1024 * 1024;
const SMALL_FILES = QUICK ? 1000 : 10_000;
const SMALL_SIZE = 1024;
const ROUNDS = QUICK ? 2 : 7;
/** The small-chunk read: 32 MiB of the big file in 4 KiB reads, where per-call overhead shows most. */
const SMALL_CHUNK = 4096;
const SMALL_CHUNK_BYTES = Math.min(32 * 1024 * 1024, FILE_SIZE);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** CPU time (user + system, every thread of the process) of the last {@link time} call, in seconds. */
let lastCpu = 0;

async function time(fn: () => Promise<void>): Promise<number> {
  // Collect the garbage of the previous measurement first (with --expose-gc), so its collection
  // is not charged to this one.
  (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  lastCpu = (used.user + used.system) / 1e6;
  return seconds;
}

async function main(): Promise<void> {
  const api: AnyIO = args.has("--dist")
    ? require(path.resolve(__dirname, "../dist/runtime/index.js"))
    : require("../runtime/index");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-bench-files-"));
  try {
    const big = path.join(dir, "big.bin");
    const out = path.join(dir, "out.bin");
    fs.writeFileSync(big, Buffer.alloc(FILE_SIZE, 7));
    fs.readFileSync(big); // warm the page cache
    const smallDir = path.join(dir, "small");
    fs.mkdirSync(smallDir);
    const smallPaths: string[] = [];
    const smallData = Buffer.alloc(SMALL_SIZE, 1);
    for (let i = 0; i < SMALL_FILES; i++) {
      const file = path.join(smallDir, `f${i}`);
      fs.writeFileSync(file, smallData);
      smallPaths.push(file);
    }
    const payload = new Uint8Array(CHUNK).fill(3);

    const contenders: Record<string, () => Promise<number>> = {
      "read: fs/promises FileHandle": async () => {
        let total = 0;
        const seconds = await time(async () => {
          const handle = await fsp.open(big, "r");
          try {
            for (;;) {
              const { bytesRead } = await handle.read(Buffer.allocUnsafe(CHUNK), 0, CHUNK, total);
              if (bytesRead === 0) break;
              total += bytesRead;
            }
          } finally {
            await handle.close();
          }
        });
        if (total !== FILE_SIZE) throw new Error(`read ${total} bytes`);
        return FILE_SIZE / 1e6 / seconds;
      },
      "read: AsyncFile.read()": async () => {
        let total = 0;
        const seconds = await time(() =>
          api.run(async () => {
            const file = await api.openFile(big, "rb");
            try {
              for (;;) {
                const chunk = await file.read(CHUNK);
                if (chunk.length === 0) break;
                total += chunk.length;
              }
            } finally {
              await file.aclose();
            }
          }),
        );
        if (total !== FILE_SIZE) throw new Error(`read ${total} bytes`);
        return FILE_SIZE / 1e6 / seconds;
      },
      "read: FileReadStream.receive()": async () => {
        let total = 0;
        const seconds = await time(() =>
          api.run(async () => {
            const stream = await api.FileReadStream.fromPath(big);
            try {
              for (;;) {
                try {
                  total += (await stream.receive(CHUNK)).length;
                } catch (error) {
                  if (error instanceof api.EndOfStream) break;
                  throw error;
                }
              }
            } finally {
              await stream.aclose();
            }
          }),
        );
        if (total !== FILE_SIZE) throw new Error(`read ${total} bytes`);
        return FILE_SIZE / 1e6 / seconds;
      },
      "read 4 KiB: fs/promises FileHandle": async () => {
        let total = 0;
        const seconds = await time(async () => {
          const handle = await fsp.open(big, "r");
          try {
            while (total < SMALL_CHUNK_BYTES) {
              const { bytesRead } = await handle.read(Buffer.allocUnsafe(SMALL_CHUNK), 0, SMALL_CHUNK, total);
              if (bytesRead === 0) break;
              total += bytesRead;
            }
          } finally {
            await handle.close();
          }
        });
        return total / 1e6 / seconds;
      },
      "read 4 KiB: AsyncFile.read()": async () => {
        let total = 0;
        const seconds = await time(() =>
          api.run(async () => {
            const file = await api.openFile(big, "rb");
            try {
              while (total < SMALL_CHUNK_BYTES) {
                const chunk = await file.read(SMALL_CHUNK);
                if (chunk.length === 0) break;
                total += chunk.length;
              }
            } finally {
              await file.aclose();
            }
          }),
        );
        return total / 1e6 / seconds;
      },
      "write: fs/promises FileHandle": async () => {
        const seconds = await time(async () => {
          const handle = await fsp.open(out, "w");
          try {
            for (let at = 0; at < FILE_SIZE; at += CHUNK) await handle.write(payload, 0, CHUNK, at);
          } finally {
            await handle.close();
          }
        });
        return FILE_SIZE / 1e6 / seconds;
      },
      "write: AsyncFile.write()": async () => {
        const seconds = await time(() =>
          api.run(async () => {
            const file = await api.openFile(out, "wb");
            try {
              for (let at = 0; at < FILE_SIZE; at += CHUNK) await file.write(payload);
            } finally {
              await file.aclose();
            }
          }),
        );
        return FILE_SIZE / 1e6 / seconds;
      },
      "small files: fs/promises, 40 workers": async () => {
        let next = 0;
        let bytes = 0;
        const seconds = await time(async () => {
          const worker = async (): Promise<void> => {
            while (next < smallPaths.length) {
              const handle = await fsp.open(smallPaths[next++]!, "r");
              try {
                const buffer = Buffer.allocUnsafe(SMALL_SIZE + 1);
                for (;;) {
                  const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
                  if (bytesRead === 0) break;
                  bytes += bytesRead;
                }
              } finally {
                await handle.close();
              }
            }
          };
          await Promise.all(Array.from({ length: 40 }, worker));
        });
        if (bytes !== SMALL_FILES * SMALL_SIZE) throw new Error(`read ${bytes} bytes`);
        return SMALL_FILES / seconds;
      },
      "small files: openFile(), default limiter": async () => {
        let bytes = 0;
        const seconds = await time(() =>
          api.run(async () => {
            await api.createTaskGroup().run((tg) => {
              for (const file of smallPaths) {
                tg.startSoon(async () => {
                  const opened = await api.openFile(file, "rb");
                  try {
                    const data = await opened.read();
                    bytes += data.length;
                  } finally {
                    await opened.aclose();
                  }
                });
              }
            });
          }),
        );
        if (bytes !== SMALL_FILES * SMALL_SIZE) throw new Error(`read ${bytes} bytes`);
        return SMALL_FILES / seconds;
      },
      "small files: openFile(), 40 tasks": async () => {
        let bytes = 0;
        let next = 0;
        const seconds = await time(() =>
          api.run(async () => {
            await api.createTaskGroup().run((tg) => {
              for (let worker = 0; worker < 40; worker++) {
                tg.startSoon(async () => {
                  while (next < smallPaths.length) {
                    const opened = await api.openFile(smallPaths[next++]!, "rb");
                    try {
                      const data = await opened.read();
                      bytes += data.length;
                    } finally {
                      await opened.aclose();
                    }
                  }
                });
              }
            });
          }),
        );
        if (bytes !== SMALL_FILES * SMALL_SIZE) throw new Error(`read ${bytes} bytes`);
        return SMALL_FILES / seconds;
      },
    };

    // Each of ours is measured in pairs with its baseline, run back to back in alternating order,
    // and the figure is the median over rounds of the pair's ratio: load elsewhere on the
    // machine then lands on both sides of a pair.
    const pairs: Array<[string, string, string]> = [
      ["read: AsyncFile.read()", "read: fs/promises FileHandle", "MB/s"],
      ["read: FileReadStream.receive()", "read: fs/promises FileHandle", "MB/s"],
      ["read 4 KiB: AsyncFile.read()", "read 4 KiB: fs/promises FileHandle", "MB/s"],
      ["write: AsyncFile.write()", "write: fs/promises FileHandle", "MB/s"],
      ["small files: openFile(), default limiter", "small files: fs/promises, 40 workers", "files/s"],
      ["small files: openFile(), 40 tasks", "small files: fs/promises, 40 workers", "files/s"],
    ];
    const results: Record<string, number[]> = {};
    const ratios: Record<string, number[]> = {};
    const cpuRatios: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [ours, base] of pairs) {
        const order = round % 2 === 0 ? [base, ours] : [ours, base];
        const measured: Record<string, number> = {};
        const cpu: Record<string, number> = {};
        for (const name of order) {
          measured[name] = await contenders[name]!();
          cpu[name] = lastCpu;
        }
        (cpuRatios[ours] ??= []).push(cpu[ours]! / cpu[base]!);
        (results[ours] ??= []).push(measured[ours]!);
        (results[`${base} (paired with ${ours})`] ??= []).push(measured[base]!);
        (ratios[ours] ??= []).push(measured[ours]! / measured[base]!);
      }
    }
    console.log(
      `files bench: ${FILE_SIZE / 1048576} MiB in ${CHUNK / 1024} KiB chunks, ${SMALL_FILES} small files, ${ROUNDS} rounds`,
    );
    console.log(
      `node ${process.version}, ${os.cpus().length} CPUs, load ${os
        .loadavg()
        .map((n) => n.toFixed(2))
        .join(" ")}`,
    );
    for (const [ours, base, unit] of pairs) {
      const baseFigure = median(results[`${base} (paired with ${ours})`]!);
      const ratio = median(ratios[ours]!);
      const spread = `${(Math.min(...ratios[ours]!) * 100).toFixed(0)}-${(Math.max(...ratios[ours]!) * 100).toFixed(0)}%`;
      console.log(
        `${ours.padEnd(42)} ${median(results[ours]!).toFixed(0).padStart(7)} ${unit.padEnd(7)} vs ${base}: ${baseFigure.toFixed(0)} ${unit}; ` +
          `median ratio ${(ratio * 100).toFixed(1)}% (rounds ${spread}); CPU time ${median(cpuRatios[ours]!).toFixed(2)}x`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
