/**
 * The hook plumbing of the rewritten output, found by its shape, so the Rewritten pane can hide
 * it and show the shape of the program: the `__rt` import and `markStructured` calls, the file's
 * table of await sites (`var $sites = [...]`), the `const $c = __rt.enter($sites)` lines, the
 * `__rt.exit($c)` lines, and the hook calls wrapped around awaited values, with the site index
 * they end with (`__rt.resume($c, await __rt.suspendCall($c, (__rt.pre($c), sleep(ms)), 0))` reads
 * `await sleep(ms)`), and the `try { ... } finally { }` and `catch ($e) { }` around code whose
 * handler holds nothing but plumbing.
 *
 * Both front ends emit these names (`__rt`, `$c`, `$u`, ...), which the transformer reserves.
 */

/** What to hide: whole lines (1-based) and spans inside the other lines (`[from, to)` offsets). */
export interface Plumbing {
  readonly lines: number[];
  readonly spans: Array<[number, number]>;
}

const WHOLE_LINE = [
  /^import \* as __rt from ["'][^"']+["'];?$/,
  /^var \$sites = \[.*\];?$/,
  /^__rt\.markStructured\(.*\);?$/,
  /^(?:const|let|var) \$\w* = __rt\.\w+\([^()]*\);?$/,
  /^__rt\.\w+\(\$\w*\);?$/,
  /^\$\w+\.fail\(\$\w+\);?$/,
];

/** A hook call whose first argument is a reserved `$` name and that wraps a value: keep the value. */
const WRAPPING_CALL = /__rt\.\w+\(\s*\$\w*\s*,\s*/g;
/** The site index a wrapping hook call ends with (`, 3` before its closing parenthesis). */
const SITE_ARGUMENT = /,\s*\d+\s*$/;
/** `(__rt.pre($c), value)`: keep the value. */
const SEQUENCE = /\(__rt\.\w+\(\$\w*\),\s*/g;
/** `$u.use(value)` / `$u.useAsync(value)`: keep the value. */
const USING = /\$\w+\.use(?:Async)?\(/g;
/** `__rt.markStructured(fn)` around a callback: keep the callback. */
const MARK = /__rt\.markStructured\(/g;

/** The offset of the parenthesis closing the one at `open`, or -1 (strings and comments skipped). */
export function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === "`") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === "\\") i++;
    } else if (c === "/" && text[i + 1] === "/") {
      i = text.indexOf("\n", i);
      if (i === -1) return -1;
    } else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i;
  }
  return -1;
}

/** The offset of the brace opening the one closing at `close`, or -1. */
function openingBrace(text: string, close: number): number {
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    if (text[i] === "}") depth++;
    else if (text[i] === "{" && --depth === 0) return i;
  }
  return -1;
}

/**
 * Adds to `hidden` (1-based lines) the handlers left empty once the plumbing is gone:
 * `finally { }` with the `try {` it closes, and `catch ($e) { }` (a span when it shares its line
 * with the try block's closing brace). Both front ends' layouts:
 * `}` / `finally {` / `}` (TypeScript) and `} finally {` / `}` (Babel).
 */
function hideEmptyHandlers(
  text: string,
  lineStarts: number[],
  hidden: Set<number>,
  spans: Array<[number, number]>,
): void {
  const lines = text.split("\n");
  const visible = lines.map((_, i) => i + 1).filter((n) => !hidden.has(n));
  const trimmed = (n: number): string => lines[n - 1]!.trim();
  const lineAt = (offset: number): number => lineStarts.filter((start) => start <= offset).length;
  visible.forEach((n, k) => {
    const next = visible[k + 1];
    const handler = /^(\} )?(finally|catch \(\$\w+\)) \{$/.exec(trimmed(n));
    if (next === undefined || handler === null) return;
    // Babel: `} catch ($e) {` then `} finally {`: the next line's brace closes the try block too.
    if (handler[1] !== undefined && handler[2] !== "finally" && trimmed(next).startsWith("} ")) {
      hidden.add(n);
      return;
    }
    if (trimmed(next) !== "}") return;
    const sameLine = handler[1] !== undefined;
    const before = visible[k - 1];
    if (!sameLine && (before === undefined || trimmed(before) !== "}")) return;
    if (handler[2] === "finally") {
      // The try block's closing brace: at the start of this line, or the line before.
      const closeLine = sameLine ? n : before!;
      const close = lineStarts[closeLine - 1]! + lines[closeLine - 1]!.indexOf("}");
      const tryLine = lineAt(openingBrace(text, close));
      if (trimmed(tryLine) !== "try {") return;
      hidden.add(tryLine).add(closeLine).add(n).add(next);
    } else if (!sameLine) {
      hidden.add(n).add(next);
    } else {
      // `} catch ($e) {` / `}`: keep the brace closing the try block, hide the rest.
      const start = lineStarts[n - 1]!;
      const line = lines[n - 1]!;
      spans.push([start + line.indexOf("}") + 1, start + line.length]);
      hidden.add(next);
    }
  });
}

/** Finds the plumbing of `text` (the rewritten output). */
export function findPlumbing(text: string): Plumbing {
  const lines: number[] = [];
  const lineStarts: number[] = [];
  let offset = 0;
  text.split("\n").forEach((line, i) => {
    lineStarts.push(offset);
    offset += line.length + 1;
    if (WHOLE_LINE.some((re) => re.test(line.trim()))) lines.push(i + 1);
  });
  const hidden = new Set(lines);
  const spans: Array<[number, number]> = [];
  hideEmptyHandlers(text, lineStarts, hidden, spans);
  lines.splice(0, lines.length, ...[...hidden].sort((a, b) => a - b));
  const lineOf = (at: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const unwrap = (re: RegExp, openAt: (match: RegExpExecArray) => number, trailing?: RegExp): void => {
    re.lastIndex = 0;
    for (let match = re.exec(text); match !== null; match = re.exec(text)) {
      if (hidden.has(lineOf(match.index))) continue;
      const close = matchingParen(text, openAt(match));
      if (close === -1) continue;
      // A trailing site index is hidden with the call, unless it is the wrapped value itself
      // (`__rt.suspend($c, 42)` without sites).
      const tail = trailing?.exec(text.slice(match.index, close));
      const end = tail && tail.index >= match[0].length ? match.index + tail.index : close;
      spans.push([match.index, match.index + match[0].length], [end, close + 1]);
    }
  };
  unwrap(WRAPPING_CALL, (m) => text.indexOf("(", m.index), SITE_ARGUMENT);
  unwrap(SEQUENCE, (m) => m.index);
  unwrap(USING, (m) => m.index + m[0].length - 1);
  unwrap(MARK, (m) => m.index + m[0].length - 1);
  spans.sort((a, b) => a[0] - b[0]);
  return { lines, spans };
}

/** `text` with its plumbing removed, as the pane shows it when the plumbing is hidden. */
export function withoutPlumbing(text: string): string {
  const { lines, spans } = findPlumbing(text);
  let out = "";
  let last = 0;
  for (const [from, to] of spans) {
    out += text.slice(last, from);
    last = to;
  }
  out += text.slice(last);
  // Spans never cross a line break, so the hidden lines keep their numbers.
  const hidden = new Set(lines);
  return out
    .split("\n")
    .filter((_, i) => !hidden.has(i + 1))
    .join("\n");
}
