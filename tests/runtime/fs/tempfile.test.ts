"use structured";
// Temporary files and directories: the behaviour of AnyIO's tests/test_tempfile.py, re-expressed,
// plus the naming, permission and rollover rules of Python's tempfile module.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  CancelScope,
  ClosedResourceError,
  gettempdir,
  mkdtemp,
  mkstemp,
  NamedTemporaryFile,
  SpooledTemporaryFile,
  TemporaryDirectory,
  TemporaryFile,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { entriesOf, scratchDir } from "./fs-helpers";

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir();
});
afterEach(() => scratch.cleanup());

const posix = process.platform !== "win32";
const bytes = (text: string) => new TextEncoder().encode(text);

structuredDescribe("TemporaryFile", () => {
  structuredTest("is read and written in w+b mode and leaves nothing behind", async () => {
    const file = await TemporaryFile.open({ dir: scratch.dir });
    expect(file.mode).toBe("w+b");
    // Unlinked right after opening on POSIX.
    if (posix) expect(entriesOf(scratch.dir)).toEqual([]);
    await file.write(bytes("Hello, world!"));
    await file.seek(0);
    expect(new TextDecoder().decode(await file.read())).toBe("Hello, world!");
    await file.aclose();
    expect(file.closed).toBe(true);
    expect(entriesOf(scratch.dir)).toEqual([]);
  });

  structuredTest("opens in a text mode with an encoding", async () => {
    await using file = await TemporaryFile.open({ dir: scratch.dir, mode: "w+", encoding: "utf-16le" });
    await file.write("héllo");
    await file.seek(0);
    expect(await file.read()).toBe("héllo");
  });
});

structuredDescribe("NamedTemporaryFile", () => {
  structuredTest("exists under its name while open and is deleted on close", async () => {
    const file = await NamedTemporaryFile.open({ dir: scratch.dir, prefix: "pre-", suffix: ".bin" });
    expect(path.dirname(file.name)).toBe(scratch.dir);
    expect(path.basename(file.name)).toMatch(/^pre-[a-z0-9_]{8}\.bin$/);
    expect(fs.existsSync(file.name)).toBe(true);
    if (posix) expect(fs.statSync(file.name).mode & 0o777).toBe(0o600);
    await file.write(bytes("data"));
    await file.seek(0);
    expect(new TextDecoder().decode(await file.read())).toBe("data");
    await file.aclose();
    expect(fs.existsSync(file.name)).toBe(false);
  });

  structuredTest("is deleted at the end of its block even when the block fails", async () => {
    let name = "";
    const error = await caught(async () => {
      await using file = await NamedTemporaryFile.open({ dir: scratch.dir });
      name = file.name;
      expect(fs.existsSync(name)).toBe(true);
      throw new Error("boom");
    });
    expect((error as Error).message).toBe("boom");
    expect(fs.existsSync(name)).toBe(false);
  });

  structuredTest("with deleteOnClose false, survives aclose() and is deleted at the end of its block", async () => {
    let name = "";
    {
      await using file = await NamedTemporaryFile.open({ dir: scratch.dir, deleteOnClose: false, mode: "w" });
      name = file.name;
      await file.write("kept");
      await file.aclose();
      expect(fs.readFileSync(name, "utf8")).toBe("kept");
    }
    expect(fs.existsSync(name)).toBe(false);
  });

  structuredTest("with delete false, is never deleted", async () => {
    let name = "";
    {
      await using file = await NamedTemporaryFile.open({ dir: scratch.dir, delete: false });
      name = file.name;
    }
    expect(fs.existsSync(name)).toBe(true);
  });

  structuredTest("is deleted when closed in a cancelled scope", async () => {
    const file = await NamedTemporaryFile.open({ dir: scratch.dir });
    await new CancelScope().run(async (scope) => {
      scope.cancel();
      await file.aclose();
    });
    expect(fs.existsSync(file.name)).toBe(false);
  });

  structuredTest("rejects unknown options and bad values before creating anything", async () => {
    expect(await caught(NamedTemporaryFile.open({ dir: scratch.dir, delet: true } as never))).toBeInstanceOf(TypeError);
    expect(await caught(NamedTemporaryFile.open({ dir: scratch.dir, delete: 1 } as never))).toBeInstanceOf(TypeError);
    expect(await caught(NamedTemporaryFile.open({ dir: scratch.dir, mode: "q" } as never))).toBeInstanceOf(RangeError);
    expect(entriesOf(scratch.dir)).toEqual([]);
  });
});

structuredDescribe("SpooledTemporaryFile", () => {
  structuredTest("stays in memory until a write leaves it strictly larger than maxSize", async () => {
    await using spool = new SpooledTemporaryFile({ maxSize: 10, dir: scratch.dir });
    expect(spool.wrapped).toBeNull();
    expect(spool.name).toBe("");
    expect(await spool.write(bytes("12345"))).toBe(5);
    expect(await spool.write(bytes("67890"))).toBe(5);
    // Exactly maxSize: still in memory.
    expect(spool.rolledOver).toBe(false);
    expect(await spool.write(bytes("!"))).toBe(1);
    expect(spool.rolledOver).toBe(true);
    expect(spool.wrapped).not.toBeNull();
    expect(await spool.tell()).toBe(11);
    await spool.seek(0);
    expect(new TextDecoder().decode(await spool.read())).toBe("1234567890!");
    // The rolled-over file is unnamed (unlinked) on POSIX: nothing in its directory.
    if (posix) expect(entriesOf(scratch.dir)).toEqual([]);
  });

  structuredTest("writelines() rolls over when the lines pass maxSize", async () => {
    await using spool = new SpooledTemporaryFile({ maxSize: 20, dir: scratch.dir });
    await spool.writelines([bytes("hello"), bytes("world")]);
    expect(spool.rolledOver).toBe(false);
    await spool.seek(0);
    expect(new TextDecoder().decode(await spool.read())).toBe("helloworld");
    await spool.writelines([bytes("x".repeat(11))]);
    expect(spool.rolledOver).toBe(true);
  });

  structuredTest("maxSize 0 never rolls over; rollover() moves the data at once", async () => {
    await using spool = new SpooledTemporaryFile({ dir: scratch.dir });
    await spool.write(new Uint8Array(100_000).fill(3));
    expect(spool.rolledOver).toBe(false);
    await spool.rollover();
    expect(spool.rolledOver).toBe(true);
    expect(await spool.tell()).toBe(100_000);
    await spool.seek(99_999);
    expect(await spool.read()).toEqual(new Uint8Array([3]));
    await spool.rollover();
  });

  structuredTest("readinto() and readinto1() work in memory", async () => {
    await using spool = new SpooledTemporaryFile({ maxSize: 1024, mode: "w+b" });
    await spool.write(bytes("hello"));
    await spool.seek(0);
    const buffer = new Uint8Array(5);
    expect(await spool.readinto(buffer)).toBe(5);
    expect(new TextDecoder().decode(buffer)).toBe("hello");
    await spool.seek(0);
    expect(await spool.readinto1(buffer)).toBe(5);
  });

  structuredTest("works in a text mode, counting maxSize in encoded bytes", async () => {
    await using spool = new SpooledTemporaryFile<string>({ mode: "w+", maxSize: 4, dir: scratch.dir });
    await spool.write("éé");
    expect(spool.rolledOver).toBe(false);
    await spool.write("e");
    expect(spool.rolledOver).toBe(true);
    await spool.seek(0);
    expect(await spool.read()).toBe("éée");
  });

  structuredTest("closed reflects either state, and operations after closing raise ClosedResourceError", async () => {
    const spool = new SpooledTemporaryFile({ maxSize: 10 });
    expect(spool.closed).toBe(false);
    await spool.aclose();
    expect(spool.closed).toBe(true);
    expect(await caught(spool.write(bytes("x")))).toBeInstanceOf(ClosedResourceError);
    const rolled = new SpooledTemporaryFile({ maxSize: 1, dir: scratch.dir });
    await rolled.write(bytes("xyz"));
    expect(rolled.rolledOver).toBe(true);
    await rolled.aclose();
    expect(rolled.closed).toBe(true);
    expect(entriesOf(scratch.dir)).toEqual([]);
  });

  structuredTest("truncate() past maxSize rolls over", async () => {
    await using spool = new SpooledTemporaryFile({ maxSize: 10, dir: scratch.dir });
    await spool.truncate(11);
    expect(spool.rolledOver).toBe(true);
    await spool.seek(0, 2);
    expect(await spool.tell()).toBe(11);
  });

  test("bad options are TypeError / RangeError", () => {
    expect(() => new SpooledTemporaryFile({ maxSize: -1 })).toThrow(RangeError);
    expect(() => new SpooledTemporaryFile({ maxSize: "1" as never })).toThrow(TypeError);
    expect(() => new SpooledTemporaryFile({ mode: "w+b", encoding: "utf-8" } as never)).toThrow(TypeError);
  });
});

structuredDescribe("TemporaryDirectory", () => {
  structuredTest("exists in its block, with mode 0o700, and is removed with its contents at the end", async () => {
    let dir = "";
    {
      await using tmp = await TemporaryDirectory.create({ dir: scratch.dir, prefix: "d-" });
      dir = tmp.path;
      expect(fs.statSync(dir).isDirectory()).toBe(true);
      if (posix) expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
      fs.mkdirSync(path.join(dir, "sub"));
      fs.writeFileSync(path.join(dir, "sub", "file.txt"), "x");
    }
    expect(fs.existsSync(dir)).toBe(false);
  });

  structuredTest("cleanup() removes it, and again does nothing", async () => {
    const tmp = await TemporaryDirectory.create({ dir: scratch.dir });
    fs.writeFileSync(path.join(tmp.path, "f"), "x");
    await tmp.cleanup();
    expect(fs.existsSync(tmp.path)).toBe(false);
    await tmp.cleanup();
  });

  structuredTest("is removed at the end of a failing block", async () => {
    let dir = "";
    const error = await caught(async () => {
      await using tmp = await TemporaryDirectory.create({ dir: scratch.dir });
      dir = tmp.path;
      throw new Error("boom");
    });
    expect((error as Error).message).toBe("boom");
    expect(fs.existsSync(dir)).toBe(false);
  });

  structuredTest("a cancelled block still removes it (the removal is shielded)", async () => {
    let dir = "";
    await new CancelScope().run(async (scope) => {
      await using tmp = await TemporaryDirectory.create({ dir: scratch.dir });
      dir = tmp.path;
      scope.cancel();
    });
    expect(dir).not.toBe("");
    expect(fs.existsSync(dir)).toBe(false);
  });

  structuredTest("with delete false, survives its block", async () => {
    let dir = "";
    {
      await using tmp = await TemporaryDirectory.create({ dir: scratch.dir, delete: false });
      dir = tmp.path;
    }
    expect(fs.existsSync(dir)).toBe(true);
  });

  structuredTest("a missing parent directory rejects with ENOENT", async () => {
    const error = (await caught(
      TemporaryDirectory.create({ dir: path.join(scratch.dir, "missing") }),
    )) as NodeJS.ErrnoException;
    expect(error.code).toBe("ENOENT");
  });
});

structuredDescribe("mkstemp, mkdtemp, gettempdir", () => {
  structuredTest("mkstemp() creates and opens a 0o600 file that the caller deletes", async () => {
    const [handle, file] = await mkstemp({ dir: scratch.dir, prefix: "mk", suffix: ".txt" });
    try {
      expect(path.basename(file)).toMatch(/^mk[a-z0-9_]{8}\.txt$/);
      if (posix) expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      await handle.write("content");
      expect(fs.readFileSync(file, "utf8")).toBe("content");
    } finally {
      await handle.close();
    }
    expect(fs.existsSync(file)).toBe(true);
  });

  structuredTest("mkdtemp() creates a 0o700 directory with the default prefix", async () => {
    const dir = await mkdtemp({ dir: scratch.dir });
    expect(path.basename(dir)).toMatch(/^tmp[a-z0-9_]{8}$/);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    if (posix) expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  });

  structuredTest("names never collide: many files in one directory are all distinct", async () => {
    const names = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const [handle, file] = await mkstemp({ dir: scratch.dir });
      await handle.close();
      names.add(file);
    }
    expect(names.size).toBe(50);
    expect(entriesOf(scratch.dir)).toHaveLength(50);
  });

  structuredTest("gettempdir() is os.tmpdir()", async () => {
    expect(await gettempdir()).toBe(os.tmpdir());
  });

  structuredTest("the naming options are checked", async () => {
    expect(await caught(mkstemp({ prefix: 1 } as never))).toBeInstanceOf(TypeError);
    expect(await caught(mkdtemp({ suffix: null } as never))).toBeInstanceOf(TypeError);
    expect(await caught(mkdtemp({ folder: "/tmp" } as never))).toBeInstanceOf(TypeError);
  });
});
