/**
 * Gives the `try` block of a compiled function the scope information Babel already has for the
 * function's body, so that Babel does not crawl the body again.
 *
 * Babel crawls a file's scopes once, before any plugin runs, and keeps a path per node and
 * parent node, a scope per node and path. The Babel front end compiles a function with a block
 * body by making that very body node the `try` block, under a new function body
 * (./rewrite.ts, `compileBody`): the statements keep their parent node, so their paths, and the
 * scopes of everything inside them, are still the ones the first crawl made. Only the block is
 * new as a scope (a function's body is not a scope of its own in Babel; a `try` block is), and a
 * new scope is crawled when a traversal first reaches it: a walk over the whole body, nested
 * functions included, which cost later plugins about as much as the rewrite itself.
 *
 * Instead, when the traversal enters such a `try` statement, the block gets its scope from a
 * crawl of the block emptied for the moment (which sets up the scope as the running Babel does
 * it), and the bindings the first crawl gave the function for the block's own `let`, `const`,
 * `class` and function declarations move to it, with the references and reassignments found
 * then: what a crawl of the block would find. Everything else the first crawl recorded holds
 * (the same nodes, under the same parents). Babel still crawls what the rewrite put under new
 * nodes that are scopes (an arrow function wrapped in `__rt.markStructured(...)`, the `finally`
 * block); such a crawl registers a use the rewrite wrapped (`return p` => `__rt.ret($c, p)`, a
 * new path for the same node) a second time, as the crawls of whole bodies did before. When the
 * body holds anything the first crawl did not see (a declaration the rewrite added: the rewrite
 * leaves such bodies out), or the scope looks other than expected, nothing is done and Babel
 * crawls the block as before.
 */
import type { NodePath, PluginPass, types as BabelTypes, Visitor } from "@babel/core";

type TryPath = NodePath<BabelTypes.TryStatement>;
type Scope = TryPath["scope"];
type Binding = NonNullable<ReturnType<Scope["getOwnBinding"]>>;

/** Hands the bindings of rewritten function bodies to their `try` blocks, for every file a plugin instance rewrites. */
export class ScopeHandover {
  /** The `try` statements whose block is a function's original body (see RewriteResult.guards). */
  private readonly guards = new WeakSet<BabelTypes.TryStatement>();

  /** @param t - `@babel/types` of the Babel that runs the plugin. */
  constructor(private readonly t: typeof BabelTypes) {}

  /** Records the `try` statements a file's rewrite made around original function bodies. */
  expect(guards: readonly BabelTypes.TryStatement[]): void {
    for (const guard of guards) this.guards.add(guard);
  }

  /** The plugin's visitor for it (merged into the plugin's own). */
  readonly visitor: Visitor<PluginPass> = {
    TryStatement: (path: TryPath) => {
      if (!this.guards.delete(path.node)) return;
      this.handOver(path);
    },
  };

  private handOver(tryPath: TryPath): void {
    const block = tryPath.node.block;
    const functionScope = tryPath.scope;
    if (!functionScope.path.isFunction()) return;
    const moving = this.blockBindings(block, functionScope);
    if (moving === undefined) return;
    // The block's scope, made by a crawl of nothing: Babel sets it up as its version does.
    const statements = block.body;
    block.body = [];
    let blockScope: Scope;
    try {
      blockScope = tryPath.get("block").scope;
    } finally {
      block.body = statements;
    }
    // A scope something else made already (a traversal that reached the block first) is left as it is.
    if (blockScope === functionScope || blockScope.block !== block || Object.keys(blockScope.bindings).length > 0)
      return;
    for (const binding of moving) {
      const name = binding.identifier.name;
      delete functionScope.bindings[name];
      blockScope.bindings[name] = binding;
      binding.scope = blockScope;
    }
  }

  /**
   * The function scope's bindings of the block-scoped declarations among `block`'s statements
   * (those a crawl of the block would register in it); undefined when one of them is not the
   * binding the first crawl made for that very declaration.
   */
  private blockBindings(block: BabelTypes.BlockStatement, functionScope: Scope): Binding[] | undefined {
    const bindings: Binding[] = [];
    for (const statement of block.body) {
      if (!isBlockScoped(statement)) continue;
      const declared = this.t.getOuterBindingIdentifiers(statement);
      for (const name of Object.keys(declared)) {
        const binding = functionScope.getOwnBinding(name);
        if (binding === undefined || binding.identifier !== declared[name]) return undefined;
        bindings.push(binding);
      }
    }
    return bindings;
  }
}

/** A declaration Babel registers in the block it stands in (not in the function around it). */
function isBlockScoped(statement: BabelTypes.Statement): boolean {
  switch (statement.type) {
    case "FunctionDeclaration":
    case "ClassDeclaration":
      return true;
    case "VariableDeclaration":
      return statement.kind !== "var";
  }
  return false;
}
