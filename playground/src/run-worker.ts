/**
 * The run worker: executes one program, then is thrown away. A fresh worker per run means a
 * run starts from a clean runtime, and Stop is `worker.terminate()`, which ends even a loop that
 * never awaits.
 *
 * The program arrives as CommonJS (compiled by the compile worker) and runs inside an async
 * function (so a top-level `await run(main)` works too) with a `require` that knows two modules:
 * `anyio-ts`, the browser build of the runtime, and `anyio-ts/rt`, the hooks the transformer's
 * output calls. Both come from the same bundle, so they share one core: code copied out of the
 * playground imports exactly the names it would in a project.
 *
 * Everything the page shows is posted as it happens, one message per event: console output, and
 * the runtime's instrument events (addInstrument) that feed the task view. A program stuck in a
 * loop therefore still shows everything it did before the loop.
 *
 * Stack frames in the program are mapped back to the program's lines through the compile's
 * source maps (`at worker (playground.ts:12:5)`), and a task started with an anonymous function
 * is named after the place that started it (`task@12:5`).
 */
import * as anyio from "../../runtime/index.browser";
import * as rt from "../../runtime/rt";
import { formatArgs, formatError } from "./format";
import type { ConsoleLevel, RunEvent, RunMessage, RunRequest, SourcePosition } from "./protocol";
import { trackRun } from "./run-tracker";
import { RUN_FILE, StackMapper, frameText } from "./source-map";
import { workerScope } from "./worker-scope";

// Frames of the program can sit under many frames of the runtime (a spawn, a hook): keep enough.
Error.stackTraceLimit = 50;

/** Beyond this many events, the rest of a run is not shown (a runaway program must not flood the page). */
const MAX_EVENTS = 20_000;

let t0 = performance.now();
let posted = 0;
let uncaught = false;

function post(event: RunEvent): void {
  if (posted === MAX_EVENTS) {
    posted++;
    const notice: RunEvent = {
      type: "console",
      time: event.time,
      level: "system",
      text: `(more than ${MAX_EVENTS} events: the rest of this run is not shown)`,
    };
    workerScope.postMessage(notice satisfies RunMessage);
  }
  if (posted >= MAX_EVENTS && event.type !== "done") return;
  posted++;
  workerScope.postMessage(event satisfies RunMessage);
}

const now = (): number => performance.now() - t0;

// --- Stacks, mapped to the program ------------------------------------------------------------------

let mapper: StackMapper | null = null;

/** An error as text, with the program's frames under it (and under each member of a group). */
function describe(error: unknown): string {
  return formatError(error, 0, (e) => mapper?.frames(e.stack).map(frameText) ?? []);
}

/** Where in the program `error` was raised: its innermost program frame. */
function raisedAt(error: unknown): SourcePosition | null {
  if (mapper === null || !(error instanceof Error)) return null;
  const frame = mapper.frames(error.stack)[0];
  return frame === undefined ? null : { line: frame.line, column: frame.column };
}

/**
 * A task's name for the page: the runtime's, except that a task started with an anonymous
 * function is named after the program line that started it, `task@12:5`.
 */
function taskName(name: string): string {
  if (name !== "<anonymous>" || mapper === null) return name;
  const site = mapper.frames(new Error().stack)[0];
  return site === undefined ? name : `task@${site.line}:${site.column}`;
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...params: string[]
) => (...args: unknown[]) => Promise<void>;

/** How many lines the evaluator puts before the body's first line (the function's header). */
async function evaluatorLineOffset(): Promise<number> {
  const probe = new AsyncFunction("require", "module", "exports", `throw new Error();\n//# sourceURL=probe.js`);
  const error = await probe().catch((e: unknown) => e);
  const line = /probe\.js:(\d+):\d+/.exec((error as Error).stack ?? "")?.[1];
  return line === undefined ? 0 : Number(line) - 1;
}

// --- Console ------------------------------------------------------------------------------------

function captureConsole(): void {
  const levels: Exclude<ConsoleLevel, "system">[] = ["log", "info", "warn", "error", "debug"];
  const target = console as unknown as Record<string, (...args: unknown[]) => void>;
  for (const level of levels) {
    const original = target[level]!.bind(console);
    target[level] = (...args: unknown[]) => {
      post({ type: "console", time: now(), level, text: formatArgs(args) });
      original(...args); // still visible in the browser's developer tools
    };
  }
}

// --- Instruments: the task view's feed ----------------------------------------------------------

/** Root tasks whose run() has not ended yet: the program is done when none is left. */
let liveRuns = 0;
let evaluated = false;

const instrument: anyio.Instrument = {
  taskSpawned(task) {
    if (task.parentId === null) liveRuns++;
    post({ type: "spawned", time: now(), task: task.id, name: taskName(task.name), parent: task.parentId });
  },
  taskStarted(task) {
    post({ type: "started", time: now(), task: task.id });
  },
  taskFinished(task, outcome, error) {
    post({
      type: "finished",
      time: now(),
      task: task.id,
      outcome,
      error: outcome === "returned" ? null : describe(error),
      at: outcome === "failed" ? raisedAt(error) : null,
    });
    if (task.parentId === null) {
      liveRuns--;
      maybeDone();
    }
  },
  scopeCancelled(scope, cause, task, reason) {
    post({ type: "scope-cancelled", time: now(), task: task?.id ?? null, cause, scope: String(scope), reason });
  },
  taskGroupError(group, error, host) {
    // The group's scope names it with an id (`<TaskGroup#3 ...>`), as scope-cancelled events do.
    post({
      type: "group-error",
      time: now(),
      task: host.id,
      group: String(group.cancelScope),
      error: describe(error),
    });
  },
};

// --- Ending ----------------------------------------------------------------------------------------

let doneTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Reports the end once the module has evaluated and every run() ended, two macrotasks later: a
 * run() nobody awaited reports its rejection as an unhandled rejection after it settles.
 */
function maybeDone(): void {
  if (!evaluated || liveRuns > 0 || doneTimer !== undefined) return;
  doneTimer = setTimeout(() => {
    doneTimer = setTimeout(() => {
      doneTimer = undefined;
      if (liveRuns === 0) post({ type: "done", time: now(), ok: !uncaught });
    }, 0);
  }, 0);
}

function reportUncaught(prefix: string, error: unknown): void {
  uncaught = true;
  post({ type: "console", time: now(), level: "error", text: `${prefix} ${describe(error)}` });
}

workerScope.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  reportUncaught("Uncaught (in promise)", event.reason);
});
workerScope.addEventListener("error", (event) => {
  event.preventDefault();
  reportUncaught("Uncaught", event.error ?? event.message);
});

// --- The program ----------------------------------------------------------------------------------

// Scopes and waits for the timeline (see run-tracker.ts): the program gets wrapped modules.
const tracked = trackRun(anyio, rt, post, now);
const modules: Record<string, unknown> = { "anyio-ts": tracked.anyio, "anyio-ts/rt": tracked.rt };

function requireShim(name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(modules, name)) return modules[name];
  throw new Error(`Cannot find module '${name}': programs in the playground can import "anyio-ts" only`);
}

workerScope.addEventListener("message", async (event: MessageEvent<RunRequest>) => {
  const { code, runnableMap, outputMap } = event.data;
  if (runnableMap !== null && outputMap !== null) {
    mapper = new StackMapper(runnableMap, outputMap, await evaluatorLineOffset());
  }
  captureConsole();
  anyio.addInstrument(instrument);
  const module = { exports: {} as Record<string, unknown> };
  t0 = performance.now();
  try {
    const body = new AsyncFunction("require", "module", "exports", `${code}\n//# sourceURL=${RUN_FILE}`);
    await body(requireShim, module, module.exports);
  } catch (error) {
    reportUncaught("Uncaught", error);
  }
  evaluated = true;
  maybeDone();
});
