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
import { PROMISE_COMBINATORS, SCOPE_FACTORIES } from "./rules";
import type { SyntaxPort } from "./syntax-port";

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
