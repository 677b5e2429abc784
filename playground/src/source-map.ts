/**
 * The program's source maps, put to two uses: which lines of the rewritten output come from
 * which lines of the program (the panes highlight each other's lines), and where a stack frame
 * of a run is in the program (errors point at the program's lines).
 *
 * A run executes the CommonJS form of the rewritten output, so a position in a run goes through
 * two maps: CommonJS → rewritten output → program.
 */
import { TraceMap, decodedMappings, originalPositionFor } from "@jridgewell/trace-mapping";

/** The file name runs report their frames under (the `sourceURL` of the evaluated code). */
export const RUN_FILE = "playground.js";
/** The file name the program is shown as in mapped frames; the console turns these into links. */
export const SOURCE_FILE = "playground.ts";

/**
 * Pairs `[outputLine, sourceLine]` (0-based) of every output line that has a mapping, for each
 * program line it maps to: the rewritten pane's lines linked to the program's.
 */
export function lineLinks(map: string): Array<[number, number]> {
  const pairs = new Set<string>();
  const out: Array<[number, number]> = [];
  decodedMappings(new TraceMap(map)).forEach((segments, outLine) => {
    for (const segment of segments) {
      if (segment.length < 4) continue;
      const key = `${outLine}:${segment[2]}`;
      if (pairs.has(key)) continue;
      pairs.add(key);
      out.push([outLine, segment[2]!]);
    }
  });
  return out;
}

/** A program position: 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** One frame of a stack in the program. */
export interface ProgramFrame extends Position {
  /** The function's name as the stack gives it, or null for an anonymous one. */
  readonly fn: string | null;
}

const FRAME = new RegExp(
  String.raw`^\s*at (?:(?:async )?(.*?) \()?` + RUN_FILE.replace(".", "\\.") + String.raw`:(\d+):(\d+)\)?\s*$`,
);

/** Maps positions of a run's code back to the program. */
export class StackMapper {
  private readonly runnable: TraceMap;
  private readonly output: TraceMap;

  /**
   * `runnableMap` maps the CommonJS code to the rewritten output, `outputMap` the output to the
   * program; `lineOffset` is how many lines the evaluator puts before the code's first line.
   */
  constructor(
    runnableMap: string,
    outputMap: string,
    private readonly lineOffset: number,
  ) {
    this.runnable = new TraceMap(runnableMap);
    this.output = new TraceMap(outputMap);
  }

  /** The program position of a 1-based line and column of the run's code, or null if unmapped. */
  map(line: number, column: number): Position | null {
    const mid = originalPositionFor(this.runnable, { line: line - this.lineOffset, column: column - 1 });
    if (mid.line === null) return null;
    const at = originalPositionFor(this.output, { line: mid.line, column: mid.column });
    if (at.line === null) return null;
    return { line: at.line, column: at.column + 1 };
  }

  /** The frames of `stack` that are in the program, mapped, innermost first. */
  frames(stack: string | undefined): ProgramFrame[] {
    const out: ProgramFrame[] = [];
    for (const text of (stack ?? "").split("\n")) {
      const match = FRAME.exec(text);
      if (match === null) continue;
      const at = this.map(Number(match[2]), Number(match[3]));
      if (at === null) continue;
      const fn = match[1] === undefined || match[1] === "" || match[1] === "eval" ? null : match[1];
      out.push({ fn: fn === "anonymous" ? null : fn, ...at });
    }
    return out;
  }
}

/** A frame as the console shows it: `at worker (playground.ts:12:5)`. */
export function frameText(frame: ProgramFrame): string {
  return `at ${frame.fn ?? "<anonymous>"} (${SOURCE_FILE}:${frame.line}:${frame.column})`;
}
