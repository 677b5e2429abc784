/**
 * The context of context variables: which values `ContextVar.get()` sees.
 *
 * A context belongs to a task (the task's handle holds it) or, outside any task, to the thread
 * (the root context below). A structured callee, a scope body and a group's host body run in
 * their caller's task, so they share its context. A new task starts with a copy of its
 * spawner's context as it is at the spawn call.
 *
 * Copying must cost nothing when nobody uses context variables, and next to nothing when they
 * do, so a context is copy-on-write: a spawn hands the child the spawner's map and takes the
 * map's owner mark off; the first `set()` in either holder copies the map before writing. A spawn
 * therefore costs two property writes, and `get()` one map lookup. (The mark is on the map, not a
 * flag on the holder: every task would pay a field for it.)
 *
 *   Invariant: a map is written in place only by the holder its {@link OWNER} mark names, and a
 *   holder marks only a map it has just copied (or made), which no other holder can see.
 */
import { currentFrame } from "./frame";

/** Something that owns a context: a task, or the thread's root context. */
export interface ContextHolder {
  /** @internal The variables set in this context, by variable; undefined while none is. */
  _vars: Map<object, unknown> | undefined;
}

/** The mark on a context's map naming the one holder that may write it in place (see above). */
const OWNER = Symbol("anyio-ts.context-owner");

type Vars = Map<object, unknown> & { [OWNER]?: ContextHolder | undefined };

/** The thread's context, for code outside any task; `run()` copies it for its root task. */
export const rootContext: ContextHolder = { _vars: undefined };

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
  const vars = from._vars as Vars | undefined;
  if (vars === undefined) return;
  child._vars = vars;
  vars[OWNER] = undefined; // shared now: whoever writes first copies it
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
  let vars = holder._vars as Vars | undefined;
  if (vars === undefined || vars[OWNER] !== holder) {
    vars = holder._vars = vars === undefined ? new Map() : new Map(vars);
    vars[OWNER] = holder;
  }
  return vars;
}
