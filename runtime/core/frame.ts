/**
 * The current frame: which task is running and which cancel scope is innermost.
 *
 * JavaScript has no way to ask "which task am I?" after an `await`, so the runtime keeps that
 * answer in two places:
 *
 * - `current`, a plain module variable, set around every synchronous segment the runtime runs
 *   (a task body up to its first await, a scope body, a callback) and, once the transformer
 *   exists, around every synchronous segment of compiled code. Between segments it is
 *   `undefined`.
 * - a context carrier (AsyncLocalStorage on Node, Bun and Deno), entered only around callbacks
 *   that the transformer did not compile, so that plain code keeps its frame across awaits.
 *   A program whose callbacks are all compiled never enters it and never pays for it.
 *
 * Invariant: `current` is restored to its previous value when a segment ends, so after a
 * microtask boundary it is `undefined` unless compiled code set it for its own segment.
 */
import type { CancelScope } from "./cancel-scope";
import type { TaskHandle } from "./task";

/**
 * The pair every piece of structured code runs in: a task and its innermost cancel scope.
 *
 * Invariant: `scope` changes only for a task's root frame (`TaskHandle._frame`), once, when a task
 * that ran directly in its group's scope gets a scope of its own (`TaskHandle._ownScope()`);
 * every other frame is made for one scope and keeps it.
 */
export class Frame {
  constructor(
    readonly task: TaskHandle<unknown>,
    public scope: CancelScope,
  ) {}
}

/** What the host offers to carry a value across awaits (AsyncLocalStorage's shape). */
export interface ContextCarrier {
  run<R>(store: Frame, fn: (...args: any[]) => R, ...args: any[]): R;
  getStore(): Frame | undefined;
  /** Calls `fn` with no frame in the carrier (AsyncLocalStorage's `exit`). */
  exit<R>(fn: () => R): R;
  /**
   * Captures the host's own async context as it is now (every AsyncLocalStorage store of the
   * program), for a task to start in: `spawnTask` calls it at the spawn call and starts the task
   * body inside it, so the user's stores follow the spawner, not whoever flushed the start queue.
   */
  snapshot?(): HostSnapshot;
}

/** The host's async context captured at a spawn (an `AsyncResource` on Node, Bun and Deno). */
export interface HostSnapshot {
  runInAsyncScope<R>(fn: (...args: any[]) => R, thisArg?: unknown, ...args: any[]): R;
  emitDestroy(): unknown;
}

let current: Frame | undefined;
let carrier: ContextCarrier | undefined;
/** The carrier's {@link ContextCarrier.snapshot}, bound; undefined where the host has none (browsers). */
let snapshotHost: (() => HostSnapshot) | undefined;
// Whether a plain callback ever ran under the carrier: until then, reading it is pointless.
let carrierInUse = false;

/**
 * A constructor that returns an existing object makes a subclass's private fields land on that
 * object: `new StructuredMark(fn)` stamps `fn`, and `#structured in fn` tests it.
 */
class Stamp {
  constructor(target: object) {
    return target;
  }
}

/**
 * The mark of functions emitted by the transformer: such callbacks never enter the carrier. A
 * private field, so a compiled function has exactly the own keys it had before it was compiled:
 * invisible to `Reflect.ownKeys` and every other reflection, and (unlike a WeakSet entry, several
 * times dearer per mark) nothing for the collector to track. Functions compiled against another
 * copy of the runtime run under the carrier: slower, still correct.
 */
class StructuredMark extends Stamp {
  #structured = true;

  static has(fn: Function): boolean {
    return #structured in fn;
  }
}

/** Installs the host's context carrier; the Node entry point does this at load. */
export function installContextCarrier(next: ContextCarrier | undefined): void {
  carrier = next;
  snapshotHost = next?.snapshot?.bind(next);
}

/** The host's async context as it is now, for a task spawned now to start in; undefined without a host. */
export function captureHostContext(): HostSnapshot | undefined {
  return snapshotHost === undefined ? undefined : snapshotHost();
}

/** Marks `fn` as compiled structured code and returns it. */
export function markStructured<F extends Function>(fn: F): F {
  if (!StructuredMark.has(fn)) new StructuredMark(fn);
  return fn;
}

/** True when `fn` was marked by {@link markStructured}. */
export function isStructured(fn: Function): boolean {
  return StructuredMark.has(fn);
}

/** The frame of the code that is running now, or `undefined` outside any task. */
export function currentFrame(): Frame | undefined {
  if (current !== undefined) return current;
  return carrierInUse ? carrier!.getStore() : undefined;
}

/**
 * Calls `fn` outside every task: no current frame, none in the carrier. Host handles created
 * inside (a signal's listener, say) then call back outside every task, whatever task asked.
 */
export function outsideFrames<R>(fn: () => R): R {
  const previous = current;
  current = undefined;
  try {
    return carrier === undefined ? fn() : carrier.exit(fn);
  } finally {
    current = previous;
  }
}

/** Makes `frame` current for a synchronous segment; returns what to restore with {@link leaveFrame}. */
export function enterFrame(frame: Frame | undefined): Frame | undefined {
  const previous = current;
  current = frame;
  return previous;
}

/** Ends a segment started with {@link enterFrame}. */
export function leaveFrame(previous: Frame | undefined): void {
  current = previous;
}

/**
 * Calls `fn(...args)` with `frame` current. Plain (uncompiled) callbacks also run inside the
 * context carrier, so that they still see `frame` after their awaits; compiled ones do too once
 * the carrier is in use, so that plain helpers they call inherit the right frame.
 */
export function callInFrame<R>(frame: Frame, fn: (...args: any[]) => R, args: readonly unknown[]): R {
  const previous = current;
  current = frame;
  try {
    if (carrier !== undefined && (carrierInUse || !isStructured(fn))) {
      carrierInUse = true;
      return carrier.run(frame, fn, ...args);
    }
    return fn(...args);
  } finally {
    current = previous;
  }
}
