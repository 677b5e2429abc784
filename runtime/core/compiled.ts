/**
 * The runtime side of code compiled by the transformer: the hooks that `"use structured"` code
 * calls around its synchronous segments, its awaits, its `using` blocks and its `for await`
 * loops. The transformer's output is the other half of this contract; docs/transformer.md shows
 * both side by side.
 *
 * One {@link Invocation} per invocation of a compiled function:
 *
 *   const $c = __rt.enter();                       capture currentFrame(), start segment 1
 *   try {
 *     ... __rt.resume($c, await __rt.suspend($c, x)) ...   end segment, check, race; start next
 *   } finally { __rt.exit($c); }                   end the last segment, leave the caller
 *
 * A *segment* is a run of synchronous code of one invocation. While it runs, the invocation's
 * frame is the current frame and its ctx is {@link active}; when it ends, both go back to what
 * they were when it started (the caller's for the first segment, nothing for later ones, which
 * start from a microtask).
 *
 *   Invariant: `active === c` exactly while a segment of `c` runs.
 *
 * Every hook is a plain synchronous function: compiled functions stay native async functions,
 * and outside `run()` (no frame) the hooks change nothing about timing or errors.
 *
 *   hook            emitted at                              segment      may throw   may leave parked
 *   enter           first statement of a compiled function  starts       no          -
 *   enterGenerator  first statement of an async generator   starts       no          -
 *   enterLeaf       first statement of a never-suspending fn -           no          -
 *   exit            outermost `finally`                     ends         no          -
 *   suspend         operand of `await x`                    ends         Cancelled   a Race
 *   suspendCall     operand of `await g(a)`, a direct call  ends         Cancelled   a Race
 *   pre             before a direct call's callee runs      -            no          -
 *   resume          after an await or a `yield`             starts       no          (unparks)
 *   reenter         first statement of `catch` / `finally`  starts       no          (unparks)
 *   leave           operand of `yield`, generator `return`  ends         no          -
 *   ret / retCall   operand of `return x` (may be a promise) -           no          a Waiter
 *   retLeaf         the same in a leaf                      -            no          -
 *   yielded(Call)   operand of `yield x` (may be a promise) -           no          a Waiter
 *   forAwait        iterable of `for await`, of `yield*`    each step    Cancelled   a Race
 *                                                           ends (*)
 *   block           start of a block with `using`           -            no          -
 *   Block.use(Async)  each `using` / `await using` value    -            TypeError   -
 *   Block.fail      the block's `catch`                     starts       no          -
 *   Block.close     the block's `finally` (no await using)  starts       exits' errors  -
 *   Block.closeAsync  the same with `await using`           -            exits' errors  a group's exit
 *   markStructured, markMethods, key: where compiled functions and computed keys are defined
 *                                                           -            no          -
 *
 * (*) A step called while its invocation's segment is not running (a `yield*` step, or the
 * `return()` that closes a loop's iterator after an await of its body rejected) starts it first.
 *
 * "Starts" means the invocation's frame becomes current and {@link active} is its ctx; "ends"
 * restores both; a Race parked by an await stays parked until the next segment starts (resume,
 * reenter, a step, exit), whichever way the await ended.
 *
 * Cancellation: every await raises `Cancelled` synchronously when the frame's scope is
 * effectively cancelled (level cancellation). Promises of runtime operations and of directly
 * awaited compiled callees are awaited as they are (runtime/core/primitive.ts has the whole rule);
 * any other promise is raced against the scope with a {@link Race}. A race whose scope is
 * cancelled while compiled callees started by the same invocation are still unwinding inside
 * that scope waits for them to leave before it rejects, and once a callee has ended it rejects
 * only after the current burst of microtasks, so a caller never sees `Cancelled` before its
 * callees' `finally` blocks ran, nor instead of a callee's own outcome.
 *
 * Live invocations form a tree (Invocation.parent): a callee hangs under the invocation that called
 * it, an invocation started outside compiled code under its run's root, and one that ends hands
 * its live callees to its parent. So no callee drops out of its caller's sight, and whatever
 * still runs when a run's body is done can be found (runningCalls).
 */
import { CancelScope } from "./cancel-scope";
import { countRace, watched } from "./checkpoint-counts";
import { afterMicrotasks } from "./clock";
import { currentFrame, enterFrame, leaveFrame, markStructured as markCore, type Frame } from "./frame";
import { NoCurrentTaskError, type Cancelled } from "./errors";
import { isPrimitivePromise, takePrimitivePromise } from "./primitive";
import { TaskGroup } from "./task-group";
import { isThenable } from "./validate";
import type { Runner } from "./runner";
import { BODY_UNKNOWN, BODY_WATCHING, bodyInvocationExited, bodyWatch, type TaskHandle } from "./task";
import { Waiter, type Parked } from "./waiter";

// --- Invocation contexts ------------------------------------------------------------------------

/** The ctx whose segment is running now, or undefined between segments. */
let active: Invocation | undefined;

/** @internal The state of one invocation of a compiled function. */
export class Invocation {
  /**
   * The frame the invocation runs in; `using` blocks replace it while their scope is open.
   * Invariant: undefined exactly when the invocation runs outside any run (then every hook
   * passes values through).
   */
  frame: Frame | undefined;
  /** The frame it was called in (its `using` blocks' scopes are gone once it returns). */
  readonly base: Frame | undefined;
  /**
   * What to restore when the running segment ends. Invariant: meaningful only while
   * `active === this` (undefined otherwise).
   */
  prevFrame: Frame | undefined = undefined;
  prevActive: Invocation | undefined = undefined;
  /**
   * Set when compiled code was entered (or a compiled generator resumed, or a compiled step
   * served) in this invocation's segment since the last {@link pre}: the promise about to be
   * awaited, or handed on, is compiled code's, so it needs no race.
   */
  calleeEntered = false;
  /**
   * While this invocation is live: the invocation that called it synchronously, or, for one
   * started outside compiled code inside a run, the run's root of live calls
   * ({@link Runner.calls}). An invocation that ends while its own callees are still live hands
   * them to its parent, so they stay live callees of the whole chain.
   */
  parent: Invocation | undefined;
  // Live callees, as an intrusive list (only cancellation and leak checks walk it). Invariant:
  // a ctx is in its parent's list exactly while its `parent` is set.
  firstChild: Invocation | undefined = undefined;
  prevSibling: Invocation | undefined = undefined;
  nextSibling: Invocation | undefined = undefined;
  /**
   * The invocation's foreign-promise race, made at its first foreign await and reused.
   * Invariant: parked at most once at a time (an invocation awaits one thing at a time); the
   * next segment's start unparks it.
   */
  race: Race | undefined = undefined;
  /**
   * The await this invocation is suspended at, or was last: an index into {@link sites}, stored
   * by the hook of each await (a small integer, never an object), resolved to a file, line,
   * column and function name only when a task tree is asked for (runtime/core/introspection.ts).
   * -1 until the first await (a small integer from the start, so the field stays one). Undefined
   * when the function was compiled without sites.
   */
  site: number | undefined = -1;
  /** The site table of the function's module (see {@link SiteTable}); undefined when compiled without sites. */
  readonly sites: SiteTable | undefined;

  constructor(frame: Frame | undefined, parent: Invocation | undefined, sites: SiteTable | undefined) {
    this.frame = frame;
    this.base = frame;
    this.parent = parent;
    this.sites = sites;
  }
}

/**
 * The await sites of one compiled module, emitted once per module by the transformer: the
 * module's path (relative to the project root) and then one triple per site, `function name,
 * line, column` (1-based, in the source the transformer read). Site `i` is at `1 + 3 * i`.
 *
 *   var $sites = ["src/jobs.ts", "crawl", 12, 5, "fetchOne", 20, 20];
 */
export type SiteTable = readonly (string | number)[];

/** The invocation runs again after a foreign await, whichever way that await ended. */
function endRace(c: Invocation): void {
  const race = c.race;
  if (race !== undefined && race.parkedIn !== undefined) race.unpark();
}

/** Makes `c`'s segment the running one (a fresh ctx has no race to end: {@link enter} comes here directly). */
function switchTo(c: Invocation): void {
  c.prevFrame = enterFrame(c.frame);
  c.prevActive = active;
  active = c;
}

function startSegment(c: Invocation): void {
  endRace(c);
  switchTo(c);
}

function endSegment(c: Invocation): void {
  if (active !== c) return;
  leaveFrame(c.prevFrame);
  active = c.prevActive;
  c.prevFrame = undefined;
  c.prevActive = undefined;
}

/**
 * First statement of a compiled async function: captures the current frame and starts the
 * first segment. The new invocation becomes a live callee of the compiled code that called it.
 */
export function enter(sites?: SiteTable): Invocation {
  const caller = active;
  const frame = currentFrame();
  let c: Invocation;
  if (caller !== undefined) caller.calleeEntered = true;
  if (frame === undefined) {
    c = new Invocation(frame, undefined, sites); // outside any run: nothing to cancel, no tree to keep
  } else {
    // A caller outside the run (the code that called run()) is not part of it.
    const parent =
      caller !== undefined && caller.frame !== undefined
        ? caller
        : (frame.task._runner.calls ??= new Invocation(undefined, undefined, undefined));
    c = new Invocation(frame, parent, sites);
    // Entered outside every segment while a task body starts: maybe the body's own (runTaskBody).
    if (parent !== caller && bodyWatch.state === BODY_WATCHING) bodyWatch.invocation = c;
    linkCallee(parent, c);
  }
  switchTo(c);
  return c;
}

function linkCallee(parent: Invocation, c: Invocation): void {
  const first = parent.firstChild;
  c.nextSibling = first;
  if (first !== undefined) first.prevSibling = c;
  parent.firstChild = c;
}

/**
 * First statement of a compiled async function that never suspends (its body has no `await`,
 * `for await` or `using`): it runs entirely inside its caller's segment, so it needs no ctx of
 * its own. It only tells a compiled caller that the promise it is about to await came from
 * compiled code (see {@link suspendCall}).
 */
export function enterLeaf(): void {
  if (active !== undefined) active.calleeEntered = true;
  else if (bodyWatch.state === BODY_WATCHING) bodyWatch.state = BODY_UNKNOWN; // a leaf body has no invocation
}

/**
 * First statement of a compiled async generator (it runs on the first `next()`). A generator is
 * never a live callee: a consumer may drop it without closing it.
 */
export function enterGenerator(sites?: SiteTable): Invocation {
  const caller = active;
  const c = new Invocation(currentFrame(), undefined, sites);
  if (caller !== undefined) caller.calleeEntered = true;
  switchTo(c);
  return c;
}

/** In the outermost `finally` of a compiled function: ends the last segment and leaves the caller. */
export function exit(c: Invocation): void {
  endRace(c); // a rejected await can reach the outermost `finally` without a reenter()
  endSegment(c);
  const parent = c.parent;
  if (parent === undefined) return;
  c.parent = undefined;
  if (c.prevSibling !== undefined) c.prevSibling.nextSibling = c.nextSibling;
  else parent.firstChild = c.nextSibling;
  if (c.nextSibling !== undefined) c.nextSibling.prevSibling = c.prevSibling;
  c.prevSibling = c.nextSibling = undefined;
  // Callees still running (`return g()` hands g's promise on; `g()` alone forgets it) outlive
  // this invocation: they become callees of its parent, whose cancellation waits for them too.
  if (c.firstChild !== undefined) handOver(c, parent);
  const parentRace = parent.race;
  if (parentRace !== undefined && parentRace.parkedIn !== undefined) {
    if (parentRace.pending !== undefined) parentRace.deliverIfFree();
    else parentRace.calleeEnded = true;
  }
  // A run's root of live calls: `c` was entered outside every segment, maybe as a task's body.
  if (parent.frame === undefined) bodyInvocationExited(c.base!.task);
}

/** Moves the live callees of `c` to the front of `parent`'s. */
function handOver(c: Invocation, parent: Invocation): void {
  let last = c.firstChild!;
  for (;;) {
    last.parent = parent;
    if (last.nextSibling === undefined) break;
    last = last.nextSibling;
  }
  const first = parent.firstChild;
  last.nextSibling = first;
  if (first !== undefined) first.prevSibling = last;
  parent.firstChild = c.firstChild;
  c.firstChild = undefined;
}

/** Starts a segment after an await completed normally (or after a `yield`), and passes the value on. */
export function resume<T>(c: Invocation, value: T): T {
  // A generator resumed by its consumer's next() runs inside the consumer's segment.
  if (active !== undefined) active.calleeEntered = true;
  startSegment(c);
  return value;
}

/** First statement of every `catch` and `finally` block: a rejected await skipped {@link resume}. */
export function reenter(c: Invocation): void {
  if (active !== c) startSegment(c);
}

/** Ends the segment and passes `value` on unchanged (before a `yield`, or an await that must not be raced). */
export function leave<T>(c: Invocation, value?: T): T {
  endSegment(c);
  return value as T;
}

/**
 * Wraps the operand of an `await`: ends the segment, raises `Cancelled` if the frame's scope is
 * effectively cancelled, and races foreign promises against cancellation. Plain values,
 * non-native thenables and runtime primitives' promises come back unchanged, so their timing
 * is exactly that of a plain await. `site` is the await's index in the module's site table.
 */
export function suspend<T>(c: Invocation, value: T, site?: number): T | Promise<unknown> {
  c.site = site;
  endSegment(c);
  // A runtime operation checked the scope itself when it was called, in the scope it runs in,
  // and never loses what it delivered (runtime/core/primitive.ts): no check, no race.
  if (takePrimitivePromise(value)) return value;
  return checkAndRace(c, value);
}

/**
 * Wraps `await g(a)` when the call was direct: if `g` was compiled code, its promise is awaited
 * as it is (the callee handles its own cancellation, and the caller must wait for its
 * `finally` blocks); otherwise this is {@link suspend}.
 */
export function suspendCall<T>(c: Invocation, value: T, site?: number): T | Promise<unknown> {
  // Written out rather than calling suspend(): V8 inlines a call by how often its shared feedback
  // saw it taken, and compiled callees' awaits would leave that call out of line (see checkAndRace).
  c.site = site;
  endSegment(c);
  if (c.calleeEntered) {
    c.calleeEntered = false;
    return value;
  }
  if (takePrimitivePromise(value)) return value;
  return checkAndRace(c, value);
}

/**
 * The rest of an await once its segment has ended, for a value that is neither a compiled
 * callee's promise nor a runtime operation's: the check, then the race.
 *
 * Kept out of {@link suspend} and {@link suspendCall} on purpose. V8 keeps one set of type
 * feedback per function, shared by every await of every compiled module, and inlines a hook
 * into each compiled function by that shared feedback: with this path inside them, a program
 * that also awaits foreign promises made the hooks too large to inline whole, and an await of a
 * runtime operation paid calls it never needed (bench/await.ts, primitive row: 1.40x native
 * with the path inside, 1.31x without; bench/TRANSFORMER.md).
 */
function checkAndRace<T>(c: Invocation, value: T): T | Promise<unknown> {
  const frame = c.frame;
  if (frame === undefined) return value;
  if (frame.scope._effectivelyCancelled) {
    if (isPromise(value)) {
      // Callees started here still unwind in this scope (`const p = f(); await p` in a scope
      // cancelled meanwhile): the Cancelled waits for them, as a race cancelled now would.
      if (hasCalleeIn(c, frame.scope)) return raceCancelled(c, frame, value);
      value.then(undefined, ignore);
    }
    throw frame.scope._cancelledError();
  }
  if (!isPromise(value)) return value;
  return race(c, frame, value);
}

/**
 * Wraps `return value` when the value may be a promise. The function's promise adopts it once
 * the function has returned, long after its caller chose not to race that promise (it came
 * from compiled code), so a foreign promise is raced here, in the frame the function was called
 * in. A runtime primitive's promise registers its own cancellation and passes as it is.
 */
export function ret<T>(c: Invocation, value: T): T | Promise<unknown> {
  const frame = c.base;
  if (frame === undefined || !isForeignPromise(value)) return value;
  const scope = frame.scope;
  // The promise returned here stands in for `value`. A `finally` that throws or returns
  // discards it; `value` itself then had a handler (ours) and plain code would not report its
  // rejection, so this one is marked handled too. The function's own promise still reports.
  let stand: Promise<unknown>;
  if (scope._effectivelyCancelled) {
    value.then(undefined, ignore);
    stand = Promise.reject(scope._cancelledError());
  } else {
    const waiter = new Waiter<unknown>(frame).waitsFor("foreign-promise", undefined);
    value.then(
      (result) => void waiter.wake(result),
      (error) => void waiter.fail(error),
    );
    stand = waiter.promise;
  }
  stand.then(undefined, ignore);
  return stand;
}

/** `return g(a)` when the call was direct: a compiled callee's promise is returned as it is. */
export function retCall<T>(c: Invocation, value: T): T | Promise<unknown> {
  if (!c.calleeEntered) return ret(c, value);
  c.calleeEntered = false;
  return value;
}

/**
 * Wraps the operand of `yield` (and of `return` in an async generator) when it may be a promise:
 * the engine awaits it before the consumer sees the value, so a foreign promise is raced there,
 * as a returned one is ({@link ret}).
 */
export const yielded: typeof ret = ret;

/** `yield g(a)` when the call was direct: a compiled callee's promise is yielded as it is. */
export const yieldedCall: typeof retCall = retCall;

/**
 * `return value` in a function compiled with {@link enterLeaf}: it runs in its caller's
 * segment, so when it returns a foreign promise it simply tells a compiled caller to race the
 * function's promise, as it would race any foreign one.
 */
export function retLeaf<T>(value: T): T {
  if (active !== undefined && isForeignPromise(value)) active.calleeEntered = false;
  return value;
}

/** Before a directly awaited call (`await g(a)`): forget earlier callees. */
export function pre(c: Invocation): void {
  c.calleeEntered = false;
}

function ignore(): void {}

/** A promise that is not a runtime operation's: awaiting it needs a race against cancellation. */
function isForeignPromise(value: unknown): value is Promise<unknown> {
  return isPromise(value) && !isPrimitivePromise(value);
}

/**
 * A native promise, also from another realm (Jest runs tests in a vm context, where promises
 * made by Node's own APIs, such as `fetch`, are not `instanceof Promise`). Other thenables are
 * awaited as they are, so their timing stays exactly that of a plain await.
 */
function isPromise(value: unknown): value is Promise<unknown> {
  if (value instanceof Promise) return true;
  return (
    typeof value === "object" &&
    value !== null &&
    Object.prototype.toString.call(value) === "[object Promise]" &&
    typeof (value as Promise<unknown>).then === "function"
  );
}

/**
 * @internal For leak checks: the task each outermost compiled invocation of `runner`'s run that
 * is still running was called in. Invocations that outlived their caller are among them (their
 * caller handed them over), and so are calls started from plain code and never awaited.
 */
/**
 * The invocation whose segment is running now and every invocation it was called from, innermost
 * first (empty between segments): what an assertion about the code it calls leaves out.
 */
export function runningChain(): Invocation[] {
  const chain: Invocation[] = [];
  for (let c = active; c !== undefined; c = c.parent) chain.push(c);
  return chain;
}

/** @internal For the task tree: whether `c` is suspended at an await of a foreign promise (raced). */
export function awaitsForeign(c: Invocation): boolean {
  return c.race !== undefined && c.race.parkedIn !== undefined;
}

export function runningCalls(runner: Runner): TaskHandle<unknown>[] {
  const tasks: TaskHandle<unknown>[] = [];
  for (let c = runner.calls?.firstChild; c !== undefined; c = c.nextSibling) {
    if (c.base !== undefined) tasks.push(c.base.task);
  }
  return tasks;
}

// --- Racing foreign promises --------------------------------------------------------------------

// The executor of every race promise parks its resolving functions here, so that a race needs
// no closure of its own: the foreign promise calls them directly.
let capturedResolve: (value: unknown) => void = ignore;
let capturedReject: (error: unknown) => void = ignore;
function capture(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * The race of one invocation's foreign await against its scope: parked in the scope like a
 * {@link Waiter}, it rejects the awaited promise with `Cancelled` if the scope is cancelled
 * first. One per ctx, reused by each of its foreign awaits (a ctx awaits one thing at a time).
 *
 * The foreign promise settles the awaited promise directly (its resolving functions are the
 * reactions), so the race does not learn when that happens: it stays parked until the
 * invocation's next segment starts ({@link unpark} from startSegment or exit). A cancellation
 * in between rejects an already-settled promise, which does nothing: the delivered value wins
 * and the cancellation lands at the next checkpoint. Every foreign promise gets a rejection
 * reaction this way, so abandoning one never reports an unhandled rejection.
 *
 * `for await` steps also need to close their iterator when cancellation abandons a step, but
 * not once the step was delivered; they pass the iterator and get reactions that tell.
 */
class Race implements Parked {
  /** @internal */ _prev: Parked | null = null;
  /** @internal */ _next: Parked | null = null;
  /** @internal */ _scope: CancelScope | null = null;
  /** The scope it is parked in, between the park and the start of the invocation's next segment. */
  parkedIn: CancelScope | undefined = undefined;
  /** A cancellation held back while callees started by this invocation unwind in its scope. */
  pending: Cancelled | undefined = undefined;
  /**
   * Whether a callee of this invocation ended during the current park: the awaited promise may
   * be that callee's, settled with its reaction not run yet (see {@link deliverSoon}).
   */
  calleeEnded = false;
  private reject: (error: unknown) => void = ignore;
  /** The task of the parked await; undefined while not parked. */
  task: TaskHandle<unknown> | undefined = undefined;
  /** The `for await` iterator to close if cancellation abandons the current step. */
  private iterator: AsyncIterator<unknown> | Iterator<unknown> | undefined = undefined;
  /** Counts parks: tells a park's reactions and deferred deliveries from those of earlier ones. */
  private step = 0;

  constructor(private readonly ctx: Invocation) {}

  park(
    frame: Frame,
    promise: Promise<unknown>,
    iterator?: AsyncIterator<unknown> | Iterator<unknown>,
  ): Promise<unknown> {
    const raced = new Promise(capture);
    const resolve = capturedResolve;
    const reject = capturedReject;
    this.reject = reject;
    this.calleeEnded = false;
    const step = ++this.step;
    if (iterator === undefined) {
      promise.then(resolve, reject);
    } else {
      this.iterator = iterator;
      promise.then(
        (value) => {
          if (this.step === step) this.iterator = undefined;
          resolve(value);
        },
        (error) => {
          if (this.step === step) this.iterator = undefined;
          reject(error);
        },
      );
    }
    this.parkedIn = frame.scope;
    const task = frame.task;
    this.task = task;
    task._blocked++;
    if (watched !== undefined) countRace(task, this.ctx);
    frame.scope._addWaiter(this);
    return raced;
  }

  /** @internal The task got a scope of its own, which now holds this race (see `CancelScope._interpose`). */
  _movedTo(scope: CancelScope): void {
    this.parkedIn = scope;
  }

  /** @internal Called by the scope when it becomes effectively cancelled. */
  _cancel(error: Cancelled): void {
    this._scope?._removeWaiter(this);
    if (hasCalleeIn(this.ctx, this.parkedIn!)) {
      // Invariant: a caller never sees Cancelled while a callee it started is unwinding in the
      // cancelled scope; the last such callee's exit() delivers it (deliverIfFree).
      this.pending = error;
      return;
    }
    // A promise from outside loses to a cancellation that comes before its reaction ran; a
    // callee's own outcome must not (deliverSoon).
    if (this.calleeEnded) this.deliverSoon(error);
    else this.deliver(error);
  }

  /** Delivers a held-back cancellation once no callee is left in the cancelled scope (only while one is pending). */
  deliverIfFree(): void {
    if (hasCalleeIn(this.ctx, this.parkedIn!)) return;
    const error = this.pending!;
    this.pending = undefined;
    this.deliverSoon(error);
  }

  /**
   * Delivers `error` once the current burst of microtasks has run, when the awaited promise may
   * be the promise of a callee that has ended (`const p = f(); await p`): settled, or settling
   * through however many adoptions, with its reaction not run yet. The callee's outcome came
   * first, so it wins: the caller sees the callee's own error, or a value with the cancellation at
   * the next checkpoint, as a direct `await f()` does. Anything the caller does in reply still
   * happens in this burst (on Node, before unhandled rejections are reported).
   */
  private deliverSoon(error: Cancelled): void {
    const scope = this.parkedIn!;
    const step = this.step;
    afterMicrotasks(() => {
      if (this.step !== step || this.parkedIn === undefined) return; // the await ended meanwhile
      if (scope._effectivelyCancelled) this.deliver(error);
      else scope._addWaiter(this); // the cancellation was lifted meanwhile (a shield): wait on
    });
  }

  private deliver(error: Cancelled): void {
    const iterator = this.iterator;
    if (iterator !== undefined) {
      this.iterator = undefined;
      closeQuietly(iterator);
    }
    this.reject(error);
  }

  /** The invocation runs again: its await is over, whichever way it ended. */
  unpark(): void {
    this._scope?._removeWaiter(this);
    this.pending = undefined;
    this.iterator = undefined;
    this.reject = ignore;
    this.parkedIn = undefined;
    const task = this.task!;
    this.task = undefined;
    task._blocked--;
    task._runner.activity++;
  }
}

function race(
  c: Invocation,
  frame: Frame,
  promise: Promise<unknown>,
  iterator?: AsyncIterator<unknown> | Iterator<unknown>,
): Promise<unknown> {
  return (c.race ??= new Race(c)).park(frame, promise, iterator);
}

/** A race that is cancelled as it parks: its Cancelled is held until the callees in `frame`'s scope have left. */
function raceCancelled(c: Invocation, frame: Frame, promise: Promise<unknown>): Promise<unknown> {
  const raced = race(c, frame, promise);
  c.race!._cancel(frame.scope._cancelledError());
  return raced;
}

/** Whether a live callee of `c` runs inside `scope` (or in a scope nested in it). */
function hasCalleeIn(c: Invocation, scope: CancelScope): boolean {
  for (let child = c.firstChild; child !== undefined; child = child.nextSibling) {
    for (let s: CancelScope | null = child.frame?.scope ?? null; s !== null; s = s._parent) {
      if (s === scope) return true;
    }
  }
  return false;
}

// --- for await and yield* ------------------------------------------------------------------------

/**
 * Wraps the iterable of a `for await` loop, and the operand of `yield*` in a compiled async
 * generator (both step through an async iterator and await each step). The loop or delegation
 * stays native (iterator closing, `break` and `return` keep their meaning); each step ends the
 * segment before the engine's await of it, and the loop body starts with {@link reenter}. A step
 * is a checkpoint: when the scope is cancelled the iterator is closed and the step raises
 * `Cancelled`.
 */
export function forAwait(c: Invocation, iterable: unknown, site?: number): AsyncIterable<unknown> {
  const source = iterable as {
    [Symbol.asyncIterator]?: () => AsyncIterator<unknown>;
    [Symbol.iterator]?: () => Iterator<unknown>;
  };
  const asyncMethod = source == null ? undefined : source[Symbol.asyncIterator];
  if (asyncMethod != null) {
    return {
      [Symbol.asyncIterator]: () => new AsyncSteps(c, asyncMethod.call(source), site) as AsyncIterator<unknown>,
    };
  }
  const syncMethod = source == null ? undefined : source[Symbol.iterator];
  if (typeof syncMethod !== "function") throw new TypeError(`${describe(iterable)} is not async iterable`);
  return { [Symbol.asyncIterator]: () => new SyncSteps(c, syncMethod.call(source), site) as AsyncIterator<unknown> };
}

function describe(value: unknown): string {
  return value === null ? "null" : typeof value === "object" ? "object" : String(value);
}

/** The engine's error for an iterator step that is not an object. */
function notAnObject(result: unknown): TypeError {
  return new TypeError(`Iterator result ${describe(result)} is not an object`);
}

/**
 * Starts the segment of `c` for a step called while it is not running: a `yield*` step, which
 * the engine calls while the delegating generator is suspended (its consumer's segment may be
 * running: a compiled generator serves this `next()`, so it is not the consumer's to race), or
 * the `return()` that closes a loop's iterator after an await in its body rejected. The step's
 * own code (a delegate generator starting, an iterator's `finally`) then runs in `c`'s frame.
 */
function stepIn(c: Invocation): void {
  if (active === c) return;
  if (active !== undefined) active.calleeEntered = true;
  startSegment(c);
}

class AsyncSteps {
  private readonly nextMethod: (...args: unknown[]) => unknown;

  constructor(
    private readonly c: Invocation,
    private readonly it: AsyncIterator<unknown>,
    private readonly site: number | undefined,
  ) {
    this.nextMethod = it.next as (...args: unknown[]) => unknown;
  }

  next(...args: unknown[]): unknown {
    const c = this.c;
    stepIn(c);
    c.site = this.site;
    const frame = c.frame;
    if (frame !== undefined && frame.scope._effectivelyCancelled) {
      endSegment(c);
      return closeThenThrow(this.it, frame.scope._cancelledError());
    }
    c.calleeEntered = false;
    const result = this.nextMethod.apply(this.it, args);
    if (c.calleeEntered) return leave(c, result); // a compiled generator: cancellable by itself
    endSegment(c);
    if (frame === undefined || !isForeignPromise(result)) return result;
    return race(c, frame, result, this.it);
  }

  get return(): ((value?: unknown) => unknown) | undefined {
    return inSegment(this.c, this.it, this.it.return as ((value?: unknown) => unknown) | undefined);
  }

  get throw(): ((error?: unknown) => unknown) | undefined {
    return inSegment(this.c, this.it, this.it.throw as ((error?: unknown) => unknown) | undefined);
  }
}

/** An async iterator's `return` or `throw`, called in `c`'s segment, which ends after it. */
function inSegment(
  c: Invocation,
  it: AsyncIterator<unknown>,
  method: ((this: unknown, value?: unknown) => unknown) | null | undefined,
): ((value?: unknown) => unknown) | undefined {
  if (method == null) return undefined;
  return (...args: unknown[]) => {
    stepIn(c);
    try {
      return method.apply(it, args as [unknown?]);
    } finally {
      endSegment(c);
    }
  };
}

/**
 * A sync iterable in `for await` or `yield*`: the engine's async-from-sync iterator, step for step
 * and microtask for microtask (each `next()`, `return()` and `throw()` settles through a promise
 * of the value, and a value that rejects closes the iterator, as the current standard says),
 * except that inside a run a step whose value is a thenable is raced against cancellation like
 * any other await.
 */
class SyncSteps {
  private readonly nextMethod: (...args: unknown[]) => unknown;

  constructor(
    private readonly c: Invocation,
    private readonly it: Iterator<unknown>,
    private readonly site: number | undefined,
  ) {
    this.nextMethod = it.next as (...args: unknown[]) => unknown;
  }

  next(...args: unknown[]): unknown {
    const c = this.c;
    const it = this.it;
    stepIn(c);
    c.site = this.site;
    const frame = c.frame;
    if (frame !== undefined && frame.scope._effectivelyCancelled) {
      closeQuietly(it);
      endSegment(c);
      throw frame.scope._cancelledError();
    }
    let result: unknown;
    try {
      result = this.nextMethod.apply(it, args);
    } catch (error) {
      return Promise.reject(error);
    } finally {
      endSegment(c);
    }
    const { step, thenable } = continuation(it, result, true);
    return frame === undefined || !thenable ? step : race(c, frame, step, it);
  }

  /** Always present, as on the engine's iterator: a `break` awaits it even when `it` has no `return`. */
  return(...args: unknown[]): Promise<unknown> {
    const it = this.it;
    stepIn(this.c);
    let result: unknown;
    try {
      const method = it.return as ((this: unknown, value?: unknown) => unknown) | null | undefined;
      if (method == null) return Promise.resolve({ value: args[0], done: true });
      result = method.apply(it, args as [unknown?]);
    } catch (error) {
      return Promise.reject(error);
    } finally {
      endSegment(this.c);
    }
    return continuation(it, result, false).step;
  }

  /**
   * Always present, as on the engine's iterator (`yield*` forwards its consumer's `throw()`): an
   * iterator without `throw` is closed, and the step rejects with a TypeError, as the standard
   * says.
   */
  throw(...args: unknown[]): Promise<unknown> {
    const it = this.it;
    stepIn(this.c);
    let result: unknown;
    try {
      const method = it.throw as ((this: unknown, error?: unknown) => unknown) | null | undefined;
      if (method == null) {
        const close = it.return as ((this: unknown) => unknown) | null | undefined;
        if (close != null) {
          const closed = close.call(it);
          if (Object(closed) !== closed) throw notAnObject(closed);
        }
        return Promise.reject(new TypeError("The iterator does not provide a 'throw' method"));
      }
      result = method.apply(it, args as [unknown?]);
    } catch (error) {
      return Promise.reject(error);
    } finally {
      endSegment(this.c);
    }
    return continuation(it, result, true).step;
  }
}

/**
 * The engine's AsyncFromSyncIteratorContinuation, after its check that the iterator returned an
 * object: reads `done` then `value`, and settles through `Promise.resolve(value)`;
 * `closeOnRejection` closes the iterator when a value of an unfinished iteration rejects.
 * `thenable` tells whether the step may take longer than a microtask.
 */
function continuation(
  it: Iterator<unknown>,
  result: unknown,
  closeOnRejection: boolean,
): { step: Promise<unknown>; thenable: boolean } {
  if (Object(result) !== result) return { step: Promise.reject(notAnObject(result)), thenable: false };
  let done: boolean;
  let value: unknown;
  let wrapper: Promise<unknown>;
  try {
    done = Boolean((result as IteratorResult<unknown>).done);
    value = (result as IteratorResult<unknown>).value;
  } catch (error) {
    return { step: Promise.reject(error), thenable: false };
  }
  try {
    wrapper = Promise.resolve(value);
  } catch (error) {
    if (!done && closeOnRejection) closeQuietly(it);
    return { step: Promise.reject(error), thenable: false };
  }
  const step = wrapper.then(
    done ? toDoneStep : toStep,
    done || !closeOnRejection
      ? undefined
      : (error: unknown) => {
          closeQuietly(it);
          throw error;
        },
  );
  return { step, thenable: isThenable(value) };
}

function toStep(value: unknown): IteratorResult<unknown> {
  return { value, done: false };
}

function toDoneStep(value: unknown): IteratorResult<unknown> {
  return { value, done: true };
}

function closeThenThrow(it: AsyncIterator<unknown>, error: Cancelled): Promise<never> {
  const method = it.return;
  if (method == null) return Promise.reject(error);
  let result: unknown;
  try {
    result = method.call(it);
  } catch {
    return Promise.reject(error);
  }
  const fail = (): never => {
    throw error;
  };
  return Promise.resolve(result).then(fail, fail);
}

function closeQuietly(it: AsyncIterator<unknown> | Iterator<unknown>): void {
  try {
    const method = it.return as ((this: unknown) => unknown) | undefined;
    const result = method?.call(it);
    if (isPromise(result)) result.then(undefined, ignore);
  } catch {
    // An iterator that fails to close while being abandoned has nobody to tell.
  }
}

// --- using / await using ------------------------------------------------------------------------

const SCOPE = 0;
const GROUP = 1;
const DISPOSE = 2;
const ASYNC_DISPOSE = 3;

/** `SuppressedError` where the host has it (Node 22+), a small stand-in elsewhere. */
const SuppressedErrorClass: new (error: unknown, suppressed: unknown, message?: string) => Error =
  (globalThis as { SuppressedError?: new (error: unknown, suppressed: unknown, message?: string) => Error })
    .SuppressedError ??
  class SuppressedError extends Error {
    constructor(
      readonly error: unknown,
      readonly suppressed: unknown,
      message = "An error was suppressed during disposal.",
    ) {
      super(message);
      this.name = "SuppressedError";
    }
  };

/**
 * The resources of one block with `using` / `await using` declarations in compiled code: cancel
 * scopes and task groups are entered (and exited with the block's exception), anything else is
 * disposed with the standard semantics. Exits run in reverse order, each seeing the error left
 * by the previous one.
 */
export class Block {
  // Flat triples: kind, value (or dispose method target), frame to restore / method.
  private readonly entries: unknown[] = [];
  private hasError = false;
  private error: unknown = undefined;

  /** @param site - the block's first `await using` (else its first `using`), in the module's site table. */
  constructor(
    private readonly c: Invocation,
    private readonly site: number | undefined,
  ) {}

  /** `using x = value`: enters a cancel scope, or records a disposable. Returns `value`. */
  use<T>(value: T): T {
    if (value instanceof TaskGroup) {
      throw new TypeError(
        "A TaskGroup must be entered with `await using tg = createTaskGroup()`: its exit waits for the children",
      );
    }
    if (value instanceof CancelScope) return this.enterScope(value);
    if (value == null) return value;
    const method = disposeMethod(value, Symbol.dispose, "using");
    this.entries.push(DISPOSE, value, method);
    return value;
  }

  /** `await using x = value`: enters a cancel scope or a task group, or records an async disposable. */
  useAsync<T>(value: T): T {
    if (value instanceof CancelScope) return this.enterScope(value);
    if (value instanceof TaskGroup) {
      const c = this.c;
      const frame = requireFrameFor(c, "await using tg = createTaskGroup()");
      const inner = value._enter(frame);
      this.entries.push(GROUP, value, frame);
      setFrame(c, inner);
      return value;
    }
    if (value == null) return value;
    const method =
      (value as { [Symbol.asyncDispose]?: unknown })[Symbol.asyncDispose] != null
        ? disposeMethod(value, Symbol.asyncDispose, "await using")
        : disposeMethod(value, Symbol.dispose, "await using");
    this.entries.push(ASYNC_DISPOSE, value, method);
    return value;
  }

  /** The block threw: remember the error for the exits (and stop propagating it for now). */
  fail(error: unknown): void {
    reenter(this.c);
    this.hasError = true;
    this.error = error;
  }

  /** End of a block without `await using`: exits in reverse order; throws what must propagate. */
  close(): void {
    const c = this.c;
    reenter(c);
    const entries = this.entries;
    for (let i = entries.length - 3; i >= 0; i -= 3) {
      if (entries[i] === SCOPE) this.exitScope(entries[i + 1] as CancelScope, entries[i + 2] as Frame);
      else this.dispose(entries[i + 1], entries[i + 2] as () => unknown);
    }
    if (this.hasError) throw this.error;
  }

  /**
   * End of a block with `await using`: like {@link close}, but waits for task groups and async
   * disposers. Awaited without a race: an exit is never abandoned.
   */
  async closeAsync(): Promise<void> {
    const c = this.c;
    c.site = this.site; // the invocation now waits at the end of the block (a group's children...)
    const entries = this.entries;
    for (let i = entries.length - 3; i >= 0; i -= 3) {
      const kind = entries[i];
      if (kind === SCOPE) {
        this.exitScope(entries[i + 1] as CancelScope, entries[i + 2] as Frame);
      } else if (kind === GROUP) {
        try {
          await (entries[i + 1] as TaskGroup)._exit(this.hasError, this.error);
          this.hasError = false;
          this.error = undefined;
        } catch (error) {
          this.hasError = true;
          this.error = error;
        }
        setFrame(c, entries[i + 2] as Frame);
      } else {
        let result: unknown;
        const previous = enterFrame(c.frame);
        try {
          result = (entries[i + 2] as () => unknown).call(entries[i + 1]);
        } catch (error) {
          this.suppress(error);
          continue;
        } finally {
          leaveFrame(previous);
        }
        if (kind === ASYNC_DISPOSE) {
          try {
            await result;
          } catch (error) {
            this.suppress(error);
          }
        }
      }
    }
    if (this.hasError) throw this.error;
  }

  private enterScope<T>(scope: T & CancelScope): T {
    const c = this.c;
    const frame = requireFrameFor(c, "using scope = ...");
    const inner = scope._enter(frame.task, frame.scope);
    this.entries.push(SCOPE, scope, frame);
    setFrame(c, inner);
    return scope;
  }

  private exitScope(scope: CancelScope, outer: Frame): void {
    try {
      scope._exit(this.hasError, this.error);
      this.hasError = false;
      this.error = undefined;
    } catch (error) {
      this.hasError = true;
      this.error = error;
    }
    setFrame(this.c, outer);
  }

  private dispose(value: unknown, method: () => unknown): void {
    try {
      method.call(value);
    } catch (error) {
      this.suppress(error);
    }
  }

  private suppress(error: unknown): void {
    this.error = this.hasError ? new SuppressedErrorClass(error, this.error) : error;
    this.hasError = true;
  }
}

/** Starts the resource bookkeeping of a block with `using` declarations. */
export function block(c: Invocation, site?: number): Block {
  return new Block(c, site);
}

function setFrame(c: Invocation, frame: Frame | undefined): void {
  c.frame = frame;
  if (active === c) enterFrame(frame);
}

function requireFrameFor(c: Invocation, what: string): Frame {
  if (c.frame === undefined) {
    throw new NoCurrentTaskError(`\`${what}\` must run in a task: run your program with \`await run(main)\``);
  }
  return c.frame;
}

function disposeMethod(value: unknown, symbol: symbol, declaration: string): () => unknown {
  const method =
    typeof value === "object" || typeof value === "function" ? (value as Record<symbol, unknown>)[symbol] : undefined;
  if (typeof method !== "function") {
    throw new TypeError(
      `The value of an \`${declaration}\` declaration must be null, undefined, or an object with a [${String(symbol)}]() method`,
    );
  }
  return method as () => unknown;
}

// --- Marking compiled functions -----------------------------------------------------------------

/**
 * Marks `fn` as compiled structured code (the runtime then calls it without the context
 * carrier) and returns it. `name` restores the name a wrapped anonymous function would have
 * been given by its position: a string (`const f = async () => {}` is named "f"), or the value of
 * a computed key (see {@link key}), named as the language names it (`[description]` for a symbol).
 */
export function markStructured<F extends Function>(fn: F, name?: string | symbol): F {
  if (name !== undefined && fn.name === "") {
    const value = typeof name === "symbol" ? (name.description === undefined ? "" : `[${name.description}]`) : name;
    Object.defineProperty(fn, "name", { value, configurable: true });
  }
  return markCore(fn);
}

/**
 * A computed property key, converted the way the language converts it (once, as the engine would):
 * compiled code evaluates `{ [k]: async () => {} }` as `{ [$k = key(k)]: markStructured(..., $k) }`
 * so that the wrapped function gets the name the key gives it.
 */
export function key(value: unknown): string | symbol {
  if (typeof value === "string" || typeof value === "symbol") return value;
  if (typeof value !== "object" && typeof value !== "function") return String(value);
  // An object converts through its own hooks (toPrimitive, toString): let the engine do it once.
  return Reflect.ownKeys({ [value as unknown as PropertyKey]: 0 })[0] as string | symbol;
}

/** Marks the methods `names` of `target` (a prototype, a class or an object literal); returns `target`. */
export function markMethods<T extends object>(target: T, ...names: PropertyKey[]): T {
  for (const name of names) {
    const descriptor = Object.getOwnPropertyDescriptor(target, name);
    if (descriptor !== undefined && typeof descriptor.value === "function") markCore(descriptor.value);
  }
  return target;
}
