// One differential check: a program's plain build against its builds by both front ends, in
// one mode (outside any run, or inside `run()`), event by event.
import { compileBabel, compilePlain, compileTsc, type Build } from "./compile";
import { execute } from "./execute";

export interface Sources {
  /** The structured source the front ends compile (starts with `"use structured"`). */
  structured: string;
  /**
   * The plain baseline's source: the same program without the directive (and, inside `run()`,
   * with the modelled race around each foreign await; see PrintOptions.model).
   */
  plain: string;
}

export interface Mismatch {
  build: Exclude<Build, "plain">;
  expected: string[];
  actual: string[];
}

/** Runs the three builds; returns the first front end whose trace differs from the plain one. */
export async function findMismatch(sources: Sources, inRun: boolean): Promise<Mismatch | undefined> {
  const expected = await execute(compilePlain(sources.plain), inRun, false);
  for (const build of ["tsc", "babel"] as const) {
    const code = build === "tsc" ? compileTsc(sources.structured) : compileBabel(sources.structured);
    const actual = await execute(code, inRun, true);
    if (!sameTrace(expected, actual)) return { build, expected, actual };
  }
  return undefined;
}

function sameTrace(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((event, i) => event === b[i]);
}

/** The failure report: the structured source, both traces side by side, the first difference marked. */
export function describeMismatch(sources: Sources, inRun: boolean, mismatch: Mismatch): string {
  const { build, expected, actual } = mismatch;
  let first = 0;
  while (first < expected.length && expected[first] === actual[first]) first++;
  const width = Math.max(24, ...expected.map((event) => event.length));
  const rows: string[] = [];
  const length = Math.max(expected.length, actual.length);
  const same = (i: number): boolean => i !== first && expected[i] === actual[i];
  for (let i = 0; i < length; i++) {
    // Long runs of equal events (the microtask clock ticking on) fold, keeping two on each side.
    let end = i;
    while (end < length && same(end)) end++;
    if (end - i > 6) {
      const keepStart = 2;
      const keepEnd = end === length ? 0 : 2;
      for (let j = i; j < i + keepStart; j++) rows.push(row(j));
      rows.push(`   ... ${end - i - keepStart - keepEnd} equal events ...`);
      for (let j = end - keepEnd; j < end; j++) rows.push(row(j));
      i = end - 1;
      continue;
    }
    rows.push(row(i));
  }
  function row(i: number): string {
    const left = expected[i] ?? "";
    const right = actual[i] ?? "";
    const mark = i === first ? ">>" : left === right ? "  " : "!=";
    return `${mark} ${String(i).padStart(3)}  ${left.padEnd(width)}  ${right}`;
  }
  const header = `   ${"#".padStart(4)}  ${"plain".padEnd(width)}  ${build}`;
  const parts = [
    `The ${build} build traces differently from the plain program ${inRun ? "inside run()" : "outside run()"}, ` +
      `first at event ${first}.`,
    "",
    "--- program (structured source) ---",
    withoutHelpers(sources.structured),
  ];
  if (inRun) {
    parts.push(
      "(The plain baseline is the same program without the directive, with each await of a foreign " +
        "promise p written `await raced(p)`: the one extra microtask turn of the race inside run().)",
      "",
    );
  }
  parts.push("--- traces ---", header, ...rows);
  return parts.join("\n");
}

/** A program's source with the helpers every program shares folded into one line. */
export function withoutHelpers(source: string): string {
  const start = source.search(/^export async function main/m);
  if (start < 0) return source;
  const directive = source.startsWith(`"use structured";`) ? `"use structured";\n` : "";
  return `${directive}// helpers: trace, startClock, msg, th, thErr, hops, rejected, macro, macroErr, idle\n${source.slice(start)}`;
}
