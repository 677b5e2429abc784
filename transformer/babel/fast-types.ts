/**
 * The part of `@babel/types` the Babel front end uses, read once per `@babel/types` instance.
 *
 * Each export of `@babel/types` is a getter, and a builder's is two deep (the package's index
 * re-exports the builders' module, which re-exports each builder), so every `t.identifier(...)`
 * ran two getters before the builder itself: over many small files, reading `t.X` cost the
 * rewrite about as much as validating the nodes it builds. Read once into a plain object, each
 * is a property load.
 */
import type { types as BabelTypes } from "@babel/core";

type BabelTypesModule = typeof BabelTypes;

/**
 * The builders, predicates and tables of `@babel/types` that the rewrite and its helpers use, and
 * each node type's child keys that can hold code that runs, filled in as the walks ask
 * (./syntax-port.ts, `valueKeys`).
 */
export type FastTypes = { readonly valueKeysByType: Map<string, readonly string[]> } & Pick<
  BabelTypesModule,
  | "VISITOR_KEYS"
  | "arrayExpression"
  | "assignmentExpression"
  | "awaitExpression"
  | "blockStatement"
  | "callExpression"
  | "catchClause"
  | "expressionStatement"
  | "identifier"
  | "importDeclaration"
  | "importNamespaceSpecifier"
  | "isLoop"
  | "memberExpression"
  | "numericLiteral"
  | "returnStatement"
  | "sequenceExpression"
  | "staticBlock"
  | "stringLiteral"
  | "thisExpression"
  | "tryStatement"
  | "variableDeclaration"
  | "variableDeclarator"
>;

const byInstance = new WeakMap<object, FastTypes>();

/** {@link FastTypes} of `t` (the `types` Babel hands the plugin), made on the first call for each instance. */
export function fastTypes(t: BabelTypesModule): FastTypes {
  let fast = byInstance.get(t);
  if (fast === undefined) {
    fast = {
      valueKeysByType: new Map(),
      VISITOR_KEYS: t.VISITOR_KEYS,
      arrayExpression: t.arrayExpression,
      assignmentExpression: t.assignmentExpression,
      awaitExpression: t.awaitExpression,
      blockStatement: t.blockStatement,
      callExpression: t.callExpression,
      catchClause: t.catchClause,
      expressionStatement: t.expressionStatement,
      identifier: t.identifier,
      importDeclaration: t.importDeclaration,
      importNamespaceSpecifier: t.importNamespaceSpecifier,
      isLoop: t.isLoop,
      memberExpression: t.memberExpression,
      numericLiteral: t.numericLiteral,
      returnStatement: t.returnStatement,
      sequenceExpression: t.sequenceExpression,
      staticBlock: t.staticBlock,
      stringLiteral: t.stringLiteral,
      thisExpression: t.thisExpression,
      tryStatement: t.tryStatement,
      variableDeclaration: t.variableDeclaration,
      variableDeclarator: t.variableDeclarator,
    };
    byInstance.set(t, fast);
  }
  return fast;
}
