// Path's I/O members: the semantics of AnyIO's own Path tests, re-expressed, plus what this port
// adds: every member is a checkpoint (a cancelled task changes nothing), queries are abandoned in
// flight while mutations run to completion, and each call holds one token of the path's limiter.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as nodePath from "node:path";
import {
  CancelScope,
  Cancelled,
  CapacityLimiter,
  NotSupportedError,
  Path,
  checkpoint,
  createTaskGroup,
  sleep,
  waitAllTasksBlocked,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { moveAcrossDevices } from "../../../runtime/platform/node/fs-path";
import { currentDefaultThreadLimiter } from "../../../runtime/threads/default-thread-limiter";
import { caught } from "../../helpers";
import { blockThreadPool, watchHostCall } from "./pool";

let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(nodePath.join(os.tmpdir(), "anyio-ts-path-"));
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const at = (...names: string[]): string => nodePath.join(tmp, ...names);

/** Runs `body` in a scope cancelled before it starts; returns whether the scope caught Cancelled. */
async function inCancelledScope(body: () => Promise<unknown>): Promise<boolean> {
  const scope = new CancelScope();
  scope.cancel();
  await scope.run(async () => {
    await body();
  });
  return scope.cancelledCaught;
}

structuredDescribe("the working and home directories", () => {
  structuredTest("cwd() and home() are the process's", async () => {
    const cwd = await Path.cwd();
    expect(cwd).toBeInstanceOf(Path);
    expect(cwd.toString()).toBe(process.cwd());
    expect((await Path.home()).toString()).toBe(os.homedir());
  });

  structuredTest("absolute() joins the working directory without collapsing '..', and keeps the limiter", async () => {
    const limiter = new CapacityLimiter(1);
    const result = await new Path("../foo/bar").withLimiter(limiter).absolute();
    expect(result.toString()).toBe(`${process.cwd()}/../foo/bar`);
    expect(result.limiter).toBe(limiter);
    const absolute = new Path("/x/y");
    expect(await absolute.absolute()).toBe(absolute);
  });

  structuredTest("expanduser() expands '~' and the current user's '~name', and refuses other users", async () => {
    const limiter = new CapacityLimiter(1);
    const result = await new Path("~/btelkbee").withLimiter(limiter).expanduser();
    expect(result.toString()).toBe(nodePath.join(os.homedir(), "btelkbee"));
    expect(result.limiter).toBe(limiter);
    expect((await new Path(`~${os.userInfo().username}/x`).expanduser()).toString()).toBe(
      nodePath.join(os.homedir(), "x"),
    );
    expect((await new Path("a/~b").expanduser()).toString()).toBe("a/~b");
    const error = await caught(new Path("~no-such-user-anyio-ts/x").expanduser());
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("Could not determine home directory.");
  });
});

structuredDescribe("queries", () => {
  structuredTest(
    "exists() is false for a missing path and for a broken link unless followSymlinks is false",
    async () => {
      expect(await new Path("~/btelkbee").exists()).toBe(false);
      expect(await new Path(tmp).exists()).toBe(true);
      fs.symlinkSync(at("missing"), at("link"));
      expect(await new Path(at("link")).exists({ followSymlinks: false })).toBe(true);
      expect(await new Path(at("link")).exists()).toBe(false);
    },
  );

  structuredTest("isDir() and isFile() follow links unless told not to", async () => {
    expect(await new Path(at("somedir")).isDir()).toBe(false);
    fs.mkdirSync(at("somedir"));
    expect(await new Path(at("somedir")).isDir()).toBe(true);
    expect(await new Path(at("somefile")).isFile()).toBe(false);
    fs.writeFileSync(at("somefile"), "");
    expect(await new Path(at("somefile")).isFile()).toBe(true);
    fs.symlinkSync(at("somefile"), at("filelink"));
    fs.symlinkSync(at("somedir"), at("dirlink"));
    expect(await new Path(at("filelink")).isFile()).toBe(true);
    expect(await new Path(at("filelink")).isFile({ followSymlinks: false })).toBe(false);
    expect(await new Path(at("dirlink")).isDir()).toBe(true);
    expect(await new Path(at("dirlink")).isDir({ followSymlinks: false })).toBe(false);
  });

  structuredTest("isSymlink(), isFifo(), isCharDevice() and isBlockDevice()", async () => {
    expect(await new Path(at("testfile")).isSymlink()).toBe(false);
    fs.symlinkSync("/foo", at("testfile"));
    expect(await new Path(at("testfile")).isSymlink()).toBe(true);
    expect(await new Path(at("fifo")).isFifo()).toBe(false);
    execFileSync("mkfifo", [at("fifo")]);
    expect(await new Path(at("fifo")).isFifo()).toBe(true);
    expect(await new Path("/btelkbee").isCharDevice()).toBe(false);
    expect(await new Path("/dev/null").isCharDevice()).toBe(true);
    expect(await new Path("/dev/null").isBlockDevice()).toBe(false);
    expect(await new Path("/btelkbee").isBlockDevice()).toBe(false);
    const block = fs.readdirSync("/dev").find((name) => {
      try {
        return fs.lstatSync(`/dev/${name}`).isBlockDevice();
      } catch {
        return false;
      }
    });
    // Containers often have no block device at all; then the negative checks above are what is left.
    if (block !== undefined) expect(await new Path(`/dev/${block}`).isBlockDevice()).toBe(true);
  });

  structuredTest("isSocket() sees a listening UNIX socket", async () => {
    const socketPath = at("sock");
    expect(await new Path(socketPath).isSocket()).toBe(false);
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      expect(await new Path(socketPath).isSocket()).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  structuredTest("isJunction() is false off Windows, and isMount() knows the root", async () => {
    expect(await new Path(tmp).isJunction()).toBe(false);
    expect(await new Path("/gfobj4ewiotj").isMount()).toBe(false);
    expect(await new Path("/").isMount()).toBe(true);
    expect(await new Path(tmp).isMount()).toBe(false);
  });

  structuredTest("stat(), lstat() and readlink()", async () => {
    fs.symlinkSync("/foo/bar/baz", at("testfile"));
    const limiter = new CapacityLimiter(1);
    const link = new Path(at("testfile")).withLimiter(limiter);
    expect((await link.lstat()).isSymbolicLink()).toBe(true);
    expect((await link.stat({ followSymlinks: false })).isSymbolicLink()).toBe(true);
    expect(((await caught(link.stat())) as NodeJS.ErrnoException).code).toBe("ENOENT");
    expect((await new Path(tmp).stat()).isDirectory()).toBe(true);
    const target = await link.readlink();
    expect(target).toBeInstanceOf(Path);
    expect(target.toString()).toBe("/foo/bar/baz");
    expect(target.limiter).toBe(limiter);
  });

  structuredTest("samefile() compares files, and raises the host's error for a missing one", async () => {
    fs.writeFileSync(at("somefile"), "");
    expect(await new Path(tmp, "somefile").samefile(new Path(at("somefile")))).toBe(true);
    expect(await new Path(tmp, "somefile").samefile(tmp)).toBe(false);
    expect(((await caught(new Path(at("nope")).samefile(tmp))) as NodeJS.ErrnoException).code).toBe("ENOENT");
  });

  structuredTest(
    "resolve() collapses '..' and links, keeps missing parts unless strict, and keeps the limiter",
    async () => {
      const limiter = new CapacityLimiter(1);
      const real = fs.realpathSync(tmp);
      const result = await new Path(tmp, "somedir", "..", "somefile").withLimiter(limiter).resolve();
      expect(result.toString()).toBe(nodePath.join(real, "somefile"));
      expect(result.limiter).toBe(limiter);
      fs.mkdirSync(at("dir"));
      fs.symlinkSync(at("dir"), at("link"));
      expect((await new Path(tmp, "link", "x").resolve()).toString()).toBe(nodePath.join(real, "dir", "x"));
      expect(((await caught(new Path(tmp, "missing").resolve({ strict: true }))) as NodeJS.ErrnoException).code).toBe(
        "ENOENT",
      );
      expect((await new Path(".").resolve()).toString()).toBe(fs.realpathSync(process.cwd()));
    },
  );
});

structuredDescribe("reading and writing content", () => {
  structuredTest("readBytes() and writeBytes()", async () => {
    fs.writeFileSync(at("testfile"), "bibbitibobbitiboo");
    const bytes = await new Path(at("testfile")).readBytes();
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bytes).toString()).toBe("bibbitibobbitiboo");
    expect(await new Path(at("out")).writeBytes(new TextEncoder().encode("åäö"))).toBe(6);
    expect(fs.readFileSync(at("out"), "utf8")).toBe("åäö");
    expect(await new Path(at("out")).writeBytes(Buffer.from("x"))).toBe(1);
    expect(fs.readFileSync(at("out"), "utf8")).toBe("x");
    expect(await caught(new Path(at("out")).writeBytes("text" as unknown as Uint8Array))).toBeInstanceOf(TypeError);
  });

  structuredTest("readText() and writeText() in utf-8, utf-16le and latin1, returning characters written", async () => {
    expect(await new Path(at("t")).writeText("some text åäö")).toBe(13);
    expect(fs.readFileSync(at("t"), "utf8")).toBe("some text åäö");
    expect(await new Path(at("t")).readText({ encoding: "utf-8" })).toBe("some text åäö");
    await new Path(at("t16")).writeText("å€", { encoding: "utf-16le" });
    expect([...fs.readFileSync(at("t16"))]).toEqual([0xe5, 0x00, 0xac, 0x20]);
    expect(await new Path(at("t16")).readText({ encoding: "utf-16le" })).toBe("å€");
    fs.writeFileSync(at("l1"), Buffer.from([0x41, 0x80, 0xff]));
    expect(await new Path(at("l1")).readText({ encoding: "latin1" })).toBe("A\u0080\u00ff");
    expect(await new Path(at("l1out")).writeText("aé€", { encoding: "latin1", errors: "replace" })).toBe(3);
    expect([...fs.readFileSync(at("l1out"))]).toEqual([0x61, 0xe9, 0x3f]);
  });

  structuredTest("a byte-order mark is kept, as text", async () => {
    fs.writeFileSync(at("bom"), Buffer.from([0xef, 0xbb, 0xbf, 0x61]));
    expect(await new Path(at("bom")).readText()).toBe("\ufeffa");
  });

  structuredTest("invalid text raises TypeError under 'strict' and is replaced under 'replace'", async () => {
    fs.writeFileSync(at("bad"), Buffer.from([0x61, 0xff, 0x62]));
    expect(await caught(new Path(at("bad")).readText())).toBeInstanceOf(TypeError);
    expect(await new Path(at("bad")).readText({ errors: "replace" })).toBe("a\ufffdb");
    expect(await caught(new Path(at("s")).writeText("a\ud800"))).toBeInstanceOf(TypeError);
    expect(fs.existsSync(at("s"))).toBe(false);
    expect(await caught(new Path(at("s")).writeText("€", { encoding: "latin1" }))).toBeInstanceOf(TypeError);
    expect(await new Path(at("s")).writeText("a\ud800", { errors: "replace" })).toBe(2);
    expect(fs.readFileSync(at("s"), "utf8")).toBe("a\ufffd");
  });

  structuredTest("bad text options are argument errors", async () => {
    expect(await caught(new Path(at("x")).readText({ encoding: "ascii" as "utf-8" }))).toBeInstanceOf(RangeError);
    expect(await caught(new Path(at("x")).readText({ errors: "ignore" as "strict" }))).toBeInstanceOf(RangeError);
    expect(await caught(new Path(at("x")).readText({ newline: "" } as never))).toBeInstanceOf(TypeError);
  });
});

structuredDescribe("changing the file system", () => {
  structuredTest("touch() creates, keeps existing files unless existOk is false, and applies the mode", async () => {
    await new Path(at("testfile")).touch();
    expect(fs.statSync(at("testfile")).isFile()).toBe(true);
    fs.writeFileSync(at("testfile"), "keep");
    await new Path(at("testfile")).touch();
    expect(fs.readFileSync(at("testfile"), "utf8")).toBe("keep");
    expect(((await caught(new Path(at("testfile")).touch({ existOk: false }))) as NodeJS.ErrnoException).code).toBe(
      "EEXIST",
    );
    await new Path(at("private")).touch({ mode: 0o600 });
    expect(fs.statSync(at("private")).mode & 0o777).toBe(0o600);
    expect(await caught(new Path(at("x")).touch({ mode: -1 }))).toBeInstanceOf(RangeError);
  });

  structuredTest("mkdir() with parents and existOk, and the host's errors otherwise", async () => {
    await new Path(at("testdir")).mkdir();
    expect(fs.statSync(at("testdir")).isDirectory()).toBe(true);
    expect(((await caught(new Path(at("testdir")).mkdir())) as NodeJS.ErrnoException).code).toBe("EEXIST");
    await new Path(at("testdir")).mkdir({ existOk: true });
    expect(((await caught(new Path(at("a", "b", "c")).mkdir())) as NodeJS.ErrnoException).code).toBe("ENOENT");
    await new Path(at("a", "b", "c")).mkdir({ parents: true, mode: 0o700 });
    expect(fs.statSync(at("a", "b", "c")).mode & 0o777).toBe(0o700);
    fs.writeFileSync(at("file"), "");
    expect(((await caught(new Path(at("file")).mkdir({ existOk: true }))) as NodeJS.ErrnoException).code).toBe(
      "EEXIST",
    );
  });

  structuredTest("chmod() changes the mode; lchmod() is NotSupportedError where Node lacks it", async () => {
    fs.writeFileSync(at("testfile"), "");
    fs.chmodSync(at("testfile"), 0o666);
    await new Path(at("testfile")).chmod(0o444);
    expect(fs.statSync(at("testfile")).mode & 0o777).toBe(0o444);
    fs.symlinkSync("/foo/bar/baz", at("link"));
    if (typeof fs.lchmod === "function") {
      await new Path(at("link")).lchmod(0o600);
      expect(fs.lstatSync(at("link")).mode & 0o777).toBe(0o600);
    } else {
      const error = await caught(new Path(at("link")).lchmod(0o600));
      expect(error).toBeInstanceOf(NotSupportedError);
      expect((error as Error).message).toMatch(/^Path\.lchmod\(\) /);
      expect(await caught(new Path(at("link")).chmod(0o600, { followSymlinks: false }))).toBeInstanceOf(
        NotSupportedError,
      );
    }
  });

  structuredTest("rename() and replace() return the target with this path's limiter", async () => {
    const limiter = new CapacityLimiter(1);
    fs.writeFileSync(at("somefile"), "hello");
    const renamed = await new Path(at("somefile")).withLimiter(limiter).rename(new Path(at("anotherfile")));
    expect(renamed).toBeInstanceOf(Path);
    expect(renamed.limiter).toBe(limiter);
    expect(renamed.equals(at("anotherfile"))).toBe(true);
    fs.writeFileSync(at("world"), "world");
    const replaced = await renamed.replace(at("world"));
    expect(replaced.toString()).toBe(at("world"));
    expect(fs.readFileSync(at("world"), "utf8")).toBe("hello");
    expect(fs.existsSync(at("anotherfile"))).toBe(false);
  });

  structuredTest("unlink() with and without missingOk, and rmdir()", async () => {
    fs.writeFileSync(at("testfile"), "");
    await new Path(at("testfile")).unlink();
    expect(fs.existsSync(at("testfile"))).toBe(false);
    await new Path(at("testfile")).unlink({ missingOk: true });
    expect(((await caught(new Path(at("testfile")).unlink())) as NodeJS.ErrnoException).code).toBe("ENOENT");
    fs.mkdirSync(at("somedir"));
    await new Path(at("somedir")).rmdir();
    expect(fs.existsSync(at("somedir"))).toBe(false);
  });

  structuredTest("symlinkTo() keeps the target as given, and hardlinkTo() links the same file", async () => {
    await new Path(at("testfile")).symlinkTo(new Path(at("link")));
    expect(fs.lstatSync(at("testfile")).isSymbolicLink()).toBe(true);
    await new Path(at("rel")).symlinkTo("a/./b");
    expect(fs.readlinkSync(at("rel"))).toBe("a/./b");
    fs.writeFileSync(at("target"), "");
    await new Path(at("hard")).hardlinkTo(new Path(at("target")));
    expect(fs.statSync(at("hard")).nlink).toBe(2);
    expect(fs.statSync(at("target")).nlink).toBe(2);
  });

  structuredTest("copy() and copyInto() copy files and trees, returning the target with the limiter", async () => {
    const limiter = new CapacityLimiter(1);
    const source = new Path(tmp, "source").withLimiter(limiter);
    await source.writeText("hello");
    const copied = await source.copy(new Path(tmp, "destination"));
    expect(copied.limiter).toBe(limiter);
    expect(await copied.readText()).toBe("hello");
    await new Path(tmp, "into").mkdir();
    const inside = await source.copyInto(new Path(tmp, "into"));
    expect(inside.toString()).toBe(at("into", "source"));
    expect(await inside.readText()).toBe("hello");
    fs.mkdirSync(at("tree", "sub"), { recursive: true });
    fs.writeFileSync(at("tree", "sub", "f"), "deep");
    fs.symlinkSync("sub/f", at("tree", "link"));
    await new Path(at("tree")).copy(at("tree2"), { followSymlinks: false });
    expect(fs.readFileSync(at("tree2", "sub", "f"), "utf8")).toBe("deep");
    expect(fs.readlinkSync(at("tree2", "link"))).toBe("sub/f");
    expect(((await caught(new Path(at("tree")).copy(at("tree2")))) as NodeJS.ErrnoException).code).toBe("EEXIST");
  });

  structuredTest("move() and moveInto() move, and the source is gone", async () => {
    const limiter = new CapacityLimiter(1);
    const source = new Path(tmp, "source").withLimiter(limiter);
    await source.writeText("hello");
    const moved = await source.move(new Path(tmp, "destination"));
    expect(moved.limiter).toBe(limiter);
    expect(await moved.readText()).toBe("hello");
    expect(await source.exists()).toBe(false);
    await new Path(tmp, "dir").mkdir();
    const inside = await moved.moveInto(new Path(tmp, "dir"));
    expect(inside.toString()).toBe(at("dir", "destination"));
    expect(await inside.readText()).toBe("hello");
    expect(await moved.exists()).toBe(false);
  });

  structuredTest("a move across devices copies (links as links, times kept) and then deletes", async () => {
    fs.mkdirSync(at("tree"));
    fs.writeFileSync(at("tree", "f"), "data");
    fs.symlinkSync("f", at("tree", "link"));
    const old = new Date("2001-02-03T04:05:06Z");
    fs.utimesSync(at("tree", "f"), old, old);
    // /dev/shm is usually another device than the temporary directory: then this is the real
    // EXDEV path of move(); otherwise the fallback itself is exercised directly.
    const shm = "/dev/shm";
    const otherDevice = fs.existsSync(shm) && fs.statSync(shm).dev !== fs.statSync(tmp).dev;
    const destinationRoot = otherDevice ? fs.mkdtempSync(nodePath.join(shm, "anyio-ts-path-")) : at("elsewhere");
    if (!otherDevice) fs.mkdirSync(destinationRoot);
    try {
      const destination = nodePath.join(destinationRoot, "tree");
      if (otherDevice) await new Path(at("tree")).move(destination);
      else await moveAcrossDevices(at("tree"), destination);
      expect(fs.existsSync(at("tree"))).toBe(false);
      expect(fs.readFileSync(nodePath.join(destination, "f"), "utf8")).toBe("data");
      expect(fs.readlinkSync(nodePath.join(destination, "link"))).toBe("f");
      expect(fs.statSync(nodePath.join(destination, "f")).mtime.getTime()).toBe(old.getTime());
    } finally {
      fs.rmSync(destinationRoot, { recursive: true, force: true });
    }
  });

  structuredTest("relativeTo(walkUp) gives a path that works from the sibling directory", async () => {
    fs.mkdirSync(at("subdir"));
    fs.mkdirSync(at("sibdir"));
    fs.writeFileSync(at("subdir", "dummyfile1.txt"), "x");
    const subdir = new Path(tmp, "subdir");
    const sibdir = new Path(tmp, "sibdir");
    expect(() => subdir.relativeTo(sibdir)).toThrow(RangeError);
    const relative = subdir.relativeTo(sibdir, { walkUp: true }).joinpath("dummyfile1.txt");
    expect(relative.toString()).toBe("../subdir/dummyfile1.txt");
    expect(await sibdir.joinpath(relative).isFile()).toBe(true);
  });
});

/** Every I/O member, run where a cancelled task must change and report nothing. */
const MEMBERS: [name: string, setup: () => void, call: () => Promise<unknown>, unchanged: () => void][] = [
  ["touch()", () => {}, () => new Path(at("new")).touch(), () => expect(fs.existsSync(at("new"))).toBe(false)],
  ["mkdir()", () => {}, () => new Path(at("new")).mkdir(), () => expect(fs.existsSync(at("new"))).toBe(false)],
  [
    "writeBytes()",
    () => {},
    () => new Path(at("new")).writeBytes(new Uint8Array([1])),
    () => expect(fs.existsSync(at("new"))).toBe(false),
  ],
  [
    "writeText()",
    () => fs.writeFileSync(at("f"), "old"),
    () => new Path(at("f")).writeText("new"),
    () => expect(fs.readFileSync(at("f"), "utf8")).toBe("old"),
  ],
  [
    "rename()",
    () => fs.writeFileSync(at("f"), ""),
    () => new Path(at("f")).rename(at("g")),
    () => expect(fs.existsSync(at("f"))).toBe(true),
  ],
  [
    "replace()",
    () => fs.writeFileSync(at("f"), ""),
    () => new Path(at("f")).replace(at("g")),
    () => expect(fs.existsSync(at("g"))).toBe(false),
  ],
  [
    "unlink()",
    () => fs.writeFileSync(at("f"), ""),
    () => new Path(at("f")).unlink(),
    () => expect(fs.existsSync(at("f"))).toBe(true),
  ],
  [
    "rmdir()",
    () => fs.mkdirSync(at("d")),
    () => new Path(at("d")).rmdir(),
    () => expect(fs.existsSync(at("d"))).toBe(true),
  ],
  [
    "chmod()",
    () => fs.writeFileSync(at("f"), "", { mode: 0o644 }),
    () => new Path(at("f")).chmod(0o400),
    () => expect(fs.statSync(at("f")).mode & 0o777).toBe(0o644),
  ],
  ["symlinkTo()", () => {}, () => new Path(at("l")).symlinkTo(tmp), () => expect(fs.existsSync(at("l"))).toBe(false)],
  [
    "hardlinkTo()",
    () => fs.writeFileSync(at("f"), ""),
    () => new Path(at("h")).hardlinkTo(at("f")),
    () => expect(fs.existsSync(at("h"))).toBe(false),
  ],
  [
    "copy()",
    () => fs.writeFileSync(at("f"), ""),
    () => new Path(at("f")).copy(at("c")),
    () => expect(fs.existsSync(at("c"))).toBe(false),
  ],
  [
    "copyInto()",
    () => fs.writeFileSync(at("f"), ""),
    () => new Path(at("f")).copyInto(os.tmpdir()),
    () => expect(fs.existsSync(at("f"))).toBe(true),
  ],
  [
    "move()",
    () => fs.writeFileSync(at("f"), ""),
    () => new Path(at("f")).move(at("m")),
    () => expect(fs.existsSync(at("f"))).toBe(true),
  ],
  [
    "moveInto()",
    () => fs.writeFileSync(at("f"), ""),
    () => new Path(at("f")).moveInto(at("..")),
    () => expect(fs.existsSync(at("f"))).toBe(true),
  ],
  ["readBytes()", () => fs.writeFileSync(at("f"), "x"), () => new Path(at("f")).readBytes(), () => {}],
  ["readText()", () => fs.writeFileSync(at("f"), "x"), () => new Path(at("f")).readText(), () => {}],
  ["stat()", () => {}, () => new Path(tmp).stat(), () => {}],
  ["lstat()", () => {}, () => new Path(tmp).lstat(), () => {}],
  ["exists()", () => {}, () => new Path(tmp).exists(), () => {}],
  ["isDir()", () => {}, () => new Path(tmp).isDir(), () => {}],
  ["isFile()", () => {}, () => new Path(tmp).isFile(), () => {}],
  ["isSymlink()", () => {}, () => new Path(tmp).isSymlink(), () => {}],
  ["isSocket()", () => {}, () => new Path(tmp).isSocket(), () => {}],
  ["isFifo()", () => {}, () => new Path(tmp).isFifo(), () => {}],
  ["isBlockDevice()", () => {}, () => new Path(tmp).isBlockDevice(), () => {}],
  ["isCharDevice()", () => {}, () => new Path(tmp).isCharDevice(), () => {}],
  ["isJunction()", () => {}, () => new Path(tmp).isJunction(), () => {}],
  ["isMount()", () => {}, () => new Path(tmp).isMount(), () => {}],
  ["samefile()", () => {}, () => new Path(tmp).samefile(tmp), () => {}],
  ["readlink()", () => fs.symlinkSync("x", at("l")), () => new Path(at("l")).readlink(), () => {}],
  ["resolve()", () => {}, () => new Path(tmp).resolve(), () => {}],
  ["absolute()", () => {}, () => new Path("rel").absolute(), () => {}],
  ["absolute() of an absolute path", () => {}, () => new Path(tmp).absolute(), () => {}],
  ["expanduser()", () => {}, () => new Path("~/x").expanduser(), () => {}],
  ["expanduser() without a tilde", () => {}, () => new Path("x").expanduser(), () => {}],
  ["Path.cwd()", () => {}, () => Path.cwd(), () => {}],
  ["Path.home()", () => {}, () => Path.home(), () => {}],
];

structuredDescribe("every I/O member is a checkpoint", () => {
  for (const [name, setup, call, unchanged] of MEMBERS) {
    structuredTest(`${name} in a cancelled scope raises Cancelled and has no effect`, async () => {
      setup();
      const outcomes: string[] = [];
      const caughtByScope = await inCancelledScope(async () => {
        try {
          await call();
          outcomes.push("completed");
        } catch (error) {
          outcomes.push(error instanceof Cancelled ? "cancelled" : String(error));
          throw error;
        }
      });
      expect(outcomes).toEqual(["cancelled"]);
      expect(caughtByScope).toBe(true);
      unchanged();
    });
  }

  for (const [name, setup, call] of MEMBERS) {
    structuredTest(`${name} lets other tasks run before it returns, even when it could finish at once`, async () => {
      setup();
      const order: string[] = [];
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(async () => {
          order.push("other task");
        });
        await call();
        order.push(`${name} returned`);
      });
      expect(order).toEqual(["other task", `${name} returned`]);
    });
  }
});

structuredDescribe("cancellation while an operation is in flight", () => {
  structuredTest("a query is abandoned: Cancelled at once, while the host call is still running", async () => {
    fs.writeFileSync(at("f"), "");
    const limiter = new CapacityLimiter(1);
    const path = new Path(at("f")).withLimiter(limiter);
    const events: string[] = [];
    const call = watchHostCall("stat");
    const pool = blockThreadPool(tmp);
    try {
      await createTaskGroup().run(async (tg) => {
        const scope = new CancelScope();
        tg.startSoon(async () => {
          await scope.run(async () => {
            try {
              await path.stat();
              events.push("stat() returned");
            } catch (error) {
              events.push(error instanceof Cancelled ? "stat() cancelled" : String(error));
              throw error;
            }
          });
          events.push(`scope exited, token returned: ${limiter.borrowedTokens === 0}`);
        });
        await call.started.wait(); // the host call is under way (and stays so: the pool is blocked)
        scope.cancel();
        while (events.length < 2) await sleep(1);
        events.push("thread pool still blocked");
      });
    } finally {
      call.restore();
      await pool.release();
    }
    expect(events).toEqual(["stat() cancelled", "scope exited, token returned: true", "thread pool still blocked"]);
  });

  structuredTest(
    "a mutation runs to completion and reports its result; Cancelled comes at the next checkpoint",
    async () => {
      const limiter = new CapacityLimiter(1);
      const path = new Path(at("written")).withLimiter(limiter);
      const events: string[] = [];
      const call = watchHostCall("writeText");
      let pool: { release(): Promise<void> } | undefined = blockThreadPool(tmp);
      try {
        await createTaskGroup().run(async (tg) => {
          const scope = new CancelScope();
          tg.startSoon(async () => {
            await scope.run(async () => {
              const written = await path.writeText("all of it");
              events.push(`writeText() returned ${written}`);
              try {
                await checkpoint();
              } catch (error) {
                events.push(error instanceof Cancelled ? "next checkpoint cancelled" : String(error));
                throw error;
              }
            });
          });
          await call.started.wait(); // the host call is under way (and stays so: the pool is blocked)
          scope.cancel();
          await sleep(20);
          events.push("pool released");
          const blocked = pool!;
          pool = undefined;
          await blocked.release();
        });
      } finally {
        call.restore();
        await pool?.release();
      }
      expect(events).toEqual(["pool released", "writeText() returned 9", "next checkpoint cancelled"]);
      expect(fs.readFileSync(at("written"), "utf8")).toBe("all of it");
    },
  );
});

structuredDescribe("the limiter", () => {
  structuredTest("an operation waits for a token of the path's limiter", async () => {
    const limiter = new CapacityLimiter(1);
    const holder = {};
    limiter.acquireOnBehalfOfNowait(holder);
    const events: string[] = [];
    await createTaskGroup().run(async (tg) => {
      tg.startSoon(async () => {
        events.push(`exists: ${await new Path(tmp).withLimiter(limiter).exists()}`);
      });
      await waitAllTasksBlocked();
      expect(limiter.statistics().tasksWaiting).toBe(1);
      events.push("released");
      limiter.releaseOnBehalfOf(holder);
    });
    expect(events).toEqual(["released", "exists: true"]);
    expect(limiter.borrowedTokens).toBe(0);
  });

  structuredTest("without a limiter of its own, a path uses the run's default limiter", async () => {
    const limiter = currentDefaultThreadLimiter();
    const holders = Array.from({ length: limiter.totalTokens }, () => ({}));
    for (const holder of holders) limiter.acquireOnBehalfOfNowait(holder);
    const events: string[] = [];
    await createTaskGroup().run(async (tg) => {
      tg.startSoon(async () => {
        await new Path(at("made")).mkdir();
        events.push("mkdir() done");
      });
      await waitAllTasksBlocked();
      events.push("releasing");
      limiter.releaseOnBehalfOf(holders.pop()!);
    });
    for (const holder of holders) limiter.releaseOnBehalfOf(holder);
    expect(events).toEqual(["releasing", "mkdir() done"]);
    expect(fs.existsSync(at("made"))).toBe(true);
  });

  structuredTest("a task that holds a token of the limiter itself can still use a path with it", async () => {
    const limiter = new CapacityLimiter(2);
    using _ = await limiter.acquire();
    expect(await new Path(tmp).withLimiter(limiter).isDir()).toBe(true);
  });
});
