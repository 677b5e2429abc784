"use structured";
/**
 * The load and fault test's server side: an echo server (`createTcpListener()` on 127.0.0.1 and
 * `serve()` in a task group) under a crowd of clients run by clients.cjs in a child process,
 * while this process samples its own heap and RSS. When the clients report, the server's group
 * is cancelled with connections still open (slowloris writers, slow readers), and the run checks
 * that nothing is left behind: descriptors (/proc/self/fd), tasks (getRunningTasks()), memory.
 *
 * Run by `npm run loadtest` (scripts/loadtest.cjs compiles this file with the Babel plugin) and,
 * shortened, by tests/runtime/net/load.test.ts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import {
  SocketAttribute,
  createTaskGroup,
  createTcpListener,
  failAfter,
  getCurrentTask,
  getRunningTasks,
  isCancelled,
  sleep,
  type SocketStream,
} from "anyio-ts";

/** Options of {@link runEchoLoad}. */
export interface EchoLoadOptions {
  /** Concurrent client slots. */
  clients: number;
  /** How long the clients run, in ms. */
  durationMs: number;
  /** The path of clients.cjs. */
  clientScript: string;
  /** Seeds the clients' payloads. */
  seed?: number;
  /** How often memory is sampled, in ms. */
  sampleMs?: number;
  /** Called with progress lines (the script prints them). */
  log?: (line: string) => void;
}

/** One memory reading, in bytes. */
export interface MemorySample {
  heapUsed: number;
  rss: number;
}

/** What the clients process reported (see clients.cjs). */
export interface ClientResults {
  clients: number;
  durationMs: number;
  slots: Record<string, number>;
  sessions: Record<string, number>;
  connections: number;
  roundTrips: { ok: number; bad: number };
  bytesVerified: number;
  errors: Record<string, number>;
  lingering: number;
  closedByServer: number;
  notClosed: number;
}

/** What {@link runEchoLoad} found. */
export interface EchoLoadReport {
  clients: ClientResults;
  server: {
    /** Connections the handler was run for. */
    accepted: number;
    /** Handlers that echoed until the client's end and answered with their own. */
    finished: number;
    /** Handlers ended by the cancellation of the group (connections still open then). */
    cancelled: number;
    /** Handlers that ended with an error, by error class and host code. */
    errors: Record<string, number>;
    /** Handlers still running after the group exited (must be 0). */
    open: number;
  };
  memory: { start: MemorySample; peak: MemorySample; end: MemorySample; samples: number };
  fds: { before: number; after: number; left: string[] };
  tasksLeft: string[];
  /** The load average (1 min) at the start and the end of the run. */
  load: { start: number; end: number };
}

const MiB = 1024 * 1024;

/** `global.gc`, exposed on demand (a full collection before the start and end readings). */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

function memory(): MemorySample {
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

/** This process's open descriptors, as "fd -> target". */
function openFds(): Map<string, string> {
  const fds = new Map<string, string>();
  for (const fd of fs.readdirSync("/proc/self/fd")) {
    try {
      fds.set(fd, fs.readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // The directory's own descriptor, closed by the time it is read.
    }
  }
  return fds;
}

function loadAverage(): number {
  try {
    return Number(fs.readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  } catch {
    return Number.NaN;
  }
}

function kindOf(error: unknown): string {
  const name = error instanceof Error ? error.constructor.name : typeof error;
  const code = (error as { cause?: { code?: unknown } })?.cause?.code ?? (error as { code?: unknown })?.code;
  return typeof code === "string" ? `${name}:${code}` : name;
}

/** The JSON lines a child writes on stdout, one promise per expected line type. */
function childLines(child: ChildProcess): {
  results: Promise<Record<string, unknown>>;
  closed: Promise<Record<string, unknown>>;
  exit: Promise<number | null>;
} {
  const waiting = new Map<string, (value: Record<string, unknown>) => void>();
  const failures: ((error: Error) => void)[] = [];
  const line = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      waiting.set(type, resolve);
      failures.push(reject);
    });
  const results = line("results");
  const closed = line("closed");
  let buffered = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (text: string) => {
    buffered += text;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const message = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
      buffered = buffered.slice(newline + 1);
      waiting.get(message.type as string)?.(message);
    }
  });
  const exit = new Promise<number | null>((resolve) => {
    child.once("close", (code) => {
      const error = new Error(`the clients process exited (code ${code}) before reporting`);
      for (const fail of failures) fail(error);
      resolve(code);
    });
  });
  // Settled elsewhere or never awaited after a failure: not an unhandled rejection.
  results.catch(() => {});
  closed.catch(() => {});
  return { results, closed, exit };
}

/**
 * Runs the echo server under the client mix and returns what it measured. Must be called from a
 * task (inside `run()`). This is a checkpoint.
 */
export async function runEchoLoad(options: EchoLoadOptions): Promise<EchoLoadReport> {
  const { clients, durationMs, clientScript, seed = 1, sampleMs = 100, log = () => {} } = options;
  const gc = collector();

  // Descriptors Node opens once and keeps for good must be open before the first count: the
  // SIGCHLD pipe (the first child process) and libuv's reserve descriptor on /dev/null (opened
  // with the first stream handle, kept to shed connections when accept() hits EMFILE). A child
  // with piped stdio opens both.
  await new Promise<void>((resolve, reject) => {
    spawn(process.execPath, ["-e", ""], { stdio: "pipe" })
      .once("error", reject)
      .once("close", () => resolve());
  });
  gc();
  const fdsBefore = openFds();
  const start = memory();
  const peak = { ...start };
  let samples = 0;
  const loadStart = loadAverage();

  const server = { accepted: 0, finished: 0, cancelled: 0, errors: {} as Record<string, number>, open: 0 };
  const echo = async (stream: SocketStream): Promise<void> => {
    server.accepted++;
    server.open++;
    try {
      await using _ = stream; // the handler owns the stream
      for await (const chunk of stream) await stream.send(chunk);
      await stream.sendEof();
      server.finished++;
    } catch (error) {
      if (isCancelled(error)) {
        server.cancelled++;
        throw error;
      }
      // A client that resets or vanishes ends its own handler, never the server.
      const kind = kindOf(error);
      server.errors[kind] = (server.errors[kind] ?? 0) + 1;
    } finally {
      server.open--;
    }
  };

  let child: ChildProcess | undefined;
  let lines: ReturnType<typeof childLines> | undefined;
  let results: Record<string, unknown> = {};
  // A bound on the whole run, far above what it needs: a hang fails instead of blocking CI.
  await failAfter(durationMs + 300_000).run(async () => {
    await using listener = await createTcpListener({ localHost: "127.0.0.1" });
    const port = listener.extra(SocketAttribute.localPort);
    await using tg = createTaskGroup();
    tg.startSoon({ name: "echo server" }, () => listener.serve(echo));
    tg.startSoon({ name: "memory sampler" }, async () => {
      for (;;) {
        const now = memory();
        peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
        peak.rss = Math.max(peak.rss, now.rss);
        samples++;
        await sleep(sampleMs);
      }
    });
    log(`echo server on 127.0.0.1:${port}; ${clients} clients for ${durationMs} ms`);
    child = spawn(process.execPath, [clientScript, JSON.stringify({ port, clients, durationMs, seed })], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    lines = childLines(child);
    results = await lines.results;
    log(`clients reported; cancelling the server with ${server.open} connections open`);
    tg.cancelScope.cancel();
  });

  // The group has exited and the listener is closed: the lingering clients see their close.
  const closed = await lines!.closed;
  const exitCode = await lines!.exit;
  if (exitCode !== 0) throw new Error(`the clients process exited with code ${exitCode}`);

  // A destroyed socket releases its descriptor in a later turn of the event loop: wait (bounded)
  // for the count to come back, then report whatever is still there.
  let after = openFds();
  for (let waited = 0; after.size > fdsBefore.size && waited < 20_000; waited += 50) {
    await sleep(50);
    after = openFds();
  }
  const left = [...after]
    .filter(([fd, target]) => fdsBefore.get(fd) !== target)
    .map(([fd, target]) => `${fd} -> ${target}`);

  const me = getCurrentTask().id;
  const tasksLeft = getRunningTasks()
    .filter((task) => task.id !== me)
    .map((task) => `${task.name} (${task.id})`);
  gc();
  await sleep(0);
  gc();
  const end = memory();
  const loadEnd = loadAverage();
  return {
    clients: {
      ...(results as unknown as ClientResults),
      closedByServer: closed.closedByServer as number,
      notClosed: closed.notClosed as number,
    },
    server,
    memory: { start, peak, end, samples },
    fds: { before: fdsBefore.size, after: after.size, left },
    tasksLeft,
    load: { start: loadStart, end: loadEnd },
  };
}

/** The report as the lines `npm run loadtest` prints. */
export function formatReport(report: EchoLoadReport): string {
  const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
  const table = (record: Record<string, number>) =>
    Object.keys(record).length === 0
      ? "none"
      : Object.entries(record)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, value]) => `${key} ${value}`)
          .join(", ");
  const { clients, server, memory: m, fds } = report;
  return [
    `clients: ${clients.clients} slots for ${clients.durationMs} ms (${table(clients.slots)})`,
    `sessions completed: ${table(clients.sessions)}; connections made: ${clients.connections}`,
    `well-behaved round trips: ${clients.roundTrips.ok} correct, ${clients.roundTrips.bad} failed; ${mib(clients.bytesVerified)} checked byte for byte`,
    `client errors: ${table(clients.errors)}`,
    `left open at the deadline: ${clients.lingering}; closed by the server's cancellation: ${clients.closedByServer}; not closed: ${clients.notClosed}`,
    `server: ${server.accepted} connections served, ${server.finished} to their end, ${server.cancelled} cancelled at the end, ${server.open} handlers left`,
    `server errors (handlers ended by a client fault): ${table(server.errors)}`,
    `memory: heap ${mib(m.start.heapUsed)} start, ${mib(m.peak.heapUsed)} peak, ${mib(m.end.heapUsed)} end (after GC); ` +
      `RSS ${mib(m.start.rss)} start, ${mib(m.peak.rss)} peak, ${mib(m.end.rss)} end; ${m.samples} samples`,
    `descriptors: ${fds.before} before, ${fds.after} after; left: ${fds.left.length === 0 ? "none" : fds.left.join(", ")}`,
    `tasks left: ${report.tasksLeft.length === 0 ? "none" : report.tasksLeft.join(", ")}`,
    `load average (1 min): ${report.load.start} at the start, ${report.load.end} at the end`,
  ].join("\n");
}

/**
 * The invariants of a run, as failure messages (none when it passed): every well-behaved round
 * trip correct and some made, no lingering connection left unclosed, no descriptor or task left,
 * no handler left, and the heap after GC within `heapSlackBytes` of where it started.
 */
export function checkReport(report: EchoLoadReport, heapSlackBytes = 64 * MiB): string[] {
  const failures: string[] = [];
  const { clients, server, memory: m } = report;
  if (clients.roundTrips.ok === 0) failures.push("no well-behaved round trip was made");
  if (clients.roundTrips.bad !== 0) failures.push(`${clients.roundTrips.bad} well-behaved round trips failed`);
  const wellBehavedErrors = Object.keys(clients.errors).filter(
    (key) => key.startsWith("echo:") || key.startsWith("halfClose:"),
  );
  if (wellBehavedErrors.length > 0) failures.push(`well-behaved clients saw errors: ${wellBehavedErrors.join(", ")}`);
  if (clients.notClosed !== 0)
    failures.push(`${clients.notClosed} connections were still open after the server was cancelled`);
  if (server.open !== 0) failures.push(`${server.open} handlers were still running after the group exited`);
  if (report.fds.left.length !== 0) failures.push(`descriptors left open: ${report.fds.left.join(", ")}`);
  if (report.tasksLeft.length !== 0) failures.push(`tasks left: ${report.tasksLeft.join(", ")}`);
  if (m.end.heapUsed >= m.start.heapUsed + heapSlackBytes) {
    failures.push(
      `the heap grew from ${m.start.heapUsed} to ${m.end.heapUsed} bytes (bound: start + ${heapSlackBytes})`,
    );
  }
  return failures;
}
