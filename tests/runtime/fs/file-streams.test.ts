"use structured";
// FileReadStream and FileWriteStream: the behaviour of AnyIO's tests/streams/test_file.py,
// re-expressed.
import * as fs from "node:fs";
import { execFileSync } from "node:child_process";
import {
  BrokenResourceError,
  ClosedResourceError,
  EndOfStream,
  FileReadStream,
  FileStreamAttribute,
  FileWriteStream,
  TypedAttributeLookupError,
  Path,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { scratchDir } from "./fs-helpers";

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir();
});
afterEach(() => scratch.cleanup());

const text = (data: Uint8Array) => new TextDecoder().decode(data);

structuredDescribe("FileReadStream", () => {
  structuredTest("receives at most maxBytes per call, then EndOfStream", async () => {
    const target = scratch.file("hello.txt");
    fs.writeFileSync(target, "Hello");
    await using stream = await FileReadStream.fromPath(target);
    expect(text(await stream.receive(3))).toBe("Hel");
    expect(text(await stream.receive(3))).toBe("lo");
    expect(await caught(stream.receive(3))).toBeInstanceOf(EndOfStream);
  });

  structuredTest("iterates over the whole file in chunks", async () => {
    const target = scratch.file("big.bin");
    const data = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) % 256);
    fs.writeFileSync(target, data);
    const chunks: Uint8Array[] = [];
    await using stream = await FileReadStream.fromPath(new URL(`file://${target}`));
    for await (const chunk of stream) chunks.push(chunk);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(data));
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThanOrEqual(65536);
  });

  structuredTest("wraps a FileHandle it then owns", async () => {
    const target = scratch.file("h.txt");
    fs.writeFileSync(target, "handle");
    const handle = await fs.promises.open(target, "r");
    const stream = new FileReadStream(handle);
    expect(text(await stream.receive())).toBe("handle");
    expect(stream.extra(FileStreamAttribute.file)).toBe(handle);
    expect(stream.extra(FileStreamAttribute.path, undefined)).toBeUndefined();
    await stream.aclose();
    expect(handle.fd).toBe(-1);
  });

  structuredTest("receive() after aclose() raises ClosedResourceError", async () => {
    const target = scratch.file("c.txt");
    fs.writeFileSync(target, "x");
    const stream = await FileReadStream.fromPath(target);
    await stream.aclose();
    expect(await caught(stream.receive())).toBeInstanceOf(ClosedResourceError);
  });

  structuredTest("a maxBytes that is not a positive integer is refused", async () => {
    const target = scratch.file("m.txt");
    fs.writeFileSync(target, "x");
    await using stream = await FileReadStream.fromPath(target);
    expect(await caught(stream.receive(0))).toBeInstanceOf(RangeError);
    expect(await caught(stream.receive(1.5))).toBeInstanceOf(Error);
    expect(await caught(stream.receive("1" as never))).toBeInstanceOf(TypeError);
  });

  structuredTest("seek() and tell() move and report the read position", async () => {
    const target = scratch.file("s.txt");
    fs.writeFileSync(target, "Hello");
    await using stream = await FileReadStream.fromPath(target);
    expect(await stream.seek(2)).toBe(2);
    expect(await stream.tell()).toBe(2);
    expect(text(await stream.receive())).toBe("llo");
    expect(await stream.tell()).toBe(5);
    expect(await stream.seek(-1, 2)).toBe(4);
  });

  structuredTest("offers the path, file and fileno attributes", async () => {
    const target = scratch.file("a.txt");
    fs.writeFileSync(target, "x");
    await using stream = await FileReadStream.fromPath(target);
    expect(stream.extra(FileStreamAttribute.path)).toBeInstanceOf(Path);
    expect(String(stream.extra(FileStreamAttribute.path))).toBe(target);
    const fileno = stream.extra(FileStreamAttribute.fileno);
    expect(fileno).toBeGreaterThan(2);
    expect(stream.extra(FileStreamAttribute.file).fd).toBe(fileno);
  });

  structuredTest("seek() on a pipe rejects with ESPIPE", async () => {
    const fifo = scratch.file("pipe");
    execFileSync("mkfifo", [fifo]);
    const handle = await fs.promises.open(fifo, "r+");
    await using stream = new FileReadStream(handle);
    expect(((await caught(stream.seek(0))) as NodeJS.ErrnoException).code).toBe("ESPIPE");
  });

  structuredTest("a missing file rejects with ENOENT", async () => {
    const error = (await caught(FileReadStream.fromPath(scratch.file("nope")))) as NodeJS.ErrnoException;
    expect(error.code).toBe("ENOENT");
  });

  structuredTest("a failing read is a BrokenResourceError with the Node error as cause", async () => {
    // A directory opens for reading on POSIX but cannot be read: EISDIR.
    await using stream = await FileReadStream.fromPath(scratch.dir);
    const error = await caught(stream.receive());
    expect(error).toBeInstanceOf(BrokenResourceError);
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe("EISDIR");
  });
});

structuredDescribe("FileWriteStream", () => {
  structuredTest("writes all of each chunk, truncating an existing file", async () => {
    const target = scratch.file("w.txt");
    fs.writeFileSync(target, "previous contents");
    {
      await using stream = await FileWriteStream.fromPath(target);
      await stream.send(new TextEncoder().encode("Hel"));
      await stream.send(new TextEncoder().encode("lo"));
    }
    expect(fs.readFileSync(target, "utf8")).toBe("Hello");
  });

  structuredTest("appends with append: true", async () => {
    const target = scratch.file("a.txt");
    fs.writeFileSync(target, "Hello");
    {
      await using stream = await FileWriteStream.fromPath(target, { append: true });
      await stream.send(new TextEncoder().encode(", World!"));
    }
    expect(fs.readFileSync(target, "utf8")).toBe("Hello, World!");
  });

  structuredTest("send() after aclose() raises ClosedResourceError", async () => {
    const stream = await FileWriteStream.fromPath(scratch.file("c.txt"));
    await stream.aclose();
    expect(await caught(stream.send(new Uint8Array([1])))).toBeInstanceOf(ClosedResourceError);
  });

  structuredTest("offers the path, file and fileno attributes", async () => {
    const target = scratch.file("attrs.txt");
    await using stream = await FileWriteStream.fromPath(target);
    expect(stream.extra(FileStreamAttribute.path)).toBeInstanceOf(Path);
    expect(String(stream.extra(FileStreamAttribute.path))).toBe(target);
    expect(stream.extra(FileStreamAttribute.fileno)).toBeGreaterThan(2);
    expect(stream.extra(FileStreamAttribute.file).fd).toBe(stream.extra(FileStreamAttribute.fileno));
  });

  structuredTest("a stream made from a FileHandle has no path attribute", async () => {
    const handle = await fs.promises.open(scratch.file("h.bin"), "w");
    await using stream = new FileWriteStream(handle);
    expect(() => stream.extra(FileStreamAttribute.path)).toThrow(TypedAttributeLookupError);
    await stream.send(new Uint8Array([1, 2]));
    expect(fs.readFileSync(scratch.file("h.bin"))).toEqual(Buffer.from([1, 2]));
  });

  structuredTest("bad arguments are refused", async () => {
    await using stream = await FileWriteStream.fromPath(scratch.file("b.bin"));
    expect(await caught(stream.send("text" as never))).toBeInstanceOf(TypeError);
    expect(await caught(FileWriteStream.fromPath(scratch.file("x"), { append: "yes" } as never))).toBeInstanceOf(
      TypeError,
    );
    expect(fs.existsSync(scratch.file("x"))).toBe(false);
  });
});
