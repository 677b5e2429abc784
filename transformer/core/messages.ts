/**
 * Every diagnostic the transformer front ends report, once: the same code and text from the
 * TypeScript plugin and the Babel plugin. Each message states the broken rule and how to fix
 * the code.
 *
 * Codes are printed by `tsc` as `TS<code>`; they sit in a range TypeScript does not use. Every
 * other front end (the Babel plugin, the Vite and esbuild plugins, the playground) spells them the
 * same way, through {@link diagnosticCode}, so one code is searched for and documented once.
 */

/** How serious a diagnostic is: errors fail the build, warnings are printed. */
export type Severity = "error" | "warning";

/** One kind of diagnostic: a stable code, a severity and a message template. */
export interface MessageKind<A extends unknown[]> {
  readonly code: number;
  readonly severity: Severity;
  readonly format: (...args: A) => string;
}

function kind<A extends unknown[]>(code: number, severity: Severity, format: (...args: A) => string): MessageKind<A> {
  return { code, severity, format };
}

/**
 * How a diagnostic's code is written everywhere: `TS99102`, as `tsc` prints it (a plugin cannot
 * change how `tsc` prints a code, so the other front ends follow it).
 *
 * @example
 * diagnosticCode(messages.misspelledDirective.code); // "TS99102"
 */
export function diagnosticCode(code: number): string {
  return `TS${code}`;
}

const quote = (text: string): string => JSON.stringify(text);

export const messages = {
  /** A `"use structured"` / `"use unstructured"` directive after the start of its body or file. */
  misplacedDirective: kind(
    99101,
    "error",
    (directive: string) =>
      `The directive ${quote(directive)} has no effect here: a directive must be the first statement of an async ` +
      `function's body or of the file (only other directives such as "use strict" may come before it). ` +
      `Move it to the top of the function or file.`,
  ),
  /** A near miss of either directive. */
  misspelledDirective: kind(
    99102,
    "error",
    (text: string, suggestion: string) =>
      `Unknown directive ${quote(text)}: did you mean ${quote(suggestion)}? Only the exact text ${quote(suggestion)} ` +
      `takes effect; fix the spelling (or remove the directive).`,
  ),
  /** A directive in the body of a function that is not async. */
  directiveNotAsync: kind(
    99103,
    "error",
    (directive: string) =>
      `The directive ${quote(directive)} only applies to async functions, and this function is not async. ` +
      `Make the function async, or put the directive in the async functions it contains (or at the top of the file).`,
  ),
  /** `yield` while a cancel scope or task group of an async generator is open. */
  yieldInScope: kind(
    99104,
    "error",
    () =>
      "`yield` inside a cancel scope or task group block suspends the async generator while the scope is open, " +
      "so the scope would cover the consumer's code and cancellation would land in the wrong place. " +
      "Move the `yield` out of the `using` block (collect the values and yield them after the block).",
  ),
  /** `Promise.all` / `Promise.race` (and friends) over calls in structured code. */
  promiseCombinator: kind(
    99105,
    "warning",
    (method: string) =>
      `Promise.${method}() over calls runs them outside any task group: if one fails the others keep running, ` +
      `and cancellation does not wait for them. Use a task group instead: ` +
      "`await using tg = createTaskGroup();` and `tg.startSoon(...)` for each call.",
  ),
  /** `using` in a `switch` case clause of structured code. */
  usingInCaseClause: kind(
    99106,
    "error",
    () =>
      "`using` declarations directly inside a `case` clause are not supported in structured code. " +
      "Wrap the clause's statements in a block: `case x: { using scope = ...; ... }`.",
  ),
  /** `using` of a cancel scope or task group in code that is not structured. */
  scopeOutsideStructured: kind(
    99107,
    "error",
    (declaration: string) =>
      `\`${declaration}\` of a cancel scope or task group only opens it in structured code; here it would fail ` +
      `when the block ends. Add "use structured" to this async function (or to the file), or use the callback ` +
      "form: `await scope.run(async () => { ... })` / `await createTaskGroup().run(async (tg) => { ... })`.",
  ),
} as const;
