/**
 * The rewrite of `"use structured"` code for the Babel front end: the twin of
 * transformer/typescript/rewrite.ts, over Babel's AST. One recursive visitor that switches on
 * node type, carries explicit function-boundary state, and rewrites a file's tree in place before
 * any other plugin's visitors (preset-typescript included) see it: it runs from the plugin's
 * `Program` enter, so TypeScript syntax is still present and type-only nodes are skipped.
 *
 * The same input gives the same runtime calls as the TypeScript front end (same hooks, same
 * helper names and collision rule, same markers); directive rules, options, syntactic rules and
 * every diagnostic text come from transformer/core. Wrappers take their original's `loc`, so
 * source maps point at the rewritten code's origin.
 *
 * Shape of a compiled async function:
 *
 *   async function f(a) {
 *     "use structured";
 *     const $c = __rt.enter();
 *     try {
 *       const x = __rt.resume($c, await __rt.suspend($c, foreign()));
 *       const y = __rt.resume($c, await __rt.suspendCall($c, (__rt.pre($c), g(a))));
 *     } finally {
 *       __rt.exit($c);
 *     }
 *   }
 *
 * Code outside structured functions keeps its very nodes; a file with nothing structured is not
 * touched at all.
 */
import type { types as BabelTypes } from "@babel/core";
import { Analysis, type NameSource } from "../core/analysis";
import { RewriteState, type FunctionState, type Mode, type TempKind } from "../core/rewrite-state";
import { messages, type MessageKind, type Severity } from "../core/messages";
import { isIncluded, type ResolvedOptions } from "../core/options";
import { hasMarkIn, insideMarks, mayNeedRewrite, rewriteMarks } from "../core/rules";
import { fastTypes, type FastTypes } from "./fast-types";
import { BabelPort, valueKeys } from "./syntax-port";

type T = typeof BabelTypes;
type Node = BabelTypes.Node;
type Statement = BabelTypes.Statement;
type Expression = BabelTypes.Expression;
/** Generic access to a node's children by visitor key. */
type Open = Node & Record<string, unknown>;

/** One diagnostic of a file, in the form both front ends' fixture runners record (1-based). */
export interface BabelDiagnostic {
  readonly line: number;
  readonly column: number;
  readonly category: Severity;
  readonly code: number;
  readonly message: string;
  /** The node the diagnostic points at (for code frames). */
  readonly node: Node;
}

/** What the rewrite needs from its front end. */
export interface RewriteHost {
  /** `@babel/types` of the Babel that runs the plugin (`api.types`). */
  readonly types: T;
  readonly options: ResolvedOptions;
  /** The file's source text (names are chosen so they never collide with it). */
  readonly code: string;
  /** The file's path relative to the project root (for `include` globs), if it has one. */
  readonly relativePath: string | undefined;
  /** Whether the runtime import must be a `require` call (the file is a script, not a module). */
  readonly commonJs: boolean;
}

/** What one file's rewrite produced. */
export interface RewriteResult {
  /** Whether the tree was changed (the runtime import was added, as the program's first statement). */
  readonly changed: boolean;
  /** The name the runtime import binds, when the tree was changed. */
  readonly runtimeName?: string;
  readonly diagnostics: BabelDiagnostic[];
  /**
   * The `try` statements whose block is a compiled function's own body node, to which the
   * rewrite added no declaration: Babel's scope information for that body still holds, so it
   * can be handed to the block instead of crawled again (see ./scope-handover.ts).
   */
  readonly guards: readonly BabelTypes.TryStatement[];
}

/** Set on every program this rewrite produced, so a second application is a no-op. */
const COMPILED = Symbol.for("anyio-ts.compiled");

/** Rewrites `program` in place. */
export function rewriteProgram(program: BabelTypes.Program, host: RewriteHost): RewriteResult {
  const marked = program as unknown as Record<symbol, unknown>;
  if (marked[COMPILED]) return { changed: false, diagnostics: [], guards: [] };
  const included = host.relativePath !== undefined && isIncluded(host.options, host.relativePath);
  if (!mayNeedRewrite(included, host.code)) return { changed: false, diagnostics: [], guards: [] };
  const rewriter = new Rewriter(host, included);
  if (!rewriter.run(program)) return { changed: false, diagnostics: rewriter.diagnostics, guards: [] };
  marked[COMPILED] = true;
  return {
    changed: true,
    runtimeName: rewriter.runtimeName,
    diagnostics: rewriter.diagnostics,
    guards: rewriter.guards,
  };
}

type FunctionLike =
  | BabelTypes.FunctionDeclaration
  | BabelTypes.FunctionExpression
  | BabelTypes.ArrowFunctionExpression
  | BabelTypes.ObjectMethod
  | BabelTypes.ClassMethod
  | BabelTypes.ClassPrivateMethod;

/** The node types of {@link FunctionLike}. */
const FUNCTION_TYPES: ReadonlySet<string> = new Set([
  "FunctionDeclaration",
  "FunctionExpression",
  "ArrowFunctionExpression",
  "ObjectMethod",
  "ClassMethod",
  "ClassPrivateMethod",
]);

/** Type-only nodes: nothing in them runs, nothing in them is rewritten. */
const TYPE_ONLY: ReadonlySet<string> = new Set([
  "TSTypeAnnotation",
  "TSTypeParameterDeclaration",
  "TSTypeParameterInstantiation",
  "TSInterfaceDeclaration",
  "TSTypeAliasDeclaration",
  "TSDeclareFunction",
  "TSDeclareMethod",
  "TSIndexSignature",
  "TypeAnnotation",
  "TypeParameterDeclaration",
  "TypeParameterInstantiation",
]);

class Rewriter extends RewriteState<Node> {
  readonly diagnostics: BabelDiagnostic[] = [];
  /** What the rewrite builds and asks with, read once from `host.types` (see ./fast-types.ts). */
  private readonly t: FastTypes;
  private usedRuntime = false;
  /** Structured async function declarations and methods (original nodes), for marking. */
  private readonly structured = new Set<Node>();
  /** The nodes being visited, outermost first (the visited node last). */
  private readonly ancestors: Node[] = [];
  /** The decisions, made once for both front ends (transformer/core/analysis.ts). */
  private readonly plan: Analysis<Node>;
  /** Where code outside structured functions may need the rewrite (see `rewriteMarks`). */
  private readonly marks: readonly number[];
  /** Where code inside structured functions may need it (see `insideMarks`), made on first use. */
  private marksInside: readonly number[] | undefined;
  /** See {@link RewriteResult.guards}. */
  readonly guards: BabelTypes.TryStatement[] = [];
  /** How many declarations the rewrite has added so far (temporaries, resource blocks). */
  private declarationsAdded = 0;

  constructor(
    private readonly host: RewriteHost,
    included: boolean,
  ) {
    super(host.code, included, host.options.sites, host.relativePath ?? "<unknown>");
    this.t = fastTypes(host.types);
    this.plan = new Analysis(new BabelPort(this.t, this.ancestors));
    this.marks = rewriteMarks(host.code);
  }

  /** The name the runtime import binds in this file. */
  get runtimeName(): string {
    return this.rtName;
  }

  run(program: BabelTypes.Program): boolean {
    const own = this.directivesOf(program.directives, true);
    if (own !== undefined) this.mode = own;
    this.ancestors.push(program);
    program.body = this.visitStatements(program.body, "var");
    this.ancestors.pop();
    if (!this.usedRuntime) return false;
    if (this.sitesUsed) program.body.unshift(this.runtimeImport(), this.sitesDeclaration());
    else program.body.unshift(this.runtimeImport());
    return true;
  }

  // --- Names and helpers ------------------------------------------------------------------------

  private rt(hook: string): BabelTypes.MemberExpression {
    this.usedRuntime = true;
    return this.t.memberExpression(this.t.identifier(this.rtName), this.t.identifier(hook));
  }

  private call(hook: string, args: Expression[]): BabelTypes.CallExpression {
    return this.t.callExpression(this.rt(hook), args);
  }

  private ctx(): BabelTypes.Identifier {
    return this.t.identifier(this.ctxName);
  }

  private hookStatement(hook: string): Statement {
    return this.t.expressionStatement(this.call(hook, [this.ctx()]));
  }

  private runtimeImport(): Statement {
    const { t } = this;
    const specifier = t.stringLiteral(this.host.options.runtimeModule);
    if (this.host.commonJs) {
      return t.variableDeclaration("const", [
        t.variableDeclarator(t.identifier(this.rtName), t.callExpression(t.identifier("require"), [specifier])),
      ]);
    }
    return t.importDeclaration([t.importNamespaceSpecifier(t.identifier(this.rtName))], specifier);
  }

  /** `var $sites = ["file.ts", "f", 3, 9, ...];` (a `var`: a function called before it runs sees no table, not a TDZ error). */
  private sitesDeclaration(): Statement {
    const { t } = this;
    const values = this.siteTable().map((v) => (typeof v === "string" ? t.stringLiteral(v) : t.numericLiteral(v)));
    return t.variableDeclaration("var", [
      t.variableDeclarator(t.identifier(this.sitesName), t.arrayExpression(values)),
    ]);
  }

  /** `[...args, site]` when `site` is defined (sites are on). */
  private withSite(args: Expression[], site: number | undefined): Expression[] {
    return site === undefined ? args : [...args, this.t.numericLiteral(site)];
  }

  protected positionOf(node: Node): { line: number; column: number } {
    const start = node.loc?.start;
    return { line: start?.line ?? 0, column: (start?.column ?? 0) + 1 };
  }

  /** Gives `node` the source position of `original` (source maps, `retainLines`). */
  private at<N extends Node>(node: N, original: Node): N {
    if (original.loc != null) node.loc = original.loc;
    return node;
  }

  protected report<A extends unknown[]>(node: Node, kind: MessageKind<A>, ...args: A): void {
    if (kind.severity === "warning" && !this.host.options.warnings) return;
    const start = node.loc?.start;
    this.diagnostics.push({
      line: start?.line ?? 0,
      column: (start?.column ?? 0) + 1,
      category: kind.severity,
      code: kind.code,
      message: kind.format(...args),
      node,
    });
  }

  // --- Directives -------------------------------------------------------------------------------

  /** Reads the directives of a prologue; reports misspellings and directives where they do not apply. */
  private directivesOf(directives: readonly BabelTypes.Directive[] | undefined, applies: boolean): Mode | undefined {
    let mode: Mode | undefined;
    for (const directive of directives ?? [])
      mode = this.directiveMode(directive, directive.value.value, applies) ?? mode;
    return mode;
  }

  /** A string statement outside a prologue: a directive there does nothing. */
  private checkStray(statement: Statement): void {
    if (statement.type !== "ExpressionStatement" || statement.expression.type !== "StringLiteral") return;
    if ((statement.expression.extra as { parenthesized?: boolean } | undefined)?.parenthesized) return;
    this.checkStrayDirective(statement, statement.expression.value);
  }

  // --- The visitor ------------------------------------------------------------------------------

  /** Visits `node`; returns what replaces it (itself when only its children changed). */
  private visit(node: Node): Node | Node[] {
    // Code without a mark needs nothing: left unwalked (functions are looked at themselves).
    if (!FUNCTION_TYPES.has(node.type) && !this.marked(node)) return node;
    const parent = this.ancestors[this.ancestors.length - 1];
    this.ancestors.push(node);
    try {
      // `body` first: most parents have none, and the few that hold `node` there are mostly functions.
      if (
        parent === undefined ||
        (parent as { body?: unknown }).body !== node ||
        node.type === "BlockStatement" ||
        !this.t.isLoop(parent)
      )
        return this.dispatch(node);
      // A loop body of one statement: its key temporaries are fresh in each iteration.
      const { result, temps } = this.withTemps(() => this.dispatch(node));
      if (temps.length === 0) return result;
      const statements = (Array.isArray(result) ? result : [result]) as Statement[];
      return this.at(this.t.blockStatement([this.tempDeclaration(temps, "let"), ...statements]), node);
    } finally {
      this.ancestors.pop();
    }
  }

  /**
   * Whether `node`'s text holds one of the file's marks for where it stands, outside or inside a
   * structured function (a node without a position counts as marked).
   */
  private marked(node: Node): boolean {
    if (node.start == null || node.end == null) return true;
    const marks = this.fn === undefined ? this.marks : (this.marksInside ??= insideMarks(this.host.code, this.marks));
    return hasMarkIn(marks, node.start, node.end);
  }

  private dispatch(node: Node): Node | Node[] {
    if (FUNCTION_TYPES.has(node.type)) return this.visitFunction(node as FunctionLike);
    switch (node.type) {
      case "StaticBlock":
        return this.across(undefined, () => {
          node.body = this.visitStatements(node.body, "let");
          return node;
        });
      case "ClassProperty":
      case "ClassPrivateProperty":
      case "ClassAccessorProperty":
        return this.visitField(node);
      case "ObjectProperty": {
        this.visitChildren(node);
        const temp = this.keyTempOf(node);
        if (temp !== undefined) node.key = this.keyAssignment(node.key as Expression, temp);
        return node;
      }
      case "BlockStatement":
        node.body = this.visitStatements(node.body, "let");
        return node;
      case "TSModuleBlock":
        node.body = this.visitStatements(node.body, "var");
        return node;
      case "SwitchCase":
        return this.visitClause(node);
      case "ObjectExpression":
        return this.visitObjectLiteral(node);
      case "ClassExpression":
        return this.visitClassExpression(node);
    }
    if (TYPE_ONLY.has(node.type)) return node;
    if (this.fn === undefined) return this.visitChildren(node);
    switch (node.type) {
      case "AwaitExpression":
        return this.visitAwait(node);
      case "YieldExpression":
        return this.visitYield(node);
      case "ForOfStatement":
        return this.runningAfterReturn(() => (node.await ? this.visitForAwait(node) : this.visitChildren(node)));
      case "ForStatement":
        if (node.init?.type === "VariableDeclaration" && this.usingKind(node.init) !== undefined) {
          return this.runningAfterReturn(() => this.visitChildren(node));
        }
        break;
      case "LabeledStatement":
        return this.visitLabeled(node);
      case "TryStatement":
        return this.runningAfterReturn(() => this.visitTry(node));
      case "ReturnStatement": {
        if (node.argument == null) break;
        if (this.fn.generator) return this.visitGeneratorReturn(node);
        node.argument = this.returnValue(node.argument);
        return node;
      }
      case "CallExpression":
      case "OptionalCallExpression": {
        const combinator = this.plan.unstructuredCombinator(node);
        if (combinator !== undefined) this.report(node.callee, messages.promiseCombinator, combinator);
        break;
      }
    }
    return this.visitChildren(node);
  }

  /** Visits every child (type-only children excepted) and puts what they become in their place. */
  private visitChildren<N extends Node>(node: N): N {
    const open = node as Open;
    for (const key of valueKeys(this.t, node.type)) {
      const child = open[key];
      if (Array.isArray(child)) open[key] = this.visitList(child as (Node | null)[]);
      else if (child != null && typeof child === "object") open[key] = this.visitNode(child as Node);
    }
    return node;
  }

  /** Visits a node in a single-node slot: several statements become a block. */
  private visitNode<N extends Node>(node: N): N {
    const visited = this.visit(node);
    if (!Array.isArray(visited)) return visited as N;
    if (visited.length === 1) return visited[0] as N;
    return this.t.blockStatement(visited as Statement[]) as unknown as N;
  }

  /** Visits a list; returns it as it is when no item was replaced (most lists), else a new one. */
  private visitList<N extends Node | null>(nodes: N[]): N[] {
    let out: N[] | undefined;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      const visited = node === null ? node : this.visit(node);
      if (out === undefined) {
        if (visited === node) continue;
        out = nodes.slice(0, i);
      }
      if (Array.isArray(visited)) out.push(...(visited as N[]));
      else out.push(visited as N);
    }
    return out ?? nodes;
  }

  // --- Statement lists: `using`, declaration markers, stray directives --------------------------

  /**
   * Visits a statement list (directives are not in it: Babel keeps them apart). Structured async
   * function declarations are marked at the top; structured methods after their class. In a
   * structured function, the statements from the first `using` declaration on become the body of
   * a resource block. The list declares the key temporaries of its statements first (`declare`),
   * or leaves them to the list around it (a `case` clause, whose declarations a jump to a later
   * clause would skip).
   */
  private visitStatements(statements: Statement[], declare: TempKind | undefined): Statement[] {
    if (declare === undefined) return this.visitStatementList(statements);
    const { result, temps } = this.withTemps(() => this.visitStatementList(statements));
    if (temps.length > 0) result.unshift(this.tempDeclaration(temps, declare));
    return result;
  }

  /** `var $k, $k_1;` (or `let`). */
  private tempDeclaration(temps: string[], kind: TempKind): Statement {
    const { t } = this;
    this.declarationsAdded++;
    return t.variableDeclaration(
      kind,
      temps.map((name) => t.variableDeclarator(t.identifier(name))),
    );
  }

  private visitStatementList(statements: Statement[]): Statement[] {
    const { t } = this;
    const head: Statement[] = []; // declaration markers
    const before: Statement[] = [];
    let inner: Statement[] | undefined; // statements of the resource block, once a `using` was seen
    let firstUsing: Statement | undefined;
    let awaitUsing = false;
    const depth = this.fn?.scopeDepth ?? 0;
    const afterReturn = this.fn?.runsAfterReturn ?? 0;
    for (const statement of statements) {
      this.checkStray(statement);
      const usingKind = this.usingKind(statement);
      if (usingKind !== undefined && this.fn === undefined)
        this.checkScopeOutside(statement as BabelTypes.VariableDeclaration, usingKind);
      else if (usingKind !== undefined) {
        if (inner === undefined) {
          inner = [];
          firstUsing = statement;
          this.fn!.runsAfterReturn++; // the resource block's exit
        }
        // The block's site: where its exit waits, at its first `await using` (else its first `using`).
        if (usingKind === "await using" && !awaitUsing) firstUsing = statement;
        awaitUsing ||= usingKind === "await using";
        inner.push(this.visitUsing(statement as BabelTypes.VariableDeclaration, usingKind));
        continue;
      }
      const visited = this.visit(statement);
      const declaration = this.declarationOf(statement);
      if (declaration.type === "FunctionDeclaration" && this.structured.has(declaration) && declaration.id != null) {
        head.push(t.expressionStatement(this.call("markStructured", [t.identifier(declaration.id.name)])));
      }
      // Function declarations are hoisted: keep them outside the resource block.
      const into = inner === undefined || declaration.type === "FunctionDeclaration" ? before : inner;
      if (Array.isArray(visited)) into.push(...(visited as Statement[]));
      else into.push(visited as Statement);
      if (declaration.type === "ClassDeclaration") (inner ?? before).push(...this.classMarkers(declaration));
    }
    if (this.fn !== undefined) {
      this.fn.scopeDepth = depth;
      this.fn.runsAfterReturn = afterReturn;
    }
    const out = head.length === 0 ? before : [...head, ...before];
    if (inner !== undefined) out.push(...this.resourceBlock(inner, awaitUsing, firstUsing!));
    return out;
  }

  /** The declaration an `export` statement carries (TypeScript sees it as the statement itself). */
  private declarationOf(statement: Statement): Node {
    if (
      (statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration") &&
      statement.declaration != null
    ) {
      return statement.declaration;
    }
    return statement;
  }

  private usingKind(statement: Statement): "using" | "await using" | undefined {
    if (statement.type !== "VariableDeclaration") return undefined;
    const kind = statement.kind as string;
    return kind === "using" || kind === "await using" ? kind : undefined;
  }

  /** `using x = e` becomes `const x = $u.use(e)` (`await using`: `$u.useAsync(e)`). */
  private visitUsing(statement: BabelTypes.VariableDeclaration, kind: "using" | "await using"): Statement {
    const { t } = this;
    const method = kind === "using" ? "use" : "useAsync";
    let opensScope = false;
    this.ancestors.push(statement);
    try {
      for (const declaration of statement.declarations) {
        const initializer = declaration.init;
        if (initializer != null && this.plan.opensScope(initializer)) opensScope = true;
        this.ancestors.push(declaration);
        try {
          declaration.id = this.visitNode(declaration.id);
          if (initializer != null) {
            const visited = this.visitNode(initializer);
            declaration.init = this.at(
              t.callExpression(t.memberExpression(t.identifier(this.blockName), t.identifier(method)), [visited]),
              initializer,
            );
          }
        } finally {
          this.ancestors.pop();
        }
      }
    } finally {
      this.ancestors.pop();
    }
    if (opensScope && this.fn!.generator) this.fn!.scopeDepth++;
    statement.kind = "const";
    return statement;
  }

  /** `using scope = moveOnAfter(...)` in code that is not structured: the scope would never be entered. */
  private checkScopeOutside(statement: BabelTypes.VariableDeclaration, kind: "using" | "await using"): void {
    for (const declaration of statement.declarations) {
      if (declaration.init != null && this.plan.opensScope(declaration.init)) {
        this.report(declaration, messages.scopeOutsideStructured, kind);
      }
    }
  }

  /**
   *   const $u = __rt.block($c);
   *   try { ...inner } catch ($e) { $u.fail($e); } finally { $u.close(); }
   * (with `await using`: `finally { __rt.resume($c, await __rt.leave($c, $u.closeAsync())); }`)
   */
  private resourceBlock(inner: Statement[], awaitUsing: boolean, firstUsing: Statement): Statement[] {
    const { t } = this;
    this.declarationsAdded++;
    const u = () => t.identifier(this.blockName);
    const block = this.call("block", this.withSite([this.ctx()], this.site(firstUsing)));
    const declare = t.variableDeclaration("const", [t.variableDeclarator(u(), block)]);
    const fail = t.catchClause(
      t.identifier(this.errorName),
      t.blockStatement([
        t.expressionStatement(
          t.callExpression(t.memberExpression(u(), t.identifier("fail")), [t.identifier(this.errorName)]),
        ),
      ]),
    );
    const close = awaitUsing
      ? this.call("resume", [
          this.ctx(),
          t.awaitExpression(
            this.call("leave", [this.ctx(), t.callExpression(t.memberExpression(u(), t.identifier("closeAsync")), [])]),
          ),
        ])
      : t.callExpression(t.memberExpression(u(), t.identifier("close")), []);
    return [declare, t.tryStatement(t.blockStatement(inner), fail, t.blockStatement([t.expressionStatement(close)]))];
  }

  private visitClause(node: BabelTypes.SwitchCase): Node {
    if (this.fn !== undefined) {
      const using = node.consequent.find((statement) => this.usingKind(statement) !== undefined);
      if (using !== undefined) {
        this.report(using, messages.usingInCaseClause);
        return this.across(undefined, () => this.visitChildren(node));
      }
    }
    if (node.test != null) node.test = this.visitNode(node.test);
    node.consequent = this.visitStatements(node.consequent, undefined);
    return node;
  }

  // --- Functions --------------------------------------------------------------------------------

  private visitFunction(node: FunctionLike): Node {
    const { t } = this;
    const isAsync = node.async === true;
    const body = node.body;
    const own = body.type === "BlockStatement" ? this.directivesOf(body.directives, isAsync) : undefined;
    const mode = own ?? this.mode;
    const compiled = isAsync && mode === "structured";
    // Decorators, computed names: evaluated outside the function.
    if (node.type === "ClassMethod" || node.type === "ClassPrivateMethod" || node.type === "ObjectMethod") {
      if (node.decorators != null) node.decorators = this.visitList(node.decorators);
      if (node.type !== "ClassPrivateMethod" && node.computed) node.key = this.visitNode(node.key);
      if (compiled && node.type !== "ClassPrivateMethod" && this.plan.needsKeyTemp(node)) {
        // The marker after the class (or the object literal) names the method by its key's value.
        node.key = this.keyAssignment(node.key as Expression, this.keyTemp(node));
      }
    }
    const generator = node.generator === true;
    const ownName =
      (node.type === "FunctionDeclaration" || node.type === "FunctionExpression") && node.id != null
        ? node.id.name
        : undefined;
    const state: FunctionState | undefined = compiled
      ? {
          name: this.plan.siteName(node, ownName),
          generator,
          leaf: !generator && this.plan.isLeafBody(body, body.type === "BlockStatement"),
          scopeDepth: 0,
          runsAfterReturn: 0,
        }
      : undefined;
    this.across(
      undefined,
      () => {
        node.params = this.visitList(node.params as Node[]) as typeof node.params;
        if (!compiled) {
          if (body.type === "BlockStatement") body.body = this.visitStatements(body.body, "var");
          else (node as BabelTypes.ArrowFunctionExpression).body = this.visitExpressionBody(body);
          return;
        }
        this.across(state, () => this.compileBody(node, state!));
      },
      mode,
    );
    if (!compiled) {
      const callback =
        !isAsync &&
        !generator &&
        mode === "structured" &&
        (node.type === "ArrowFunctionExpression" || node.type === "FunctionExpression");
      return callback && this.plan.isRunnerCallback(node) ? this.at(this.call("markStructured", [node]), node) : node;
    }
    if (
      node.type === "FunctionDeclaration" ||
      node.type === "ClassMethod" ||
      node.type === "ClassPrivateMethod" ||
      node.type === "ObjectMethod"
    ) {
      this.structured.add(node);
      return node;
    }
    // Function expressions and arrows: mark the value where it is made, keeping the name its
    // position would have given it.
    const inferred =
      node.type === "ArrowFunctionExpression" || node.id == null
        ? this.nameExpression(this.plan.nameFromPlace(node), true)
        : undefined;
    const args: Expression[] = [node];
    if (inferred !== undefined) args.push(inferred);
    return this.at(this.call("markStructured", args), node);
  }

  /**
   * An arrow's expression body that is not compiled; where it holds key temporaries, a block
   * that declares them (`=> { var $k; return ...; }`), so each call has its own.
   */
  private visitExpressionBody(body: Expression): BabelTypes.BlockStatement | Expression {
    const { t } = this;
    const { result, temps } = this.withTemps(() => this.visitNode(body));
    if (temps.length === 0) return result;
    return this.at(
      t.blockStatement([this.tempDeclaration(temps, "var"), this.at(t.returnStatement(result), body)]),
      body,
    );
  }

  /**
   * A field: decorators and a computed key are evaluated where the class is (an `await` there
   * belongs to the enclosing function); the value is a function boundary of its own.
   */
  private visitField(
    node: BabelTypes.ClassProperty | BabelTypes.ClassPrivateProperty | BabelTypes.ClassAccessorProperty,
  ): Node {
    if (node.decorators != null) node.decorators = this.visitList(node.decorators);
    if (node.type !== "ClassPrivateProperty" && node.computed) node.key = this.visitNode(node.key);
    const value = node.value;
    if (value != null) node.value = this.across(undefined, () => this.visitNode(value));
    const temp = this.keyTempOf(node);
    if (temp !== undefined && node.type !== "ClassPrivateProperty")
      node.key = this.keyAssignment(node.key as Expression, temp);
    return node;
  }

  /**
   *   [k]  =>  [$k = __rt.key(k)]
   * The key is converted to a property key once, where the engine would convert it, and kept
   * for the marker or the name.
   */
  private keyAssignment(key: Expression, temp: string): Expression {
    const { t } = this;
    return this.at(t.assignmentExpression("=", t.identifier(temp), this.at(this.call("key", [key]), key)), key);
  }

  /**
   * The operand of a `return` in a compiled async function:
   *   return g(a)  =>  return __rt.retCall($c, (__rt.pre($c), g(a)))
   *   return x     =>  return __rt.ret($c, x)      (in a leaf: __rt.retLeaf(x))
   * unless `x` cannot be a promise (a literal, arithmetic, an await...).
   */
  private returned(expression: Expression): Expression {
    return this.handedOut(expression, this.fn!.leaf ? ["retLeaf"] : ["ret", "retCall"]);
  }

  /**
   * An operand the function hands out unawaited (`return x`, `yield x`), when it may be a
   * promise: `[hook]($c, x)`, or `[callHook]($c, (__rt.pre($c), g(a)))` for a direct call; a
   * leaf has no `$c` and one hook for both.
   */
  private handedOut(expression: Expression, [hook, callHook]: [string, string?]): Expression {
    const { t } = this;
    const direct = this.plan.isDirectCall(expression);
    const possible = this.plan.mayBePromise(expression);
    const operand = this.visitNode(expression);
    if (!possible) return operand;
    let wrapped: Expression;
    if (callHook === undefined) wrapped = this.call(hook, [operand]);
    else if (direct)
      wrapped = this.call(callHook, [this.ctx(), t.sequenceExpression([this.call("pre", [this.ctx()]), operand])]);
    else wrapped = this.call(hook, [this.ctx(), operand]);
    return this.at(wrapped, expression);
  }

  /**
   *   "directives"; const $c = __rt.enter(); try { body } finally { __rt.exit($c); }
   * or, for a function that never suspends:
   *   "directives"; __rt.enterLeaf(); body
   */
  private compileBody(node: FunctionLike, state: FunctionState): void {
    const { t } = this;
    const body = node.body;
    const declarationsBefore = this.declarationsAdded;
    // A block body keeps its directives, which Babel holds apart from its statements. The
    // function's key temporaries are declared first, before `$c` (a `var` inside the `try` would
    // mean the same, but reads as if it were the block's).
    const { result: statements, temps } = this.withTemps((): Statement[] =>
      body.type === "BlockStatement"
        ? this.visitStatements(body.body, undefined)
        : [this.at(t.returnStatement(this.returnValue(body as Expression)), body)],
    );
    // Checked before the function's own temporaries are declared (outside the `try`).
    const addedNone = this.declarationsAdded === declarationsBefore;
    const compiled: Statement[] = temps.length > 0 ? [this.tempDeclaration(temps, "var")] : [];
    if (!state.leaf && body.type === "BlockStatement") {
      // The body node itself becomes the `try` block, under a new body that takes its
      // directives: Babel keeps paths and scopes per node and parent, so the statements keep
      // theirs, and the block can take the function's scope information (./scope-handover.ts).
      body.body = statements;
      const [enter, guard] = this.guarded(body, state.generator);
      if (addedNone) this.guards.push(guard);
      compiled.push(enter, guard);
      node.body = this.at(t.blockStatement(compiled, body.directives), body);
      body.directives = [];
      return;
    }
    if (state.leaf) compiled.push(t.expressionStatement(this.call("enterLeaf", [])), ...statements);
    else compiled.push(...this.guarded(t.blockStatement(statements), state.generator));
    if (body.type === "BlockStatement") {
      body.body = compiled;
    } else {
      const arrow = node as BabelTypes.ArrowFunctionExpression;
      arrow.body = this.at(t.blockStatement(compiled), body);
      arrow.expression = false;
    }
  }

  /** `const $c = __rt.enter(); try block finally { __rt.exit($c); }` */
  private guarded(block: BabelTypes.BlockStatement, generator: boolean): [Statement, BabelTypes.TryStatement] {
    const { t } = this;
    const enter = t.variableDeclaration("const", [
      t.variableDeclarator(
        this.ctx(),
        this.call(generator ? "enterGenerator" : "enter", this.sitesArgument() ? [t.identifier(this.sitesName)] : []),
      ),
    ]);
    return [enter, t.tryStatement(block, null, t.blockStatement([this.hookStatement("exit")]))];
  }

  /**
   * A name as the markers pass it: a string literal, or the temporary holding a computed key
   * (made now if `make`, else only if the function's visit made it).
   */
  private nameExpression(source: NameSource<Node> | undefined, make: boolean): Expression | undefined {
    if (source === undefined) return undefined;
    if ("text" in source) return this.t.stringLiteral(source.text);
    const temp = make ? this.keyTemp(source.keyOf) : this.keyTempOf(source.keyOf);
    return temp === undefined ? undefined : this.t.identifier(temp);
  }

  /** `__rt.markMethods(C.prototype, "m")` / `__rt.markMethods(C, "s")` after a class declaration. */
  private classMarkers(node: BabelTypes.ClassDeclaration): Statement[] {
    if (node.id == null) return [];
    const className = node.id.name;
    return this.methodMarkers(node, () => this.t.identifier(className));
  }

  /**
   * A class expression has no name to mark it by afterwards: a static block at the end of its
   * body marks its methods (`static { __rt.markMethods(this.prototype, "m"); }`), which also
   * keeps the name the class gets from its position.
   */
  private visitClassExpression(node: BabelTypes.ClassExpression): Node {
    const { t } = this;
    const visited = this.visitChildren(node);
    const marks = this.methodMarkers(node, () => t.thisExpression());
    if (marks.length > 0) visited.body.body.push(t.staticBlock(marks));
    return visited;
  }

  /** The `markMethods` calls for a class's structured methods with public names; `ref` names the class. */
  private methodMarkers(node: BabelTypes.Class, ref: () => Expression): Statement[] {
    const { t } = this;
    const own: Expression[] = [];
    const statics: Expression[] = [];
    for (const member of node.body.body) {
      if (!this.structured.has(member) || member.type !== "ClassMethod" || member.kind !== "method") continue;
      const name = this.nameExpression(this.plan.keyName(member, false), false);
      if (name === undefined) continue;
      (member.static ? statics : own).push(name);
    }
    const out: Statement[] = [];
    const mark = (target: Expression, names: Expression[]) =>
      out.push(t.expressionStatement(this.call("markMethods", [target, ...names])));
    if (own.length > 0) mark(t.memberExpression(ref(), t.identifier("prototype")), own);
    if (statics.length > 0) mark(ref(), statics);
    return out;
  }

  /** Object literals with structured async methods: `__rt.markMethods({ ... }, "m")`. */
  private visitObjectLiteral(node: BabelTypes.ObjectExpression): Node {
    const visited = this.visitChildren(node);
    const names: Expression[] = [];
    for (const property of node.properties) {
      if (!this.structured.has(property) || property.type !== "ObjectMethod" || property.kind !== "method") continue;
      const name = this.nameExpression(this.plan.keyName(property, false), false);
      if (name !== undefined) names.push(name);
    }
    if (names.length === 0) return visited;
    return this.at(this.call("markMethods", [visited, ...names]), node);
  }

  // --- Inside structured functions ----------------------------------------------------------------

  /**
   *   await x        =>  __rt.resume($c, await __rt.suspend($c, x))
   *   await g(a, b)  =>  __rt.resume($c, await __rt.suspendCall($c, (__rt.pre($c), g(a, b))))
   *
   * Without `resume` (`resumed` false) for `return await x` where it is the invocation's last
   * step (see `endsInvocation`): the segment after it would be empty, and `exit` ends the await.
   */
  private visitAwait(node: BabelTypes.AwaitExpression, resumed = true): Expression {
    const { t } = this;
    // Decided on the original operand, before visiting adds hook calls to it.
    const direct = this.plan.isDirectCall(node.argument);
    const operand = this.visitNode(node.argument);
    const site = this.site(node);
    node.argument = direct
      ? this.call(
          "suspendCall",
          this.withSite([this.ctx(), t.sequenceExpression([this.call("pre", [this.ctx()]), operand])], site),
        )
      : this.call("suspend", this.withSite([this.ctx(), operand], site));
    if (!resumed) return node;
    return this.at(this.call("resume", [this.ctx(), node]), node);
  }

  /**
   * The operand of `return` in an async function (or an async arrow's expression body): `await x`
   * as the invocation's last step needs no segment after it (see `endsInvocation`); anything
   * else is {@link returned}.
   */
  private returnValue(expression: Expression): Expression {
    const awaited = this.plan.skipOuter(expression);
    if (awaited.type !== "AwaitExpression" || !this.endsInvocation()) return this.returned(expression);
    this.ancestors.push(awaited);
    try {
      return this.visitAwait(awaited, false);
    } finally {
      this.ancestors.pop();
    }
  }

  /**
   *   yield x   =>  __rt.resume($c, yield __rt.leave($c, x))
   *   yield* g  =>  __rt.resume($c, yield* __rt.forAwait($c, g))
   * `yield*` awaits each step of `g` as `for await` does, through the same wrapper: each step is a
   * checkpoint, runs in the generator's frame, and a foreign step is raced.
   */
  private visitYield(node: BabelTypes.YieldExpression): Node {
    if (!this.fn!.generator) return this.visitChildren(node);
    if (this.fn!.scopeDepth > 0) this.report(node, messages.yieldInScope);
    // `yield*` delegates to an iterable; `yield x` awaits x first, so x is handed out.
    node.argument = node.delegate
      ? this.call("forAwait", this.withSite([this.ctx(), this.visitNode(node.argument!)], this.site(node)))
      : this.call(
          "leave",
          node.argument == null
            ? [this.ctx()]
            : [this.ctx(), this.handedOut(node.argument, ["yielded", "yieldedCall"])],
        );
    return this.at(this.call("resume", [this.ctx(), node]), node);
  }

  /**
   * `return x` in an async generator awaits `x` before the generator completes:
   *   return x  =>  return __rt.leave($c, x)
   */
  private visitGeneratorReturn(node: BabelTypes.ReturnStatement): Node {
    const argument = node.argument!;
    const operand = this.handedOut(argument, ["yielded", "yieldedCall"]);
    node.argument = this.at(this.call("leave", [this.ctx(), operand]), argument);
    return node;
  }

  /**
   *   for await (const x of xs) body
   * =>
   *   for await (const x of __rt.forAwait($c, xs)) { __rt.reenter($c); body }
   *   __rt.reenter($c);
   */
  private visitForAwait(node: BabelTypes.ForOfStatement): Node[] {
    const { t } = this;
    node.left = this.visitNode(node.left);
    const right = node.right;
    const expression = this.visitNode(right);
    node.body = this.withReenter(this.visitNode(node.body));
    node.right = this.at(this.call("forAwait", this.withSite([this.ctx(), expression], this.site(node))), right);
    return [node, this.hookStatement("reenter")];
  }

  /**
   * A label on a `for await` must stay on the loop (for `continue label`). A labelled statement
   * that contains a `for await` can be left from inside it (`break label`, `continue label`)
   * after the loop's `return()` ended the segment:
   *   label: for (...) { __rt.reenter($c); body }  __rt.reenter($c);
   */
  private visitLabeled(node: BabelTypes.LabeledStatement): Node | Node[] {
    const { t } = this;
    const isForAwait = node.body.type === "ForOfStatement" && node.body.await;
    const leftFromInside = !this.fn!.leaf && !isForAwait && this.plan.containsForAwait(node.body);
    const visited = this.visit(node.body);
    if (Array.isArray(visited)) {
      const [loop, ...rest] = visited as Statement[];
      node.body = loop!;
      return [node, ...rest];
    }
    node.body = visited as Statement;
    if (!leftFromInside) return node;
    if (t.isLoop(node.body)) node.body.body = this.withReenter(node.body.body);
    return [node, this.hookStatement("reenter")];
  }

  /** `body` as a block that starts with `__rt.reenter($c)` (a block gets it in place). */
  private withReenter(body: Statement): BabelTypes.BlockStatement {
    const reenter = this.hookStatement("reenter");
    if (body.type !== "BlockStatement") return this.t.blockStatement([reenter, body]);
    body.body.unshift(reenter);
    return body;
  }

  /** `catch` and `finally` blocks start with `__rt.reenter($c)`: a rejected await skipped resume. */
  private visitTry(node: BabelTypes.TryStatement): Node {
    // A function that never suspends runs its handlers in the segment that threw.
    if (this.fn!.leaf) return this.visitChildren(node);
    node.block = this.visitNode(node.block);
    const clause = node.handler;
    if (clause != null) {
      this.ancestors.push(clause);
      try {
        if (clause.param != null) clause.param = this.visitNode(clause.param);
        clause.body = this.withReenter(this.visitNode(clause.body));
      } finally {
        this.ancestors.pop();
      }
    }
    if (node.finalizer != null) {
      node.finalizer = this.withReenter(this.visitNode(node.finalizer));
    }
    return node;
  }
}
