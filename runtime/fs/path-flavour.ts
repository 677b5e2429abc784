/**
 * The two path flavours `Path` follows, as pathlib's `PurePosixPath` and `PureWindowsPath` do:
 * how segments join, how a string splits into drive, root and parts, and how the parts print.
 * Pure string work: nothing here touches the disk or imports from the host, so both flavours are
 * testable on every platform. `Path` uses the one its host reports.
 *
 * Invariant: a parsed path's `tail` holds no empty part, no `.` and no separator; `..` is kept
 * (collapsing it is only right once symbolic links are resolved, which is `resolve()`'s job).
 */

/** A path split as pathlib splits it: `drive` (Windows only), `root` and the parts after them. */
export interface ParsedPath {
  readonly drive: string;
  readonly root: string;
  readonly tail: readonly string[];
}

/** One flavour's rules. */
export interface PathFlavour {
  /** `"posix"` or `"windows"`. */
  readonly kind: "posix" | "windows";
  /** The separator paths print with. */
  readonly sep: string;
  /** The other separator accepted on input (`/` on Windows), if any. */
  readonly altsep: string | undefined;
  /** Whether names compare and match case-sensitively by default. */
  readonly caseSensitive: boolean;
  /** Joins raw segments as `os.path.join` does: an absolute segment discards what came before. */
  join(segments: readonly string[]): string;
  /** Splits a raw path into drive, root and parts. */
  parse(raw: string): ParsedPath;
  /** The string of parsed parts (never empty: `"."` for the empty relative path). */
  format(parsed: ParsedPath): string;
  /** The drive of a raw string, for telling whether a relative first part reads as a drive. */
  splitDrive(raw: string): string;
}

// --- POSIX --------------------------------------------------------------------------------------

function posixJoin(segments: readonly string[]): string {
  let path = "";
  for (const segment of segments) {
    if (segment.startsWith("/")) path = segment;
    else if (path === "" || path.endsWith("/")) path += segment;
    else path += "/" + segment;
  }
  return path;
}

function posixParse(raw: string): ParsedPath {
  // POSIX leaves the meaning of exactly two leading slashes to the implementation; pathlib keeps
  // them, and treats three or more as one.
  let root = "";
  let rest = raw;
  if (raw.startsWith("/")) {
    root = raw.startsWith("//") && !raw.startsWith("///") ? "//" : "/";
    rest = raw.replace(/^\/+/, "");
  }
  return { drive: "", root, tail: splitParts(rest, "/") };
}

function splitParts(rest: string, sep: string): string[] {
  const tail: string[] = [];
  for (const part of rest.split(sep)) if (part !== "" && part !== ".") tail.push(part);
  return tail;
}

/** POSIX paths, as on Linux and macOS (case-sensitive, as pathlib takes every POSIX system to be). */
export const posixFlavour: PathFlavour = {
  kind: "posix",
  sep: "/",
  altsep: undefined,
  caseSensitive: true,
  join: posixJoin,
  parse: posixParse,
  format: ({ root, tail }) => root + tail.join("/") || ".",
  splitDrive: () => "",
};

// --- Windows ------------------------------------------------------------------------------------

/** `ntpath.splitroot`: drive (`C:`, `\\server\share`, `\\?\UNC\server\share`), root and the rest. */
function windowsSplitRoot(p: string): [drive: string, root: string, rest: string] {
  const norm = p.replace(/\//g, "\\");
  if (norm.startsWith("\\")) {
    if (norm[1] === "\\") {
      // UNC drives (\\server\share, \\?\UNC\server\share) and device drives (\\.\device, \\?\device).
      const start = norm.slice(0, 8).toUpperCase() === "\\\\?\\UNC\\" ? 8 : 2;
      const index = norm.indexOf("\\", start);
      if (index === -1) return [p, "", ""];
      const index2 = norm.indexOf("\\", index + 1);
      if (index2 === -1) return [p, "", ""];
      return [p.slice(0, index2), p.slice(index2, index2 + 1), p.slice(index2 + 1)];
    }
    return ["", p.slice(0, 1), p.slice(1)];
  }
  if (norm[1] === ":") {
    if (norm[2] === "\\") return [p.slice(0, 2), p.slice(2, 3), p.slice(3)];
    return [p.slice(0, 2), "", p.slice(2)];
  }
  return ["", "", p];
}

function windowsJoin(segments: readonly string[]): string {
  if (segments.length === 0) return "";
  let [drive, root, path] = windowsSplitRoot(segments[0]!);
  for (const segment of segments.slice(1)) {
    const [pDrive, pRoot, pPath] = windowsSplitRoot(segment);
    if (pRoot !== "") {
      if (pDrive !== "" || drive === "") drive = pDrive;
      root = pRoot;
      path = pPath;
      continue;
    }
    if (pDrive !== "" && pDrive !== drive) {
      if (pDrive.toLowerCase() !== drive.toLowerCase()) {
        drive = pDrive;
        root = pRoot;
        path = pPath;
        continue;
      }
      drive = pDrive;
    }
    if (path !== "" && !"\\/".includes(path[path.length - 1]!)) path += "\\";
    path += pPath;
  }
  // A separator between a UNC drive and a relative rest.
  if (path !== "" && root === "" && drive !== "" && !":\\/".includes(drive[drive.length - 1]!)) {
    return drive + "\\" + path;
  }
  return drive + root + path;
}

function windowsParse(raw: string): ParsedPath {
  const path = raw.replace(/\//g, "\\");
  let [drive, root, rest] = windowsSplitRoot(path);
  if (root === "" && drive.startsWith("\\") && !drive.endsWith("\\")) {
    const driveParts = drive.split("\\");
    // \\server\share and \\?\UNC\server\share are always absolute.
    if ((driveParts.length === 4 && !"?.".includes(driveParts[2]!)) || driveParts.length === 6) root = "\\";
  }
  return { drive, root, tail: splitParts(rest, "\\") };
}

function windowsFormat({ drive, root, tail }: ParsedPath): string {
  if (drive !== "" || root !== "") return drive + root + tail.join("\\");
  // A relative first part that reads as a drive ("c:") is written "./c:", so it parses back the same.
  if (tail.length > 0 && windowsSplitRoot(tail[0]!)[0] !== "") return [".", ...tail].join("\\");
  return tail.join("\\") || ".";
}

/** Windows paths: drives and UNC shares, `\` (or `/`) separators, case-insensitive names. */
export const windowsFlavour: PathFlavour = {
  kind: "windows",
  sep: "\\",
  altsep: "/",
  caseSensitive: false,
  join: windowsJoin,
  parse: windowsParse,
  format: windowsFormat,
  splitDrive: (raw) => windowsSplitRoot(raw)[0],
};

// --- file: URIs ---------------------------------------------------------------------------------

const UNRESERVED = /[A-Za-z0-9_.\-~/]/;

/** Percent-encodes the UTF-8 bytes of `text`, keeping letters, digits, `_.-~` and `/` (`quote_from_bytes`). */
export function quotePath(text: string): string {
  let out = "";
  for (const char of text) {
    if (UNRESERVED.test(char)) {
      out += char;
      continue;
    }
    for (const byte of new TextEncoder().encode(char)) out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Decodes `%XX` escapes as UTF-8 bytes; a `%` not followed by two hex digits stays as it is. */
export function unquotePath(text: string): string {
  if (!text.includes("%")) return text;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length;) {
    if (text[i] === "%" && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const codePoint = text.codePointAt(i)!;
      const char = String.fromCodePoint(codePoint);
      bytes.push(...encoder.encode(char));
      i += char.length;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The `file:` URI of an absolute parsed path (`PurePath.as_uri`). */
export function formatUri(flavour: PathFlavour, parsed: ParsedPath, text: string): string {
  const posix = flavour.kind === "windows" ? text.replace(/\\/g, "/") : text;
  const { drive } = parsed;
  if (drive.length === 2 && drive[1] === ":") return "file:///" + drive + quotePath(posix.slice(2));
  if (drive !== "") return "file:" + quotePath(posix);
  return "file://" + quotePath(posix);
}

/**
 * The path string of a `file:` URI (`Path.from_uri`): an empty or `localhost` authority is
 * dropped, a drive's `|` becomes `:`, and escapes are decoded. Returns undefined for a URI that
 * does not start with `file:`.
 */
export function uriToRaw(uri: string): string | undefined {
  if (!uri.startsWith("file:")) return undefined;
  let path = uri.slice(5);
  if (path.startsWith("///")) path = path.slice(2);
  else if (path.startsWith("//localhost/")) path = path.slice(11);
  if (path.startsWith("///") || (path.startsWith("/") && ":|".includes(path.slice(2, 3)) && path.length > 2))
    path = path.slice(1);
  if (path[1] === "|") path = path[0] + ":" + path.slice(2);
  return unquotePath(path);
}
