// Runs a compiled program (CommonJS text exporting `main(trace)` and `idle()`) and records its
// trace: every event the program traces, how `main` settled, every event traced after that
// (abandoned work keeps running until no macrotask-paced promise is pending), and any frame
// left current by the runtime's bookkeeping.
import { run } from "anyio-ts";
import * as rt from "anyio-ts/rt";

interface ProgramExports {
  main(trace: (event: string) => void): Promise<unknown>;
  idle(): boolean;
}

/** Resolves the two modules compiled code may import to this repository's runtime. */
function programRequire(id: string): unknown {
  if (id === "anyio-ts/rt") return rt;
  if (id === "anyio-ts") return require("anyio-ts");
  throw new Error(`a generated program may only import anyio-ts and anyio-ts/rt, not ${id}`);
}

function load(code: string): ProgramExports {
  const module = { exports: {} as Record<string, unknown> };
  new Function("require", "exports", "module", code)(programRequire, module.exports, module);
  return module.exports as unknown as ProgramExports;
}

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Upper bound on the macrotask turns a program may take after `main` settled. */
const MAX_DRAIN_TURNS = 10_000;

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `non-error ${String(error)}`;
}

/**
 * Runs `code`'s `main` outside any run (`inRun` false) or as the root task of `run()`, and
 * returns its trace. Lines starting with `=>` and `!!` are the harness's own.
 *
 * Compiled code (`compiled` true) also has its frame checked at every event: outside run()
 * there is none; inside, every segment of the program runs in the root task's frame (there are
 * no task groups or scopes), which main's first event sees. The plain build's `main` is marked
 * structured so that `run()` calls it without the context carrier: once the carrier is in use,
 * `currentFrame()` falls back to it between segments and would hide a segment compiled code
 * failed to start.
 */
export async function execute(code: string, inRun: boolean, compiled: boolean): Promise<string[]> {
  const events: string[] = [];
  let first = true;
  let root: rt.Frame | undefined;
  const trace = (event: string): void => {
    // The microtask clock's ticks come from plain `.then` callbacks: no frame of their own.
    if (!compiled || event.startsWith("~")) return void events.push(event);
    const frame = rt.currentFrame();
    if (first) root = frame;
    first = false;
    let mark = "";
    if (!inRun && frame !== undefined) mark = " [!! a frame is current outside run()]";
    else if (inRun && frame === undefined) mark = " [!! no current frame]";
    else if (inRun && frame !== root) mark = " [!! not the root task's frame]";
    events.push(event + mark);
  };
  const program = load(code);
  if (!compiled) rt.markStructured(program.main);
  try {
    const value = inRun ? await run(program.main, trace) : await program.main(trace);
    events.push(`=> main resolved ${String(value)}`);
  } catch (error) {
    events.push(`=> main rejected ${describe(error)}`);
  }
  checkNoFrame(events, "after main settled");
  // Right after a macrotask turn no microtask is pending, so with no macrotask-paced promise
  // pending either, the program can make no more progress (nor trace into the next build's run).
  for (let turn = 0; ; turn++) {
    await macrotask();
    if (program.idle()) break;
    if (turn === MAX_DRAIN_TURNS) {
      events.push("!! still busy after the drain limit");
      break;
    }
  }
  events.push("=> idle");
  checkNoFrame(events, "after a macrotask");
  return events;
}

/** Records a frame left current, and clears it so that the next program starts clean. */
function checkNoFrame(events: string[], when: string): void {
  if (rt.currentFrame() === undefined) return;
  events.push(`!! currentFrame() is set ${when}`);
  rt.enterFrame(undefined);
}
