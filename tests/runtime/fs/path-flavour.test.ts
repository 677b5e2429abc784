// The two path flavours as pure string functions, so the Windows rules are checked on every
// platform: pathlib's documented PureWindowsPath and PurePosixPath examples, and file: URIs.
import {
  formatUri,
  posixFlavour,
  quotePath,
  unquotePath,
  uriToRaw,
  windowsFlavour,
  type PathFlavour,
} from "../../../runtime/fs/path-flavour";

const text = (flavour: PathFlavour, ...segments: string[]): string =>
  flavour.format(flavour.parse(flavour.join(segments)));

describe("the Windows flavour", () => {
  test("splits drive, root and parts", () => {
    expect(windowsFlavour.parse("c:/Program Files/")).toEqual({ drive: "c:", root: "\\", tail: ["Program Files"] });
    expect(windowsFlavour.parse("c:Program Files/")).toEqual({ drive: "c:", root: "", tail: ["Program Files"] });
    expect(windowsFlavour.parse("/Program Files/")).toEqual({ drive: "", root: "\\", tail: ["Program Files"] });
    expect(windowsFlavour.parse("//host/share/foo.txt")).toEqual({
      drive: "\\\\host\\share",
      root: "\\",
      tail: ["foo.txt"],
    });
    expect(windowsFlavour.parse("//host/share")).toEqual({ drive: "\\\\host\\share", root: "\\", tail: [] });
    expect(windowsFlavour.parse("//?/UNC/server/share/x")).toEqual({
      drive: "\\\\?\\UNC\\server\\share",
      root: "\\",
      tail: ["x"],
    });
  });

  test("joins as ntpath.join: a rooted segment keeps the drive, another drive replaces it", () => {
    expect(text(windowsFlavour, "c:/Windows", "d:bar")).toBe("d:bar");
    expect(text(windowsFlavour, "c:/Windows", "/Program Files")).toBe("c:\\Program Files");
    expect(text(windowsFlavour, "c:/Windows", "C:system32")).toBe("C:\\Windows\\system32");
    expect(text(windowsFlavour, "c:", "x")).toBe("c:x");
    expect(text(windowsFlavour, "//server/share", "x")).toBe("\\\\server\\share\\x");
    expect(text(windowsFlavour, "a", "b/c")).toBe("a\\b\\c");
  });

  test("writes a relative first part that reads as a drive with a './' in front", () => {
    expect(windowsFlavour.format({ drive: "", root: "", tail: ["c:", "x"] })).toBe(".\\c:\\x");
    expect(windowsFlavour.format({ drive: "", root: "", tail: [] })).toBe(".");
  });

  test("file: URIs of drive letters and UNC shares", () => {
    expect(formatUri(windowsFlavour, windowsFlavour.parse("c:/Windows"), "c:\\Windows")).toBe("file:///c:/Windows");
    expect(formatUri(windowsFlavour, windowsFlavour.parse("//some/share/a b"), "\\\\some\\share\\a b")).toBe(
      "file://some/share/a%20b",
    );
    expect(uriToRaw("file:///C:/foo/bar")).toBe("C:/foo/bar");
    expect(uriToRaw("file:///c|/x")).toBe("c:/x");
    expect(uriToRaw("file:////server/share/x")).toBe("//server/share/x");
    expect(uriToRaw("file://server/share/x")).toBe("//server/share/x");
  });
});

describe("the POSIX flavour", () => {
  test("joins and parses as posixpath and PurePosixPath", () => {
    expect(text(posixFlavour, "/etc", "init.d", "apache2")).toBe("/etc/init.d/apache2");
    expect(text(posixFlavour, "/etc", "/usr", "lib64")).toBe("/usr/lib64");
    expect(posixFlavour.parse("//a/b")).toEqual({ drive: "", root: "//", tail: ["a", "b"] });
    expect(posixFlavour.parse("////a")).toEqual({ drive: "", root: "/", tail: ["a"] });
    expect(text(posixFlavour)).toBe(".");
  });
});

describe("percent-encoding of file: URIs", () => {
  test("quotes every byte but letters, digits, '_.-~' and '/'", () => {
    expect(quotePath("/a b/ä!*()'")).toBe("/a%20b/%C3%A4%21%2A%28%29%27");
    expect(unquotePath("/a%20b/%C3%A4")).toBe("/a b/ä");
    expect(unquotePath("100%")).toBe("100%");
    expect(unquotePath("%zz")).toBe("%zz");
  });

  test("is undone by unquoting for any text", () => {
    for (const sample of ["", "/", "/x y", "/äöü/€/😀", "/%41", "/a+b=c&d"])
      expect(unquotePath(quotePath(sample))).toBe(sample);
  });

  test("a URI that does not start with file: has no path", () => {
    expect(uriToRaw("http://x/y")).toBeUndefined();
  });
});
