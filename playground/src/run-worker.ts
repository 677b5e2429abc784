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
 */
import * as anyio from "../../runtime/index.browser";
import * as rt from "../../runtime/rt";
import { formatArgs, formatError } from "./format";
import type { ConsoleLevel, RunEvent, RunMessage, RunRequest } from "./protocol";
import { workerScope } from "./worker-scope";

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
    post({ type: "spawned", time: now(), task: task.id, name: task.name, parent: task.parentId });
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
      error: outcome === "returned" ? null : formatError(error),
    });
    if (task.parentId === null) {
      liveRuns--;
      maybeDone();
    }
  },
  scopeCancelled(scope, cause, task) {
    post({ type: "scope-cancelled", time: now(), task: task?.id ?? null, cause, scope: String(scope) });
  },
  taskGroupError(group, error, host) {
    // The group's scope names it with an id (`<TaskGroup#3 ...>`), as scope-cancelled events do.
    post({
      type: "group-error",
      time: now(),
      task: host.id,
      group: String(group.cancelScope),
      error: formatError(error),
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
  post({ type: "console", time: now(), level: "error", text: `${prefix} ${formatError(error)}` });
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

const modules: Record<string, unknown> = { "anyio-ts": anyio, "anyio-ts/rt": rt };

function requireShim(name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(modules, name)) return modules[name];
  throw new Error(`Cannot find module '${name}': programs in the playground can import "anyio-ts" only`);
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...params: string[]
) => (...args: unknown[]) => Promise<void>;

workerScope.addEventListener("message", async (event: MessageEvent<RunRequest>) => {
  captureConsole();
  anyio.addInstrument(instrument);
  const module = { exports: {} as Record<string, unknown> };
  t0 = performance.now();
  try {
    const body = new AsyncFunction("require", "module", "exports", `${event.data.code}\n//# sourceURL=playground.js`);
    await body(requireShim, module, module.exports);
  } catch (error) {
    reportUncaught("Uncaught", error);
  }
  evaluated = true;
  maybeDone();
});
