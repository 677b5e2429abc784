"use structured";
/**
 * The lazy directory iterators of `Path`: `iterdir()`, `glob()`/`rglob()` and `walk()`, over our
 * own walk of directory handles (`fs.opendir`), with glob segments matched by picomatch.
 *
 * Each iterator's first step is a checkpoint; every later host call (read a batch of entries,
 * stat a link) is a query step: cancellation raises at once and abandons the call, and a step
 * served from a batch already read still raises if cancelled. Opening a directory is the one
 * step that is never abandoned once started (the handle it opens must be closed), so a
 * cancellation during it lands at the next step. A
 * directory handle is held only while its directory is read, and closed (to completion, even in
 * a cancelled scope) when the reading ends, the loop breaks, or anything throws: `iterdir()`
 * holds its one handle across its yields; `glob()` holds at most one at a time, since it reads a
 * directory's subdirectories only after closing it (a deep tree never costs a handle per level);
 * `walk()` reads each directory whole before yielding it, as it must to list it.
 */
import { checkpoint, checkpointIfCancelled } from "../core/checkpoint";
import { NotSupportedError } from "../core/errors";
import { checkOptions, describeValue } from "../core/validate";
import { tagPrimitive } from "../rt";
import type { CapacityLimiter } from "../sync/capacity-limiter";
import { pathHost, type DirectoryEntry, type DirectoryHandle, type PathHost } from "./path-host";
import { hostStep } from "./path-io";
import { compileSegment, hasMagic, type SegmentMatcher } from "./path-pattern";
import type { Path } from "./path";

/** Options of {@link Path.glob} and {@link Path.rglob}. */
export interface GlobOptions {
  /** Whether letter case matters. @default the platform's: true, false on Windows */
  caseSensitive?: boolean;
  /** Whether `**` descends into links to directories (a link loop is entered only once per branch). @default false */
  recurseSymlinks?: boolean;
}

/** Options of {@link Path.walk}. */
export interface WalkOptions {
  /** Yield a directory before its subdirectories (and honour removals from `dirnames`). @default true */
  topDown?: boolean;
  /** Called with the error when a directory cannot be opened; without it such directories are skipped silently. */
  onError?: (error: Error) => void;
  /** Enter links to directories (listed in `dirnames`); otherwise they are listed in `filenames`. @default false */
  followSymlinks?: boolean;
}

/** A checked glob pattern: its segments (`**` runs collapsed) and whether it ends with a separator. */
export interface GlobPattern {
  readonly parts: readonly string[];
  readonly dirOnly: boolean;
  readonly call: string;
}

const GLOB_OPTIONS = ["caseSensitive", "recurseSymlinks"] as const;
const WALK_OPTIONS = ["topDown", "onError", "followSymlinks"] as const;

/**
 * Parses a glob pattern as pathlib does: relative, non-empty, `.` segments dropped, `..` kept
 * literally, a trailing separator meaning directories only. `rglob` puts `**` in front.
 *
 * @throws TypeError if `pattern` is not a string; RangeError if it is empty; NotSupportedError if
 *   it is absolute.
 */
export function checkGlobPattern(host: PathHost, pattern: unknown, recursive: boolean): GlobPattern {
  const call = recursive ? "Path.rglob()" : "Path.glob()";
  if (typeof pattern !== "string")
    throw new TypeError(`Expected \`pattern\` to be a string, got ${describeValue(pattern)}`);
  const { flavour } = host;
  const raw = recursive ? flavour.join(["**", pattern]) : pattern;
  const parsed = flavour.parse(raw);
  if (parsed.drive !== "" || parsed.root !== "") {
    throw new NotSupportedError(`${call} takes relative patterns only, got ${describeValue(pattern)}`);
  }
  const parts: string[] = [];
  for (const part of parsed.tail) if (!(part === "**" && parts[parts.length - 1] === "**")) parts.push(part);
  if (parts.length === 0)
    throw new RangeError(`Expected \`pattern\` to be a non-empty relative pattern, got ${describeValue(pattern)}`);
  const last = raw[raw.length - 1];
  const dirOnly = last === flavour.sep || (flavour.altsep !== undefined && last === flavour.altsep);
  return { parts, dirOnly, call };
}

/** Whether `error` is the host's own (it has a `code`): the kind a walk skips over. */
function isHostError(error: unknown): boolean {
  return typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string";
}

/** Closes a directory handle and waits for it, unraced: a cancelled scope still closes it. */
function closeHandle(handle: DirectoryHandle): Promise<void> {
  return tagPrimitive(handle.close());
}

/** `parent` joined with `name` in the platform's separator, as glob results are built. */
function child(sep: string, parent: string, name: string): string {
  if (parent === ".") return name;
  return parent.endsWith(sep) ? parent + name : parent + sep + name;
}

/**
 * The entries of one directory, a batch per query step, holding its handle until the loop ends.
 * With `skipErrors`, a directory that cannot be opened or read yields nothing more (glob's rule).
 */
async function* batchesOf(
  host: PathHost,
  limiter: CapacityLimiter | null,
  dir: string,
  skipErrors: boolean,
): AsyncGenerator<DirectoryEntry[]> {
  let handle: DirectoryHandle;
  try {
    handle = await hostStep(limiter, () => host.opendir(dir), true);
  } catch (error) {
    if (skipErrors && isHostError(error)) return;
    throw error;
  }
  try {
    while (true) {
      let batch: DirectoryEntry[];
      try {
        batch = await hostStep(limiter, () => handle.read());
      } catch (error) {
        if (skipErrors && isHostError(error)) return;
        throw error;
      }
      if (batch.length === 0) return;
      yield batch;
    }
  } finally {
    await closeHandle(handle);
  }
}

// --- iterdir ------------------------------------------------------------------------------------

/** `Path.iterdir()`: the children of `root`, lazily, holding one directory handle. */
export async function* iterdirPaths(root: Path): AsyncGenerator<Path> {
  const host = pathHost.get("Path.iterdir()");
  await checkpoint();
  const dir = root.toString();
  for await (const batch of batchesOf(host, root.limiter, dir, false)) {
    for (const entry of batch) {
      // Every step raises if cancelled, also those served from a batch already read.
      await checkpointIfCancelled();
      yield root.joinpath(entry.name);
    }
  }
}

// --- glob ---------------------------------------------------------------------------------------

/** What one glob run needs at every level. */
interface GlobRun {
  readonly host: PathHost;
  readonly limiter: CapacityLimiter | null;
  readonly parts: readonly string[];
  /** One matcher per part (undefined for `**` and literal parts). */
  readonly matchers: readonly (SegmentMatcher | undefined)[];
  /** Whether each part is taken as a literal name (joined without listing the directory). */
  readonly literal: readonly boolean[];
  readonly dirOnly: boolean;
  readonly recurseSymlinks: boolean;
  readonly sep: string;
}

/** `Path.glob()` / `Path.rglob()`. */
export function globPaths(root: Path, pattern: GlobPattern, options: GlobOptions | undefined): AsyncGenerator<Path> {
  checkOptions(options, GLOB_OPTIONS);
  const host = pathHost.get(pattern.call);
  const caseSensitive = options?.caseSensitive ?? host.flavour.caseSensitive;
  const recurseSymlinks = options?.recurseSymlinks ?? false;
  if (typeof caseSensitive !== "boolean")
    throw new TypeError(`Expected \`caseSensitive\` to be a boolean, got ${describeValue(caseSensitive)}`);
  if (typeof recurseSymlinks !== "boolean")
    throw new TypeError(`Expected \`recurseSymlinks\` to be a boolean, got ${describeValue(recurseSymlinks)}`);
  const { parts } = pattern;
  // With the platform's case rule, a part without wildcards is a name to join, not to look for
  // (pathlib's rule; with another case rule it must be matched against the listing).
  const literal = parts.map(
    (part) => part !== "**" && (part === ".." || (!hasMagic(part) && caseSensitive === host.flavour.caseSensitive)),
  );
  const matchers = parts.map((part, i) =>
    part === "**" || literal[i] ? undefined : compileSegment(host, part, caseSensitive),
  );
  const run: GlobRun = {
    host,
    limiter: root.limiter,
    parts,
    matchers,
    literal,
    dirOnly: pattern.dirOnly,
    recurseSymlinks,
    sep: host.flavour.sep,
  };
  return globFrom(run, root);
}

async function* globFrom(run: GlobRun, root: Path): AsyncGenerator<Path> {
  await checkpoint();
  for await (const text of select(run, root.toString(), 0, false)) yield root.withSegments(text);
}

/** Whether `path` is a directory, following links; false when it cannot be looked at. */
async function isDirectory(run: GlobRun, path: string): Promise<boolean> {
  const stats = await hostStep(run.limiter, () => run.host.probe(path, true));
  return stats !== undefined && stats.isDirectory();
}

/** Whether an entry of `dir` is a directory, following a link only if `follow`. */
async function entryIsDirectory(run: GlobRun, dir: string, entry: DirectoryEntry, follow: boolean): Promise<boolean> {
  if (entry.isDirectory()) return true;
  if (!follow || !entry.isSymbolicLink()) return false;
  return await isDirectory(run, child(run.sep, dir, entry.name));
}

/**
 * The matches of parts[i..] under `dir`. `known` says what is already known of `dir`: that it is
 * a directory (a listing said so) or nothing (a joined literal, still to be looked at).
 */
async function* select(run: GlobRun, dir: string, i: number, knownDirectory: boolean): AsyncGenerator<string> {
  const { parts } = run;
  if (i === parts.length) {
    if (knownDirectory) yield dir;
    else if (run.dirOnly) {
      if (await isDirectory(run, dir)) yield dir;
    } else if ((await hostStep(run.limiter, () => run.host.probe(dir, false))) !== undefined) yield dir;
    return;
  }
  if (parts[i] === "**") {
    yield* recursive(run, dir, i);
    return;
  }
  if (run.literal[i]) {
    yield* select(run, child(run.sep, dir, parts[i]!), i + 1, false);
    return;
  }
  const matcher = run.matchers[i]!;
  const final = i === parts.length - 1 && !run.dirOnly;
  const directories: string[] = [];
  for await (const batch of batchesOf(run.host, run.limiter, dir, true)) {
    for (const entry of batch) {
      if (!matcher(entry.name)) continue;
      if (final) yield child(run.sep, dir, entry.name);
      else if (await entryIsDirectory(run, dir, entry, true)) directories.push(entry.name);
    }
  }
  for (const name of directories) yield* select(run, child(run.sep, dir, name), i + 1, true);
}

/** One directory of a `**` walk, with (when links are followed) the identities of its ancestors. */
interface WalkItem {
  readonly dir: string;
  readonly ancestors: readonly string[] | undefined;
}

/** The identity of a directory (device and inode), to stop at a link loop. */
async function identityOf(run: GlobRun, dir: string): Promise<string | undefined> {
  const stats = await hostStep(run.limiter, () => run.host.probe(dir, true));
  return stats === undefined ? undefined : `${stats.dev}:${stats.ino}`;
}

/**
 * `**` at parts[i]: every directory from `dir` down (links to directories entered only with
 * `recurseSymlinks`), each given to the rest of the pattern. Two common shapes take one listing
 * per directory: `**` last (everything below), and `**` followed by one final segment
 * (`rglob("*.ts")`), matched against the names as they are read.
 */
async function* recursive(run: GlobRun, start: string, i: number): AsyncGenerator<string> {
  const { parts } = run;
  const rest = i + 1;
  const everything = rest === parts.length;
  const finalSegment = rest === parts.length - 1 && !run.dirOnly && parts[rest] !== ".." ? parts[rest]! : undefined;
  const finalMatcher =
    finalSegment === undefined
      ? undefined
      : (run.matchers[rest] ?? compileSegment(run.host, finalSegment, run.host.flavour.caseSensitive));
  if (everything) {
    if (await isDirectory(run, start)) yield start;
  } else if (finalMatcher === undefined) {
    yield* select(run, start, rest, false);
  }
  const stack: WalkItem[] = [{ dir: start, ancestors: undefined }];
  if (run.recurseSymlinks) {
    const identity = await identityOf(run, start);
    stack[0] = { dir: start, ancestors: identity === undefined ? [] : [identity] };
  }
  while (stack.length > 0) {
    const { dir, ancestors } = stack.pop()!;
    const subdirectories: WalkItem[] = [];
    for await (const batch of batchesOf(run.host, run.limiter, dir, true)) {
      for (const entry of batch) {
        const path = child(run.sep, dir, entry.name);
        let directory = entry.isDirectory();
        let identity: string | undefined;
        if (run.recurseSymlinks && (directory || entry.isSymbolicLink())) {
          identity = await identityOf(run, path);
          directory = identity !== undefined && (directory || (await isDirectory(run, path)));
        }
        if (everything) {
          // pathlib's rule: with a trailing separator, only what the walk itself enters counts as a directory.
          if (!run.dirOnly || directory) yield path;
        } else if (finalMatcher !== undefined && finalMatcher(entry.name)) {
          yield path;
        }
        if (directory) {
          if (ancestors !== undefined) {
            // A link back to an ancestor would repeat this branch forever.
            if (identity === undefined || ancestors.includes(identity)) continue;
            subdirectories.push({ dir: path, ancestors: [...ancestors, identity] });
          } else subdirectories.push({ dir: path, ancestors: undefined });
        }
      }
    }
    for (const item of subdirectories.reverse()) {
      if (!everything && finalMatcher === undefined) yield* select(run, item.dir, rest, true);
      stack.push(item);
    }
  }
}

// --- walk ---------------------------------------------------------------------------------------

/** `Path.walk()`: pathlib's walk, each directory read whole (one handle at a time) before it is yielded. */
export function walkPaths(root: Path, options: WalkOptions | undefined): AsyncGenerator<[Path, string[], string[]]> {
  checkOptions(options, WALK_OPTIONS);
  const topDown = options?.topDown ?? true;
  const onError = options?.onError;
  const followSymlinks = options?.followSymlinks ?? false;
  if (typeof topDown !== "boolean")
    throw new TypeError(`Expected \`topDown\` to be a boolean, got ${describeValue(topDown)}`);
  if (typeof followSymlinks !== "boolean")
    throw new TypeError(`Expected \`followSymlinks\` to be a boolean, got ${describeValue(followSymlinks)}`);
  if (onError !== undefined && typeof onError !== "function") {
    throw new TypeError(`Expected \`onError\` to be a function, got ${describeValue(onError)}`);
  }
  const host = pathHost.get("Path.walk()");
  return walkFrom(host, root, topDown, onError, followSymlinks);
}

async function* walkFrom(
  host: PathHost,
  root: Path,
  topDown: boolean,
  onError: ((error: Error) => void) | undefined,
  followSymlinks: boolean,
): AsyncGenerator<[Path, string[], string[]]> {
  await checkpoint();
  const limiter = root.limiter;
  // Pending work, last first: a directory still to read, or (bottom-up) a listing to yield once
  // the directories pushed after it are done.
  const pending: (Path | [Path, string[], string[]])[] = [root];
  while (pending.length > 0) {
    const item = pending.pop()!;
    if (Array.isArray(item)) {
      // A listing read earlier: no host call on this step, but it must still raise if cancelled.
      await checkpointIfCancelled();
      yield item;
      continue;
    }
    const dir = item.toString();
    let handle: DirectoryHandle;
    try {
      handle = await hostStep(limiter, () => host.opendir(dir), true);
    } catch (error) {
      if (!isHostError(error)) throw error;
      onError?.(error as Error);
      continue;
    }
    const dirnames: string[] = [];
    const filenames: string[] = [];
    if (!topDown) pending.push([item, dirnames, filenames]);
    try {
      while (true) {
        const batch = await hostStep(limiter, () => handle.read());
        if (batch.length === 0) break;
        for (const entry of batch) {
          let directory = entry.isDirectory();
          if (!directory && followSymlinks && entry.isSymbolicLink()) {
            const target = child(host.flavour.sep, dir, entry.name);
            const stats = await hostStep(limiter, () => host.probe(target, true));
            directory = stats !== undefined && stats.isDirectory();
          }
          if (directory) {
            if (!topDown) pending.push(item.joinpath(entry.name));
            dirnames.push(entry.name);
          } else filenames.push(entry.name);
        }
      }
    } finally {
      await closeHandle(handle);
    }
    if (topDown) {
      yield [item, dirnames, filenames];
      // The consumer may have removed names from `dirnames` to prune the walk.
      for (let k = dirnames.length - 1; k >= 0; k--) pending.push(item.joinpath(dirnames[k]!));
    }
  }
}
