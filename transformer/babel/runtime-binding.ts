/**
 * Tells Babel's scope of a rewritten file about the runtime import, without crawling the file
 * again.
 *
 * Babel crawls a file's scopes once, before any plugin runs; the rewrite then changes the tree in
 * place. Of what it adds, later plugins need only the runtime import's binding, and one use of it:
 * preset-typescript removes an import whose binding has no use outside types (or adds `export {}`
 * to a file whose only import it cannot find a binding for). The rest needs no registration:
 * functions the rewrite creates get their scopes when a later traversal reaches them, its
 * `$c`/`$sites`/temporary names never collide with the file's (transformer/core/rewrite-state.ts
 * picks them against the file's text), and a reference the rewrite moved is the same node, so the
 * bindings found by the first crawl still hold it. A second whole-file crawl used to do this and
 * cost about half of the plugin's time over many small files; the outputs of both ways were
 * compared over 965 files and four preset configurations and differed in nothing.
 */
import type { NodePath, types as BabelTypes } from "@babel/core";
import type { FastTypes } from "./fast-types";
import { valueKeys } from "./syntax-port";

/** Node types without children. */
const LITERALS: ReadonlySet<string> = new Set(["StringLiteral", "NumericLiteral", "BooleanLiteral", "NullLiteral"]);

/** Registers the runtime import (the program's first statement, binding `name`) and one use of it in `programPath`'s scope. */
export function registerRuntimeBinding(programPath: NodePath<BabelTypes.Program>, name: string, t: FastTypes): void {
  const scope = programPath.scope;
  scope.registerDeclaration(programPath.get("body.0") as NodePath);
  const binding = scope.getBinding(name);
  const use = pathToMarker(programPath.node, name) ?? pathToFirstUse(programPath.node, name, t);
  if (binding !== undefined && use !== undefined) binding.reference(programPath.get(use) as NodePath);
}

/**
 * The key path of `name` in a marker statement at the top level (`__rt.markStructured(f);`,
 * `__rt.markMethods(C.prototype, "m");`), which most rewritten files have: found without
 * descending into any statement, where the first use in the file may come after a long class.
 */
function pathToMarker(program: BabelTypes.Program, name: string): string | undefined {
  const body = program.body;
  for (let i = 1; i < body.length; i++) {
    const statement = body[i]!;
    if (statement.type !== "ExpressionStatement" || statement.expression.type !== "CallExpression") continue;
    const callee = statement.expression.callee;
    if (callee.type === "MemberExpression" && callee.object.type === "Identifier" && callee.object.name === name)
      return `body.${i}.expression.callee.object`;
  }
  return undefined;
}

/**
 * The key path (`"body.2.body.body.0.declarations.0.init.callee.object"`) of the first `name.hook`
 * in the program after its first statement (the import), found by a walk over the raw nodes
 * (cheap next to a Babel traversal, which makes a path object per node), for a file without a
 * marker statement at the top level.
 */
function pathToFirstUse(program: BabelTypes.Program, name: string, t: FastTypes): string | undefined {
  const keys: (string | number)[] = ["body"];
  const search = (node: BabelTypes.Node): boolean => {
    // Literals hold nothing: the site table alone has three per await.
    if (LITERALS.has(node.type)) return false;
    if (node.type === "MemberExpression" && node.object.type === "Identifier" && node.object.name === name) {
      keys.push("object");
      return true;
    }
    const open = node as unknown as Record<string, unknown>;
    for (const key of valueKeys(t, node.type)) {
      const child = open[key];
      keys.push(key);
      if (Array.isArray(child)) {
        for (let i = 0; i < child.length; i++) {
          const item = child[i] as BabelTypes.Node | null;
          if (item == null) continue;
          keys.push(i);
          if (search(item)) return true;
          keys.pop();
        }
      } else if (child != null && typeof child === "object" && search(child as BabelTypes.Node)) return true;
      keys.pop();
    }
    return false;
  };
  for (let i = 1; i < program.body.length; i++) {
    keys.push(i);
    if (search(program.body[i]!)) return keys.join(".");
    keys.pop();
  }
  return undefined;
}
