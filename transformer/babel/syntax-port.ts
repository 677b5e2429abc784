/**
 * The shared analysis's view of Babel's AST (transformer/core/syntax-port.ts): node types mapped
 * onto the closed union the decisions switch on. Read-only.
 */
import type { types as BabelTypes } from "@babel/core";
import type { Assignment, NodeKind, PropertyKey, SyntaxPort } from "../core/syntax-port";
import type { FastTypes } from "./fast-types";

type Node = BabelTypes.Node;
/** Generic access to a node's children by visitor key. */
type Open = Node & Record<string, unknown>;

/** Child keys that only hold types. */
export const TYPE_KEYS: ReadonlySet<string> = new Set([
  "typeAnnotation",
  "returnType",
  "typeParameters",
  "superTypeParameters",
  "superTypeArguments",
  "typeArguments",
  "implements",
  "predicate",
]);

/**
 * The child keys of `type` that can hold code that runs (its visitor keys without
 * {@link TYPE_KEYS}), computed once per node type and `@babel/types` instance. The walks look
 * them up at every node, and `VISITOR_KEYS` is a dictionary of some 300 types, filtered afresh
 * each time otherwise.
 */
export function valueKeys(t: FastTypes, type: string): readonly string[] {
  let keys = t.valueKeysByType.get(type);
  if (keys === undefined)
    t.valueKeysByType.set(type, (keys = (t.VISITOR_KEYS[type] ?? []).filter((key) => !TYPE_KEYS.has(key))));
  return keys;
}

/** Wrappers that do not change a value: parentheses and TypeScript's `as`, `satisfies`, `!`, `<T>x`. */
const OUTER: ReadonlySet<string> = new Set([
  "ParenthesizedExpression",
  "TSAsExpression",
  "TSSatisfiesExpression",
  "TSNonNullExpression",
  "TSTypeAssertion",
]);

export class BabelPort implements SyntaxPort<Node> {
  /**
   * @param ancestors - the path being visited, outermost first: Babel's nodes hold no parent, so
   *   {@link parent} answers for the nodes on it (the rewriter keeps it as it walks).
   */
  constructor(
    private readonly t: FastTypes,
    private readonly ancestors: readonly Node[] = [],
  ) {}

  kind(node: Node): NodeKind {
    if (OUTER.has(node.type)) return "outer";
    switch (node.type) {
      case "NumericLiteral":
      case "BigIntLiteral":
      case "StringLiteral":
      case "TemplateLiteral":
      case "RegExpLiteral":
      case "BooleanLiteral":
      case "NullLiteral":
        return "literal";
      case "ObjectExpression":
        return "object";
      case "ArrayExpression":
        return "array";
      case "ArrowFunctionExpression":
      case "FunctionExpression":
        return "function";
      case "FunctionDeclaration":
        return "function-declaration";
      case "ObjectMethod":
      case "ClassMethod":
      case "ClassPrivateMethod":
        return "method";
      case "ClassExpression":
      case "ClassDeclaration":
        return "class";
      case "AwaitExpression":
        return "await";
      case "YieldExpression":
        return "yield";
      case "UnaryExpression":
      case "UpdateExpression":
        return "unary";
      case "Identifier":
        return "identifier";
      case "ConditionalExpression":
        return "conditional";
      case "BinaryExpression":
        return "value-operator";
      case "LogicalExpression":
      case "AssignmentExpression":
      case "SequenceExpression":
        return "operand-operator";
      case "CallExpression":
      case "OptionalCallExpression":
        return node.callee.type === "Import" ? "import-call" : "call";
      case "ImportExpression":
        return "import-call";
      case "NewExpression":
        return "new";
      case "TaggedTemplateExpression":
        return "tagged-template";
      case "SpreadElement":
        return "spread";
      case "MemberExpression":
      case "OptionalMemberExpression":
        return !node.computed && node.property.type === "Identifier" ? "member" : "other";
      case "VariableDeclarator":
      case "AssignmentPattern":
        return "binding";
      case "ObjectProperty":
      case "ClassProperty":
      case "ClassPrivateProperty":
      case "ClassAccessorProperty":
        return "property";
      case "ExportDefaultDeclaration":
      case "TSExportAssignment":
        return "export-default";
      case "ReturnStatement":
        return "return";
      case "ForOfStatement":
        return node.await ? "for-await" : "other";
      case "VariableDeclaration":
        return node.kind === "using" || node.kind === "await using" ? "using" : "other";
    }
    return "other";
  }

  someChild(node: Node, test: (child: Node) => boolean): boolean {
    const objectLiteral = node.type === "ObjectExpression";
    for (const key of valueKeys(this.t, node.type)) {
      const child = (node as Open)[key];
      if (Array.isArray(child)) {
        for (const item of child) {
          if (item == null || typeof item !== "object") continue;
          // An object literal's spread runs no iterator (TypeScript gives it a node of its own):
          // only its operand is looked at.
          const visited =
            objectLiteral && (item as Node).type === "SpreadElement"
              ? (item as BabelTypes.SpreadElement).argument
              : (item as Node);
          if (test(visited)) return true;
        }
      } else if (child != null && typeof child === "object" && test(child as Node)) {
        return true;
      }
    }
    return false;
  }

  inner(node: Node): Node {
    return (node as BabelTypes.TSAsExpression).expression;
  }

  callee(node: Node): Node {
    return (node as BabelTypes.CallExpression).callee;
  }

  args(node: Node): readonly Node[] {
    return node.type === "ImportExpression" ? [node.source] : (node as BabelTypes.CallExpression).arguments;
  }

  identifierName(node: Node): string {
    return (node as BabelTypes.Identifier).name;
  }

  memberObject(node: Node): Node {
    return (node as BabelTypes.MemberExpression).object;
  }

  memberName(node: Node): string {
    return ((node as BabelTypes.MemberExpression).property as BabelTypes.Identifier).name;
  }

  branches(node: Node): readonly [Node, Node] {
    const conditional = node as BabelTypes.ConditionalExpression;
    return [conditional.consequent, conditional.alternate];
  }

  elements(node: Node): readonly Node[] {
    return (node as BabelTypes.ArrayExpression).elements.filter(
      (element): element is NonNullable<typeof element> => element != null,
    );
  }

  returnOperand(node: Node): Node | undefined {
    return (node as BabelTypes.ReturnStatement).argument ?? undefined;
  }

  definedParts(node: Node): readonly Node[] {
    const method = node as BabelTypes.ClassMethod | BabelTypes.ClassPrivateMethod | BabelTypes.ObjectMethod;
    const parts: Node[] = [];
    if (method.type !== "ClassPrivateMethod" && method.computed) parts.push(method.key);
    if (method.type !== "ObjectMethod" && method.decorators != null) parts.push(...method.decorators);
    return parts;
  }

  parent(node: Node): Node | undefined {
    const index = this.ancestors.lastIndexOf(node);
    return index > 0 ? this.ancestors[index - 1] : undefined;
  }

  bindingTarget(node: Node): Node {
    return node.type === "AssignmentPattern" ? node.left : (node as BabelTypes.VariableDeclarator).id;
  }

  valueOf(node: Node): Node | undefined {
    switch (node.type) {
      case "VariableDeclarator":
        return node.init ?? undefined;
      case "AssignmentPattern":
        return node.right;
      case "ObjectProperty":
      case "ClassProperty":
      case "ClassPrivateProperty":
      case "ClassAccessorProperty":
        return node.value ?? undefined;
    }
    return undefined;
  }

  propertyKey(node: Node): PropertyKey {
    const owner = node as
      BabelTypes.ObjectProperty | BabelTypes.ClassProperty | BabelTypes.ClassMethod | BabelTypes.ObjectMethod;
    const key = owner.key as Node;
    if ("computed" in owner && owner.computed === true) {
      return { computed: true, stringLiteral: key.type === "StringLiteral" ? key.value : undefined, isPrivate: false };
    }
    switch (key.type) {
      case "PrivateName":
        return { computed: false, name: `#${key.id.name}`, isPrivate: true };
      case "Identifier":
        return { computed: false, name: key.name, isPrivate: false };
      case "StringLiteral":
        return { computed: false, name: key.value, isPrivate: false };
      case "NumericLiteral":
        return { computed: false, name: String(key.value), isPrivate: false };
    }
    return { computed: false, isPrivate: false };
  }

  assignment(node: Node): Assignment<Node> | undefined {
    return node.type === "AssignmentExpression"
      ? { operator: node.operator, target: node.left, value: node.right }
      : undefined;
  }
}
