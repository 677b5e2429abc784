/**
 * `ContextVar` and its tokens: Python's `contextvars`, for values that follow a task (a request
 * id, a logger, a tracing span) without being passed down every call.
 *
 * Values live in the current task's context (runtime/core/context.ts): a new task starts with a
 * copy of its spawner's context as it was at the spawn call, and a structured callee shares its
 * caller's. Reads and writes never yield.
 */
import { currentContext, deleteContext, readContext, writeContext, type ContextHolder } from "./context";
import { checkOptions, describeValue } from "./validate";

const VAR_OPTIONS = ["default"] as const;

/** What `get()` finds when the variable has no value in the current context. */
const NO_VALUE: unique symbol = Symbol("anyio-ts.ContextVar.noValue");

/** Options of {@link ContextVar} and {@link RunVar}. */
export interface ContextVarOptions<T> {
  /** The value `get()` returns where the variable was never set. Without it, such a `get()` throws. */
  default?: T;
}

/**
 * A variable whose value belongs to the current task, like Python's `contextvars.ContextVar`:
 * each task sees its own value, a new task starts with the values its spawner had at the spawn
 * call, and later changes in one task never show in another.
 *
 * Create context variables once, at module level (they are keys, compared by identity). Outside
 * any task, `get()` and `set()` use the thread's root context, which `run()` copies for its root
 * task. Reads and writes are synchronous and cost a map look-up.
 *
 * @example
 * ```ts
 * const requestId = new ContextVar<string>("requestId", { default: "-" });
 *
 * async function handle(request: Request) {
 *   using _ = requestId.set(request.id); // reset at the end of the block
 *   log("handling"); // log() reads requestId.get()
 *   await createTaskGroup().run(async (tg) => {
 *     tg.startSoon(audit); // sees request.id too
 *   });
 * }
 * ```
 */
export class ContextVar<T> {
  /** The variable's name, for messages and debugging. */
  readonly name: string;
  /** @internal */ readonly _hasDefault: boolean;
  /** @internal */ readonly _default: T | undefined;

  /**
   * @param name - a name for messages and debugging; two variables with one name are still two variables.
   * @param options - see {@link ContextVarOptions}.
   * @throws TypeError when `name` is not a string or `options` has a key other than `default`.
   */
  constructor(name: string, options?: ContextVarOptions<T>) {
    if (typeof name !== "string") throw new TypeError(`Expected \`name\` to be a string, got ${describeValue(name)}`);
    checkOptions(options, VAR_OPTIONS);
    this.name = name;
    this._hasDefault = options !== undefined && "default" in options;
    this._default = options?.default;
  }

  /**
   * The variable's value in the current context; else `defaultValue` if given; else the
   * variable's default. Never a checkpoint.
   *
   * @throws Error when the variable has no value, no `defaultValue` was given and it has no default.
   */
  get(): T;
  get<D>(defaultValue: D): T | D;
  get(defaultValue?: unknown): unknown {
    const value = readContext(currentContext(), this, NO_VALUE);
    if (value !== NO_VALUE) return value;
    if (arguments.length > 0) return defaultValue;
    if (this._hasDefault) return this._default;
    throw new Error(`ContextVar "${this.name}" has no value and no default`);
  }

  /**
   * Sets the variable's value in the current context and returns a token that puts the previous
   * value back (`reset(token)`, or the end of a `using` block). Tasks already started do not see
   * the change; tasks started afterwards do. Never a checkpoint.
   */
  set(value: T): ContextVarToken<T> {
    const context = currentContext();
    const old = readContext(context, this, ContextVarToken.MISSING) as T | typeof ContextVarToken.MISSING;
    writeContext(context, this, value);
    return new ContextVarToken(this, old, context);
  }

  /**
   * Puts back the value the variable had before the `set()` that returned `token` (or no value,
   * if it had none). A token is used once, in the context that made it. Never a checkpoint.
   *
   * @throws Error when the token was already used, or was created in another context (another task).
   * @throws TypeError when the token belongs to another variable.
   */
  reset(token: ContextVarToken<T>): void {
    if (!(token instanceof ContextVarToken)) {
      throw new TypeError(`Expected \`token\` to be a ContextVarToken, got ${describeValue(token)}`);
    }
    if (token._used) throw new Error("this token has already been used");
    if (token.var !== this) throw new TypeError("this token was created by a different ContextVar");
    const context = currentContext();
    if (token._context !== context) throw new Error("this token was created in a different context");
    token._used = true;
    if (token.oldValue === ContextVarToken.MISSING) deleteContext(context, this);
    else writeContext(context, this, token.oldValue);
  }

  /** A one-line description of this ContextVar for logs, the debugger and the playground's task view. */
  toString(): string {
    return `<ContextVar name='${this.name}'>`;
  }
}

/**
 * What {@link ContextVar.set} returns: the variable, the value it had before, and a way to put
 * that value back, once. `using _ = variable.set(value)` resets it at the end of the block.
 *
 * @example
 * ```ts
 * const token = user.set("ada");
 * try {
 *   await work();
 * } finally {
 *   user.reset(token);
 * }
 * ```
 */
export class ContextVarToken<T> implements Disposable {
  /** `oldValue` when the variable had no value before the `set()`. */
  static readonly MISSING: unique symbol = Symbol("ContextVarToken.MISSING");

  /** The variable that was set. */
  readonly var: ContextVar<T>;
  /** The value the variable had before the `set()`, or {@link ContextVarToken.MISSING}. */
  readonly oldValue: T | typeof ContextVarToken.MISSING;
  /** @internal The context the token was made in. */
  readonly _context: ContextHolder;
  /** @internal */ _used = false;

  /** @internal Use {@link ContextVar.set}. */
  constructor(variable: ContextVar<T>, oldValue: T | typeof ContextVarToken.MISSING, context: ContextHolder) {
    this.var = variable;
    this.oldValue = oldValue;
    this._context = context;
  }

  /**
   * Resets the variable with this token (`using _ = variable.set(value)`). Never a checkpoint.
   * @throws Error as {@link ContextVar.reset} does.
   */
  [Symbol.dispose](): void {
    this.var.reset(this);
  }

  /** A one-line description of this ContextVarToken for logs, the debugger and the playground's task view. */
  toString(): string {
    return `<ContextVarToken var='${this.var.name}'${this._used ? " used" : ""}>`;
  }
}
