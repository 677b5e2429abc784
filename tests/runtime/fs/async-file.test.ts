"use structured";
// AsyncFile and openFile(): the behaviour of AnyIO's tests/test_fileio.py (the AsyncFile and
// open_file parts), re-expressed, plus the position, text and mode rules of this port.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { pathToFileURL } from "node:url";
import { CapacityLimiter, ClosedResourceError, openFile, wrapFile, type AsyncFile, type PathLike } from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { scratchDir } from "./fs-helpers";

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir();
});
afterEach(() => scratch.cleanup());

structuredDescribe("openFile() and AsyncFile", () => {
  structuredTest("reads a whole file in binary mode", async () => {
    const target = scratch.file("a.bin");
    fs.writeFileSync(target, Buffer.from([1, 2, 3, 4, 5]));
    await using file = await openFile(target, "rb");
    expect(await file.read()).toEqual(new Uint8Array([1, 2, 3, 4, 5]));
    expect(await file.read()).toEqual(new Uint8Array(0));
    expect(file.name).toBe(target);
    expect(file.mode).toBe("rb");
    expect(file.limiter).toBeNull();
  });

  structuredTest("reads text, line by line, with async iteration", async () => {
    const target = scratch.file("a.txt");
    fs.writeFileSync(target, "one\ntwo\nthree");
    const lines: string[] = [];
    await using file = await openFile(target);
    for await (const line of file) lines.push(line);
    expect(lines).toEqual(["one\n", "two\n", "three"]);
  });

  structuredTest("writes and reads back in w+ mode, with seek and tell in bytes", async () => {
    const target = scratch.file("b.txt");
    await using file = await openFile(target, "w+");
    expect(await file.write("héllo\n")).toBe(6);
    expect(await file.tell()).toBe(7);
    expect(await file.seek(0)).toBe(0);
    expect(await file.read(2)).toBe("hé");
    expect(await file.tell()).toBe(3);
    expect(await file.readline()).toBe("llo\n");
    expect(await file.readline()).toBe("");
    expect(fs.readFileSync(target, "utf8")).toBe("héllo\n");
  });

  structuredTest("an operation after aclose() raises ClosedResourceError", async () => {
    const target = scratch.file("c.bin");
    fs.writeFileSync(target, "x");
    const file = await openFile(target, "rb");
    await file.aclose();
    expect(file.closed).toBe(true);
    expect(await caught(file.read())).toBeInstanceOf(ClosedResourceError);
    await file.aclose();
  });

  structuredTest("a missing file rejects with the Node error", async () => {
    const error = (await caught(openFile(scratch.file("missing.txt")))) as NodeJS.ErrnoException;
    expect(error.code).toBe("ENOENT");
  });

  structuredTest("uses the limiter given", async () => {
    const limiter = new CapacityLimiter(1);
    await using file = await openFile(scratch.file("d.bin"), "wb", { limiter });
    expect(file.limiter).toBe(limiter);
    await file.write(new Uint8Array([1]));
    expect(limiter.borrowedTokens).toBe(0);
  });

  structuredTest("wrapFile wraps a FileHandle", async () => {
    const target = scratch.file("e.bin");
    fs.writeFileSync(target, "abc");
    const handle = await fs.promises.open(target, "r");
    await using file: AsyncFile<Uint8Array> = wrapFile(handle);
    expect(file.wrapped).toBe(handle);
    expect(new TextDecoder().decode(await file.read())).toBe("abc");
  });

  structuredTest("readinto() and readinto1() fill a buffer", async () => {
    const target = scratch.file("into.bin");
    const data = Uint8Array.from({ length: 300 }, (_, i) => i % 256);
    fs.writeFileSync(target, data);
    await using file = await openFile(target, "rb");
    const buffer = new Uint8Array(100);
    expect(await file.readinto(buffer)).toBe(100);
    expect(buffer).toEqual(data.subarray(0, 100));
    expect(await file.readinto1(buffer)).toBe(100);
    expect(buffer).toEqual(data.subarray(100, 200));
    const big = new Uint8Array(500);
    expect(await file.readinto(big)).toBe(100);
    expect(big.subarray(0, 100)).toEqual(data.subarray(200));
    expect(await file.readinto(buffer)).toBe(0);
  });

  structuredTest("read(size) reads exactly size bytes until the end, read1() at most one read", async () => {
    const target = scratch.file("sized.bin");
    fs.writeFileSync(target, "0123456789");
    await using file = await openFile(target, "rb");
    expect(new TextDecoder().decode(await file.read(4))).toBe("0123");
    expect(new TextDecoder().decode(await file.read1(3))).toBe("456");
    expect(new TextDecoder().decode(await file.read(100))).toBe("789");
    expect(await file.read1(3)).toEqual(new Uint8Array(0));
  });

  structuredTest("readline() and readlines() in binary mode keep the newline", async () => {
    const target = scratch.file("lines.bin");
    fs.writeFileSync(target, "a\nbb\n\nccc");
    await using file = await openFile(target, "rb");
    expect(new TextDecoder().decode(await file.readline())).toBe("a\n");
    expect(await file.tell()).toBe(2);
    const rest = (await file.readlines()).map((line) => new TextDecoder().decode(line));
    expect(rest).toEqual(["bb\n", "\n", "ccc"]);
  });

  structuredTest(
    "write() appends 1000 bytes to the data already there in r+ mode after a seek to the end",
    async () => {
      const target = scratch.file("grow.bin");
      fs.writeFileSync(target, new Uint8Array(500));
      await using file = await openFile(target, "r+b");
      expect(await file.seek(0, 2)).toBe(500);
      expect(await file.write(new Uint8Array(1000).fill(1))).toBe(1000);
      expect(fs.statSync(target).size).toBe(1500);
    },
  );

  structuredTest(
    "mode w truncates, mode a appends and starts at the end, mode x refuses an existing file",
    async () => {
      const target = scratch.file("modes.txt");
      fs.writeFileSync(target, "old");
      await (await openFile(target, "w")).aclose();
      expect(fs.readFileSync(target, "utf8")).toBe("");
      fs.writeFileSync(target, "abc");
      {
        await using file = await openFile(target, "a+");
        expect(await file.tell()).toBe(3);
        await file.seek(0);
        expect(await file.read(1)).toBe("a");
        await file.write("def");
        expect(await file.tell()).toBe(6);
      }
      expect(fs.readFileSync(target, "utf8")).toBe("abcdef");
      const error = (await caught(openFile(target, "x"))) as NodeJS.ErrnoException;
      expect(error.code).toBe("EEXIST");
      {
        await using created = await openFile(scratch.file("fresh.txt"), "x+");
        await created.write("new");
        await created.seek(0);
        expect(await created.read()).toBe("new");
      }
    },
  );

  structuredTest("a write on a file opened for reading rejects with the Node error", async () => {
    const target = scratch.file("ro.txt");
    fs.writeFileSync(target, "x");
    await using file = await openFile(target, "r");
    const error = (await caught(file.write("y"))) as NodeJS.ErrnoException;
    expect(error.code).toBe("EBADF");
    expect(fs.readFileSync(target, "utf8")).toBe("x");
  });

  structuredTest("truncate() resizes to the position by default and keeps the position", async () => {
    const target = scratch.file("trunc.bin");
    fs.writeFileSync(target, "0123456789");
    await using file = await openFile(target, "r+b");
    await file.read(4);
    expect(await file.truncate()).toBe(4);
    expect(fs.readFileSync(target, "utf8")).toBe("0123");
    expect(await file.tell()).toBe(4);
    expect(await file.truncate(2)).toBe(2);
    expect(fs.statSync(target).size).toBe(2);
  });

  structuredTest("seek() from the current position and from the end", async () => {
    const target = scratch.file("seek.bin");
    fs.writeFileSync(target, "0123456789");
    await using file = await openFile(target, "rb");
    await file.read(2);
    expect(await file.seek(3, 1)).toBe(5);
    expect(new TextDecoder().decode(await file.read(1))).toBe("5");
    expect(await file.seek(-2, 2)).toBe(8);
    expect(new TextDecoder().decode(await file.read())).toBe("89");
    expect(await caught(file.seek(-1))).toBeInstanceOf(RangeError);
    expect(await caught(file.seek(-20, 2))).toBeInstanceOf(RangeError);
    expect(await caught(file.seek(0, 3 as 0))).toBeInstanceOf(RangeError);
  });

  structuredTest("every operation after aclose() raises ClosedResourceError", async () => {
    const target = scratch.file("closed.bin");
    fs.writeFileSync(target, "x\n");
    const file = await openFile(target, "r+b");
    await file.aclose();
    const operations: Array<() => Promise<unknown>> = [
      () => file.read(),
      () => file.read1(),
      () => file.readline(),
      () => file.readlines(),
      () => file.readinto(new Uint8Array(1)),
      () => file.readinto1(new Uint8Array(1)),
      () => file.write(new Uint8Array(1)),
      () => file.writelines([]),
      () => file.truncate(),
      () => file.seek(0),
      () => file.tell(),
      () => file.flush(),
      () => file[Symbol.asyncIterator]().next(),
    ];
    for (const operation of operations) expect(await caught(operation)).toBeInstanceOf(ClosedResourceError);
  });

  structuredTest("accepts a file: URL and an object with the fspath method as the path", async () => {
    const target = scratch.file("url path.txt");
    fs.writeFileSync(target, "via url");
    {
      await using file = await openFile(pathToFileURL(target));
      expect(await file.read()).toBe("via url");
      expect(file.name).toBe(target);
    }
    const pathLike = { [Symbol.for("anyio-ts.fspath")]: () => target } as unknown as PathLike;
    await using file = await openFile(pathLike);
    expect(await file.read()).toBe("via url");
  });

  structuredTest("bad arguments are TypeError or RangeError before anything happens", async () => {
    expect(await caught(openFile(42 as unknown as string))).toBeInstanceOf(TypeError);
    expect(await caught(openFile(new URL("https://example.com/x")))).toBeInstanceOf(TypeError);
    expect(await caught(openFile(scratch.file("x"), "rw" as "r"))).toBeInstanceOf(RangeError);
    expect(await caught(openFile(scratch.file("x"), "w", { encoding: "utf-32" as "utf-8" }))).toBeInstanceOf(
      RangeError,
    );
    expect(await caught(openFile(scratch.file("x"), "wb", { encoding: "utf-8" } as never))).toBeInstanceOf(TypeError);
    expect(await caught(openFile(scratch.file("x"), "w", { limiter: 3 as never }))).toBeInstanceOf(TypeError);
    expect(fs.existsSync(scratch.file("x"))).toBe(false);
    await using file = await openFile(scratch.file("y"), "w+b");
    expect(await caught(file.read(1.5))).toBeInstanceOf(TypeError);
    expect(await caught(file.write("text" as never))).toBeInstanceOf(TypeError);
    expect(() => wrapFile({} as never)).toThrow(TypeError);
  });

  structuredTest("wrapFile() in text mode with a limiter", async () => {
    const target = scratch.file("wrapped.txt");
    const limiter = new CapacityLimiter(2);
    const handle = await fs.promises.open(target, "w+");
    {
      await using file: AsyncFile<string> = wrapFile(handle, { encoding: "utf-8", limiter });
      expect(file.limiter).toBe(limiter);
      expect(file.name).toBe("");
      await file.write("dummydata");
    }
    expect(fs.readFileSync(target, "utf8")).toBe("dummydata");
    expect(handle.fd).toBe(-1);
  });
});

structuredDescribe("text mode", () => {
  structuredTest("size counts characters, positions are byte offsets", async () => {
    const target = scratch.file("t.txt");
    fs.writeFileSync(target, "aé€😀b");
    await using file = await openFile(target);
    expect(await file.read(1)).toBe("a");
    expect(await file.tell()).toBe(1);
    expect(await file.read(2)).toBe("é€");
    expect(await file.tell()).toBe(6);
    // A character beyond the BMP is two UTF-16 units and is never split.
    expect(await file.read(1)).toBe("😀");
    expect(await file.tell()).toBe(10);
    expect(await file.read()).toBe("b");
    expect(await file.read()).toBe("");
  });

  structuredTest("a character split across host reads is decoded whole", async () => {
    const target = scratch.file("split.txt");
    // 8191 ASCII bytes, then a 3-byte character straddling the 8192-byte read boundary.
    const text = "x".repeat(8191) + "€" + "y".repeat(10) + "\n";
    fs.writeFileSync(target, text);
    await using file = await openFile(target);
    expect(await file.readline()).toBe(text);
    expect(await file.tell()).toBe(Buffer.byteLength(text));
  });

  structuredTest("utf-16le and latin1", async () => {
    const target = scratch.file("enc.txt");
    {
      await using file = await openFile(target, "w+", { encoding: "utf-16le" });
      expect(await file.write("hé😀")).toBe(4);
      expect(await file.tell()).toBe(8);
      await file.seek(2);
      expect(await file.read()).toBe("é😀");
    }
    expect(fs.readFileSync(target).toString("utf16le")).toBe("hé😀");
    fs.writeFileSync(target, Buffer.from([0x41, 0xe9, 0x80, 0xff]));
    await using file = await openFile(target, "r+", { encoding: "latin1" });
    expect(await file.read()).toBe("A\u00e9\u0080\u00ff");
    expect(await caught(file.write("€"))).toBeInstanceOf(TypeError);
  });

  structuredTest("errors: strict raises TypeError on invalid bytes, replace substitutes U+FFFD", async () => {
    const target = scratch.file("bad.txt");
    fs.writeFileSync(target, Buffer.from([0x61, 0xff, 0x62]));
    {
      await using file = await openFile(target);
      expect(await caught(file.read())).toBeInstanceOf(TypeError);
    }
    await using file = await openFile(target, "r", { errors: "replace" });
    expect(await file.read(2)).toBe("a\ufffd");
    expect(await file.tell()).toBe(2);
    expect(await file.read()).toBe("b");
  });

  structuredTest("writelines() writes each line in order and a lone surrogate is refused under strict", async () => {
    const target = scratch.file("wl.txt");
    await using file = await openFile(target, "w");
    await file.writelines(["a\n", "b\n"]);
    expect(await caught(file.write("\ud800"))).toBeInstanceOf(TypeError);
    expect(fs.readFileSync(target, "utf8")).toBe("a\nb\n");
  });

  structuredTest("a write after reading ahead goes where the reader stopped", async () => {
    const target = scratch.file("rw.txt");
    fs.writeFileSync(target, "line1\nline2\n");
    await using file = await openFile(target, "r+");
    expect(await file.readline()).toBe("line1\n");
    await file.write("LINE2");
    expect(fs.readFileSync(target, "utf8")).toBe("line1\nLINE2\n");
  });
});

structuredDescribe("files that are not regular files", () => {
  structuredTest("a FIFO is read with the kernel's offset and tell() rejects with ESPIPE", async () => {
    const fifo = scratch.file("pipe");
    execFileSync("mkfifo", [fifo]);
    // "r+" opens a FIFO on Linux and macOS without waiting for a peer.
    await using file = await openFile(fifo, "r+b");
    await file.write(new TextEncoder().encode("through the pipe"));
    expect(new TextDecoder().decode(await file.read1(100))).toBe("through the pipe");
    const error = (await caught(file.tell())) as NodeJS.ErrnoException;
    expect(error.code).toBe("ESPIPE");
    expect(((await caught(file.seek(0))) as NodeJS.ErrnoException).code).toBe("ESPIPE");
  });
});
