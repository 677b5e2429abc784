/**
 * `Path`: pathlib's `Path` with asynchronous I/O, as AnyIO wraps it. The pure members (parts,
 * names, joining, matching) are synchronous string work in the platform's flavour and never touch
 * the disk; the I/O members (path-io.ts, path-walk.ts) are checkpoints that run through the host
 * holding one token of the path's limiter.
 *
 * Invariant: a `Path` is immutable; every derived path (a parent, a join, a rename's result)
 * keeps the limiter of the path it came from.
 */
import type { CapacityLimiter } from "../sync/capacity-limiter";
import { CapacityLimiter as CapacityLimiterClass } from "../sync/capacity-limiter";
import { checkOptions, describeValue } from "../core/validate";
import { formatUri, uriToRaw, type ParsedPath, type PathFlavour } from "./path-flavour";
import { pathHost, type PathEncoding, type PathHost, type Stats } from "./path-host";
import * as io from "./path-io";
import { compileSegment, fullMatchParts } from "./path-pattern";
import { globPaths, iterdirPaths, walkPaths, checkGlobPattern, type GlobOptions, type WalkOptions } from "./path-walk";
import type { TextErrors } from "../streams/text";
import type { AsyncFile } from "./async-file";
import { openFile, type OpenFileOptions, type TextFileOptions } from "./open-file";
import type { BinaryMode, TextMode } from "./open-mode";
import { FSPATH } from "./path-like";

/** Anything a path argument may be: a string, a `file:` URL, or a {@link Path}. */
export type PathLike = string | URL | Path;

/** Options of {@link Path.readText} and {@link Path.writeText}. */
export interface PathTextOptions {
  /**
   * The text encoding; `"latin1"` is ISO-8859-1 (each byte is one code point).
   * @default "utf-8"
   */
  encoding?: PathEncoding;
  /**
   * Invalid input: `"strict"` raises a `TypeError`, `"replace"` substitutes (U+FFFD when
   * decoding, `?` when encoding to latin1, U+FFFD for a lone surrogate otherwise).
   * @default "strict"
   */
  errors?: TextErrors;
}

/** Options of {@link Path.match} and {@link Path.fullMatch}. */
export interface PathMatchOptions {
  /** Whether letter case matters. @default the platform's: true, false on Windows */
  caseSensitive?: boolean;
}

const MATCH_OPTIONS = ["caseSensitive"] as const;
const RELATIVE_OPTIONS = ["walkUp"] as const;

function hostFor(call: string): PathHost {
  return pathHost.get(call);
}

/** The string of one path argument. @throws TypeError for anything but a string, a file: URL or a path. */
function segmentString(host: PathHost, segment: unknown, name: string): string {
  if (typeof segment === "string") return segment;
  if (segment instanceof Path) return segment.toString();
  if (segment instanceof URL) {
    if (segment.protocol !== "file:") {
      throw new TypeError(`Expected \`${name}\` to be a file: URL, got ${describeValue(segment.href)}`);
    }
    return host.fileUrlToPath(segment);
  }
  if (
    typeof segment === "object" &&
    segment !== null &&
    typeof (segment as { [FSPATH]?: unknown })[FSPATH] === "function"
  ) {
    const text = (segment as { [FSPATH](): unknown })[FSPATH]();
    if (typeof text === "string") return text;
  }
  throw new TypeError(`Expected \`${name}\` to be a string, a file: URL or a Path, got ${describeValue(segment)}`);
}

/** A limiter argument: a CapacityLimiter or null. */
function checkLimiter(limiter: unknown): asserts limiter is CapacityLimiter | null {
  if (limiter !== null && !(limiter instanceof CapacityLimiterClass)) {
    throw new TypeError(`Expected \`limiter\` to be a CapacityLimiter or null, got ${describeValue(limiter)}`);
  }
}

/** A string argument. */
function checkString(name: string, value: unknown): asserts value is string {
  if (typeof value !== "string")
    throw new TypeError(`Expected \`${name}\` to be a string, got ${describeValue(value)}`);
}

function optionalBoolean(name: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== "boolean") {
    throw new TypeError(`Expected \`${name}\` to be a boolean, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * A file-system path, with pathlib's pure members and AnyIO's asynchronous I/O members. Segments
 * join as pathlib joins them on this platform (`/` on POSIX, `\` on Windows): an absolute
 * segment discards what came before, empty and `.` segments and repeated separators are dropped,
 * `..` is kept, and there is never a trailing separator.
 *
 * Pure members never touch the file system and are never checkpoints. Every asynchronous member
 * is a checkpoint, then runs through `node:fs` holding one token of the path's {@link limiter}
 * (the run's default limiter when it is null). Queries (`stat`, `exists`, `is*`, `resolve`,
 * each step of `iterdir`/`glob`/`rglob`/`walk`...) are abandoned when cancelled; mutations and
 * content reads and writes run to completion once started, and the cancellation lands at the
 * next checkpoint.
 *
 * Needs Node.js, Bun or Deno: in browsers the constructor and the static members throw
 * `NotSupportedError`.
 *
 * @example
 * ```ts
 * const config = new Path(os.homedir(), ".config", "app.json");
 * if (await config.exists()) settings = JSON.parse(await config.readText());
 * for await (const file of new Path("src").rglob("*.ts")) console.log(file.name);
 * ```
 */
export class Path {
  /** @internal The host that parsed this path. */
  private host: PathHost;
  /** @internal */
  private parsed: ParsedPath;
  /** @internal The string form, made on first use. */
  private text: string | undefined;
  /**
   * The limiter whose tokens this path's I/O holds, or null for the run's default limiter (40
   * tokens per run). Set with {@link withLimiter}; derived paths keep it.
   */
  readonly limiter: CapacityLimiter | null = null;

  /**
   * Joins `segments` into one path (none: `"."`). Never a checkpoint.
   *
   * @example
   * ```ts
   * new Path("/usr", "lib", "node").toString(); // "/usr/lib/node"
   * new Path("a", "/b").toString();            // "/b": an absolute segment discards what came before
   * ```
   * @throws TypeError if a segment is not a string, a `file:` URL or a Path.
   * @throws NotSupportedError in browsers.
   */
  constructor(...segments: PathLike[]) {
    const host = hostFor("new Path()");
    this.host = host;
    if (segments.length === 1 && segments[0] instanceof Path) {
      this.parsed = segments[0].parsed;
      this.text = segments[0].text;
      return;
    }
    const raw = segments.map((segment, index) => segmentString(host, segment, `segments[${index}]`));
    this.parsed = host.flavour.parse(host.flavour.join(raw));
  }

  /** @internal A path of the same host and limiter from parsed parts. */
  private derive(parsed: ParsedPath): Path {
    const path: Path = Object.create(Path.prototype);
    path.host = this.host;
    path.parsed = parsed;
    path.text = undefined;
    (path as { limiter: CapacityLimiter | null }).limiter = this.limiter;
    return path;
  }

  private get flavour(): PathFlavour {
    return this.host.flavour;
  }

  /**
   * The same path whose I/O holds tokens of `limiter` (null: the run's default limiter). Never a
   * checkpoint. (AnyIO takes `limiter=` in the constructor; a constructor of any number of
   * segments has no room for an option.)
   *
   * @example
   * ```ts
   * const slowDisk = new CapacityLimiter(4);
   * const archive = new Path("/mnt/archive").withLimiter(slowDisk);
   * ```
   * @throws TypeError if `limiter` is neither a CapacityLimiter nor null.
   */
  withLimiter(limiter: CapacityLimiter | null): Path {
    checkLimiter(limiter);
    const path = this.derive(this.parsed);
    (path as { limiter: CapacityLimiter | null }).limiter = limiter;
    path.text = this.text;
    return path;
  }

  // --- Pure members -------------------------------------------------------------------------

  /** The components: the anchor (if any), then each name. `new Path("/a/b").parts` is `["/", "a", "b"]`. */
  get parts(): readonly string[] {
    const { drive, root, tail } = this.parsed;
    return drive !== "" || root !== "" ? [drive + root, ...tail] : [...tail];
  }

  /** The drive (`"c:"`, `"\\\\server\\share"`) on Windows; always `""` on POSIX. */
  get drive(): string {
    return this.parsed.drive;
  }

  /** The root: `"/"` (or `"//"`) on POSIX, `"\\"` on Windows, `""` for a relative path. */
  get root(): string {
    return this.parsed.root;
  }

  /** Drive and root together. */
  get anchor(): string {
    return this.parsed.drive + this.parsed.root;
  }

  /** The logical ancestors, nearest first: `new Path("/a/b/c").parents` is `/a/b`, `/a`, `/`. */
  get parents(): readonly Path[] {
    const { drive, root, tail } = this.parsed;
    const parents: Path[] = [];
    for (let length = tail.length - 1; length >= 0; length--)
      parents.push(this.derive({ drive, root, tail: tail.slice(0, length) }));
    return parents;
  }

  /** The logical parent; the path itself for an anchor or `"."`. */
  get parent(): Path {
    const { drive, root, tail } = this.parsed;
    return tail.length === 0 ? this : this.derive({ drive, root, tail: tail.slice(0, -1) });
  }

  /** The last component, `""` when there is none (`"/"`, `"."`). */
  get name(): string {
    const { tail } = this.parsed;
    return tail.length === 0 ? "" : tail[tail.length - 1]!;
  }

  /** The last dot-suffix of the name (`".gz"` of `"a.tar.gz"`), or `""`. */
  get suffix(): string {
    const name = this.name;
    const dot = name.lastIndexOf(".");
    return dot > 0 && dot < name.length - 1 ? name.slice(dot) : "";
  }

  /** Every dot-suffix of the name: `[".tar", ".gz"]` for `"a.tar.gz"`; none for `".bashrc"`. */
  get suffixes(): readonly string[] {
    const name = this.name;
    if (name.endsWith(".")) return [];
    return name
      .replace(/^\.+/, "")
      .split(".")
      .slice(1)
      .map((suffix) => "." + suffix);
  }

  /** The name without its last suffix (`"a.tar"` of `"a.tar.gz"`). */
  get stem(): string {
    const name = this.name;
    const dot = name.lastIndexOf(".");
    return dot > 0 && dot < name.length - 1 ? name.slice(0, dot) : name;
  }

  /** The path as a string, in the platform's separators (`"."` for the empty path). */
  toString(): string {
    return (this.text ??= this.flavour.format(this.parsed));
  }

  /** The path as a string, so `JSON.stringify` writes paths as strings. */
  toJSON(): string {
    return this.toString();
  }

  /** The path string, for functions that accept any object with this method as a path. */
  [FSPATH](): string {
    return this.toString();
  }

  /** How `util.inspect` and `console.log` show a path: `Path('/foo')`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Path(${JSON.stringify(this.toString())})`;
  }

  /**
   * Whether `other` is the same path, compared as strings (case-insensitively on Windows).
   * Never touches the disk: `resolve()` both sides, or use {@link samefile}, to compare files.
   */
  equals(other: PathLike): boolean {
    const that = other instanceof Path ? other : new Path(other);
    if (this.flavour.caseSensitive) return this.toString() === that.toString();
    return this.toString().toLowerCase() === that.toString().toLowerCase();
  }

  /** The path with forward slashes (only differs from `toString()` on Windows). */
  asPosix(): string {
    const text = this.toString();
    return this.flavour.sep === "/" ? text : text.split(this.flavour.sep).join("/");
  }

  /**
   * The `file:` URI of an absolute path, with unsafe bytes percent-encoded.
   * @throws RangeError for a relative path.
   */
  asUri(): string {
    if (!this.isAbsolute()) {
      throw new RangeError(`Expected an absolute path to express as a file URI, got ${describeValue(this.toString())}`);
    }
    return formatUri(this.flavour, this.parsed, this.toString());
  }

  /**
   * The path of a `file:` URI (`"file:///etc/hosts"`), escapes decoded. Never a checkpoint.
   * @throws RangeError if the URI does not start with `file:` or is not absolute.
   * @throws NotSupportedError in browsers.
   */
  static fromUri(uri: string | URL): Path {
    hostFor("Path.fromUri()");
    if (uri instanceof URL) uri = uri.href;
    checkString("uri", uri);
    const raw = uriToRaw(uri);
    if (raw === undefined) throw new RangeError(`Expected \`uri\` to start with "file:", got ${describeValue(uri)}`);
    const path = new Path(raw);
    if (!path.isAbsolute())
      throw new RangeError(`Expected \`uri\` to be an absolute file URI, got ${describeValue(uri)}`);
    return path;
  }

  /** Whether the path is absolute: a root on POSIX; a drive and a root on Windows. */
  isAbsolute(): boolean {
    const { drive, root } = this.parsed;
    return this.flavour.kind === "windows" ? drive !== "" && root !== "" : root !== "";
  }

  /** Whether this path is `other` or lies under it (pure string logic, like {@link relativeTo}). */
  isRelativeTo(other: PathLike): boolean {
    const that = other instanceof Path ? other : new Path(other);
    return that.equals(this) || this.parents.some((parent) => parent.equals(that));
  }

  /** This path with `segments` appended (Python's `path / "x"`). Never a checkpoint. */
  joinpath(...segments: PathLike[]): Path {
    const host = this.host;
    const raw = [
      this.toString(),
      ...segments.map((segment, index) => segmentString(host, segment, `segments[${index}]`)),
    ];
    return this.derive(host.flavour.parse(host.flavour.join(raw)));
  }

  /**
   * Matches a glob pattern against the path from the right: `"*.py"` matches any path whose name
   * ends in `.py`, `"b/*.py"` needs the parent to be `b`, an absolute pattern must match the whole
   * path. `**` acts as `*` here; see {@link fullMatch} for recursive patterns.
   *
   * @example
   * ```ts
   * new Path("/a/b/c.py").match("b/*.py"); // true
   * new Path("/a/b/c.py").match("a/*.py"); // false
   * ```
   * @throws RangeError for an empty pattern; TypeError for a pattern that is not a string.
   */
  match(pattern: string, options?: PathMatchOptions): boolean {
    checkString("pattern", pattern);
    checkOptions(options, MATCH_OPTIONS);
    const caseSensitive = optionalBoolean("caseSensitive", options?.caseSensitive) ?? this.flavour.caseSensitive;
    const patternPath = this.derive(this.flavour.parse(pattern));
    const patternParts = patternPath.parts;
    if (patternParts.length === 0)
      throw new RangeError(`Expected \`pattern\` to be a non-empty pattern, got ${describeValue(pattern)}`);
    const pathParts = this.parts;
    if (pathParts.length < patternParts.length) return false;
    if (pathParts.length > patternParts.length && patternPath.anchor !== "") return false;
    for (let k = 1; k <= patternParts.length; k++) {
      const part = pathParts[pathParts.length - k]!;
      const patternPart = patternParts[patternParts.length - k]!;
      const isAnchor = k === patternParts.length && patternPath.anchor !== "";
      if (isAnchor || (k === pathParts.length && this.anchor !== "")) {
        const same = caseSensitive ? part === patternPart : part.toLowerCase() === patternPart.toLowerCase();
        if (!same) return false;
        continue;
      }
      const matcher = compileSegment(this.host, patternPart === "**" ? "*" : patternPart, caseSensitive);
      if (!matcher(part)) return false;
    }
    return true;
  }

  /**
   * Matches a glob pattern against the whole path: `*` and `?` within one segment, `**` any
   * number of segments, `[seq]` a character class.
   *
   * @example
   * ```ts
   * new Path("/a/b/c.py").fullMatch("**\/*.py"); // true
   * new Path("a/b.py").fullMatch("*.py");       // false
   * ```
   * @throws TypeError for a pattern that is not a string.
   */
  fullMatch(pattern: string, options?: PathMatchOptions): boolean {
    checkString("pattern", pattern);
    checkOptions(options, MATCH_OPTIONS);
    const caseSensitive = optionalBoolean("caseSensitive", options?.caseSensitive) ?? this.flavour.caseSensitive;
    const patternText = this.derive(this.flavour.parse(pattern)).asPosix();
    return fullMatchParts(this.host, this.asPosix().split("/"), patternText.split("/"), caseSensitive);
  }

  /**
   * This path relative to `other`. With `walkUp`, `other` need not be an ancestor: `..` segments
   * climb to the common ancestor (pure string logic: symbolic links are not looked at).
   *
   * @example
   * ```ts
   * new Path("/etc/passwd").relativeTo("/etc").toString();                 // "passwd"
   * new Path("/etc/passwd").relativeTo("/usr", { walkUp: true }).toString(); // "../etc/passwd"
   * ```
   * @throws RangeError when this path is not under `other` (without `walkUp`), when the anchors
   *   differ, or when `other` has a `..` segment to walk up through.
   */
  relativeTo(other: PathLike, options?: { walkUp?: boolean }): Path {
    checkOptions(options, RELATIVE_OPTIONS);
    const walkUp = optionalBoolean("walkUp", options?.walkUp) ?? false;
    const that = other instanceof Path ? other : new Path(other);
    const candidates = [that, ...that.parents];
    for (let step = 0; step < candidates.length; step++) {
      const ancestor = candidates[step]!;
      if (ancestor.equals(this) || this.parents.some((parent) => parent.equals(ancestor))) {
        const tail = [...Array<string>(step).fill(".."), ...this.parsed.tail.slice(ancestor.parsed.tail.length)];
        return this.derive({ drive: "", root: "", tail });
      }
      if (!walkUp) {
        throw new RangeError(
          `Expected \`other\` to be ${describeValue(this.toString())} or one of its ancestors, got ${describeValue(that.toString())}`,
        );
      }
      if (ancestor.name === "..") {
        throw new RangeError(
          `Expected \`other\` to have no ".." segment to walk up through, got ${describeValue(that.toString())}`,
        );
      }
    }
    throw new RangeError(
      `Expected \`other\` to have the same anchor as ${describeValue(this.toString())}, got ${describeValue(that.toString())}`,
    );
  }

  /**
   * The path with its name replaced.
   * @throws RangeError if this path has no name, or `name` is empty, `"."` or holds a separator.
   */
  withName(name: string): Path {
    checkString("name", name);
    const { sep, altsep } = this.flavour;
    if (
      name === "" ||
      name === "." ||
      name.includes(sep) ||
      (altsep !== undefined && name.includes(altsep)) ||
      this.flavour.splitDrive(name) !== ""
    ) {
      throw new RangeError(`Expected \`name\` to be a file name without a separator, got ${describeValue(name)}`);
    }
    const { drive, root, tail } = this.parsed;
    if (tail.length === 0)
      throw new RangeError(`Expected a path with a name to replace, got ${describeValue(this.toString())}`);
    return this.derive({ drive, root, tail: [...tail.slice(0, -1), name] });
  }

  /**
   * The path with the stem of its name replaced (the suffix kept).
   * @throws RangeError as {@link withName} does, or for an empty stem when the name has a suffix.
   */
  withStem(stem: string): Path {
    checkString("stem", stem);
    const suffix = this.suffix;
    if (suffix === "") return this.withName(stem);
    if (stem === "")
      throw new RangeError(
        `Expected a non-empty \`stem\` for a name with a suffix (${this.name}), got ${describeValue(stem)}`,
      );
    return this.withName(stem + suffix);
  }

  /**
   * The path with its suffix replaced, added (if it has none) or removed (`""`).
   * @throws RangeError if this path has no name, or `suffix` is neither `""` nor a dot followed
   *   by at least one character without a separator.
   */
  withSuffix(suffix: string): Path {
    checkString("suffix", suffix);
    const { sep, altsep } = this.flavour;
    if (
      suffix.includes(sep) ||
      (altsep !== undefined && suffix.includes(altsep)) ||
      (suffix !== "" && !suffix.startsWith(".")) ||
      suffix === "."
    ) {
      throw new RangeError(
        `Expected \`suffix\` to be "" or a dot and a name without a separator, got ${describeValue(suffix)}`,
      );
    }
    const name = this.name;
    if (name === "")
      throw new RangeError(
        `Expected a path with a name to change the suffix of, got ${describeValue(this.toString())}`,
      );
    const old = this.suffix;
    return this.withName((old === "" ? name : name.slice(0, -old.length)) + suffix);
  }

  /** A new path from `segments`, keeping this path's limiter (pathlib's hook for derived paths). */
  withSegments(...segments: PathLike[]): Path {
    const host = this.host;
    const raw = segments.map((segment, index) => segmentString(host, segment, `segments[${index}]`));
    return this.derive(host.flavour.parse(host.flavour.join(raw)));
  }

  // --- I/O members --------------------------------------------------------------------------

  /**
   * The working directory. This is a checkpoint.
   * @throws NotSupportedError in browsers.
   */
  static cwd(): Promise<Path> {
    const host = hostFor("Path.cwd()");
    return io.hostQuery(null, () => host.cwd()).then((text) => new Path(text));
  }

  /**
   * The user's home directory (`$HOME`, else the system's record). This is a checkpoint.
   * @throws NotSupportedError in browsers.
   */
  static home(): Promise<Path> {
    const host = hostFor("Path.home()");
    return io.hostQuery(null, () => host.home()).then((text) => new Path(text));
  }

  /** The path made absolute against the working directory (no `..` collapsed, no link resolved). This is a checkpoint. */
  absolute(): Promise<Path> {
    return io.absolute(this);
  }

  /**
   * `~` and `~user` (the current user only: Node cannot look other users up) expanded. This is a
   * checkpoint.
   * @throws Error "Could not determine home directory." for another user's `~name`.
   */
  expanduser(): Promise<Path> {
    return io.expanduser(this, this.host);
  }

  /**
   * The absolute path with symbolic links resolved and `..` collapsed. Without `strict`, a part
   * that does not exist is kept as it is. This is a checkpoint.
   * @throws the host's error (`ENOENT`, `ELOOP`) with `strict: true`.
   */
  resolve(options?: { strict?: boolean }): Promise<Path> {
    return io.resolve(this, options);
  }

  /** The target of a symbolic link. This is a checkpoint. @throws the host's error (`EINVAL` for a non-link). */
  readlink(): Promise<Path> {
    return io.readlink(this);
  }

  /** The file's metadata (of a link itself with `followSymlinks: false`). This is a checkpoint. */
  stat(options?: { followSymlinks?: boolean }): Promise<Stats> {
    return io.stat(this, options);
  }

  /** The metadata of a link itself. This is a checkpoint. */
  lstat(): Promise<Stats> {
    return io.stat(this, { followSymlinks: false });
  }

  /** Whether the path exists (false for a broken link unless `followSymlinks: false`). This is a checkpoint. */
  exists(options?: { followSymlinks?: boolean }): Promise<boolean> {
    return io.probe(this, options, () => true);
  }

  /** Whether the path is a directory (false if missing). This is a checkpoint. */
  isDir(options?: { followSymlinks?: boolean }): Promise<boolean> {
    return io.probe(this, options, (stats) => stats.isDirectory());
  }

  /** Whether the path is a regular file (false if missing). This is a checkpoint. */
  isFile(options?: { followSymlinks?: boolean }): Promise<boolean> {
    return io.probe(this, options, (stats) => stats.isFile());
  }

  /** Whether the path is a symbolic link. This is a checkpoint. */
  isSymlink(): Promise<boolean> {
    return io.probe(this, { followSymlinks: false }, (stats) => stats.isSymbolicLink());
  }

  /** Whether the path is a UNIX socket. This is a checkpoint. */
  isSocket(): Promise<boolean> {
    return io.probe(this, undefined, (stats) => stats.isSocket());
  }

  /** Whether the path is a FIFO. This is a checkpoint. */
  isFifo(): Promise<boolean> {
    return io.probe(this, undefined, (stats) => stats.isFIFO());
  }

  /** Whether the path is a block device. This is a checkpoint. */
  isBlockDevice(): Promise<boolean> {
    return io.probe(this, undefined, (stats) => stats.isBlockDevice());
  }

  /** Whether the path is a character device. This is a checkpoint. */
  isCharDevice(): Promise<boolean> {
    return io.probe(this, undefined, (stats) => stats.isCharacterDevice());
  }

  /** Whether the path is a Windows junction: always false elsewhere. This is a checkpoint. */
  isJunction(): Promise<boolean> {
    return io.isJunction(this);
  }

  /** Whether the path is a mount point (its parent is on another device, or it is the root). This is a checkpoint. */
  isMount(): Promise<boolean> {
    return io.isMount(this);
  }

  /** Whether `other` is the same file (same device and inode). This is a checkpoint. @throws the host's error if either is missing. */
  samefile(other: PathLike): Promise<boolean> {
    return io.samefile(this, other);
  }

  /**
   * The directory's entries, lazily, in the order the system gives them. The iterator holds a
   * directory handle while it runs and closes it when the loop ends, breaks or throws. Its first
   * step is a checkpoint; every step raises `Cancelled` if the task is cancelled, and a step that
   * reads from the disk is abandoned when cancelled.
   *
   * @example
   * ```ts
   * for await (const child of new Path("logs").iterdir()) if (child.suffix === ".gz") await child.unlink();
   * ```
   */
  iterdir(): AsyncIterable<Path> {
    return iterdirPaths(this);
  }

  /**
   * The paths under this one that match `pattern` (relative; `*` and `?` within a segment,
   * leading dots included; `**` any number of directories; `[seq]` classes; a trailing `/` for
   * directories only), lazily, in no particular order. Its first step is a checkpoint; every step
   * raises `Cancelled` if the task is cancelled. A directory handle is held while a directory is
   * read (one at a time) and closed when the loop ends, breaks or throws. Directories that cannot
   * be read are skipped.
   *
   * @example
   * ```ts
   * for await (const test of new Path("tests").glob("**\/*.test.ts")) console.log(test.toString());
   * ```
   * @throws RangeError for an empty pattern; NotSupportedError for an absolute one.
   */
  glob(pattern: string, options?: GlobOptions): AsyncIterable<Path> {
    return globPaths(this, checkGlobPattern(this.host, pattern, false), options);
  }

  /**
   * {@link glob} with `**\/` in front of `pattern`: matches at any depth. Its first step is a
   * checkpoint; every step raises `Cancelled` if the task is cancelled.
   *
   * @example
   * ```ts
   * for await (const source of new Path("src").rglob("*.ts")) console.log(source.toString());
   * ```
   */
  rglob(pattern: string, options?: GlobOptions): AsyncIterable<Path> {
    return globPaths(this, checkGlobPattern(this.host, pattern, true), options);
  }

  /**
   * Walks the tree under this directory, yielding `[dir, dirnames, filenames]` for each directory,
   * top-down (parents first; remove names from `dirnames` to skip them) or bottom-up. Links to
   * directories are listed in `filenames` and not entered, unless `followSymlinks` (then they are
   * `dirnames` and entered). A directory that cannot be opened is skipped, after
   * `onError(error)` if given. Its first step is a checkpoint; every step raises `Cancelled` if
   * the task is cancelled.
   *
   * @example
   * ```ts
   * for await (const [dir, dirnames, filenames] of new Path("src").walk()) {
   *   dirnames.splice(0, dirnames.length, ...dirnames.filter((name) => name !== "node_modules"));
   *   for (const name of filenames) console.log(dir.joinpath(name).toString());
   * }
   * ```
   */
  walk(options?: WalkOptions): AsyncIterable<[dir: Path, dirnames: string[], filenames: string[]]> {
    return walkPaths(this, options);
  }

  /**
   * Opens the file with {@link openFile}, holding a token of this path's limiter (the run's
   * default when it has none) for each operation. This is a checkpoint; once started, the open
   * runs to completion.
   *
   * @example
   * ```ts
   * await using file = await new Path("notes.txt").open("a");
   * await file.write("one more line\n");
   * ```
   * @throws Error the host's error (`code` `"ENOENT"`, `"EEXIST"`, `"EACCES"`...).
   * @throws NotSupportedError in a browser.
   */
  open(mode: BinaryMode, options?: OpenFileOptions): Promise<AsyncFile<Uint8Array>>;
  open(mode?: TextMode, options?: TextFileOptions): Promise<AsyncFile<string>>;
  open(mode: BinaryMode | TextMode = "r", options?: TextFileOptions): Promise<AsyncFile<string | Uint8Array>> {
    const withLimiter: TextFileOptions = this.limiter === null ? { ...options } : { limiter: this.limiter, ...options };
    return openFile(this, mode as TextMode, withLimiter);
  }

  /** The file's bytes. This is a checkpoint; once started, the read runs to completion. */
  readBytes(): Promise<Uint8Array> {
    return io.readBytes(this);
  }

  /** The file's text. This is a checkpoint; once started, the read runs to completion. */
  readText(options?: PathTextOptions): Promise<string> {
    return io.readText(this, options);
  }

  /**
   * Replaces the file's content with `data` (creating it); returns the number of bytes written.
   * This is a checkpoint; once started, the write runs to completion.
   */
  writeBytes(data: Uint8Array): Promise<number> {
    return io.writeBytes(this, data);
  }

  /**
   * Replaces the file's content with `data` encoded (creating it); returns the number of
   * characters (UTF-16 code units) written. This is a checkpoint; once started, the write runs
   * to completion.
   */
  writeText(data: string, options?: PathTextOptions): Promise<number> {
    return io.writeText(this, data, options);
  }

  /**
   * Creates the file (mode `0o666` less the umask) or, if it exists and `existOk` (the default),
   * updates its times. This is a checkpoint; once started, it runs to completion.
   * @throws the host's `EEXIST` error when it exists and `existOk` is false.
   */
  touch(options?: { mode?: number; existOk?: boolean }): Promise<void> {
    return io.touch(this, options);
  }

  /**
   * Creates the directory (mode `0o777` less the umask), and missing parents with `parents`.
   * This is a checkpoint; once started, it runs to completion.
   * @throws the host's `EEXIST` error if it exists (unless `existOk` and it is a directory), `ENOENT` if a parent is missing (unless `parents`).
   */
  mkdir(options?: { mode?: number; parents?: boolean; existOk?: boolean }): Promise<void> {
    return io.mkdir(this, options);
  }

  /** Changes the permission bits (of a link itself with `followSymlinks: false`, where the host can). This is a checkpoint. */
  chmod(mode: number, options?: { followSymlinks?: boolean }): Promise<void> {
    return io.chmod(this, mode, options);
  }

  /**
   * Changes the permission bits of a link itself. This is a checkpoint.
   * @throws NotSupportedError where Node has no `lchmod` (everywhere but macOS).
   */
  lchmod(mode: number): Promise<void> {
    return io.chmod(this, mode, { followSymlinks: false }, "Path.lchmod()");
  }

  /**
   * Renames the file or directory to `target` (replacing an existing file on POSIX); returns
   * the new path (a relative target is relative to the working directory, not to this path).
   * This is a checkpoint; once started, it runs to completion.
   */
  rename(target: PathLike): Promise<Path> {
    return io.rename(this, target);
  }

  /** Renames to `target`, replacing it if it exists. This is a checkpoint; once started, it runs to completion. */
  replace(target: PathLike): Promise<Path> {
    return io.rename(this, target);
  }

  /** Deletes the file or link. This is a checkpoint. @throws the host's `ENOENT` error unless `missingOk`. */
  unlink(options?: { missingOk?: boolean }): Promise<void> {
    return io.unlink(this, options);
  }

  /** Deletes the empty directory. This is a checkpoint. */
  rmdir(): Promise<void> {
    return io.rmdir(this);
  }

  /** Makes this path a symbolic link to `target` (`targetIsDirectory` matters on Windows only). This is a checkpoint. */
  symlinkTo(target: PathLike, options?: { targetIsDirectory?: boolean }): Promise<void> {
    return io.symlinkTo(this, target, options);
  }

  /** Makes this path a hard link to `target`. This is a checkpoint. */
  hardlinkTo(target: PathLike): Promise<void> {
    return io.hardlinkTo(this, target);
  }

  /**
   * Copies this file or directory tree to `target` (replacing a file there); returns the target.
   * With `followSymlinks` false, links are copied as links; `preserveMetadata` keeps times (and
   * the permission bits, which are always kept for files). This is a checkpoint; once started,
   * it runs to completion.
   */
  copy(target: PathLike, options?: { followSymlinks?: boolean; preserveMetadata?: boolean }): Promise<Path> {
    return io.copy(this, target, false, options);
  }

  /**
   * {@link copy} into the directory `targetDir`, keeping the name. This is a checkpoint; once
   * started, it runs to completion.
   * @throws RangeError if this path has no name.
   */
  copyInto(targetDir: PathLike, options?: { followSymlinks?: boolean; preserveMetadata?: boolean }): Promise<Path> {
    return io.copy(this, targetDir, true, options);
  }

  /**
   * Moves this file or directory tree to `target`: a rename, or across devices a copy (links as
   * links, metadata kept) then a delete. Returns the target. This is a checkpoint; once started,
   * it runs to completion.
   */
  move(target: PathLike): Promise<Path> {
    return io.move(this, target, false);
  }

  /**
   * {@link move} into the directory `targetDir`, keeping the name. This is a checkpoint; once
   * started, it runs to completion.
   * @throws RangeError if this path has no name.
   */
  moveInto(targetDir: PathLike): Promise<Path> {
    return io.move(this, targetDir, true);
  }
}

/** @internal The string of a path argument (a string kept as given), for the I/O modules. */
export function pathArgument(value: unknown, name: string): string {
  return segmentString(pathHost.get("Path"), value, name);
}
