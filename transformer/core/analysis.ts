/**
 * The decisions of the rewrite, written once against a {@link SyntaxPort}: which bodies are
 * leaves, which values may be promises, which calls are direct, which expressions open a scope,
 * which loops hold a `for await`, which promise combinators deserve a warning. Each front end's
 * rewriter asks its file's `Analysis` and only builds nodes from the answers, so both front ends
 * decide alike by construction (tests/transformer/analysis.test.ts runs every decision over both
 * ports).
 *
 * Every decision is syntactic and reads the original tree, never a rewritten one.
 */
import { CALLBACK_RUNNERS, PROMISE_COMBINATORS, SCOPE_FACTORIES } from "./rules";
import type { SyntaxPort } from "./syntax-port";

/**
 * What a name is taken from: a fixed text, or the value of the computed key of `keyOf` (a
 * property, field or method), which the rewrite keeps in a temporary.
 */
export type NameSource<N> = { readonly text: string } | { readonly keyOf: N };

/** The assignments that name the function they assign (`f = async () => {}`), as the engine names it. */
const NAMING_ASSIGNMENTS: ReadonlySet<string> = new Set(["=", "??=", "||=", "&&="]);

export class Analysis<N> {
  constructor(private readonly port: SyntaxPort<N>) {}

  /** `node` without its parentheses and type-only wrappers (`as`, `satisfies`, `!`, `<T>x`). */
  skipOuter(node: N): N {
    const { port } = this;
    while (port.kind(node) === "outer") node = port.inner(node);
    return node;
  }

  /**
   * Whether a function body never suspends and never returns a direct call: no `await`, `for
   * await` or `using` declaration and no `return g(a)` (whose callee may be compiled) that belong
   * to it (not to a nested function; a nested method's computed key and decorators do belong to
   * it). Such a function runs inside its caller's segment and needs no invocation state.
   *
   * @param body - a block, or an arrow function's expression body (`isBlock` false).
   */
  isLeafBody(body: N, isBlock: boolean): boolean {
    const { port } = this;
    if (!isBlock && this.isDirectCall(body)) return false;
    const needsInvocation = (node: N): boolean => {
      switch (port.kind(node)) {
        case "await":
        case "for-await":
        case "using":
          return true;
        case "return": {
          const operand = port.returnOperand(node);
          if (operand !== undefined && this.isDirectCall(operand)) return true;
          break;
        }
        case "function":
        case "function-declaration":
          return false;
        case "method":
          return port.definedParts(node).some(needsInvocation);
      }
      return port.someChild(node, needsInvocation);
    };
    return !needsInvocation(body);
  }

  /**
   * A call whose callee and arguments run no other code first (no calls, `new`, awaits, yields,
   * tagged templates, spreads or class bodies): if a compiled function is entered during it, it
   * is the callee. `import(x)` is never one.
   */
  isDirectCall(expression: N): boolean {
    const { port } = this;
    const call = this.skipOuter(expression);
    if (port.kind(call) !== "call") return false;
    const runsCode = (node: N): boolean => {
      switch (port.kind(node)) {
        case "call":
        case "import-call":
        case "new":
        case "await":
        case "yield":
        case "tagged-template":
        case "spread":
        case "class":
          return true;
        case "function":
          return false;
      }
      return port.someChild(node, runsCode);
    };
    return !runsCode(port.callee(call)) && !port.args(call).some(runsCode);
  }

  /** False for expressions whose value is never a promise; true when it might be one. */
  mayBePromise(expression: N): boolean {
    const { port } = this;
    const node = this.skipOuter(expression);
    switch (port.kind(node)) {
      case "literal":
      case "object":
      case "array":
      case "function":
      case "class":
      case "await":
      case "unary":
      case "value-operator":
        return false;
      case "identifier":
        return port.identifierName(node) !== "undefined";
      case "conditional": {
        const [whenTrue, whenFalse] = port.branches(node);
        return this.mayBePromise(whenTrue) || this.mayBePromise(whenFalse);
      }
    }
    return true;
  }

  /** The name a call goes by: `f` of `f()` and of `a.f()`; undefined for any other callee. */
  calleeName(expression: N): string | undefined {
    const { port } = this;
    const callee = this.skipOuter(expression);
    switch (port.kind(callee)) {
      case "identifier":
        return port.identifierName(callee);
      case "member":
        return port.memberName(callee);
    }
    return undefined;
  }

  /** Whether `expression` (syntactically) makes a cancel scope or a task group (`moveOnAfter(...)`, `new CancelScope()`). */
  opensScope(expression: N): boolean {
    const { port } = this;
    const inner = this.skipOuter(expression);
    const kind = port.kind(inner);
    if (kind !== "call" && kind !== "new") return false;
    const name = this.calleeName(port.callee(inner));
    return name !== undefined && SCOPE_FACTORIES.has(name);
  }

  /** Whether a `for await` of the function being visited is inside `node` (not one of a nested function or class). */
  containsForAwait(node: N): boolean {
    const { port } = this;
    switch (port.kind(node)) {
      case "function":
      case "function-declaration":
      case "method":
      case "class":
        return false;
      case "for-await":
        return true;
    }
    return port.someChild(node, (child) => this.containsForAwait(child));
  }

  /**
   * Whether the key of `owner` (a property, field or method) is computed from an expression
   * other than a string literal: its value is known only when the code runs, so the rewrite
   * keeps it in a temporary to name the function by (`{ [$k = __rt.key(k)]: ... }`).
   */
  needsKeyTemp(owner: N): boolean {
    const key = this.port.propertyKey(owner);
    return key.computed && key.stringLiteral === undefined;
  }

  /**
   * What the key of `owner` names it by: its temporary ({@link needsKeyTemp}), the string of
   * `["x"]`, or the plain key's text; undefined for a private name unless `withPrivate`.
   */
  keyName(owner: N, withPrivate: boolean): NameSource<N> | undefined {
    const key = this.port.propertyKey(owner);
    if (key.computed) return key.stringLiteral === undefined ? { keyOf: owner } : { text: key.stringLiteral };
    if (key.name === undefined || (key.isPrivate && !withPrivate)) return undefined;
    return { text: key.name };
  }

  /**
   * Where `node` stands: `parent` is its nearest ancestor that is not a parenthesis or type-only
   * wrapper, `child` the node under it that holds `node` (itself, or a wrapper).
   */
  placeOf(node: N): { child: N; parent: N | undefined } {
    const { port } = this;
    let child = node;
    let parent = port.parent(node);
    while (parent !== undefined && port.kind(parent) === "outer") {
      child = parent;
      parent = port.parent(parent);
    }
    return { child, parent };
  }

  /**
   * The name a function value gets from where it is written, as the engine gives it
   * (`const f = async () => {}`, `{ m: async () => {} }`, `x ??= async () => {}`, `export default
   * async () => {}`); undefined where its position gives none.
   */
  nameFromPlace(node: N): NameSource<N> | undefined {
    const { port } = this;
    const { child, parent } = this.placeOf(node);
    if (parent === undefined) return undefined;
    switch (port.kind(parent)) {
      case "binding": {
        if (port.valueOf(parent) !== child) return undefined;
        const target = port.bindingTarget(parent);
        return port.kind(target) === "identifier" ? { text: port.identifierName(target) } : undefined;
      }
      case "property":
        return port.valueOf(parent) === child ? this.keyName(parent, true) : undefined;
      case "export-default":
        return { text: "default" };
    }
    const assignment = port.assignment(parent);
    if (assignment !== undefined && assignment.value === child && NAMING_ASSIGNMENTS.has(assignment.operator)) {
      return port.kind(assignment.target) === "identifier"
        ? { text: port.identifierName(assignment.target) }
        : undefined;
    }
    return undefined;
  }

  /**
   * The name a site table shows for a compiled function: `ownName` (a declaration's or a named
   * function expression's), else its key (a method: the key's text, `[computed]` for a computed
   * one), else the name its position gives it (`const f = async () => {}`, `export default`),
   * else `<anonymous>`.
   */
  siteName(node: N, ownName: string | undefined): string {
    if (ownName !== undefined) return ownName;
    // A declaration without a name is `export default async function () {}`, named "default".
    if (this.port.kind(node) === "function-declaration") return "default";
    const source = this.port.kind(node) === "method" ? this.keyName(node, true) : this.nameFromPlace(node);
    if (source === undefined) return "<anonymous>";
    return "text" in source ? source.text : "[computed]";
  }

  /**
   * Whether `node` (a function value) is passed straight to one of the runtime's callback
   * runners (`tg.startSoon(() => ...)`): see CALLBACK_RUNNERS.
   */
  isRunnerCallback(node: N): boolean {
    const { port } = this;
    const { child, parent } = this.placeOf(node);
    if (parent === undefined || port.kind(parent) !== "call" || !port.args(parent).includes(child)) return false;
    const name = this.calleeName(port.callee(parent));
    return name !== undefined && CALLBACK_RUNNERS.has(name);
  }

  /**
   * For `Promise.all([f(), g()])` and friends (an array literal holding calls, or an `xs.map(...)`
   * result, handed to a `Promise` combinator): the combinator's name, to warn about in structured
   * code; otherwise undefined.
   */
  unstructuredCombinator(call: N): string | undefined {
    const { port } = this;
    const callee = port.callee(call);
    if (port.kind(callee) !== "member") return undefined;
    const object = port.memberObject(callee);
    if (port.kind(object) !== "identifier" || port.identifierName(object) !== "Promise") return undefined;
    const name = port.memberName(callee);
    if (!PROMISE_COMBINATORS.has(name)) return undefined;
    const first = port.args(call)[0];
    if (first === undefined) return undefined;
    const isCall = (node: N): boolean => {
      const kind = port.kind(node);
      return kind === "call" || kind === "import-call";
    };
    const inner = this.skipOuter(first);
    const overCalls =
      port.kind(inner) === "array"
        ? port.elements(inner).some((element) => isCall(this.skipOuter(element)))
        : isCall(inner) && port.kind(port.callee(inner)) === "member" && port.memberName(port.callee(inner)) === "map";
    return overCalls ? name : undefined;
  }
}
