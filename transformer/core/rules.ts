/**
 * Syntactic rules both front ends share, beyond the directives: which calls open a cancel scope
 * or a task group (for the `yield` diagnostic), and which promise combinators deserve a warning.
 * They look at names only; the TypeScript front end may refine them with types later.
 */
import { directiveCandidateOffsets, mayContainDirective } from "./directive";

/** Functions and classes whose result, held by `using` / `await using`, is a cancel scope or task group. */
export const SCOPE_FACTORIES: ReadonlySet<string> = new Set([
  "moveOnAfter",
  "moveOnAt",
  "failAfter",
  "failAt",
  "createTaskGroup",
  "CancelScope",
  "TaskGroup",
]);

// Built from SCOPE_FACTORIES so that the pre-check and the rule cannot drift apart.
const USING_SCOPE = new RegExp(`\\busing\\s+[\\w$]+\\s*=\\s*(?:new\\s+)?(?:${[...SCOPE_FACTORIES].join("|")})\\b`);

/**
 * The runtime methods whose callbacks structured code marks when they are non-async functions
 * or arrows passed straight to them (`tg.startSoon(() => worker(i))`): such a callback runs
 * synchronously in the frame the runtime gives it, so it needs no AsyncLocalStorage, and left
 * unmarked it would switch AsyncLocalStorage on for the whole process. Matched by name, so only
 * a name no other library is likely to use: `run` and `start` are everywhere (a callback passed
 * to the runtime's `run`, `start`, `scope.run` or `tg.run` keeps AsyncLocalStorage).
 */
export const CALLBACK_RUNNERS: ReadonlySet<string> = new Set(["startSoon"]);

/**
 * Whether a file may need the rewrite at all: it is structured as a whole (`included`), or its
 * text may hold a directive or a `using` of a scope. Everything else is returned untouched.
 */
export function mayNeedRewrite(included: boolean, text: string): boolean {
  // A `using` of a scope is worth a look even without a directive: outside structured code it is an error.
  return included || mayContainDirective(text) || USING_SCOPE.test(text);
}

/** `Promise` statics that run promises side by side without structure. */
export const PROMISE_COMBINATORS: ReadonlySet<string> = new Set(["all", "race", "allSettled", "any"]);

/** The words of {@link rewriteMarks}: `async`, `using` and the callback runners' names. */
const OUTSIDE_WORDS: readonly string[] = ["async", "using", ...CALLBACK_RUNNERS];

/**
 * The offsets in a file's text where something may start that the rewrite acts on outside
 * structured functions, ascending: the word `async` (anywhere, comments included), the name of a
 * callback runner, the word `using`, a string literal that is or nearly is a directive.
 *
 * Invariant: code outside structured functions whose text holds none of them comes out of the
 * rewrite unchanged and without diagnostics (no async function in it, so nothing is compiled or
 * marked; no directive to apply or report; no scope held by `using` outside structured code), so
 * a front end may leave it without walking it. A function is still visited itself: whether it
 * is a runner's callback depends on the call around it, not on its own text.
 */
export function rewriteMarks(text: string): number[] {
  const marks = directiveCandidateOffsets(text);
  addOffsets(marks, text, OUTSIDE_WORDS);
  return marks.sort((a, b) => a - b);
}

/**
 * The words that, inside a structured async function, start what the rewrite acts on beyond
 * {@link rewriteMarks}: `await` (and `for await`), `yield`, `return` (a returned value is handed
 * out through a hook), `try` (its handlers restart the function's segment) and `Promise` (a
 * combinator over structured calls is warned about).
 */
const INSIDE_WORDS: readonly string[] = ["await", "yield", "return", "try", "Promise"];

/**
 * {@link rewriteMarks} (`marks`) and the offsets of the {@link INSIDE_WORDS} in `text`,
 * ascending.
 *
 * Invariant: code inside a structured async function whose text holds none of them comes out of
 * the rewrite unchanged and without diagnostics (nothing in it suspends, returns, yields,
 * catches, declares a resource, holds a directive, a nested async function or a runner's
 * callback, or calls a combinator), so a front end may leave it without walking it; a function
 * is still visited itself, as outside (see {@link rewriteMarks}).
 */
export function insideMarks(text: string, marks: readonly number[]): number[] {
  const inside = [...marks];
  addOffsets(inside, text, INSIDE_WORDS);
  return inside.sort((a, b) => a - b);
}

function addOffsets(into: number[], text: string, words: readonly string[]): void {
  for (const word of words) {
    for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + word.length)) into.push(at);
  }
}

/** Whether one of `marks` (ascending, from {@link rewriteMarks}) lies in `[start, end)`. */
export function hasMarkIn(marks: readonly number[], start: number, end: number): boolean {
  let low = 0;
  let high = marks.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (marks[mid]! < start) low = mid + 1;
    else high = mid;
  }
  return low < marks.length && marks[low]! < end;
}
