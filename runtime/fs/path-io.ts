"use structured";
/**
 * The I/O members of `Path`: each is a checkpoint, then one host operation holding one token of
 * the path's limiter (the run's default limiter when the path has none).
 *
 * Two kinds, as AnyIO's `abandon_on_cancel` choices:
 *
 *   query     (stat, exists, is*, resolve, readlink, samefile...)   hostQuery()
 *             the host's promise is awaited as any foreign promise in structured code: raced, so
 *             a cancellation raises `Cancelled` at once; the call finishes in the background
 *             and its result is dropped (a query changes nothing, so nothing is lost).
 *   mutation  (writes, mkdir, rename, unlink, copy...) and reads of content      hostMutation()
 *             after the token, a last check for cancellation, then the host call starts and its
 *             promise is awaited unraced (tagged as a runtime operation's): it runs to
 *             completion, its result or error is delivered, and the cancellation lands at the
 *             caller's next checkpoint. So a cancelled task changes nothing, and a task whose
 *             mutation started always learns how it ended.
 *
 * Argument errors are raised before the checkpoint.
 */
import { checkpointIfCancelled } from "../core/checkpoint";
import { NotSupportedError } from "../core/errors";
import { checkOptions, describeValue } from "../core/validate";
import { tagPrimitive } from "../rt";
import type { CapacityLimiter } from "../sync/capacity-limiter";
import { currentDefaultThreadLimiter } from "../threads/default-thread-limiter";
import type { TextErrors } from "../streams/text";
import { pathHost, type PathEncoding, type PathHost, type Stats } from "./path-host";
import { pathArgument, type Path, type PathLike, type PathTextOptions } from "./path";

function host(): PathHost {
  return pathHost.get("Path");
}

/**
 * Runs a host query holding a token of `limiter`. The token's acquisition is the checkpoint;
 * cancellation while the query runs abandons it (the token is given back at once).
 */
export async function hostQuery<T>(limiter: CapacityLimiter | null, start: () => Promise<T>): Promise<T> {
  const tokens = limiter ?? currentDefaultThreadLimiter();
  // A fresh borrower: a task may run a query while it holds a token of the same limiter itself.
  const borrower = {};
  await tokens.acquireOnBehalfOf(borrower);
  try {
    return await start();
  } finally {
    tokens.releaseOnBehalfOf(borrower);
  }
}

/**
 * Runs a host operation that must not be abandoned once started, holding a token of `limiter`:
 * a checkpoint (the token), a last check for cancellation, then the operation to its end.
 */
export async function hostMutation<T>(limiter: CapacityLimiter | null, start: () => Promise<T>): Promise<T> {
  const tokens = limiter ?? currentDefaultThreadLimiter();
  const borrower = {};
  await tokens.acquireOnBehalfOf(borrower);
  try {
    // The acquisition yields once after granting the token, and a cancellation in that yield
    // does not undo the grant: check again, so a cancelled task never starts the operation.
    await checkpointIfCancelled();
    return await tagPrimitive(start());
  } finally {
    tokens.releaseOnBehalfOf(borrower);
  }
}

/**
 * One step of a directory iterator: raises `Cancelled` if cancelled, takes a token (waiting only
 * when none is free), and runs the query abandonably. Lighter than {@link hostQuery}: a walk
 * makes many steps, and the reads already yield to the event loop. With `keep`, the step is not
 * abandoned once started (opening a directory: a handle opened in the background and dropped
 * would never be closed); the cancellation then lands at the next step.
 */
export async function hostStep<T>(limiter: CapacityLimiter | null, start: () => Promise<T>, keep = false): Promise<T> {
  const tokens = limiter ?? currentDefaultThreadLimiter();
  const borrower = {};
  await checkpointIfCancelled();
  if (!tokens._tryAcquireOnBehalfOf(borrower)) await tokens.acquireOnBehalfOf(borrower);
  try {
    if (keep) {
      await checkpointIfCancelled();
      return await tagPrimitive(start());
    }
    return await start();
  } finally {
    tokens.releaseOnBehalfOf(borrower);
  }
}

// --- Argument checks ----------------------------------------------------------------------------

const FOLLOW_OPTIONS = ["followSymlinks"] as const;
const RESOLVE_OPTIONS = ["strict"] as const;
const TEXT_OPTIONS = ["encoding", "errors"] as const;
const TOUCH_OPTIONS = ["mode", "existOk"] as const;
const MKDIR_OPTIONS = ["mode", "parents", "existOk"] as const;
const UNLINK_OPTIONS = ["missingOk"] as const;
const SYMLINK_OPTIONS = ["targetIsDirectory"] as const;
const COPY_OPTIONS = ["followSymlinks", "preserveMetadata"] as const;
const ENCODINGS: readonly string[] = ["utf-8", "utf-16le", "latin1"];

function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean")
    throw new TypeError(`Expected \`${name}\` to be a boolean, got ${describeValue(value)}`);
  return value;
}

function modeArgument(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number")
    throw new TypeError(
      `Expected \`${name}\` to be a permission mode (an integer from 0 to 0o7777), got ${describeValue(value)}`,
    );
  if (!Number.isInteger(value) || value < 0 || value > 0o7777) {
    throw new RangeError(
      `Expected \`${name}\` to be a permission mode (an integer from 0 to 0o7777), got ${describeValue(value)}`,
    );
  }
  return value;
}

function textOptions(options: PathTextOptions | undefined): [PathEncoding, boolean] {
  checkOptions(options, TEXT_OPTIONS);
  const encoding = options?.encoding ?? "utf-8";
  if (typeof encoding !== "string")
    throw new TypeError(`Expected \`encoding\` to be a string, got ${describeValue(encoding)}`);
  if (!ENCODINGS.includes(encoding)) {
    throw new RangeError(`Expected \`encoding\` to be "utf-8", "utf-16le" or "latin1", got ${describeValue(encoding)}`);
  }
  const errors: TextErrors = options?.errors ?? "strict";
  if (errors !== "strict" && errors !== "replace") {
    throw new RangeError(`Expected \`errors\` to be "strict" or "replace", got ${describeValue(errors)}`);
  }
  return [encoding, errors === "strict"];
}

// --- Queries ------------------------------------------------------------------------------------

export async function absolute(path: Path): Promise<Path> {
  if (path.isAbsolute()) {
    await hostQuery(path.limiter, () => Promise.resolve(undefined));
    return path;
  }
  const hosted = host();
  const cwd = await hostQuery(path.limiter, () => hosted.cwd());
  return path.withSegments(cwd, path);
}

export async function expanduser(path: Path, hosted: PathHost): Promise<Path> {
  const parts = path.parts;
  const first = path.drive === "" && path.root === "" ? parts[0] : undefined;
  if (first === undefined || !first.startsWith("~")) {
    await hostQuery(path.limiter, () => Promise.resolve(undefined));
    return path;
  }
  if (first !== "~" && first.slice(1) !== hosted.userName()) {
    // Node has no way to look up another user's home directory (pwd.getpwnam).
    throw new Error("Could not determine home directory.");
  }
  const home = await hostQuery(path.limiter, () => hosted.home());
  return path.withSegments(home, ...parts.slice(1));
}

export async function resolve(path: Path, options: { strict?: boolean } | undefined): Promise<Path> {
  checkOptions(options, RESOLVE_OPTIONS);
  const strict = booleanOption("strict", options?.strict, false);
  const hosted = host();
  const text = path.toString();
  return path.withSegments(await hostQuery(path.limiter, () => hosted.realpath(text, strict)));
}

export async function readlink(path: Path): Promise<Path> {
  const hosted = host();
  const text = path.toString();
  return path.withSegments(await hostQuery(path.limiter, () => hosted.readlink(text)));
}

export async function stat(path: Path, options: { followSymlinks?: boolean } | undefined): Promise<Stats> {
  checkOptions(options, FOLLOW_OPTIONS);
  const follow = booleanOption("followSymlinks", options?.followSymlinks, true);
  const hosted = host();
  const text = path.toString();
  return await hostQuery(path.limiter, () => hosted.stat(text, follow));
}

/** `exists()` and the `is*()` family: a stat that answers false instead of raising. */
export async function probe(
  path: Path,
  options: { followSymlinks?: boolean } | undefined,
  test: (stats: Stats) => boolean,
): Promise<boolean> {
  checkOptions(options, FOLLOW_OPTIONS);
  const follow = booleanOption("followSymlinks", options?.followSymlinks, true);
  const hosted = host();
  const text = path.toString();
  const stats = await hostQuery(path.limiter, () => hosted.probe(text, follow));
  return stats !== undefined && test(stats);
}

export async function isJunction(path: Path): Promise<boolean> {
  const hosted = host();
  const text = path.toString();
  return await hostQuery(path.limiter, () => hosted.isJunction(text));
}

export async function isMount(path: Path): Promise<boolean> {
  const hosted = host();
  const text = path.toString();
  return await hostQuery(path.limiter, () => hosted.isMount(text));
}

export async function samefile(path: Path, other: PathLike): Promise<boolean> {
  const hosted = host();
  const that = path.withSegments(other).toString();
  const text = path.toString();
  return await hostQuery(path.limiter, () => hosted.samefile(text, that));
}

// --- Content ------------------------------------------------------------------------------------

export async function readBytes(path: Path): Promise<Uint8Array> {
  const hosted = host();
  const text = path.toString();
  return await hostMutation(path.limiter, () => hosted.readBytes(text));
}

export async function readText(path: Path, options: PathTextOptions | undefined): Promise<string> {
  const [encoding, fatal] = textOptions(options);
  const hosted = host();
  const text = path.toString();
  return await hostMutation(path.limiter, () => hosted.readText(text, encoding, fatal));
}

export async function writeBytes(path: Path, data: Uint8Array): Promise<number> {
  if (!(data instanceof Uint8Array))
    throw new TypeError(`Expected \`data\` to be a Uint8Array, got ${describeValue(data)}`);
  const hosted = host();
  const text = path.toString();
  await hostMutation(path.limiter, () => hosted.writeBytes(text, data));
  return data.byteLength;
}

export async function writeText(path: Path, data: string, options: PathTextOptions | undefined): Promise<number> {
  if (typeof data !== "string") throw new TypeError(`Expected \`data\` to be a string, got ${describeValue(data)}`);
  const [encoding, fatal] = textOptions(options);
  const hosted = host();
  const text = path.toString();
  await hostMutation(path.limiter, () => hosted.writeText(text, data, encoding, fatal));
  return data.length;
}

// --- Mutations ----------------------------------------------------------------------------------

export async function touch(path: Path, options: { mode?: number; existOk?: boolean } | undefined): Promise<void> {
  checkOptions(options, TOUCH_OPTIONS);
  const mode = modeArgument("mode", options?.mode, 0o666);
  const existOk = booleanOption("existOk", options?.existOk, true);
  const hosted = host();
  const text = path.toString();
  await hostMutation(path.limiter, () => hosted.touch(text, mode, existOk));
}

export async function mkdir(
  path: Path,
  options: { mode?: number; parents?: boolean; existOk?: boolean } | undefined,
): Promise<void> {
  checkOptions(options, MKDIR_OPTIONS);
  const mode = modeArgument("mode", options?.mode, 0o777);
  const parents = booleanOption("parents", options?.parents, false);
  const existOk = booleanOption("existOk", options?.existOk, false);
  const hosted = host();
  const text = path.toString();
  await hostMutation(path.limiter, () => hosted.mkdir(text, mode, parents, existOk));
}

export async function chmod(
  path: Path,
  mode: number,
  options: { followSymlinks?: boolean } | undefined,
  call = "Path.chmod()",
): Promise<void> {
  const checked = modeArgument("mode", mode, 0);
  checkOptions(options, FOLLOW_OPTIONS);
  const follow = booleanOption("followSymlinks", options?.followSymlinks, true);
  const hosted = host();
  if (!follow && !hosted.hasLchmod) {
    throw new NotSupportedError(
      `${call} cannot change a symbolic link's own mode here: Node.js has lchmod only on macOS`,
    );
  }
  const text = path.toString();
  await hostMutation(path.limiter, () => hosted.chmod(text, checked, follow));
}

export async function rename(path: Path, target: PathLike): Promise<Path> {
  const destination = path.withSegments(target);
  const hosted = host();
  const text = path.toString();
  await hostMutation(path.limiter, () => hosted.rename(text, destination.toString()));
  return destination;
}

export async function unlink(path: Path, options: { missingOk?: boolean } | undefined): Promise<void> {
  checkOptions(options, UNLINK_OPTIONS);
  const missingOk = booleanOption("missingOk", options?.missingOk, false);
  const hosted = host();
  const text = path.toString();
  await hostMutation(path.limiter, () => hosted.unlink(text, missingOk));
}

export async function rmdir(path: Path): Promise<void> {
  const hosted = host();
  const text = path.toString();
  await hostMutation(path.limiter, () => hosted.rmdir(text));
}

export async function symlinkTo(
  path: Path,
  target: PathLike,
  options: { targetIsDirectory?: boolean } | undefined,
): Promise<void> {
  const link = pathArgument(target, "target");
  checkOptions(options, SYMLINK_OPTIONS);
  const isDirectory = booleanOption("targetIsDirectory", options?.targetIsDirectory, false);
  const hosted = host();
  const text = path.toString();
  await hostMutation(path.limiter, () => hosted.symlink(link, text, isDirectory));
}

export async function hardlinkTo(path: Path, target: PathLike): Promise<void> {
  const existing = pathArgument(target, "target");
  const hosted = host();
  const text = path.toString();
  await hostMutation(path.limiter, () => hosted.link(existing, text));
}

/** The destination of a copy or move: `target`, or `target/name` for the `*Into` forms. */
function destinationOf(path: Path, target: PathLike, into: boolean, call: string): Path {
  if (!into) return path.withSegments(target);
  if (path.name === "")
    throw new RangeError(`Expected a path with a name for ${call}, got ${describeValue(path.toString())}`);
  return path.withSegments(target, path.name);
}

export async function copy(
  path: Path,
  target: PathLike,
  into: boolean,
  options: { followSymlinks?: boolean; preserveMetadata?: boolean } | undefined,
): Promise<Path> {
  const destination = destinationOf(path, target, into, "Path.copyInto()");
  checkOptions(options, COPY_OPTIONS);
  const follow = booleanOption("followSymlinks", options?.followSymlinks, true);
  const preserve = booleanOption("preserveMetadata", options?.preserveMetadata, false);
  const hosted = host();
  const text = path.toString();
  await hostMutation(path.limiter, () => hosted.copy(text, destination.toString(), follow, preserve));
  return destination;
}

export async function move(path: Path, target: PathLike, into: boolean): Promise<Path> {
  const destination = destinationOf(path, target, into, "Path.moveInto()");
  const hosted = host();
  const text = path.toString();
  await hostMutation(path.limiter, () => hosted.move(text, destination.toString()));
  return destination;
}
