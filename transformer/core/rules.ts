/**
 * Syntactic rules both front ends share, beyond the directives: which calls open a cancel scope
 * or a task group (for the `yield` diagnostic), and which promise combinators deserve a warning.
 * They look at names only; the TypeScript front end may refine them with types later.
 */
import { mayContainDirective } from "./directive";

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
