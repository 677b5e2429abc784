/**
 * Glob patterns with pathlib's meaning: `*` and `?` match within one path segment (leading dots
 * included), `[seq]` and `[!seq]` are character classes, `**` as a whole segment is any number of
 * segments, and every other character is literal. Each segment is compiled by picomatch (through
 * the host, so browsers never load it) after escaping whatever picomatch would read otherwise:
 * braces, extglobs, regex groups, a leading `!`, backslashes.
 */
import type { PathHost } from "./path-host";

/** Characters picomatch gives a meaning pathlib does not: escaped so they match themselves. */
const PICOMATCH_SPECIAL = new Set([
  "\\",
  "(",
  ")",
  "{",
  "}",
  "!",
  "+",
  "@",
  "|",
  "^",
  "$",
  ".",
  ",",
  "&",
  "#",
  "'",
  '"',
  "<",
  ">",
  "=",
  ";",
  "%",
  "~",
  "]",
]);

/** Whether a segment has wildcards (`*`, `?` or `[`), as `glob.has_magic` asks. */
export function hasMagic(segment: string): boolean {
  return /[*?[]/.test(segment);
}

/** `segment` rewritten for picomatch: `*`, `?`, `[...]` (with `!` negation) kept, the rest literal. */
export function escapeSegment(segment: string): string {
  let out = "";
  let i = 0;
  while (i < segment.length) {
    const char = segment[i]!;
    i++;
    if (char === "*" || char === "?") {
      out += char;
    } else if (char === "[") {
      // fnmatch: a ']' right after '[' or '[!' is a member; no closing ']' makes '[' literal.
      let j = i;
      if (segment[j] === "!") j++;
      if (segment[j] === "]") j++;
      while (j < segment.length && segment[j] !== "]") j++;
      if (j >= segment.length) {
        out += "\\[";
        continue;
      }
      let stuff = segment.slice(i, j);
      i = j + 1;
      let negate = false;
      if (stuff.startsWith("!")) {
        negate = true;
        stuff = stuff.slice(1);
      }
      let body = "";
      for (const member of stuff)
        body += member === "\\" || member === "[" || member === "]" || member === "^" ? "\\" + member : member;
      out += negate ? `[^${body}]` : `[${body}]`;
    } else {
      out += PICOMATCH_SPECIAL.has(char) ? "\\" + char : char;
    }
  }
  return out;
}

/** A compiled matcher of one segment (or a literal compare when there is nothing to compile). */
export type SegmentMatcher = (name: string) => boolean;

/** Compiles one pattern segment; `**` inside a longer segment acts as `*`. */
export function compileSegment(host: PathHost, segment: string, caseSensitive: boolean): SegmentMatcher {
  if (segment === "*") return (name) => name !== "";
  if (!hasMagic(segment)) {
    if (caseSensitive) return (name) => name === segment;
    const lower = segment.toLowerCase();
    return (name) => name.toLowerCase() === lower;
  }
  const re = host.segmentRegExp(escapeSegment(segment), caseSensitive);
  return (name) => re.test(name);
}

/**
 * Whether `parts` (a path's components; an anchor or an empty root component matched only
 * literally) match `patternParts` from start to end, where a `**` pattern part matches any number
 * of components (pathlib's `full_match`).
 */
export function fullMatchParts(
  host: PathHost,
  parts: readonly string[],
  patternParts: readonly string[],
  caseSensitive: boolean,
): boolean {
  const matchers = patternParts.map((part) => (part === "**" ? undefined : compileSegment(host, part, caseSensitive)));
  // memo[i][j]: whether parts[i..] match patternParts[j..]; filled lazily.
  const memo = new Map<number, boolean>();
  const width = patternParts.length + 1;
  const go = (i: number, j: number): boolean => {
    const key = i * width + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (j === patternParts.length) result = i === parts.length;
    else if (matchers[j] === undefined) {
      // `**`: zero or more components; as the last part it also matches what is left, if anything.
      result = false;
      for (let k = i; k <= parts.length && !result; k++) result = go(k, j + 1);
    } else if (i === parts.length) result = false;
    else {
      const part = parts[i]!;
      const pattern = patternParts[j]!;
      const literal = part === "" || pattern === "" || part.includes("/") || part.includes("\\");
      const same = caseSensitive ? part === pattern : part.toLowerCase() === pattern.toLowerCase();
      result = (literal ? same : matchers[j]!(part)) && go(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}
