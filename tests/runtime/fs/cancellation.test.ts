"use structured";
// Files under cancellation: every async member is a checkpoint (in a cancelled scope it raises
// Cancelled and does nothing), a host call that started runs to completion and is reported as
// done (its limiter token released only when it finished), operations of one file run in call
// order, and closing works in a cancelled scope.
import * as fs from "node:fs";
import {
  CancelScope,
  Cancelled,
  CapacityLimiter,
  checkpoint,
  ClosedResourceError,
  createTaskGroup,
  FileReadStream,
  FileWriteStream,
  mkdtemp,
  mkstemp,
  NamedTemporaryFile,
  openFile,
  SpooledTemporaryFile,
  TemporaryDirectory,
  TemporaryFile,
  gettempdir,
  type AsyncFile,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { entriesOf, inCancelledScope, scratchDir } from "./fs-helpers";

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir();
});
afterEach(() => scratch.cleanup());

/**
 * A limiter that runs `onAcquire` the moment one of its tokens is taken: the host call of the
 * operation starts right after, so cancelling there cancels an operation that has started.
 */
class HookedLimiter extends CapacityLimiter {
  onAcquire: (() => void) | undefined;
  onRelease: (() => void) | undefined;
  // The file room takes a free token through the limiter's non-throwing nowait path.
  override _tryAcquireOnBehalfOf(borrower: object): boolean {
    const acquired = super._tryAcquireOnBehalfOf(borrower);
    if (acquired) this.onAcquire?.();
    return acquired;
  }
  override releaseOnBehalfOf(borrower: object): void {
    this.onRelease?.();
    super.releaseOnBehalfOf(borrower);
  }
}

structuredDescribe("every file operation is a checkpoint", () => {
  const members: Array<[string, (file: AsyncFile<Uint8Array>) => Promise<unknown>]> = [
    ["read", (file) => file.read()],
    ["read1", (file) => file.read1(10)],
    ["readline", (file) => file.readline()],
    ["readlines", (file) => file.readlines()],
    ["readinto", (file) => file.readinto(new Uint8Array(4))],
    ["readinto1", (file) => file.readinto1(new Uint8Array(4))],
    ["write", (file) => file.write(new Uint8Array([9, 9]))],
    ["writelines", (file) => file.writelines([new Uint8Array([9])])],
    ["truncate", (file) => file.truncate(0)],
    ["seek", (file) => file.seek(1)],
    ["tell", (file) => file.tell()],
    ["flush", (file) => file.flush()],
    ["iteration step", (file) => file[Symbol.asyncIterator]().next()],
  ];

  for (const [name, member] of members) {
    structuredTest(`AsyncFile ${name}() in a cancelled scope raises Cancelled and changes nothing`, async () => {
      const target = scratch.file("data.bin");
      fs.writeFileSync(target, "line\nmore\n");
      await using file = await openFile(target, "r+b");
      expect(await inCancelledScope(() => member(file))).toBeInstanceOf(Cancelled);
      expect(fs.readFileSync(target, "utf8")).toBe("line\nmore\n");
      // Nothing was read or moved either: the next read starts at the beginning.
      expect(await file.tell()).toBe(0);
      expect(new TextDecoder().decode(await file.read())).toBe("line\nmore\n");
    });
  }

  structuredTest("openFile() in a cancelled scope creates no file", async () => {
    const target = scratch.file("new.txt");
    expect(await inCancelledScope(() => openFile(target, "w"))).toBeInstanceOf(Cancelled);
    expect(fs.existsSync(target)).toBe(false);
  });

  structuredTest("the temporary file functions in a cancelled scope create nothing", async () => {
    const dir = scratch.dir;
    expect(await inCancelledScope(() => mkstemp({ dir }))).toBeInstanceOf(Cancelled);
    expect(await inCancelledScope(() => mkdtemp({ dir }))).toBeInstanceOf(Cancelled);
    expect(await inCancelledScope(() => TemporaryFile.open({ dir }))).toBeInstanceOf(Cancelled);
    expect(await inCancelledScope(() => NamedTemporaryFile.open({ dir }))).toBeInstanceOf(Cancelled);
    expect(await inCancelledScope(() => TemporaryDirectory.create({ dir }))).toBeInstanceOf(Cancelled);
    expect(await inCancelledScope(() => gettempdir())).toBeInstanceOf(Cancelled);
    expect(entriesOf(dir)).toEqual([]);
  });

  structuredTest("file streams in a cancelled scope open, read and write nothing", async () => {
    const source = scratch.file("in.bin");
    fs.writeFileSync(source, "abc");
    expect(await inCancelledScope(() => FileReadStream.fromPath(source))).toBeInstanceOf(Cancelled);
    expect(await inCancelledScope(() => FileWriteStream.fromPath(scratch.file("out.bin")))).toBeInstanceOf(Cancelled);
    expect(fs.existsSync(scratch.file("out.bin"))).toBe(false);
    await using reader = await FileReadStream.fromPath(source);
    await using writer = await FileWriteStream.fromPath(scratch.file("out.bin"));
    expect(await inCancelledScope(() => reader.receive())).toBeInstanceOf(Cancelled);
    expect(await inCancelledScope(() => reader.seek(1))).toBeInstanceOf(Cancelled);
    expect(await inCancelledScope(() => reader.tell())).toBeInstanceOf(Cancelled);
    expect(await inCancelledScope(() => writer.send(new Uint8Array([1])))).toBeInstanceOf(Cancelled);
    expect(new TextDecoder().decode(await reader.receive())).toBe("abc");
    expect(fs.readFileSync(scratch.file("out.bin")).length).toBe(0);
  });

  structuredTest("a spooled file's in-memory operations check for cancellation", async () => {
    await using spool = new SpooledTemporaryFile({ dir: scratch.dir });
    await spool.write(new Uint8Array([1, 2]));
    expect(await inCancelledScope(() => spool.write(new Uint8Array([3])))).toBeInstanceOf(Cancelled);
    expect(await inCancelledScope(() => spool.seek(0))).toBeInstanceOf(Cancelled);
    expect(await inCancelledScope(() => spool.rollover())).toBeInstanceOf(Cancelled);
    expect(spool.rolledOver).toBe(false);
    await spool.seek(0);
    expect(await spool.read()).toEqual(new Uint8Array([1, 2]));
  });

  structuredTest("TemporaryDirectory.cleanup() in a cancelled scope removes nothing", async () => {
    await using tmp = await TemporaryDirectory.create({ dir: scratch.dir });
    expect(await inCancelledScope(() => tmp.cleanup())).toBeInstanceOf(Cancelled);
    expect(fs.existsSync(tmp.path)).toBe(true);
  });
});

structuredDescribe("operations that need no host call", () => {
  structuredTest("tell(), flush() and a read from the read-ahead still let other tasks run", async () => {
    const target = scratch.file("yield.txt");
    fs.writeFileSync(target, "one\ntwo\n");
    await using file = await openFile(target, "rb");
    await file.readline(); // reads ahead: "two\n" is buffered
    let steps = 0;
    const scope = new CancelScope();
    await using tg = createTaskGroup();
    tg.startSoon(() =>
      scope.run(async () => {
        for (;;) {
          steps++;
          await checkpoint();
        }
      }),
    );
    await checkpoint();
    for (const operation of [() => file.tell(), () => file.flush(), () => file.read1(2)]) {
      const before = steps;
      await operation();
      expect(steps).toBeGreaterThan(before);
    }
    scope.cancel();
  });
});

structuredDescribe("a started operation runs to completion", () => {
  structuredTest(
    "a write cancelled once its host call started returns, and the cancellation lands at the next checkpoint",
    async () => {
      const target = scratch.file("w.bin");
      const limiter = new HookedLimiter(1);
      await using file = await openFile(target, "wb", { limiter });
      const payload = new Uint8Array(4 << 20).fill(7);
      let written: number | undefined;
      let after: unknown;
      let sizeAtRelease = -1;
      await new CancelScope().run(async (scope) => {
        limiter.onAcquire = () => scope.cancel();
        limiter.onRelease = () => {
          sizeAtRelease = fs.statSync(target).size;
        };
        written = await file.write(payload);
        try {
          await checkpoint();
        } catch (error) {
          after = error;
          throw error;
        }
      });
      expect(written).toBe(payload.length);
      expect(after).toBeInstanceOf(Cancelled);
      // The token was held until the write had finished.
      expect(sizeAtRelease).toBe(payload.length);
      expect(limiter.borrowedTokens).toBe(0);
      expect(fs.statSync(target).size).toBe(payload.length);
    },
  );

  structuredTest("a read cancelled once its host call started returns what it read", async () => {
    const target = scratch.file("r.bin");
    fs.writeFileSync(target, "payload");
    const limiter = new HookedLimiter(1);
    await using file = await openFile(target, "rb", { limiter });
    let data: Uint8Array | undefined;
    await new CancelScope().run(async (scope) => {
      limiter.onAcquire = () => scope.cancel();
      data = await file.read();
    });
    limiter.onAcquire = undefined;
    expect(new TextDecoder().decode(data)).toBe("payload");
    expect(await file.tell()).toBe(7);
  });

  structuredTest("an open cancelled once started returns the file, which the caller then owns", async () => {
    const target = scratch.file("o.txt");
    const limiter = new HookedLimiter(1);
    let opened: AsyncFile<string> | undefined;
    await new CancelScope().run(async (scope) => {
      limiter.onAcquire = () => scope.cancel();
      opened = await openFile(target, "w", { limiter });
    });
    expect(opened).toBeDefined();
    expect(fs.existsSync(target)).toBe(true);
    await opened!.aclose();
  });

  structuredTest("an operation waiting for a limiter token is cancellable and never runs", async () => {
    const target = scratch.file("t.bin");
    const limiter = new CapacityLimiter(1);
    await using file = await openFile(target, "wb", { limiter });
    const held = await limiter.acquire();
    let outcome: unknown;
    await new CancelScope().run(async (scope) => {
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        try {
          await file.write(new Uint8Array([1, 2, 3]));
        } catch (error) {
          outcome = error;
          throw error;
        }
      });
      while (limiter.statistics().tasksWaiting === 0) await checkpoint();
      scope.cancel();
    });
    held[Symbol.dispose]();
    expect(outcome).toBeInstanceOf(Cancelled);
    expect(fs.statSync(target).size).toBe(0);
    expect(await file.write(new Uint8Array([4]))).toBe(1);
  });

  structuredTest("operations of one file run one at a time in call order", async () => {
    const target = scratch.file("order.txt");
    await using file = await openFile(target, "w+");
    const order: string[] = [];
    {
      await using tg = createTaskGroup();
      for (const word of ["a", "b", "c", "d"]) {
        tg.startSoon(async () => {
          await file.write(word);
          order.push(word);
        });
      }
    }
    expect(order).toEqual(["a", "b", "c", "d"]);
    await file.seek(0);
    expect(await file.read()).toBe("abcd");
  });

  structuredTest("a cancelled operation queued behind another leaves the queue and the rest run", async () => {
    const target = scratch.file("queue.txt");
    await using file = await openFile(target, "w+");
    const results: string[] = [];
    const scope = new CancelScope();
    {
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        await file.write("first");
        results.push("first");
      });
      tg.startSoon(async () => {
        await scope.run(async () => {
          await file.write("second");
          results.push("second");
        });
      });
      tg.startSoon(async () => {
        await file.write("third");
        results.push("third");
      });
      scope.cancel();
    }
    expect(results).toEqual(["first", "third"]);
  });

  structuredTest("an operation whose turn comes after aclose() was called does not start", async () => {
    const target = scratch.file("late.bin");
    const limiter = new HookedLimiter(1);
    const file = await openFile(target, "wb", { limiter });
    // Close the file when the write has taken its token but not yet started its host call.
    limiter.onAcquire = () => {
      limiter.onAcquire = undefined;
      void file.aclose();
    };
    expect(await caught(file.write(new Uint8Array([1])))).toBeInstanceOf(ClosedResourceError);
    await file.aclose();
    expect(fs.statSync(target).size).toBe(0);
    expect(limiter.borrowedTokens).toBe(0);
  });

  structuredTest("aclose() in a cancelled scope closes the file", async () => {
    const file = await openFile(scratch.file("c.txt"), "w");
    await new CancelScope().run(async (scope) => {
      scope.cancel();
      await file.aclose();
    });
    expect(file.closed).toBe(true);
  });

  structuredTest("aclose() waits for the operation in progress and fails the ones waiting", async () => {
    const target = scratch.file("close.bin");
    const limiter = new HookedLimiter(1);
    const file = await openFile(target, "wb", { limiter });
    const outcomes: unknown[] = [];
    let closing: Promise<void> | undefined;
    // Close the file just after the first write's host call started (it starts synchronously
    // once the token is taken, before any microtask runs).
    limiter.onAcquire = () => {
      limiter.onAcquire = undefined;
      queueMicrotask(() => {
        closing = file.aclose();
      });
    };
    {
      await using tg = createTaskGroup();
      tg.startSoon(async () => {
        outcomes[0] = await file.write(new Uint8Array(1 << 20));
      });
      tg.startSoon(async () => {
        outcomes[1] = await caught(file.write(new Uint8Array([1])));
      });
    }
    await closing;
    expect(file.closed).toBe(true);
    expect(outcomes[0]).toBe(1 << 20);
    expect((outcomes[1] as Error).name).toBe("ClosedResourceError");
    expect(fs.statSync(target).size).toBe(1 << 20);
  });
});
