// Path's directory iterators over generated temporary trees: AnyIO's iterdir/glob/rglob/walk
// checks re-expressed, pathlib's glob rules, and the directory handle each iterator holds, which
// must be closed when the loop ends, breaks, throws or is cancelled.
import * as fs from "node:fs";
import * as os from "node:os";
import * as nodePath from "node:path";
import fc from "fast-check";
import {
  CancelScope,
  Cancelled,
  CapacityLimiter,
  NotSupportedError,
  Path,
  createTaskGroup,
  sleep,
  waitAllTasksBlocked,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { openDirectoryHandles } from "../../../runtime/platform/node/fs-path";
import { caught } from "../../helpers";
import { blockThreadPool, watchHostCall } from "./pool";

let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(nodePath.join(os.tmpdir(), "anyio-ts-walk-"));
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** AnyIO's populated directory: two files, two directories of two .txt files, a link between them. */
function populate(): void {
  fs.writeFileSync(nodePath.join(tmp, "testfile"), "");
  fs.writeFileSync(nodePath.join(tmp, "testfile2"), "");
  for (const dir of ["subdir", "sibdir"]) {
    fs.mkdirSync(nodePath.join(tmp, dir));
    fs.writeFileSync(nodePath.join(tmp, dir, "dummyfile1.txt"), "");
    fs.writeFileSync(nodePath.join(tmp, dir, "dummyfile2.txt"), "");
  }
  fs.symlinkSync(nodePath.join(tmp, "sibdir"), nodePath.join(tmp, "subdir", "symlink"));
}

async function collect(iterable: AsyncIterable<Path>, root: Path): Promise<string[]> {
  const found: string[] = [];
  for await (const path of iterable) {
    expect(path).toBeInstanceOf(Path);
    found.push(path.relativeTo(root).toString());
  }
  return found.sort();
}

const DUMMIES = ["sibdir/dummyfile1.txt", "sibdir/dummyfile2.txt", "subdir/dummyfile1.txt", "subdir/dummyfile2.txt"];
const THROUGH_LINK = ["subdir/symlink/dummyfile1.txt", "subdir/symlink/dummyfile2.txt"];

structuredDescribe("iterdir", () => {
  structuredTest("yields each child once, with the limiter", async () => {
    populate();
    const limiter = new CapacityLimiter(1);
    const root = new Path(tmp).withLimiter(limiter);
    const names: string[] = [];
    for await (const child of root.iterdir()) {
      expect(child.limiter).toBe(limiter);
      expect(child.parent.equals(root)).toBe(true);
      names.push(child.name);
    }
    expect(names.sort()).toEqual(["sibdir", "subdir", "testfile", "testfile2"]);
  });

  structuredTest("holds one directory handle while it runs and closes it at the end", async () => {
    populate();
    const during: number[] = [];
    for await (const _ of new Path(tmp).iterdir()) during.push(openDirectoryHandles());
    expect(during).toEqual([1, 1, 1, 1]);
    expect(openDirectoryHandles()).toBe(0);
  });

  structuredTest("raises the host's error for a missing directory", async () => {
    const error = await caught(async () => {
      for await (const _ of new Path(tmp, "missing").iterdir());
    });
    expect((error as NodeJS.ErrnoException).code).toBe("ENOENT");
    expect(openDirectoryHandles()).toBe(0);
  });

  structuredTest("yields names relative to '.' without a './' prefix", async () => {
    const previous = process.cwd();
    populate();
    process.chdir(tmp);
    try {
      const names: string[] = [];
      for await (const child of new Path().iterdir()) names.push(child.toString());
      expect(names.sort()).toEqual(["sibdir", "subdir", "testfile", "testfile2"]);
    } finally {
      process.chdir(previous);
    }
  });
});

structuredDescribe("glob and rglob", () => {
  structuredTest("'**/*.txt' finds the files at every depth, not through links to directories", async () => {
    populate();
    const limiter = new CapacityLimiter(1);
    const root = new Path(tmp).withLimiter(limiter);
    for await (const path of root.glob("**/*.txt")) expect(path.limiter).toBe(limiter);
    expect(await collect(root.glob("**/*.txt"), root)).toEqual(DUMMIES);
    expect(await collect(root.rglob("*.txt"), root)).toEqual(DUMMIES);
  });

  structuredTest("caseSensitive decides whether letter case matters", async () => {
    populate();
    const root = new Path(tmp);
    expect(await collect(root.glob("**/DUMMY*.txt", { caseSensitive: true }), root)).toEqual([]);
    expect(await collect(root.glob("**/DUMMY*.txt", { caseSensitive: false }), root)).toEqual(DUMMIES);
    expect(await collect(root.rglob("*.TXT", { caseSensitive: true }), root)).toEqual([]);
    expect(await collect(root.rglob("*.TXT", { caseSensitive: false }), root)).toEqual(DUMMIES);
    expect(await collect(root.glob("SUBDIR/dummyfile1.TXT", { caseSensitive: false }), root)).toEqual([
      "subdir/dummyfile1.txt",
    ]);
  });

  structuredTest("recurseSymlinks lets '**' descend through links to directories", async () => {
    populate();
    const root = new Path(tmp);
    const expected = [...DUMMIES, ...THROUGH_LINK].sort();
    expect(await collect(root.glob("**/*.txt", { recurseSymlinks: true }), root)).toEqual(expected);
    expect(await collect(root.rglob("**/*.txt", { recurseSymlinks: true }), root)).toEqual(expected);
  });

  structuredTest("a link loop is entered once per branch with recurseSymlinks", async () => {
    fs.mkdirSync(nodePath.join(tmp, "a"));
    fs.writeFileSync(nodePath.join(tmp, "a", "f.txt"), "");
    fs.symlinkSync(nodePath.join(tmp, "a"), nodePath.join(tmp, "a", "loop"));
    const root = new Path(tmp);
    expect(await collect(root.rglob("*.txt", { recurseSymlinks: true }), root)).toEqual(["a/f.txt"]);
    expect(await collect(root.rglob("*", { recurseSymlinks: true }), root)).toEqual(["a", "a/f.txt", "a/loop"]);
  });

  structuredTest("'*' and '?' match leading dots but never cross a separator", async () => {
    fs.mkdirSync(nodePath.join(tmp, "d"));
    for (const name of [".hidden", "visible", "d/.inner", "d/x"]) fs.writeFileSync(nodePath.join(tmp, name), "");
    const root = new Path(tmp);
    expect(await collect(root.glob("*"), root)).toEqual([".hidden", "d", "visible"]);
    expect(await collect(root.glob("?hidden"), root)).toEqual([".hidden"]);
    expect(await collect(root.glob("*/*"), root)).toEqual(["d/.inner", "d/x"]);
    expect(await collect(root.glob("*/.*"), root)).toEqual(["d/.inner"]);
  });

  structuredTest(
    "'**' alone is the directory and everything below it; a trailing separator keeps directories",
    async () => {
      fs.mkdirSync(nodePath.join(tmp, "a", "b"), { recursive: true });
      fs.writeFileSync(nodePath.join(tmp, "a", "f"), "");
      fs.writeFileSync(nodePath.join(tmp, "a", "b", "g"), "");
      const root = new Path(tmp);
      expect(await collect(root.glob("**"), root)).toEqual([".", "a", "a/b", "a/b/g", "a/f"]);
      expect(await collect(root.glob("**/"), root)).toEqual([".", "a", "a/b"]);
      expect(await collect(root.glob("a/**"), root)).toEqual(["a", "a/b", "a/b/g", "a/f"]);
      expect(await collect(root.glob("*/"), root)).toEqual(["a"]);
      expect(await collect(root.glob("**/**/g"), root)).toEqual(["a/b/g"]);
      expect(await collect(root.glob("**/b/*"), root)).toEqual(["a/b/g"]);
    },
  );

  structuredTest(
    "literal segments are looked up, '..' is literal, and a missing directory yields nothing",
    async () => {
      fs.mkdirSync(nodePath.join(tmp, "a", "b"), { recursive: true });
      fs.writeFileSync(nodePath.join(tmp, "a", "b", "c.txt"), "");
      const root = new Path(tmp);
      expect(await collect(root.glob("a/b/c.txt"), root)).toEqual(["a/b/c.txt"]);
      expect(await collect(root.glob("a/b/missing"), root)).toEqual([]);
      expect(await collect(root.glob("a/b/../b/*.txt"), root)).toEqual(["a/b/../b/c.txt"]);
      expect(await collect(root.glob("a/../a/*"), root)).toEqual(["a/../a/b"]);
      expect(await collect(new Path(tmp, "missing").glob("*"), root)).toEqual([]);
      expect(await collect(root.glob("a/b/c.txt/*"), root)).toEqual([]);
    },
  );

  structuredTest("character classes, and brace or extglob syntax taken literally", async () => {
    for (const name of ["a1", "a2", "ab", "{x,y}", "x", "@(q)"]) fs.writeFileSync(nodePath.join(tmp, name), "");
    const root = new Path(tmp);
    expect(await collect(root.glob("a[0-9]"), root)).toEqual(["a1", "a2"]);
    expect(await collect(root.glob("a[!0-9]"), root)).toEqual(["ab"]);
    expect(await collect(root.glob("{x,y}"), root)).toEqual(["{x,y}"]);
    expect(await collect(root.glob("{x*"), root)).toEqual(["{x,y}"]);
    expect(await collect(root.glob("@(q)"), root)).toEqual(["@(q)"]);
  });

  structuredTest("bad patterns fail at the call", () => {
    const root = new Path(tmp);
    expect(() => root.glob("")).toThrow(RangeError);
    expect(() => root.glob(".")).toThrow(RangeError);
    expect(() => root.glob("/etc/*")).toThrow(NotSupportedError);
    expect(() => root.glob("/etc/*")).toThrow("Path.glob() takes relative patterns only");
    expect(() => root.rglob("/etc/*")).toThrow("Path.rglob() takes relative patterns only");
    expect(() => root.glob(1 as unknown as string)).toThrow(TypeError);
    expect(() => root.glob("*", { caseSensitive: "no" as unknown as boolean })).toThrow(TypeError);
    expect(() => root.glob("*", { followSymlinks: true } as never)).toThrow(TypeError);
  });

  structuredTest("results join onto the path as given: relative stays relative", async () => {
    const previous = process.cwd();
    populate();
    process.chdir(tmp);
    try {
      const found: string[] = [];
      for await (const path of new Path().glob("sub*/*1.txt")) found.push(path.toString());
      expect(found).toEqual(["subdir/dummyfile1.txt"]);
    } finally {
      process.chdir(previous);
    }
  });
});

/** Every path under `root` (links not entered), relative, with a trailing "/" for directories. */
function referenceWalk(root: string): { files: string[]; dirs: string[] } {
  const files: string[] = [];
  const dirs: string[] = [];
  const visit = (relative: string): void => {
    for (const entry of fs.readdirSync(nodePath.join(root, relative), { withFileTypes: true })) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        dirs.push(child);
        visit(child);
      } else files.push(child);
    }
  };
  visit("");
  return { files: files.sort(), dirs: dirs.sort() };
}

structuredDescribe("glob over generated trees", () => {
  structuredTest("rglob('*.ts') and glob('**') find what a synchronous walk finds", async () => {
    // Random trees (fixed seed): names with dots, brackets and braces, at random depths.
    const names = fc.constantFrom("a", "b.ts", ".c.ts", "d.js", "[e].ts", "{f}", "g.TS", "h");
    const trees = fc.array(fc.array(names, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 25 });
    const samples = fc.sample(trees, { seed: 20261206, numRuns: 12 });
    for (const [index, tree] of samples.entries()) {
      const base = nodePath.join(tmp, `tree${index}`);
      fs.mkdirSync(base);
      for (const segments of tree) {
        const dir = nodePath.join(base, ...segments.slice(0, -1).map((name) => `${name}.d`));
        fs.mkdirSync(dir, { recursive: true });
        const file = nodePath.join(dir, segments[segments.length - 1]!);
        if (!fs.existsSync(file)) fs.writeFileSync(file, "");
      }
      const reference = referenceWalk(base);
      const root = new Path(base);
      const expectedTs = [...reference.files, ...reference.dirs].filter((path) => path.endsWith(".ts")).sort();
      expect(await collect(root.rglob("*.ts"), root)).toEqual(expectedTs);
      expect(await collect(root.glob("**"), root)).toEqual([".", ...reference.files, ...reference.dirs].sort());
      expect(await collect(root.glob("**/"), root)).toEqual([".", ...reference.dirs].sort());
      expect(openDirectoryHandles()).toBe(0);
    }
  });
});

structuredDescribe("walk", () => {
  structuredTest("top-down: the directory, then its subdirectories, with the limiter", async () => {
    fs.mkdirSync(nodePath.join(tmp, "subdir"));
    fs.writeFileSync(nodePath.join(tmp, "subdir", "file1"), "");
    fs.writeFileSync(nodePath.join(tmp, "subdir", "file2"), "");
    const limiter = new CapacityLimiter(1);
    const iterator = new Path(tmp).withLimiter(limiter).walk()[Symbol.asyncIterator]();
    let step = await iterator.next();
    expect(step.done).toBe(false);
    let [root, dirs, files] = step.value as [Path, string[], string[]];
    expect(root.limiter).toBe(limiter);
    expect(root.equals(tmp)).toBe(true);
    expect(dirs).toEqual(["subdir"]);
    expect(files).toEqual([]);
    step = await iterator.next();
    [root, dirs, files] = step.value as [Path, string[], string[]];
    expect(root.limiter).toBe(limiter);
    expect(root.equals(nodePath.join(tmp, "subdir"))).toBe(true);
    expect(dirs).toEqual([]);
    expect(files.sort()).toEqual(["file1", "file2"]);
    expect((await iterator.next()).done).toBe(true);
  });

  structuredTest("top-down honours names removed from dirnames; bottom-up yields children first", async () => {
    for (const dir of ["a/a1", "b/b1", "c"]) fs.mkdirSync(nodePath.join(tmp, dir), { recursive: true });
    const root = new Path(tmp);
    const pruned: string[] = [];
    for await (const [dir, dirnames] of root.walk()) {
      pruned.push(dir.relativeTo(root).toString());
      const b = dirnames.indexOf("b");
      if (b >= 0) dirnames.splice(b, 1);
    }
    expect(pruned.sort()).toEqual([".", "a", "a/a1", "c"]);
    const order: string[] = [];
    for await (const [dir] of root.walk({ topDown: false })) order.push(dir.relativeTo(root).toString());
    expect([...order].sort()).toEqual([".", "a", "a/a1", "b", "b/b1", "c"]);
    expect(order[order.length - 1]).toBe(".");
    expect(order.indexOf("a/a1")).toBeLessThan(order.indexOf("a"));
    expect(order.indexOf("b/b1")).toBeLessThan(order.indexOf("b"));
  });

  structuredTest("links to directories are filenames unless followSymlinks, which enters them", async () => {
    fs.mkdirSync(nodePath.join(tmp, "real"));
    fs.writeFileSync(nodePath.join(tmp, "real", "inside"), "");
    fs.symlinkSync(nodePath.join(tmp, "real"), nodePath.join(tmp, "link"));
    const root = new Path(tmp);
    const plain: [string, string[], string[]][] = [];
    for await (const [dir, dirnames, filenames] of root.walk())
      plain.push([dir.relativeTo(root).toString(), [...dirnames].sort(), [...filenames].sort()]);
    expect(plain).toEqual([
      [".", ["real"], ["link"]],
      ["real", [], ["inside"]],
    ]);
    const followed: string[] = [];
    for await (const [dir] of root.walk({ followSymlinks: true })) followed.push(dir.relativeTo(root).toString());
    expect(followed.sort()).toEqual([".", "link", "real"]);
  });

  structuredTest("a directory that cannot be opened goes to onError and is skipped", async () => {
    const errors: string[] = [];
    const seen: string[] = [];
    for await (const [dir] of new Path(tmp, "missing").walk({
      onError: (error) => errors.push((error as NodeJS.ErrnoException).code!),
    })) {
      seen.push(dir.toString());
    }
    expect(seen).toEqual([]);
    expect(errors).toEqual(["ENOENT"]);
    expect(() => new Path(tmp).walk({ onError: 1 as never })).toThrow(TypeError);
  });
});

/** A tree deep and wide enough that every iterator is mid-directory when the loop stops. */
function bigTree(): void {
  for (const dir of ["x", "x/y", "x/y/z"]) {
    fs.mkdirSync(nodePath.join(tmp, dir), { recursive: true });
    for (let i = 0; i < 5; i++) fs.writeFileSync(nodePath.join(tmp, dir, `f${i}.txt`), "");
  }
}

const ITERATORS: [string, (root: Path) => AsyncIterable<unknown>][] = [
  ["iterdir()", (root) => root.joinpath("x").iterdir()],
  ["glob()", (root) => root.glob("x/*/*")],
  ["rglob()", (root) => root.rglob("*.txt")],
  ["walk()", (root) => root.walk()],
  ["walk({ topDown: false })", (root) => root.walk({ topDown: false })],
];

structuredDescribe("every iterator closes its directory handle", () => {
  for (const [name, iterate] of ITERATORS) {
    structuredTest(`${name}: when the loop breaks`, async () => {
      bigTree();
      let steps = 0;
      for await (const _ of iterate(new Path(tmp))) {
        if (++steps === 2) break;
      }
      expect(steps).toBe(2);
      expect(openDirectoryHandles()).toBe(0);
    });

    structuredTest(`${name}: when the loop body throws`, async () => {
      bigTree();
      const error = await caught(async () => {
        for await (const _ of iterate(new Path(tmp))) throw new Error("body failed");
      });
      expect((error as Error).message).toBe("body failed");
      expect(openDirectoryHandles()).toBe(0);
    });

    structuredTest(`${name}: when the scope is cancelled mid-loop, the next step raises Cancelled`, async () => {
      bigTree();
      const scope = new CancelScope();
      let steps = 0;
      let raised: unknown;
      await scope.run(async () => {
        try {
          for await (const _ of iterate(new Path(tmp))) {
            steps++;
            scope.cancel();
          }
        } catch (error) {
          raised = error;
          throw error;
        }
      });
      expect(steps).toBe(1);
      expect(raised).toBeInstanceOf(Cancelled);
      expect(scope.cancelledCaught).toBe(true);
      expect(openDirectoryHandles()).toBe(0);
    });

    structuredTest(`${name}: in a cancelled scope, its first step raises Cancelled and opens nothing`, async () => {
      bigTree();
      const scope = new CancelScope();
      scope.cancel();
      let steps = 0;
      await scope.run(async () => {
        for await (const _ of iterate(new Path(tmp))) steps++;
      });
      expect(steps).toBe(0);
      expect(scope.cancelledCaught).toBe(true);
      expect(openDirectoryHandles()).toBe(0);
    });
  }
});

structuredDescribe("iterators under cancellation and the limiter", () => {
  structuredTest(
    "a cancellation while a directory is being opened lands after the open, and the handle is closed",
    async () => {
      const events: string[] = [];
      const call = watchHostCall("opendir");
      const pool = blockThreadPool(tmp);
      let released = false;
      try {
        await createTaskGroup().run(async (tg) => {
          const scope = new CancelScope();
          tg.startSoon(async () => {
            await scope.run(async () => {
              try {
                for await (const _ of new Path(tmp).iterdir()) events.push("entry");
              } catch (error) {
                events.push(error instanceof Cancelled ? "cancelled" : String(error));
                throw error;
              }
            });
          });
          await call.started.wait(); // opendir() is under way, held up by the blocked pool
          scope.cancel();
          await sleep(20);
          events.push("pool released");
          released = true;
          await pool.release();
        });
      } finally {
        call.restore();
        if (!released) await pool.release();
      }
      // The open was not abandoned (its handle would have leaked): it finished, then the next step
      // raised Cancelled and the handle was closed.
      expect(events).toEqual(["pool released", "cancelled"]);
      expect(openDirectoryHandles()).toBe(0);
    },
  );

  structuredTest("each step waits for a token of the path's limiter", async () => {
    populate();
    const limiter = new CapacityLimiter(1);
    const holder = {};
    limiter.acquireOnBehalfOfNowait(holder);
    const events: string[] = [];
    await createTaskGroup().run(async (tg) => {
      tg.startSoon(async () => {
        let count = 0;
        for await (const _ of new Path(tmp).withLimiter(limiter).rglob("*.txt")) count++;
        events.push(`found ${count}`);
      });
      await waitAllTasksBlocked();
      expect(limiter.statistics().tasksWaiting).toBe(1);
      events.push("released");
      limiter.releaseOnBehalfOf(holder);
    });
    expect(events).toEqual(["released", "found 4"]);
    expect(limiter.borrowedTokens).toBe(0);
  });
});
