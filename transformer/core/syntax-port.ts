/**
 * What the rewrite's decisions read from a syntax tree, whichever parser made it: the port
 * each front end implements over its own AST (transformer/typescript/syntax-port.ts over
 * TypeScript's, transformer/babel/syntax-port.ts over Babel's). transformer/core/analysis.ts
 * makes every decision against this interface only, so the two front ends cannot decide
 * differently; they differ only in the nodes they build.
 *
 * The port is read-only: it never builds or changes a node.
 */

/**
 * The shapes the decisions tell apart: a closed union, so a decision that switches on it is
 * checked for every case. Each front end maps its own node types onto it; a node that none of
 * the decisions looks at is `"other"` (its children are still walked).
 */
export type NodeKind =
  /** Parentheses and type-only wrappers (`as`, `satisfies`, `!`, `<T>x`): the value of {@link SyntaxPort.inner}. */
  | "outer"
  /** A number, bigint, string, template (with or without substitutions), regular expression, boolean or `null`. */
  | "literal"
  | "object"
  | "array"
  /** An arrow function or a function expression: a value, whose body runs later. */
  | "function"
  /** A function declaration: hoisted, its body runs later. */
  | "function-declaration"
  /** A method, accessor or constructor of a class or object literal: its computed key and decorators run now. */
  | "method"
  /** A class expression or declaration. */
  | "class"
  | "await"
  | "yield"
  /** A prefix or postfix operator, `typeof`, `void` or `delete`: the value is never a promise. */
  | "unary"
  | "identifier"
  | "conditional"
  /** A binary operator that computes a new value (arithmetic, comparison, `in`, `instanceof`...). */
  | "value-operator"
  /** An assignment, `,`, `&&`, `||` or `??`: the value is one of the operands. */
  | "operand-operator"
  /** A call (an optional call included) of anything but `import`. */
  | "call"
  /** `import(specifier)`. */
  | "import-call"
  | "new"
  | "tagged-template"
  /** A spread in a call's arguments or an array literal (runs the iterator); an object literal's spread is `"other"`. */
  | "spread"
  /** `a.b` or `a?.b` with a plain (not computed, not private) property name. */
  | "member"
  /** A variable declarator, parameter or binding element, with or without an initializer. */
  | "binding"
  /** A property of an object literal (not a method or a shorthand) or a field of a class. */
  | "property"
  /** `export default x` or `export = x`. */
  | "export-default"
  | "return"
  | "for-await"
  /** A `using` or `await using` declaration list. */
  | "using"
  | "other";

/** The key of a property, field or method, as the decisions about names read it. */
export interface PropertyKey {
  /** `[expression]`. */
  readonly computed: boolean;
  /** The value of a computed key that is a string literal (`["x"]`). */
  readonly stringLiteral?: string | undefined;
  /** The text of a plain key: an identifier, a string or a number, or a private name with its `#`. */
  readonly name?: string | undefined;
  /** A private name (`#x`). */
  readonly isPrivate: boolean;
}

/** An assignment's parts (`target operator value`). */
export interface Assignment<N> {
  /** As written: `"="`, `"+="`, `"??="`... */
  readonly operator: string;
  readonly target: N;
  readonly value: N;
}

/** A front end's read-only view of its syntax tree, for the shared decisions. */
export interface SyntaxPort<N> {
  /** The shape of `node`. */
  kind(node: N): NodeKind;
  /**
   * Whether `test` holds for a child of `node`, in source order, skipping type-only children. An
   * object literal's spread is passed through to its operand (it is not a {@link NodeKind} `"spread"`).
   */
  someChild(node: N, test: (child: N) => boolean): boolean;
  /** The wrapped expression of an `"outer"` node. */
  inner(node: N): N;
  /** The callee of a `"call"`, `"import-call"` or `"new"` node (for `import(x)`, the node itself). */
  callee(node: N): N;
  /** The arguments of a `"call"`, `"import-call"` or `"new"` node (empty for `new C`). */
  args(node: N): readonly N[];
  /** The name of an `"identifier"` node. */
  identifierName(node: N): string;
  /** The object of a `"member"` node (`a` of `a.b`). */
  memberObject(node: N): N;
  /** The property name of a `"member"` node (`b` of `a.b`). */
  memberName(node: N): string;
  /** The two branches of a `"conditional"` node. */
  branches(node: N): readonly [whenTrue: N, whenFalse: N];
  /** The elements of an `"array"` node, holes left out. */
  elements(node: N): readonly N[];
  /** The operand of a `"return"` node, if it has one. */
  returnOperand(node: N): N | undefined;
  /** The parts of a `"method"` node that run where it is defined: its computed key and its decorators. */
  definedParts(node: N): readonly N[];
  /**
   * The syntactic parent of `node`, undefined at the root. (A front end whose nodes hold no parent
   * answers for the nodes on the path being visited.)
   */
  parent(node: N): N | undefined;
  /** The name a `"binding"` node binds (an identifier, or a destructuring pattern). */
  bindingTarget(node: N): N;
  /** The initial value of a `"binding"` node or the value of a `"property"` node, if it has one. */
  valueOf(node: N): N | undefined;
  /** The key of a `"property"` or `"method"` node. */
  propertyKey(node: N): PropertyKey;
  /** The parts of an assignment expression (any operator), undefined for any other node. */
  assignment(node: N): Assignment<N> | undefined;
}
