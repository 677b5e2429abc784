"use structured";
// AsyncFile and openFile(): the behaviour of AnyIO's tests/test_fileio.py (the AsyncFile and
// open_file parts), re-expressed, plus the position, text and mode rules of this port.
import * as fs from "node:fs";
import { CapacityLimiter, ClosedResourceError, openFile, wrapFile, type AsyncFile } from "anyio-ts";
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
});
