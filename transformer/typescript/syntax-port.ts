/**
 * The shared analysis's view of TypeScript's AST (transformer/core/syntax-port.ts): node kinds
 * mapped onto the closed union the decisions switch on. Read-only.
 */
import type * as TS from "typescript";
import type { Assignment, NodeKind, PropertyKey, SyntaxPort } from "../core/syntax-port";

export class TypeScriptPort implements SyntaxPort<TS.Node> {
  constructor(private readonly ts: typeof TS) {}

  kind(node: TS.Node): NodeKind {
    const { ts } = this;
    const SK = ts.SyntaxKind;
    switch (node.kind) {
      case SK.ParenthesizedExpression:
      case SK.AsExpression:
      case SK.SatisfiesExpression:
      case SK.NonNullExpression:
      case SK.TypeAssertionExpression:
        return "outer";
      case SK.NumericLiteral:
      case SK.BigIntLiteral:
      case SK.StringLiteral:
      case SK.NoSubstitutionTemplateLiteral:
      case SK.TemplateExpression:
      case SK.RegularExpressionLiteral:
      case SK.TrueKeyword:
      case SK.FalseKeyword:
      case SK.NullKeyword:
        return "literal";
      case SK.ObjectLiteralExpression:
        return "object";
      case SK.ArrayLiteralExpression:
        return "array";
      case SK.ArrowFunction:
      case SK.FunctionExpression:
        return "function";
      case SK.FunctionDeclaration:
        return "function-declaration";
      case SK.MethodDeclaration:
      case SK.GetAccessor:
      case SK.SetAccessor:
      case SK.Constructor:
        return "method";
      case SK.ClassExpression:
      case SK.ClassDeclaration:
        return "class";
      case SK.AwaitExpression:
        return "await";
      case SK.YieldExpression:
        return "yield";
      case SK.PrefixUnaryExpression:
      case SK.PostfixUnaryExpression:
      case SK.TypeOfExpression:
      case SK.VoidExpression:
      case SK.DeleteExpression:
        return "unary";
      case SK.Identifier:
        return "identifier";
      case SK.ConditionalExpression:
        return "conditional";
      case SK.BinaryExpression: {
        const op = (node as TS.BinaryExpression).operatorToken.kind;
        const operand =
          (op >= SK.FirstAssignment && op <= SK.LastAssignment) ||
          op === SK.CommaToken ||
          op === SK.AmpersandAmpersandToken ||
          op === SK.BarBarToken ||
          op === SK.QuestionQuestionToken;
        return operand ? "operand-operator" : "value-operator";
      }
      case SK.CallExpression:
        return (node as TS.CallExpression).expression.kind === SK.ImportKeyword ? "import-call" : "call";
      case SK.NewExpression:
        return "new";
      case SK.TaggedTemplateExpression:
        return "tagged-template";
      case SK.SpreadElement:
        return "spread";
      case SK.PropertyAccessExpression:
        return ts.isIdentifier((node as TS.PropertyAccessExpression).name) ? "member" : "other";
      case SK.VariableDeclaration:
      case SK.Parameter:
      case SK.BindingElement:
        return "binding";
      case SK.PropertyAssignment:
      case SK.PropertyDeclaration:
        return "property";
      case SK.ExportAssignment:
        return "export-default";
      case SK.ReturnStatement:
        return "return";
      case SK.ForOfStatement:
        return (node as TS.ForOfStatement).awaitModifier !== undefined ? "for-await" : "other";
      case SK.VariableDeclarationList:
        // `await using` sets Using too (AwaitUsing = Using | Const).
        return ((node as TS.VariableDeclarationList).flags & ts.NodeFlags.Using) !== 0 ? "using" : "other";
    }
    return "other";
  }

  someChild(node: TS.Node, test: (child: TS.Node) => boolean): boolean {
    // An object literal's spread is a SpreadAssignment here, a kind of its own ("other").
    return this.ts.forEachChild(node, (child) => (test(child) ? true : undefined)) === true;
  }

  inner(node: TS.Node): TS.Node {
    return (node as TS.ParenthesizedExpression).expression;
  }

  callee(node: TS.Node): TS.Node {
    return (node as TS.CallExpression | TS.NewExpression).expression;
  }

  args(node: TS.Node): readonly TS.Node[] {
    return (node as TS.CallExpression | TS.NewExpression).arguments ?? [];
  }

  identifierName(node: TS.Node): string {
    return (node as TS.Identifier).text;
  }

  memberObject(node: TS.Node): TS.Node {
    return (node as TS.PropertyAccessExpression).expression;
  }

  memberName(node: TS.Node): string {
    return (node as TS.PropertyAccessExpression).name.text;
  }

  branches(node: TS.Node): readonly [TS.Node, TS.Node] {
    const conditional = node as TS.ConditionalExpression;
    return [conditional.whenTrue, conditional.whenFalse];
  }

  elements(node: TS.Node): readonly TS.Node[] {
    return (node as TS.ArrayLiteralExpression).elements.filter((element) => !this.ts.isOmittedExpression(element));
  }

  returnOperand(node: TS.Node): TS.Node | undefined {
    return (node as TS.ReturnStatement).expression;
  }

  definedParts(node: TS.Node): readonly TS.Node[] {
    const { name, modifiers } = node as TS.MethodDeclaration;
    const parts: TS.Node[] = [];
    if (name !== undefined && this.ts.isComputedPropertyName(name)) parts.push(name);
    // Decorators are among the modifiers; the keyword modifiers hold nothing that runs.
    if (modifiers !== undefined) parts.push(...modifiers);
    return parts;
  }

  parent(node: TS.Node): TS.Node | undefined {
    return node.parent;
  }

  bindingTarget(node: TS.Node): TS.Node {
    return (node as TS.VariableDeclaration).name;
  }

  valueOf(node: TS.Node): TS.Node | undefined {
    return (node as TS.VariableDeclaration | TS.PropertyAssignment | TS.PropertyDeclaration).initializer;
  }

  propertyKey(node: TS.Node): PropertyKey {
    const { ts } = this;
    const name = (node as TS.PropertyAssignment | TS.PropertyDeclaration | TS.MethodDeclaration).name;
    if (ts.isComputedPropertyName(name)) {
      return {
        computed: true,
        stringLiteral: ts.isStringLiteral(name.expression) ? name.expression.text : undefined,
        isPrivate: false,
      };
    }
    if (ts.isPrivateIdentifier(name)) return { computed: false, name: name.text, isPrivate: true };
    const plain = ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name);
    return { computed: false, name: plain ? name.text : undefined, isPrivate: false };
  }

  assignment(node: TS.Node): Assignment<TS.Node> | undefined {
    const { ts } = this;
    if (!ts.isBinaryExpression(node)) return undefined;
    const op = node.operatorToken.kind;
    if (op < ts.SyntaxKind.FirstAssignment || op > ts.SyntaxKind.LastAssignment) return undefined;
    return { operator: ts.tokenToString(op)!, target: node.left, value: node.right };
  }
}
