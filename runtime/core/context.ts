/**
 * The context of context variables: which values `ContextVar.get()` sees.
 *
 * A context belongs to a task (the task's handle holds it) or, outside any task, to the thread
 * (the root context below). A structured callee, a scope body and a group's host body run in
 * their caller's task, so they share its context. A new task starts with a copy of its
 * spawner's context as it is at the spawn call.
 *
 * Copying must cost nothing when nobody uses context variables, and next to nothing when they
 * do, so a context is copy-on-write: a spawn hands the child the spawner's map and marks both
 * holders as sharing it; the first `set()` in either one copies the map before writing. A spawn
 * therefore costs two field writes, and `get()` one map lookup.
 *
 *   Invariant: a map is written in place only by a holder whose `_varsShared` is false, and a
 *   holder sets `_varsShared` to false only on a map it has just copied (or made), which no other
 *   holder can see.
 */
import { currentFrame } from "./frame";

/** Something that owns a context: a task, or the thread's root context. */
export interface ContextHolder {
  /** @internal The variables set in this context, by variable; undefined while none is. */
  _vars: Map<object, unknown> | undefined;
  /** @internal Whether another holder may see `_vars` (then it is copied before a write). */
  _varsShared: boolean;
}

/** The thread's context, for code outside any task; `run()` copies it for its root task. */
export const rootContext: ContextHolder = { _vars: undefined, _varsShared: false };

/**
 * Whether any context variable was ever set. Until then every context is empty, and spawning
 * skips even the look-up of the spawner.
 */
export let contextInUse = false;

/** The context of the code running now: its task's, or the root context outside any task. */
export function currentContext(): ContextHolder {
  const frame = currentFrame();
  return frame === undefined ? rootContext : frame.task;
}

/** Gives `child` (a new task) a copy of `from`'s context, as it is now. */
export function inheritContext(child: ContextHolder, from: ContextHolder): void {
  const vars = from._vars;
  if (vars === undefined) return;
  child._vars = vars;
  child._varsShared = true;
  from._varsShared = true;
}

/** The value of `key` in `holder`'s context, or `missing` when it has none. */
export function readContext(holder: ContextHolder, key: object, missing: unknown): unknown {
  const vars = holder._vars;
  if (vars === undefined) return missing;
  const value = vars.get(key);
  return value !== undefined || vars.has(key) ? value : missing;
}

/** Sets `key` to `value` in `holder`'s context (copying a shared map first). */
export function writeContext(holder: ContextHolder, key: object, value: unknown): void {
  contextInUse = true;
  writable(holder).set(key, value);
}

/** Removes `key` from `holder`'s context (copying a shared map first). */
export function deleteContext(holder: ContextHolder, key: object): void {
  if (holder._vars === undefined || !holder._vars.has(key)) return;
  writable(holder).delete(key);
}

function writable(holder: ContextHolder): Map<object, unknown> {
  let vars = holder._vars;
  if (vars === undefined) {
    vars = holder._vars = new Map();
    holder._varsShared = false;
  } else if (holder._varsShared) {
    vars = holder._vars = new Map(vars);
    holder._varsShared = false;
  }
  return vars;
}
