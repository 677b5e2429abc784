/**
 * The state both front ends' rewriters carry while they walk a file: whether the code being
 * visited is structured, and which structured async function (if any) owns it. The AST work
 * differs per front end; these rules do not.
 */
import { classifyDirective, suggestDirective } from "./directive";
import { messages, type MessageKind } from "./messages";

/** What the visited code is: structured, opted out with "use unstructured", or neither. */
export type Mode = "structured" | "unstructured" | "none";

/**
 * How a statement list declares its key temporaries: `var` where it is a function's or a
 * module's own (nothing there runs before it, not even a hoisted function called early), `let` in
 * a nested block (a fresh binding for each evaluation of the block, each loop iteration included).
 */
export type TempKind = "var" | "let";

/** The structured async function whose body is being visited (undefined across function boundaries). */
export interface FunctionState {
  /** The function's name as a site table shows it (see Analysis.siteName). */
  readonly name: string;
  readonly generator: boolean;
  /** Never suspends (no `await`, `for await`, `using` or `return g()`): compiled without an invocation ctx. */
  readonly leaf: boolean;
  /** How many cancel-scope / task-group `using` blocks enclose the visited node. */
  scopeDepth: number;
  /**
   * How many constructs around the visited node run code of the function after a `return`: `try`
   * statements, resource blocks (the statements after a `using`), `for...of` and `for await`
   * loops (their iterator is closed). While none does, a `return await x` ends the invocation at
   * its await, so it needs no segment after it.
   */
  runsAfterReturn: number;
}

/**
 * The visitor's position: the current mode and function, saved and restored at each boundary.
 * `N` is the front end's syntax node type, which diagnostics point at.
 */
export abstract class RewriteState<N> {
  protected mode: Mode;
  protected fn: FunctionState | undefined;
  // The names the rewrite introduces, chosen so they collide with nothing the file mentions.
  protected readonly rtName: string;
  protected readonly ctxName: string;
  protected readonly blockName: string;
  protected readonly errorName: string;
  /** The module's site table (`var $sites = [...]`), see {@link site}. */
  protected readonly sitesName: string;
  private readonly text: string;
  /** Whether awaits get sites (the `sites` option). */
  private readonly sitesOn: boolean;
  /** The file's path as its site table names it. */
  private readonly sitesFile: string;
  /** Flat triples `function, line, column`, one per site, in the order the sites were made. */
  private readonly siteEntries: (string | number)[] = [];
  /** Whether an `enter` passed the site table (then the file declares it). */
  protected sitesUsed = false;
  /** How many candidate names of key temporaries were considered so far (see {@link keyTemp}). */
  private tempCandidates = 0;
  /** The key temporaries of the innermost statement list being visited (see {@link withTemps}). */
  private temps: string[] = [];
  /** The key temporaries made so far, by the original node whose key each holds. */
  private readonly keyTemps = new Map<N, string>();

  /**
   * @param text - the file's source text.
   * @param included - whether the file is structured as a whole (the `include` option).
   * @param sites - whether awaits get sites (the `sites` option).
   * @param file - the file's path relative to the project root, as its site table names it.
   */
  protected constructor(text: string, included: boolean, sites: boolean, file: string) {
    this.mode = included ? "structured" : "none";
    this.text = text;
    this.sitesOn = sites;
    this.sitesFile = file.replace(/\\/g, "/");
    this.sitesName = freeName(text, "$sites");
    this.rtName = freeName(text, "__rt");
    this.ctxName = freeName(text, "$c");
    this.blockName = freeName(text, "$u");
    this.errorName = freeName(text, "$e");
  }

  /** Runs `body` with `fn` and `mode` as the visitor's state, then restores the previous state. */
  protected across<R>(fn: FunctionState | undefined, body: () => R, mode: Mode = this.mode): R {
    const savedFn = this.fn;
    const savedMode = this.mode;
    this.fn = fn;
    this.mode = mode;
    try {
      return body();
    } finally {
      this.fn = savedFn;
      this.mode = savedMode;
    }
  }

  /**
   * Runs `body` (the visit of a statement list, a loop body or an arrow's expression body) with
   * its own list of key temporaries, which the caller declares at the start of what it returns.
   *
   * Invariant: a temporary is declared where it is fresh for each evaluation of the code that
   * assigns it. An instance field's initializer reads its key temporary each time the class is
   * instantiated, long after the key was evaluated, so a class evaluated once per loop iteration
   * (or per call of an arrow) must not share one binding: loop bodies and arrow bodies get their
   * own (block-scoped) declaration.
   */
  protected withTemps<R>(body: () => R): { result: R; temps: string[] } {
    const saved = this.temps;
    this.temps = [];
    try {
      const result = body();
      return { result, temps: this.temps };
    } finally {
      this.temps = saved;
    }
  }

  /**
   * The temporary that holds the computed key of `owner` (a property, field or method), made at
   * the first ask and declared by the innermost statement list being visited: `$k`, `$k_1`,
   * `$k_2`... (each distinct in the file, and none that the file mentions). It names a wrapped
   * function value (`{ [$k = __rt.key(k)]: ... }`) or a method to mark.
   */
  protected keyTemp(owner: N): string {
    let temp = this.keyTemps.get(owner);
    if (temp !== undefined) return temp;
    for (;;) {
      const i = this.tempCandidates++;
      temp = i === 0 ? "$k" : `$k_${i}`;
      if (!mentions(this.text, temp)) break;
    }
    this.temps.push(temp);
    this.keyTemps.set(owner, temp);
    return temp;
  }

  /** The temporary of `owner`'s computed key, if {@link keyTemp} made one. */
  protected keyTempOf(owner: N): string | undefined {
    return this.keyTemps.get(owner);
  }

  /**
   * Visits `body` as code after which the function still runs code when it returns (see
   * {@link FunctionState.runsAfterReturn}). Only inside a compiled function.
   */
  protected runningAfterReturn<R>(body: () => R): R {
    const fn = this.fn!;
    fn.runsAfterReturn++;
    try {
      return body();
    } finally {
      fn.runsAfterReturn--;
    }
  }

  /** Whether a `return await x` at the visited node is the invocation's last step. Only inside a compiled function. */
  protected endsInvocation(): boolean {
    return !this.fn!.generator && this.fn!.runsAfterReturn === 0;
  }

  /**
   * The 1-based line and column where `node` starts in the file as written (UTF-16 units, as
   * both parsers count them).
   */
  protected abstract positionOf(node: N): { line: number; column: number };

  /**
   * A new site at `node` in the visited function (an `await`, a `for await`, a `yield*`, or the
   * first `await using` of a resource block, else its first `using`): its index in the file's table, which the hook of that
   * await receives; undefined when sites are off. Both front ends make sites in the same order
   * (each after visiting the site's own operands), so their tables are identical.
   */
  protected site(node: N): number | undefined {
    if (!this.sitesOn) return undefined;
    const { line, column } = this.positionOf(node);
    this.siteEntries.push(this.fn!.name, line, column);
    return this.siteEntries.length / 3 - 1;
  }

  /** The argument `enter` / `enterGenerator` pass (the table), or none when sites are off. */
  protected sitesArgument(): boolean {
    if (!this.sitesOn) return false;
    this.sitesUsed = true;
    return true;
  }

  /** The values of the file's site table: its path, then the sites' triples. */
  protected siteTable(): (string | number)[] {
    return [this.sitesFile, ...this.siteEntries];
  }

  /** Records a diagnostic at `node` (a warning only when the `warnings` option is on). */
  protected abstract report<A extends unknown[]>(node: N, kind: MessageKind<A>, ...args: A): void;

  /**
   * The mode one directive of a prologue sets, if any; reports a misspelling, and a real
   * directive where it does not apply (`applies`: the prologue is a file's or an async function's).
   */
  protected directiveMode(node: N, text: string, applies: boolean): Mode | undefined {
    const kind = classifyDirective(text);
    if (kind === "misspelled") this.report(node, messages.misspelledDirective, text, suggestDirective(text));
    else if (kind !== "other" && !applies) this.report(node, messages.directiveNotAsync, text);
    return kind === "structured" || kind === "unstructured" ? kind : undefined;
  }

  /** Reports a directive, or a near miss of one, written as a string statement outside a prologue, where it does nothing. */
  protected checkStrayDirective(node: N, text: string): void {
    const kind = classifyDirective(text);
    if (kind === "misspelled") this.report(node, messages.misspelledDirective, text, suggestDirective(text));
    else if (kind !== "other") this.report(node, messages.misplacedDirective, text);
  }
}

/** `base`, or `base_1`, `base_2`... whichever identifier `text` does not mention. */
function freeName(text: string, base: string): string {
  for (let i = 0; ; i++) {
    const name = i === 0 ? base : `${base}_${i}`;
    if (!mentions(text, name)) return name;
  }
}

/** Whether `text` holds the identifier `name` (as a whole word). */
function mentions(text: string, name: string): boolean {
  // Most files hold none of the names at all: a plain search settles that without the regex.
  if (!text.includes(name)) return false;
  return new RegExp(`(?<![\\w$])${name.replace(/\$/g, "\\$")}(?![\\w$])`).test(text);
}
