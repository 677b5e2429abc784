/**
 * Leak detection for tests: what a test started and did not stop.
 *
 * Host resources are watched with `node:async_hooks` while the test runs: every timer, socket,
 * listener, child process, worker thread, file handle and file watcher created in that window is recorded with
 * the stack that created it. Whatever is still alive once the test's run has ended (and a few
 * event-loop turns have let closing handles finish) outlived the test. Resources that existed
 * before the test started, Jest's among them, are never seen.
 *
 * Only an `init` hook is installed: a `destroy` hook would make Node track the collection of
 * every promise, several times the cost of the `init` hook itself. So whether a resource is
 * still alive is asked of the resource when the test ends:
 *
 *   timer        its `_destroyed` flag (set when it fired or was cleared)
 *   file handle  its `fd` (negative once closed)
 *   handle       whether its owner (the net.Socket, Server, ChildProcess, FSWatcher...) still
 *                holds it: every owner drops its handle when it closes it
 *
 * The hook is process-wide: tests run one after another (Jest's default) are told apart, tests
 * run with `test.concurrent` are not.
 */
import { createHook, executionAsyncId, type AsyncHook } from "node:async_hooks";
import * as path from "node:path";

/** What kind of thing outlived a test. */
export type LeakKind = "task" | "call" | "timer" | "socket" | "listener" | "process" | "file" | "watcher" | "worker";

/** One thing a test left running; see {@link ResourceLeakError}. */
export interface LeakedResource {
  /** What kind of thing it is. */
  readonly kind: LeakKind;
  /** The host's name for it: the `async_hooks` type (`"Timeout"`, `"TCPWRAP"`, `"PROCESSWRAP"`...), `"Task"`, or `"Call"` (a compiled async function still running). */
  readonly type: string;
  /** Which one it is, in words: `task 'poller' (id 7)`, `setTimeout(tick, 10000 ms)`, `child process 4242 (sleep 10)`. */
  readonly description: string;
  /** Where it was created (the first stack frame outside the runtime and Node), when known. */
  readonly createdAt: string | undefined;
}

/**
 * A test left tasks, timers, sockets, child processes or other resources running after it
 * ended. `leaks` lists them; the message names each with where it was created.
 *
 * Leaked timers are cleared when this is raised, so they cannot fire during later tests.
 *
 * @example
 * ```ts
 * // Fails with: ResourceLeakError: test "polls" left 1 thing running after it ended:
 * //   - setTimeout(poll, 1000 ms), created at tests/poller.test.ts:12:5
 * structuredTest("polls", async () => { setTimeout(function poll() {}, 1000); });
 * ```
 */
export class ResourceLeakError extends Error {
  /** What was left running. */
  readonly leaks: readonly LeakedResource[];

  constructor(what: string, leaks: readonly LeakedResource[]) {
    const things = leaks.length === 1 ? "1 thing" : `${leaks.length} things`;
    super(
      `${what} left ${things} running after it ended:\n` +
        leaks
          .map((leak) => `  - ${leak.description}${leak.createdAt ? `, created at ${leak.createdAt}` : ""}`)
          .join("\n") +
        "\nEvery task it starts must end, and every timer, socket, listener, file and child process it opens " +
        "must be closed (and a child process waited for) before the test returns.",
    );
    this.name = "ResourceLeakError";
    this.leaks = leaks;
  }
}

/**
 * The async_hooks types worth reporting, and what each is. Requests (FSREQ..., ...REQWRAP)
 * always complete on their own; signal listeners cannot be asked whether they are still alive
 * (they have no owner holding them), so they are left out. A worker thread's handle is asked
 * directly (see isAlive).
 */
const TRACKED: ReadonlyMap<string, LeakKind> = new Map<string, LeakKind>([
  ["Timeout", "timer"],
  ["TCPWRAP", "socket"],
  ["UDPWRAP", "socket"],
  ["PIPEWRAP", "socket"],
  ["TCPSERVERWRAP", "listener"],
  ["PIPESERVERWRAP", "listener"],
  ["PROCESSWRAP", "process"],
  ["FILEHANDLE", "file"],
  ["FSEVENTWRAP", "watcher"],
  ["STATWATCHER", "watcher"],
  ["WORKER", "worker"],
  // A socket of the optional native addon (UNIX sockets that pass descriptors, UNIX datagram
  // sockets): the resource is its Watcher, whose `fd` is -1 once closed.
  ["ANYIO_NATIVE_SOCKET", "socket"],
]);

/**
 * Operations whose completion callback may create a tracked resource: the next tick that
 * `server.listen(port, host)` binds in, a lookup, a connect. (Node creates a file handle outside
 * any async context, so a leaked one has no creation site.)
 */
const CARRIERS: ReadonlySet<string> = new Set([
  "TickObject",
  "GETADDRINFOREQWRAP",
  "TCPCONNECTWRAP",
  "PIPECONNECTWRAP",
]);

const NO_FRAMES: readonly string[] = Object.freeze([]);

const STDIO_NAMES = ["stdin", "stdout", "stderr"];

/** Event-loop turns given to handles that are closing when the test ends. */
const SETTLE_TURNS = 3;
/** How many tracked resources to record before dropping those that have ended. */
const SWEEP_AT = 1000;
/** How many in-flight operations to remember as possible parents (the oldest are forgotten). */
const MAX_CARRIERS = 10_000;
/** How far back through callbacks a creation site is looked for (a stream's ticks chain on forever). */
const MAX_DEPTH = 4;

/** Where something was created: its stack (formatted only if it is ever reported) and its parent's. */
interface Origin {
  readonly trace: Error;
  /** The operation in whose callback it was created, if that was one of the {@link CARRIERS}. */
  readonly parent: Origin | undefined;
  /** How many parents it has: chains stop at {@link MAX_DEPTH}, so they cannot pile up. */
  readonly depth: number;
}

interface Tracked {
  readonly type: string;
  readonly kind: LeakKind;
  readonly resource: any;
  readonly origin: Origin;
}

/** @internal Watches the host resources created from now until {@link ResourceTracker.stop}. */
export interface ResourceTracker {
  /** Stops watching and resolves to what is still alive (after a few event-loop turns). */
  stop(): Promise<TrackedLeak[]>;
}

/** @internal A leaked host resource, with the frames of the stack that created it. */
export interface TrackedLeak extends LeakedResource {
  readonly frames: readonly string[];
  /** Clears it if it is a timer (so it cannot fire during a later test). */
  dispose(): void;
}

/**
 * The tracker recording now. A test that Jest gave up on (its own timeout) may never stop its
 * tracker; the next one to start stops it, so hooks never pile up.
 */
let recordingTracker: { halt(): void } | undefined;

/** @internal Starts recording host resources; `undefined` where `node:async_hooks` cannot (Bun, Deno). */
export function trackResources(): ResourceTracker | undefined {
  if (typeof process === "undefined" || process.versions?.bun !== undefined || "Deno" in globalThis) return undefined;
  recordingTracker?.halt();
  let live: Tracked[] = [];
  const children: Tracked[] = [];
  let sweepAt = SWEEP_AT;
  /** Operations in flight that may create a tracked resource when they complete, oldest first. */
  const carriers = new Map<number, Origin>();
  let recording = true;
  let hook: AsyncHook;
  try {
    hook = createHook({
      init(asyncId, type, trigger, resource) {
        if (!recording) return;
        const kind = TRACKED.get(type);
        if (kind === undefined && !CARRIERS.has(type)) return;
        // The resource is still being constructed: read nothing from it here.
        const origin = originHere(carriers.get(executionAsyncId()) ?? carriers.get(trigger));
        if (kind === undefined) {
          carriers.set(asyncId, origin);
          if (carriers.size > MAX_CARRIERS) carriers.delete(carriers.keys().next().value!);
          return;
        }
        // Without a destroy hook nothing leaves `live` by itself: drop what has ended now and
        // then, so a test that sleeps a million times does not keep a million timers. (Before
        // adding the new resource, which must not be looked at yet.)
        if (live.length >= sweepAt) {
          live = live.filter(isAlive);
          sweepAt = Math.max(SWEEP_AT, live.length * 2);
        }
        const entry: Tracked = { type, kind, resource, origin };
        live.push(entry);
        if (kind === "process") children.push(entry);
      },
    }).enable();
  } catch {
    return undefined;
  }
  const self = {
    halt() {
      recording = false;
      hook.disable();
      carriers.clear();
      if (recordingTracker === self) recordingTracker = undefined;
    },
  };
  recordingTracker = self;
  return {
    async stop() {
      recording = false;
      try {
        for (
          let turn = 0;
          turn < SETTLE_TURNS && live.some((entry) => entry.kind !== "timer" && isAlive(entry));
          turn++
        ) {
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      } finally {
        self.halt();
      }
      return reportLeaks(live.filter(isAlive), children);
    },
  };
}

/** Names what is left, drops what Jest made, and folds a child process's pipes into it. */
function reportLeaks(alive: Tracked[], children: Tracked[]): TrackedLeak[] {
  // A child process's stdio pipes go with it: a live process is reported once, and a pipe
  // left open after its process ended is named after the process.
  const pipeOwners = new Map<unknown, { name: string; process: Tracked }>();
  for (const child of children) {
    const stdio: unknown = ownerOf(child.resource)?.stdio;
    if (!Array.isArray(stdio)) continue;
    stdio.forEach((stream, fd) => {
      if (stream != null) pipeOwners.set(stream, { name: STDIO_NAMES[fd] ?? `fd ${fd}`, process: child });
    });
  }
  const leaks: TrackedLeak[] = [];
  for (const entry of alive) {
    if (entry.kind === "socket" && isStdio(entry.resource)) continue;
    const frames = framesOf(entry.origin);
    // Jest's own timers (its reporters' debouncing, say) run in this process too.
    if (frames.length === 0 && JEST_FRAME.test(entry.origin.trace.stack ?? "")) continue;
    let description = describeResource(entry);
    const pipe = entry.type === "PIPEWRAP" ? pipeOwners.get(ownerOf(entry.resource)) : undefined;
    if (pipe !== undefined) {
      if (isAlive(pipe.process)) continue; // reported with its process
      description = `${pipe.name} pipe of ${describeResource(pipe.process)}, which exited`;
    }
    leaks.push({
      kind: entry.kind,
      type: entry.type,
      description,
      createdAt: frames.length > 0 ? location(frames[0]) : undefined,
      frames,
      dispose: () => {
        if (entry.type === "Timeout") clearTimeout(entry.resource);
      },
    });
  }
  return leaks;
}

function originHere(parent: Origin | undefined): Origin {
  const linked = parent !== undefined && parent.depth < MAX_DEPTH ? parent : undefined;
  return { trace: captureTrace(), parent: linked, depth: linked === undefined ? 0 : linked.depth + 1 };
}

/** The test's own frames of where something was created, or, if none, of what it was created in. */
function framesOf(origin: Origin | undefined): readonly string[] {
  for (let at = origin; at !== undefined; at = at.parent) {
    const frames = userFrames(at.trace);
    if (frames.length > 0) return frames;
  }
  return NO_FRAMES;
}

function isAlive(entry: Tracked): boolean {
  const resource = entry.resource;
  if (entry.type === "Timeout") return resource._destroyed !== true;
  if (entry.type === "FILEHANDLE") return !(typeof resource.fd === "number" && resource.fd < 0);
  // A worker thread's handle has no owner link; it answers getResourceLimits() only while its
  // thread lives (undefined once it exited or was terminated).
  if (entry.type === "WORKER")
    return typeof resource.getResourceLimits === "function" && resource.getResourceLimits() !== undefined;
  const owner = ownerOf(resource);
  if (owner !== undefined) return holds(owner, resource);
  return !(typeof resource.fd === "number" && resource.fd < 0);
}

/**
 * Whether `owner` still refers to `handle`, directly or through a plain state object one level
 * down (dgram keeps its handle in one): owners let go of a handle when they close it.
 */
function holds(owner: object, handle: unknown, depth = 0): boolean {
  for (const key of Reflect.ownKeys(owner)) {
    let value: unknown;
    try {
      value = (owner as Record<PropertyKey, unknown>)[key];
    } catch {
      continue;
    }
    if (value === handle) return true;
    if (depth === 0 && isPlainObject(value) && holds(value, handle, 1)) return true;
  }
  return false;
}

/** A plain object of any realm (Node's own objects come from outside Jest's sandbox). */
function isPlainObject(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype !== null && Object.getPrototypeOf(prototype) === null;
}

/** A pipe or TTY on fd 0-2: process.stdout and friends, created lazily the first time they are used. */
function isStdio(resource: any): boolean {
  const fd = resource?.fd;
  return typeof fd === "number" && fd >= 0 && fd <= 2;
}

// --- Descriptions -------------------------------------------------------------------------------

function describeResource(entry: Tracked): string {
  const resource = entry.resource;
  const owner = ownerOf(resource);
  switch (entry.type) {
    case "Timeout": {
      const kind = resource._repeat != null ? "setInterval" : "setTimeout";
      const callback = resource._onTimeout?.name || "<anonymous>";
      const unref = typeof resource.hasRef === "function" && !resource.hasRef() ? ", unref'd" : "";
      return `${kind}(${callback}, ${resource._idleTimeout} ms${unref})`;
    }
    case "TCPWRAP":
    case "UDPWRAP": {
      const protocol = entry.type === "TCPWRAP" ? "TCP" : "UDP";
      const local = address(resource, "getsockname");
      const peer = address(resource, "getpeername");
      if (local === undefined) return `${protocol} socket`;
      return `${protocol} socket ${local}${peer !== undefined ? ` -> ${peer}` : ""}`;
    }
    case "TCPSERVERWRAP": {
      const local = address(resource, "getsockname");
      return local !== undefined ? `TCP listener on ${local}` : "TCP listener";
    }
    case "PIPEWRAP":
      return `pipe or UNIX socket${typeof resource.fd === "number" && resource.fd >= 0 ? ` (fd ${resource.fd})` : ""}`;
    case "PIPESERVERWRAP":
      return "UNIX socket listener";
    case "PROCESSWRAP": {
      const args: unknown = owner?.spawnargs;
      const command = Array.isArray(args) && args.length > 0 ? ` (${args.join(" ")})` : "";
      return `child process ${resource.pid ?? owner?.pid ?? "(not started)"}${command}`;
    }
    case "FILEHANDLE":
      return `file handle (fd ${resource.fd})`;
    case "ANYIO_NATIVE_SOCKET":
      return `UNIX socket of the native addon (fd ${resource.fd})`;
    case "FSEVENTWRAP":
      return "fs.watch() watcher";
    case "STATWATCHER":
      return "fs.watchFile() watcher";
    case "WORKER":
      return `worker thread ${resource.threadId}`;
    default:
      return entry.type;
  }
}

/** The JavaScript object (a net.Socket, a ChildProcess...) that owns a native handle. */
function ownerOf(resource: any): any {
  if (typeof resource !== "object" || resource === null) return undefined;
  const symbol = Object.getOwnPropertySymbols(resource).find((s) => s.description === "owner_symbol");
  return symbol !== undefined ? resource[symbol] : undefined;
}

function address(resource: any, method: "getsockname" | "getpeername"): string | undefined {
  if (typeof resource[method] !== "function") return undefined;
  const out: { address?: string; port?: number; family?: string } = {};
  try {
    if (resource[method](out) !== 0 || out.address === undefined) return undefined;
  } catch {
    return undefined;
  }
  return out.family === "IPv6" ? `[${out.address}]:${out.port}` : `${out.address}:${out.port}`;
}

// --- Where a resource was created -------------------------------------------------------------

/** The runtime's own directory (runtime/ or dist/runtime/): its frames are not the test's. */
const RUNTIME_DIR = typeof __dirname === "string" ? path.dirname(__dirname) + path.sep : undefined;

/**
 * The current stack, captured but not formatted: V8 formats it (the costly part, source maps
 * included) only if `.stack` is read, which happens only for what is reported.
 */
function captureTrace(): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const trace = new Error();
  Error.stackTraceLimit = limit;
  return trace;
}

/** The frames of `trace` that belong to the test's code, innermost first. */
function userFrames(trace: Error): string[] {
  return (trace.stack ?? "").split("\n").filter((line) => line.startsWith("    at ") && isUserFrame(line));
}

const JEST_FRAME = /[\\/]node_modules[\\/](jest-[^\\/]+|@jest[\\/][^\\/]+|expect|babel-jest|ts-jest)[\\/]/;

function isUserFrame(line: string): boolean {
  if (line.includes("(node:") || line.includes(" node:") || line.includes("(internal/")) return false;
  if (line.includes(`${path.sep}node_modules${path.sep}`)) return false;
  if (RUNTIME_DIR !== undefined && line.includes(RUNTIME_DIR)) return false;
  return true;
}

/** `at fn (/abs/file.ts:1:2)` → `fn (file.ts:1:2)`, relative to the working directory. */
function location(frame: string): string {
  const text = frame.trim().replace(/^at /, "");
  const cwd = process.cwd() + path.sep;
  return text.split(cwd).join("");
}
