/**
 * Loading the optional native addon anyio-ts-native (runtime/platform/node/addon/anyio_native.c).
 * node-gyp-build finds a binary in one of two places:
 *   - in the repository (these sources run under Jest or tsx): build/Release/, made by node-gyp
 *     from the root binding.gyp, or prebuilds/<platform>-<arch>/, made by prebuildify;
 *   - in the published package (dist/runtime/platform/node/ is this file): dist/native/, where
 *     `npm run build` puts the prebuilt binaries, the C source and a binding.gyp to build it there.
 *
 * The addon is loaded lazily, the first time something needs it (descriptor passing, UNIX
 * datagram sockets, or a UNIX stream socket), never at import: a program that uses neither loads
 * no native code. A missing addon is not an error until one of those calls: they throw
 * `NotSupportedError` saying what is missing and how to get it.
 *
 * `ANYIO_TS_NO_NATIVE=1` in the environment hides the addon (read once, at the first use): the
 * runtime then behaves as if it were not installed. Tests use it for the path without the
 * addon, and it is a way out should the addon ever misbehave.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { format } from "node:util";
import { NotSupportedError } from "../../core/errors";

/** The socket calls of the addon (see anyio_native.c): each returns a negative errno on failure. */
export interface NativeAddon {
  socket(kind: 1 | 2): number;
  bind(fd: number, address: string): number;
  connect(fd: number, address: string): number;
  listen(fd: number, backlog: number): number;
  accept(fd: number): number;
  getsockname(fd: number): string | number;
  getpeername(fd: number): string | number;
  /** `[domain (1 unix, 2 ip), type (1 stream, 2 dgram), listening (0/1)]`, or -errno. */
  describe(fd: number): [number, number, number] | number;
  prepare(fd: number): number;
  shutdown(fd: number): number;
  close(fd: number): number;
  sendmsg(fd: number, data: Uint8Array, fds: readonly number[], address: string | null): number;
  recvmsg(
    fd: number,
    maxBytes: number,
    maxFds: number,
    wantAddress: boolean,
  ): number | [data: Buffer, fds: number[], address: string | undefined, flags: number, unexpected: string | undefined];
  /** How many watchers own an open descriptor. */
  openCount(): number;
  readonly Watcher: new (fd: number) => NativeWatcher;
}

/** Owns a descriptor and reports its readiness (see anyio_native.c). */
export interface NativeWatcher {
  /** The descriptor, or -1 once closed. */
  readonly fd: number;
  /** Called with `(status, events)`: status a negative errno or 0, events 1 readable | 2 writable. */
  onready: ((status: number, events: number) => void) | undefined;
  /** Watches for 1 readable, 2 writable, 3 both, 0 nothing; 0 or -errno. */
  watch(events: number): number;
  /** Stops watching and closes the descriptor; closing twice does nothing. */
  close(): void;
}

/** The environment variable that hides the addon. */
export const HIDE_VARIABLE = "ANYIO_TS_NO_NATIVE";

/**
 * Where to look, in order: dist/native/ of a build, then the repository root (see the header).
 * Nowhere when this module was bundled into an ES module (no `__dirname`): a bundle carries no
 * native binary.
 */
function candidates(): string[] {
  if (typeof __dirname !== "string") return [];
  const base = path.resolve(__dirname, "..", "..", "..");
  return [path.join(base, "native"), base];
}

let loaded: NativeAddon | undefined;
let failure: string | undefined;
let tried = false;

/** The addon, or undefined when it is not installed (or hidden); loads it on first use. */
export function nativeAddon(): NativeAddon | undefined {
  if (tried) return loaded;
  tried = true;
  const hidden = process.env[HIDE_VARIABLE];
  if (hidden !== undefined && hidden !== "" && hidden !== "0") {
    failure = `${HIDE_VARIABLE} is set`;
    return undefined;
  }
  let load: (directory: string) => NativeAddon;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    load = require("node-gyp-build") as (directory: string) => NativeAddon;
  } catch {
    failure = "its loader, the package node-gyp-build, is not installed";
    return undefined;
  }
  failure = "it cannot be located from a bundle";
  for (const [index, directory] of candidates().entries()) {
    try {
      loaded = load(directory);
      return loaded;
    } catch (error) {
      // The first failure says most: the place a build would be.
      if (index === 0)
        failure = error instanceof Error ? (error.message.split("\n")[0] ?? String(error)) : String(error);
    }
  }
  return undefined;
}

/** Why the addon is not loaded (undefined when it is). */
export function nativeAddonFailure(): string | undefined {
  nativeAddon();
  return loaded === undefined ? failure : undefined;
}

/** The platform as prebuilds name it ("linux-x64"). */
export const PLATFORM = `${process.platform}-${process.arch}`;

/**
 * The `NotSupportedError` of `call` without the addon: what is missing, and how to get it.
 * Starts with the sentence "X needs the optional native addon anyio-ts-native, which is not
 * installed for linux-x64".
 */
export function addonMissingError(call: string): NotSupportedError {
  const reason = nativeAddonFailure() ?? "it did not load";
  // Where binding.gyp is: dist/native/ of the installed package, or the repository root.
  const source = candidates().find((directory) => fs.existsSync(path.join(directory, "binding.gyp")));
  const remedy =
    process.platform === "linux"
      ? "Reinstall anyio-ts with its prebuilt binary (prebuilds/linux-x64), or build it from source with " +
        `\`npx node-gyp rebuild\` in ${source ?? "the anyio-ts package's dist/native directory"} (needs a C compiler ` +
        "and Node.js's headers; pass --nodedir=/usr where node-gyp cannot download them)"
      : "The addon is built for Linux only for now";
  return new NotSupportedError(
    format(
      "%s needs the optional native addon anyio-ts-native, which is not installed for %s (%s). %s.",
      call,
      PLATFORM,
      reason,
      remedy,
    ),
  );
}

/** The addon, or `NotSupportedError` naming `call`. */
export function requireAddon(call: string): NativeAddon {
  const addon = nativeAddon();
  if (addon === undefined) throw addonMissingError(call);
  return addon;
}
