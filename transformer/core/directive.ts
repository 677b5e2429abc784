/**
 * The directive rules both transformer front ends share: which string-literal directives mark
 * code as structured or unstructured, and which ones look like a typo of either.
 *
 * A directive is the string value of a leading expression statement (`"use structured";`), the
 * same position JavaScript gives `"use strict"`. The front ends find the directives; this module
 * only decides what a directive's text means, so both report the same thing for the same text.
 */

/** The directive that marks an async function, or a whole file, as structured code. */
export const STRUCTURED_DIRECTIVE = "use structured";

/** The directive that opts an async function (and what it contains) out of structured code. */
export const UNSTRUCTURED_DIRECTIVE = "use unstructured";

/**
 * What a directive's text means to the transformer.
 *
 * - `"structured"`: exactly {@link STRUCTURED_DIRECTIVE}.
 * - `"unstructured"`: exactly {@link UNSTRUCTURED_DIRECTIVE}.
 * - `"misspelled"`: a near miss of either, which the transformer reports as an error rather than
 *   silently leaving the code unstructured.
 * - `"other"`: any other directive (`"use strict"`, `"use client"`, ...), left alone.
 */
export type DirectiveKind = "structured" | "unstructured" | "misspelled" | "other";

/** Directives within this Damerau-Levenshtein distance of a real one count as misspelled. */
const MAX_TYPO_DISTANCE = 2;

/**
 * Classifies the text of a directive (its string value, without the quotes).
 *
 * Only the exact texts `"use structured"` and `"use unstructured"` take effect. A near miss is
 * `"misspelled"`: after lowercasing, it is within Damerau-Levenshtein distance 2 of either
 * directive (`"use structure"`, `"use strucutred"`, `"Use Structured"`, `"use structured "`), or
 * it equals one once spaces, hyphens and underscores are dropped (`"use-structured"`,
 * `"usestructured"`, `"USE_UNSTRUCTURED"`). Everything else is `"other"`.
 *
 * Never throws; pure and cheap enough to call on every directive of a file.
 *
 * @example
 * ```ts
 * classifyDirective("use structured");  // "structured"
 * classifyDirective("use-structured");  // "misspelled"
 * classifyDirective("use strict");      // "other"
 * ```
 */
export function classifyDirective(text: string): DirectiveKind {
  if (text === STRUCTURED_DIRECTIVE) return "structured";
  if (text === UNSTRUCTURED_DIRECTIVE) return "unstructured";
  return isNearMiss(text) ? "misspelled" : "other";
}

/**
 * Every character either directive is made of, and the separators `squash` drops: a text with
 * more than {@link MAX_TYPO_DISTANCE} characters outside this set is no near miss.
 */
const DIRECTIVE_CHARACTERS = /[usetrcdn\s_-]/g;

/** One of {@link DIRECTIVE_CHARACTERS}, without the `g` flag's state (for `test`). */
const DIRECTIVE_CHARACTER = new RegExp(DIRECTIVE_CHARACTERS.source);

/**
 * For each ASCII code, whether it is outside {@link DIRECTIVE_CHARACTERS} whatever its case (a
 * letter outside the set in either case, a digit, punctuation other than `_` and `-`). Other
 * characters count as unknown: lowercasing may change them.
 */
const OUTSIDE_ASCII: readonly boolean[] = Array.from(
  { length: 128 },
  (_, code) => !DIRECTIVE_CHARACTER.test(String.fromCharCode(code).toLowerCase()),
);

/** Whether `text` has more than {@link MAX_TYPO_DISTANCE} ASCII characters outside the directives' set, without allocating. */
function plainlyNoDirective(text: string): boolean {
  let outside = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128 && OUTSIDE_ASCII[code] === true && ++outside > MAX_TYPO_DISTANCE) return true;
  }
  return false;
}

function isNearMiss(text: string): boolean {
  // Most short strings of a program settle here, before any string is made (see below).
  if (plainlyNoDirective(text)) return false;
  const lower = text.toLowerCase();
  // Invariant: a near miss has at most MAX_TYPO_DISTANCE characters outside DIRECTIVE_CHARACTERS.
  // Each such character costs an edit of its own (no edit turns it into a directive's character
  // for free), and a text equal to a directive once squashed has none. This rejects almost every
  // string of a program before the distance table is built: the check runs on every short
  // string literal of every file (mayContainDirective), most of which need no rewrite.
  if (lower.replace(DIRECTIVE_CHARACTERS, "").length > MAX_TYPO_DISTANCE) return false;
  const squashed = squash(lower);
  for (const directive of [STRUCTURED_DIRECTIVE, UNSTRUCTURED_DIRECTIVE]) {
    if (squashed === squash(directive)) return true;
    if (damerauLevenshtein(lower, directive, MAX_TYPO_DISTANCE) <= MAX_TYPO_DISTANCE) return true;
  }
  return false;
}

function squash(text: string): string {
  return text.replace(/[\s_-]+/g, "");
}

/**
 * The Damerau-Levenshtein distance between `a` and `b` (insertions, deletions, substitutions and
 * transpositions of adjacent characters, each costing 1; unrestricted, so a transposed pair may
 * be edited further). Returns `limit + 1` early when the lengths alone rule out `<= limit`.
 *
 * @internal
 */
export function damerauLevenshtein(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  // Lowrance-Wagner: d has a border row and column of "infinity" (maxDist) around the usual table,
  // so row/column i+1 holds the prefix a[0..i). lastRow maps a character to the last row of a
  // in which it occurred.
  const maxDist = a.length + b.length;
  const width = b.length + 2;
  const d = new Array<number>((a.length + 2) * width).fill(0);
  const at = (i: number, j: number): number => i * width + j;
  d[at(0, 0)] = maxDist;
  for (let i = 0; i <= a.length; i++) {
    d[at(i + 1, 0)] = maxDist;
    d[at(i + 1, 1)] = i;
  }
  for (let j = 0; j <= b.length; j++) {
    d[at(0, j + 1)] = maxDist;
    d[at(1, j + 1)] = j;
  }
  const lastRow = new Map<string, number>();
  for (let i = 1; i <= a.length; i++) {
    let lastMatchCol = 0;
    for (let j = 1; j <= b.length; j++) {
      const k = lastRow.get(b[j - 1]!) ?? 0;
      const l = lastMatchCol;
      let cost = 1;
      if (a[i - 1] === b[j - 1]) {
        cost = 0;
        lastMatchCol = j;
      }
      d[at(i + 1, j + 1)] = Math.min(
        d[at(i, j)]! + cost, // substitution (or match)
        d[at(i + 1, j)]! + 1, // insertion
        d[at(i, j + 1)]! + 1, // deletion
        d[at(k, l)]! + (i - k - 1) + 1 + (j - l - 1), // transposition
      );
    }
    lastRow.set(a[i - 1]!, i);
  }
  return d[at(a.length + 1, b.length + 1)]!;
}

/**
 * The directive a misspelled text was most likely meant to be: the one nearer by
 * Damerau-Levenshtein distance after lowercasing (or equal once spaces, hyphens and underscores
 * are dropped); `"use structured"` on a tie.
 */
export function suggestDirective(text: string): string {
  const lower = text.toLowerCase();
  const squashed = squash(lower);
  if (squashed === squash(UNSTRUCTURED_DIRECTIVE)) return UNSTRUCTURED_DIRECTIVE;
  if (squashed === squash(STRUCTURED_DIRECTIVE)) return STRUCTURED_DIRECTIVE;
  return damerauLevenshtein(lower, UNSTRUCTURED_DIRECTIVE) < damerauLevenshtein(lower, STRUCTURED_DIRECTIVE)
    ? UNSTRUCTURED_DIRECTIVE
    : STRUCTURED_DIRECTIVE;
}

/**
 * A cheap pre-check on a file's text: false when no string literal in it could be a directive
 * or a near miss of one, so the file can be left untouched without walking its syntax tree.
 */
export function mayContainDirective(text: string): boolean {
  return directiveCandidates(text, true).length > 0;
}

/**
 * The offsets in `text` of the string literals that could be a directive or a near miss of one
 * (those {@link mayContainDirective} looks for), ascending.
 */
export function directiveCandidateOffsets(text: string): number[] {
  return directiveCandidates(text, false);
}

/** The offsets of the candidate literals in `text`: all of them, or only the first when `firstOnly`. */
function directiveCandidates(text: string, firstOnly: boolean): number[] {
  const offsets: number[] = [];
  const literal = new RegExp(SHORT_STRING_LITERAL);
  for (let match = literal.exec(text); match !== null; match = literal.exec(text)) {
    if (classifyDirective(match[2]!) === "other") continue;
    offsets.push(match.index);
    if (firstOnly) break;
  }
  return offsets;
}

/** A quoted string of 10 to 22 characters on one line: as long as a directive or a near miss can be. */
const SHORT_STRING_LITERAL = /(["'])([^"'\\\n]{10,22})\1/g;
