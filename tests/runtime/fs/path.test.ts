// Path's pure members: pathlib's documented behaviour on POSIX (the platform these tests run on),
// and AnyIO's own checks of its Path's properties, re-expressed. None of them touches the disk.
import * as util from "node:util";
import fc from "fast-check";
import { CapacityLimiter, Path } from "anyio-ts";

const p = (...segments: (string | URL | Path)[]): Path => new Path(...segments);

describe("the members", () => {
  // pathlib's public members as the contract lists them (open() joins with the async files).
  const METHODS = [
    "withLimiter",
    "toString",
    "toJSON",
    "equals",
    "asPosix",
    "asUri",
    "isAbsolute",
    "isRelativeTo",
    "joinpath",
    "match",
    "fullMatch",
    "relativeTo",
    "withName",
    "withStem",
    "withSuffix",
    "withSegments",
    "absolute",
    "expanduser",
    "resolve",
    "readlink",
    "stat",
    "lstat",
    "exists",
    "isDir",
    "isFile",
    "isSymlink",
    "isSocket",
    "isFifo",
    "isBlockDevice",
    "isCharDevice",
    "isJunction",
    "isMount",
    "samefile",
    "iterdir",
    "glob",
    "rglob",
    "walk",
    "readBytes",
    "readText",
    "writeBytes",
    "writeText",
    "touch",
    "mkdir",
    "chmod",
    "lchmod",
    "rename",
    "replace",
    "unlink",
    "rmdir",
    "symlinkTo",
    "hardlinkTo",
    "copy",
    "copyInto",
    "move",
    "moveInto",
  ];
  const PROPERTIES = ["parts", "drive", "root", "anchor", "parents", "parent", "name", "suffix", "suffixes", "stem"];

  test.each(METHODS)("has the method %s", (name) => {
    expect(typeof (Path.prototype as unknown as Record<string, unknown>)[name]).toBe("function");
  });

  test.each(PROPERTIES)("has the read-only property %s", (name) => {
    const descriptor = Object.getOwnPropertyDescriptor(Path.prototype, name);
    expect(typeof descriptor?.get).toBe("function");
    expect(descriptor?.set).toBeUndefined();
  });

  test.each(["cwd", "home", "fromUri"])("has the static method %s", (name) => {
    expect(typeof (Path as unknown as Record<string, unknown>)[name]).toBe("function");
  });

  test("has none of the members pathlib has that Node cannot provide", () => {
    for (const name of ["owner", "group", "isReserved", "info"]) expect(name in Path.prototype).toBe(false);
  });
});

describe("building a Path", () => {
  test("joins segments with the platform's separator, and none is the current directory", () => {
    expect(p("/usr", "lib", "node").toString()).toBe("/usr/lib/node");
    expect(p().toString()).toBe(".");
    expect(p("").toString()).toBe(".");
  });

  test("an absolute segment discards what came before", () => {
    expect(p("a", "/b", "c").toString()).toBe("/b/c");
    expect(p("/etc", "/usr", "lib64").toString()).toBe("/usr/lib64");
  });

  test("drops empty and '.' segments and repeated separators but keeps '..' and never ends with a separator", () => {
    expect(p("foo//bar").toString()).toBe("foo/bar");
    expect(p("foo/./bar").toString()).toBe("foo/bar");
    expect(p("foo/../bar").toString()).toBe("foo/../bar");
    expect(p("foo/bar/").toString()).toBe("foo/bar");
    expect(p("./a").toString()).toBe("a");
  });

  test("keeps exactly two leading slashes and folds three or more into one", () => {
    expect(p("//a/b").toString()).toBe("//a/b");
    expect(p("///a/b").toString()).toBe("/a/b");
  });

  test("accepts file: URLs and other paths, and refuses anything else", () => {
    expect(p(new URL("file:///tmp/a%20b")).toString()).toBe("/tmp/a b");
    expect(p(p("/x"), "y").toString()).toBe("/x/y");
    expect(() => p(new URL("https://example.com/a"))).toThrow(TypeError);
    expect(() => p(new URL("https://example.com/a"))).toThrow(
      'Expected `segments[0]` to be a file: URL, got `"https://example.com/a"` (string)',
    );
    expect(() => new Path(42 as unknown as string)).toThrow(
      "Expected `segments[0]` to be a string, a file: URL or a Path, got `42` (number)",
    );
  });

  test("prints as a string, as JSON, through the fspath protocol and in util.inspect", () => {
    const path = p("/foo");
    expect(`${path}`).toBe("/foo");
    expect(JSON.stringify({ path })).toBe('{"path":"/foo"}');
    expect((path as unknown as Record<symbol, () => string>)[Symbol.for("anyio-ts.fspath")]!()).toBe("/foo");
    expect(util.inspect(path)).toBe('Path("/foo")');
  });
});

describe("the parts of a path", () => {
  test("parts, drive, root and anchor", () => {
    const path = p("/abc/xyz/foo.txt");
    expect(path.parts).toEqual(["/", "abc", "xyz", "foo.txt"]);
    expect(path.drive).toBe("");
    expect(path.root).toBe("/");
    expect(path.anchor).toBe("/");
    expect(p("a/b").parts).toEqual(["a", "b"]);
    expect(p("a/b").anchor).toBe("");
    expect(p("//a").root).toBe("//");
  });

  test("parents, nearest first, down to the anchor or '.'", () => {
    expect(p("/abc/xyz/foo.txt").parents.map(String)).toEqual(["/abc/xyz", "/abc", "/"]);
    expect(p("a/b").parents.map(String)).toEqual(["a", "."]);
    expect(p("/").parents).toEqual([]);
    expect(p(".").parents).toEqual([]);
  });

  test("parent is the path itself for an anchor or '.'", () => {
    expect(p("/abc/xyz/foo.txt").parent.toString()).toBe("/abc/xyz");
    expect(p("/").parent.toString()).toBe("/");
    expect(p(".").parent.toString()).toBe(".");
    expect(p("foo/..").parent.toString()).toBe("foo");
  });

  test("name, suffix, suffixes and stem", () => {
    const path = p("/abc/xyz/foo.txt.zip");
    expect(path.name).toBe("foo.txt.zip");
    expect(path.suffix).toBe(".zip");
    expect(path.suffixes).toEqual([".txt", ".zip"]);
    expect(path.stem).toBe("foo.txt");
    expect(p("/abc/xyz/foo.tar.gz").suffixes).toEqual([".tar", ".gz"]);
    expect(p("my/library").suffix).toBe("");
    expect(p("my/library").suffixes).toEqual([]);
    expect(p(".bashrc").suffix).toBe("");
    expect(p(".bashrc").stem).toBe(".bashrc");
    expect(p("foo.").suffix).toBe("");
    expect(p("foo.").suffixes).toEqual([]);
    expect(p("/").name).toBe("");
  });
});

describe("comparing and converting", () => {
  test("equals compares the strings, case-sensitively on POSIX", () => {
    expect(p("/foo/bar").equals("/foo//bar/")).toBe(true);
    expect(p("/foo/bar").equals(p("/foo", "bar"))).toBe(true);
    expect(p("/Foo").equals("/foo")).toBe(false);
    expect(p("a/../b").equals("b")).toBe(false);
  });

  test("asPosix, asUri and fromUri", () => {
    expect(p("/etc/passwd").asPosix()).toBe("/etc/passwd");
    expect(p("/foo/bar").asUri()).toBe("file:///foo/bar");
    expect(p("/a b/ä").asUri()).toBe("file:///a%20b/%C3%A4");
    expect(() => p("a/b").asUri()).toThrow(RangeError);
    expect(Path.fromUri("file:///foo/bar").toString()).toBe("/foo/bar");
    expect(Path.fromUri("file:///foo/bar").asUri()).toBe("file:///foo/bar");
    expect(Path.fromUri("file://localhost/etc/hosts").toString()).toBe("/etc/hosts");
    expect(Path.fromUri(new URL("file:///a%20b/%C3%A4")).toString()).toBe("/a b/ä");
    expect(() => Path.fromUri("http://x/y")).toThrow(RangeError);
    expect(() => Path.fromUri("file:foo")).toThrow("Expected `uri` to be an absolute file URI");
  });

  test("isAbsolute and isRelativeTo", () => {
    expect(p("/xyz").isAbsolute()).toBe(true);
    expect(p("../xyz").isAbsolute()).toBe(false);
    expect(p("/xyz/abc/foo").isRelativeTo("/xyz/abc")).toBe(true);
    expect(p("/xyz/abc/foo").isRelativeTo("/xyz/baz")).toBe(false);
    expect(p("/xyz/abc/foo").isRelativeTo("/xyz/abc/foo")).toBe(true);
  });
});

describe("deriving paths", () => {
  test("joinpath appends, and an absolute segment replaces", () => {
    expect(p("/etc").joinpath("passwd").toString()).toBe("/etc/passwd");
    expect(p("/etc").joinpath(p("passwd")).toString()).toBe("/etc/passwd");
    expect(p("/etc").joinpath("init.d", "apache2").toString()).toBe("/etc/init.d/apache2");
    expect(p("/etc").joinpath("/usr").toString()).toBe("/usr");
    expect(p(".").joinpath("x").toString()).toBe("x");
  });

  test("relativeTo strips an ancestor, and walkUp climbs with '..'", () => {
    expect(p("/etc/passwd").relativeTo("/").toString()).toBe("etc/passwd");
    expect(p("/etc/passwd").relativeTo("/etc").toString()).toBe("passwd");
    expect(p("/etc/passwd").relativeTo("/etc/passwd").toString()).toBe(".");
    expect(p("/etc/passwd").relativeTo("/usr", { walkUp: true }).toString()).toBe("../etc/passwd");
    expect(p("/a/b/c").relativeTo("/a/x/y", { walkUp: true }).toString()).toBe("../../b/c");
  });

  test("relativeTo raises RangeError where pathlib raises ValueError", () => {
    expect(() => p("/etc/passwd").relativeTo("/usr")).toThrow(RangeError);
    expect(() => p("/etc/passwd").relativeTo("/usr")).toThrow(
      'Expected `other` to be `"/etc/passwd"` (string) or one of its ancestors, got `"/usr"` (string)',
    );
    expect(() => p("/etc/passwd").relativeTo("usr", { walkUp: true })).toThrow("the same anchor");
    expect(() => p("/a/b").relativeTo("/a/../c", { walkUp: true })).toThrow('no ".." segment');
    expect(() => p("/a").relativeTo("/b", { walkUp: "yes" as unknown as boolean })).toThrow(TypeError);
    expect(() => p("/a").relativeTo("/b", { walkup: true } as never)).toThrow(TypeError);
  });

  test("withName, withStem and withSuffix", () => {
    expect(p("/xyz/foo.txt").withName("bar").toString()).toBe("/xyz/bar");
    expect(p("c:/Downloads/pathlib.tar.gz").withName("setup.py").toString()).toBe("c:/Downloads/setup.py");
    expect(p("/xyz/foo.txt").withStem("bar").name).toBe("bar.txt");
    expect(p("/xyz/foo").withStem("bar").name).toBe("bar");
    expect(p("/xyz/foo.txt.gz").withSuffix(".zip").name).toBe("foo.txt.zip");
    expect(p("README").withSuffix(".txt").name).toBe("README.txt");
    expect(p("README.txt").withSuffix("").name).toBe("README");
  });

  test("withName, withStem and withSuffix reject what pathlib rejects", () => {
    expect(() => p("/").withName("x")).toThrow(RangeError);
    expect(() => p("/a").withName("")).toThrow(RangeError);
    expect(() => p("/a").withName("b/c")).toThrow(RangeError);
    expect(() => p("/a").withName(".")).toThrow(RangeError);
    expect(() => p("/a").withName(3 as unknown as string)).toThrow(TypeError);
    expect(() => p("/xyz/foo.txt").withStem("")).toThrow(RangeError);
    expect(() => p("/xyz/foo.txt").withStem("")).toThrow("non-empty `stem`");
    expect(() => p("/a.txt").withSuffix("gz")).toThrow(RangeError);
    expect(() => p("/a.txt").withSuffix(".")).toThrow(RangeError);
    expect(() => p("/a.txt").withSuffix("./x")).toThrow(RangeError);
    expect(() => p("/").withSuffix(".gz")).toThrow(RangeError);
  });

  test("withSegments makes a new path that keeps the limiter", () => {
    const limiter = new CapacityLimiter(2);
    const path = p("/foo").withLimiter(limiter);
    const other = path.withSegments("a", "b");
    expect(other.toString()).toBe("a/b");
    expect(other.limiter).toBe(limiter);
  });
});

describe("the limiter", () => {
  test("is null by default, set by withLimiter, and kept by every derived path", () => {
    const limiter = new CapacityLimiter(3);
    expect(p("/foo").limiter).toBeNull();
    const path = p("/abc/xyz/foo.txt").withLimiter(limiter);
    expect(path.limiter).toBe(limiter);
    expect(path.toString()).toBe("/abc/xyz/foo.txt");
    for (const derived of [
      path.parent,
      ...path.parents,
      path.joinpath("x"),
      path.withName("n"),
      path.withStem("s"),
      path.withSuffix(".s"),
      path.relativeTo("/abc"),
    ]) {
      expect(derived).toBeInstanceOf(Path);
      expect(derived.limiter).toBe(limiter);
    }
    expect(path.withLimiter(null).limiter).toBeNull();
    expect(() => path.withLimiter({} as CapacityLimiter)).toThrow(TypeError);
  });
});

describe("match", () => {
  test("matches from the right, and an absolute pattern must match the whole path", () => {
    expect(p("a/b.py").match("*.py")).toBe(true);
    expect(p("/a/b/c.py").match("b/*.py")).toBe(true);
    expect(p("/a/b/c.py").match("a/*.py")).toBe(false);
    expect(p("/a.py").match("/*.py")).toBe(true);
    expect(p("a/b.py").match("/*.py")).toBe(false);
    expect(p("/foo/bar").match("/foo/*")).toBe(true);
    expect(p("/foo/bar").match("/baz/*")).toBe(false);
  });

  test("is case-sensitive on POSIX unless told otherwise", () => {
    expect(p("b.py").match("*.PY")).toBe(false);
    expect(p("b.py").match("*.PY", { caseSensitive: false })).toBe(true);
  });

  test("treats '**' as '*', matches leading dots, and knows [seq] and [!seq]", () => {
    expect(p("a/b/c.py").match("**/*.py")).toBe(true);
    expect(p("a/b/c.py").match("**/c.py")).toBe(true);
    expect(p("a/b/c/d.py").match("a/**/d.py")).toBe(false);
    expect(p(".hidden").match("*")).toBe(true);
    expect(p("x1").match("x[0-9]")).toBe(true);
    expect(p("x1").match("x[!0-9]")).toBe(false);
    expect(p("x!").match("x[!0-9]")).toBe(true);
    expect(p("a?b").match("a[?]b")).toBe(true);
  });

  test("treats every other character literally", () => {
    expect(p("{a,b}").match("{a,b}")).toBe(true);
    expect(p("a").match("{a,b}")).toBe(false);
    expect(p("(a|b)").match("(a|b)")).toBe(true);
    expect(p("a").match("(a|b)")).toBe(false);
    expect(p("!x").match("!x")).toBe(true);
    expect(p("+(x)").match("+(x)")).toBe(true);
    expect(p("x").match("+(x)")).toBe(false);
    expect(p("a.b").match("a.b")).toBe(true);
    expect(p("axb").match("a.b")).toBe(false);
    expect(p("[x").match("[x")).toBe(true);
    expect(p("^$").match("[\\^]$")).toBe(true);
  });

  test("a name without wildcards matches itself and nothing else, whatever characters it holds", () => {
    const chars = fc.constantFrom(..."ab.{},()!+@|^$\\~'\"<>=;%&#]-");
    const names = fc
      .array(chars, { minLength: 1, maxLength: 8 })
      .map((list) => list.join(""))
      .filter((name) => name !== "." && name !== "..");
    fc.assert(
      fc.property(names, (name) => {
        expect(p(name).match(name)).toBe(true);
        expect(p(name).match(name, { caseSensitive: false })).toBe(true);
        expect(p(`${name}x`).match(name)).toBe(false);
        expect(p(`x${name}`).match(name)).toBe(false);
      }),
      { seed: 20261206, numRuns: 300 },
    );
  });

  test("wildcards mean what fnmatch gives them, on random patterns and names", () => {
    // fnmatch's translation, written out: '*' any run, '?' one character, '[...]' a class ('!'
    // negates, a leading ']' is a member, an unclosed '[' is literal), everything else literal.
    const reference = (pattern: string): RegExp => {
      let source = "";
      for (let i = 0; i < pattern.length;) {
        const char = pattern[i++]!;
        if (char === "*") source += ".*";
        else if (char === "?") source += ".";
        else if (char === "[") {
          let j = i;
          if (pattern[j] === "!") j++;
          if (pattern[j] === "]") j++;
          while (j < pattern.length && pattern[j] !== "]") j++;
          if (j >= pattern.length) source += "\\[";
          else {
            let members = pattern.slice(i, j).replace(/[\\\]\[^]/g, (c) => "\\" + c);
            if (members.startsWith("!")) members = "^" + members.slice(1);
            source += `[${members}]`;
            i = j + 1;
          }
        } else source += char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      }
      return new RegExp(`^${source}$`, "s");
    };
    const patterns = fc
      .array(fc.constantFrom(..."ab.*?[]!"), { minLength: 1, maxLength: 7 })
      .map((list) => list.join(""));
    const names = fc.array(fc.constantFrom(..."ab.[]!*?"), { minLength: 1, maxLength: 6 }).map((list) => list.join(""));
    const valid = (text: string): boolean => text !== "." && text !== "..";
    fc.assert(
      fc.property(patterns.filter(valid), names.filter(valid), (pattern, name) => {
        expect(p(name).match(pattern)).toBe(reference(pattern).test(name));
      }),
      { seed: 20261206, numRuns: 2000 },
    );
  });

  test("an empty pattern is a RangeError", () => {
    expect(() => p("a").match("")).toThrow(RangeError);
    expect(() => p("a").match(1 as unknown as string)).toThrow(TypeError);
  });
});

describe("fullMatch", () => {
  test("matches the whole path, with '**' for any number of segments", () => {
    expect(p("a/b.py").fullMatch("a/*.py")).toBe(true);
    expect(p("a/b.py").fullMatch("*.py")).toBe(false);
    expect(p("/a/b/c.py").fullMatch("/a/**")).toBe(true);
    expect(p("/a/b/c.py").fullMatch("**/*.py")).toBe(true);
    expect(p("/foo/bar").fullMatch("/foo/*")).toBe(true);
    expect(p("/foo/bar").fullMatch("/baz/*")).toBe(false);
    expect(p("a/b/c").fullMatch("a/**/c")).toBe(true);
    expect(p("a/c").fullMatch("a/**/c")).toBe(true);
    expect(p("a/b/c").fullMatch("a/*")).toBe(false);
  });

  test("follows the case rule it is given", () => {
    expect(p("A/B.PY").fullMatch("a/*.py")).toBe(false);
    expect(p("A/B.PY").fullMatch("a/*.py", { caseSensitive: false })).toBe(true);
  });
});
