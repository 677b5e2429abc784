/**
 * `RunVar`: a variable whose value belongs to one `run()` (AnyIO's `RunVar`, for state that lives
 * as long as the event loop: a default limiter, a cache of connections).
 *
 * Values are kept on the run's {@link Runner}, by variable, so two variables with one name are
 * independent and a new run starts with none.
 */
import { requireFrame } from "./cancel-scope";
import type { ContextVarOptions } from "./context-var";
import type { Runner } from "./runner";
import { checkOptions, describeValue } from "./validate";

const VAR_OPTIONS = ["default"] as const;
const MISSING: unique symbol = Symbol("anyio-ts.RunVar.missing");

/**
 * A variable with one value per `run()`: every task of the run sees the same value, and each
 * `run()` starts without one. Every method must be called inside a run.
 *
 * @example
 * ```ts
 * const connections = new RunVar<Map<string, Connection>>("connections");
 *
 * function pool(): Map<string, Connection> {
 *   const existing = connections.get(undefined);
 *   if (existing !== undefined) return existing;
 *   const created = new Map<string, Connection>();
 *   connections.set(created);
 *   return created;
 * }
 * ```
 */
export class RunVar<T> {
  /** The variable's name, for messages and debugging. */
  readonly name: string;
  private readonly hasDefault: boolean;
  private readonly defaultValue: T | undefined;

  /**
   * @param name - a name for messages; two variables with one name are still independent.
   * @param options - `default`: the value `get()` returns in a run where the variable was never set.
   * @throws TypeError when `name` is not a string or `options` has a key other than `default`.
   */
  constructor(name: string, options?: ContextVarOptions<T>) {
    if (typeof name !== "string") throw new TypeError(`Expected \`name\` to be a string, got ${describeValue(name)}`);
    checkOptions(options, VAR_OPTIONS);
    this.name = name;
    this.hasDefault = options !== undefined && "default" in options;
    this.defaultValue = options?.default;
  }

  /**
   * The variable's value in the current run; else `defaultValue` if given; else the variable's
   * default. Never a checkpoint.
   *
   * @throws NoCurrentTaskError outside `run()`.
   * @throws Error when the variable has no value in this run, no `defaultValue` was given and it has no default.
   */
  get(): T;
  get<D>(defaultValue: D): T | D;
  get(defaultValue?: unknown): unknown {
    const vars = runnerOf("RunVar.get()")._runVars;
    if (vars !== undefined && vars.has(this)) return vars.get(this);
    if (arguments.length > 0) return defaultValue;
    if (this.hasDefault) return this.defaultValue;
    throw new Error(`Run variable "${this.name}" has no value and no default set`);
  }

  /**
   * Sets the variable's value for the rest of the current run (every task sees it) and returns a
   * token that puts the previous value back. Never a checkpoint.
   *
   * @throws NoCurrentTaskError outside `run()`.
   */
  set(value: T): RunVarToken<T> {
    const vars = (runnerOf("RunVar.set()")._runVars ??= new Map());
    const old = vars.has(this) ? (vars.get(this) as T) : MISSING;
    vars.set(this, value);
    return new RunVarToken(this, old);
  }

  /**
   * Puts back the value the variable had before the `set()` that returned `token` (or no value).
   * Never a checkpoint.
   *
   * @throws NoCurrentTaskError outside `run()`.
   * @throws TypeError when the token belongs to another variable.
   * @throws Error when the token was already used.
   */
  reset(token: RunVarToken<T>): void {
    const runner = runnerOf("RunVar.reset()");
    if (!(token instanceof RunVarToken) || token._var !== this) {
      throw new TypeError("This token does not belong to this RunVar");
    }
    if (token._used) throw new Error("This token has already been used");
    token._used = true;
    const vars = (runner._runVars ??= new Map());
    if (token._oldValue === MISSING) vars.delete(this);
    else vars.set(this, token._oldValue);
  }

  /** A one-line description of this RunVar for logs, the debugger and the playground's task view. */
  toString(): string {
    return `<RunVar name='${this.name}'>`;
  }
}

/**
 * What {@link RunVar.set} returns: a way to put the previous value back, once.
 * `using _ = runVar.set(value)` resets it at the end of the block.
 *
 * @example
 * ```ts
 * using _ = limiter.set(new CapacityLimiter(4));
 * ```
 */
export class RunVarToken<T> implements Disposable {
  /** @internal */ _used = false;

  /** @internal Use {@link RunVar.set}. */
  constructor(
    /** @internal */ readonly _var: RunVar<T>,
    /** @internal */ readonly _oldValue: T | typeof MISSING,
  ) {}

  /**
   * Resets the variable with this token. Never a checkpoint.
   * @throws Error as {@link RunVar.reset} does.
   */
  [Symbol.dispose](): void {
    this._var.reset(this);
  }

  /** A one-line description of this RunVarToken for logs, the debugger and the playground's task view. */
  toString(): string {
    return `<RunVarToken var='${this._var.name}'${this._used ? " used" : ""}>`;
  }
}

function runnerOf(what: string): Runner {
  return requireFrame(what).task._runner;
}
