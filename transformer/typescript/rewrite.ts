/**
 * The rewrite of `"use structured"` code for the TypeScript front end: one visitor that switches
 * on node kind, carries explicit function-boundary state, and gives every new node its
 * original's text range so source maps stay exact. The contract it implements (what each hook
 * does at run time) is in runtime/core/compiled.ts; the rules it shares with the Babel front
 * end (directives, options, messages) are in transformer/core.
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
 * Code outside structured functions is returned as the very same nodes, so `tsc` prints it
 * exactly as it would without the plugin; a file with nothing structured is returned as is.
 */
import type * as TS from "typescript";
import { Analysis, type NameSource } from "../core/analysis";
import { RewriteState, type FunctionState, type Mode, type TempKind } from "../core/rewrite-state";
import { messages, type MessageKind } from "../core/messages";
import { isIncluded, type ResolvedOptions } from "../core/options";
import { mayNeedRewrite } from "../core/rules";
import { TypeScriptPort } from "./syntax-port";

/** What the rewrite needs from its front end. */
export interface RewriteHost {
  /** The TypeScript instance that compiles (ts-patch and ts-jest pass their own). */
  readonly ts: typeof TS;
  /** The transformer's options, validated and with their defaults filled in. */
  readonly options: ResolvedOptions;
  /** The path of `fileName` relative to the project root, for the `include` globs. */
  relativePath(fileName: string): string;
  /** The specifier compiled code in `fileName` imports the hooks from (default: `options.runtimeModule`). */
  runtimeModuleFor?(fileName: string): string;
  /** Receives the diagnostics of one file, once the file has been rewritten (none: not called). */
  report(diagnostics: TS.Diagnostic[], file: TS.SourceFile): void;
}

/** Set on every source file this transformer produced, so a second application is a no-op. */
const COMPILED = Symbol.for("anyio-ts.compiled");

/** Creates the `before` transformer factory. */
export function createRewriter(host: RewriteHost): TS.TransformerFactory<TS.SourceFile> {
  return (context) => (file) => {
    if (file.isDeclarationFile || (file as unknown as Record<symbol, unknown>)[COMPILED]) return file;
    const included = isIncluded(host.options, host.relativePath(file.fileName));
    if (!mayNeedRewrite(included, file.text)) return file;
    const rewriter = new Rewriter(host, context, file, included);
    const result = rewriter.run();
    if (rewriter.diagnostics.length > 0) host.report(rewriter.diagnostics, file);
    if (result !== file) (result as unknown as Record<symbol, unknown>)[COMPILED] = true;
    return result;
  };
}

type FunctionLike =
  | TS.FunctionDeclaration
  | TS.FunctionExpression
  | TS.ArrowFunction
  | TS.MethodDeclaration
  | TS.GetAccessorDeclaration
  | TS.SetAccessorDeclaration
  | TS.ConstructorDeclaration;

class Rewriter extends RewriteState<TS.Node> {
  readonly diagnostics: TS.Diagnostic[] = [];
  private readonly ts: typeof TS;
  private readonly f: TS.NodeFactory;
  /**
   * `ts.SyntaxKind`, read once: the visitor switches on kinds at every node, and the namespace
   * object `ts` is a dictionary (V8's slow mode: about 2,000 properties), so `ts.SyntaxKind.X`
   * in each case was a hash lookup per case.
   */
  private readonly SK: typeof TS.SyntaxKind;
  // The functions of `ts` the visitor calls at every node, read once for the same reason.
  private readonly visitEachChild: typeof TS.visitEachChild;
  private readonly isIterationStatement: typeof TS.isIterationStatement;
  private readonly isBlock: typeof TS.isBlock;
  private usedRuntime = false;
  /** Structured async function declarations and methods (original nodes), for marking. */
  private readonly structured = new Set<TS.Node>();
  /** The decisions, made once for both front ends (transformer/core/analysis.ts). */
  private readonly plan: Analysis<TS.Node>;

  constructor(
    private readonly host: RewriteHost,
    private readonly context: TS.TransformationContext,
    private readonly file: TS.SourceFile,
    included: boolean,
  ) {
    super(file.text, included, host.options.sites, host.relativePath(file.fileName));
    this.ts = host.ts;
    this.f = context.factory;
    this.SK = host.ts.SyntaxKind;
    this.visitEachChild = host.ts.visitEachChild;
    this.isIterationStatement = host.ts.isIterationStatement;
    this.isBlock = host.ts.isBlock;
    this.plan = new Analysis(new TypeScriptPort(host.ts));
  }

  run(): TS.SourceFile {
    const { ts, file } = this;
    const prologue = this.prologueLength(file.statements);
    const own = this.directivesOf(file.statements, prologue, true);
    if (own !== undefined) this.mode = own;
    const statements = this.visitStatements(file.statements, prologue, "var");
    if (!this.usedRuntime) return statements === file.statements ? file : this.f.updateSourceFile(file, statements);
    const body = statements as readonly TS.Statement[];
    const head = this.sitesUsed ? [this.runtimeImport(), this.sitesDeclaration()] : [this.runtimeImport()];
    const out = [...body.slice(0, prologue), ...head, ...body.slice(prologue)];
    return this.f.updateSourceFile(file, ts.setTextRange(this.f.createNodeArray(out), file.statements));
  }

  // --- Names and helpers ------------------------------------------------------------------------

  private rt(hook: string): TS.Expression {
    this.usedRuntime = true;
    return this.f.createPropertyAccessExpression(this.f.createIdentifier(this.rtName), hook);
  }

  private call(hook: string, args: TS.Expression[]): TS.CallExpression {
    return this.f.createCallExpression(this.rt(hook), undefined, args);
  }

  private ctx(): TS.Identifier {
    return this.f.createIdentifier(this.ctxName);
  }

  private hookStatement(hook: string): TS.Statement {
    return this.f.createExpressionStatement(this.call(hook, [this.ctx()]));
  }

  private runtimeImport(): TS.Statement {
    const { ts, f } = this;
    const specifier = f.createStringLiteral(
      this.host.runtimeModuleFor?.(this.file.fileName) ?? this.host.options.runtimeModule,
    );
    if (this.emitsCommonJs()) {
      return f.createVariableStatement(
        undefined,
        f.createVariableDeclarationList(
          [
            f.createVariableDeclaration(
              this.rtName,
              undefined,
              undefined,
              f.createCallExpression(f.createIdentifier("require"), undefined, [specifier]),
            ),
          ],
          ts.NodeFlags.Const,
        ),
      );
    }
    return f.createImportDeclaration(
      undefined,
      f.createImportClause(false, undefined, f.createNamespaceImport(f.createIdentifier(this.rtName))),
      specifier,
    );
  }

  /** `var $sites = ["file.ts", "f", 3, 9, ...];` (a `var`: a function called before it runs sees no table, not a TDZ error). */
  private sitesDeclaration(): TS.Statement {
    const { f } = this;
    const values = this.siteTable().map((v) =>
      typeof v === "string" ? f.createStringLiteral(v) : f.createNumericLiteral(v),
    );
    return f.createVariableStatement(
      undefined,
      f.createVariableDeclarationList([
        f.createVariableDeclaration(this.sitesName, undefined, undefined, f.createArrayLiteralExpression(values)),
      ]),
    );
  }

  /** `[...args, site]` when `site` is defined (sites are on). */
  private withSite(args: TS.Expression[], site: number | undefined): TS.Expression[] {
    return site === undefined ? args : [...args, this.f.createNumericLiteral(site)];
  }

  protected positionOf(node: TS.Node): { line: number; column: number } {
    const { line, character } = this.file.getLineAndCharacterOfPosition(node.getStart(this.file));
    return { line: line + 1, column: character + 1 };
  }

  private emitsCommonJs(): boolean {
    const { ts } = this;
    const options = this.context.getCompilerOptions();
    const target = options.target ?? ts.ScriptTarget.ES5;
    const kind = options.module ?? (target >= ts.ScriptTarget.ES2015 ? ts.ModuleKind.ES2015 : ts.ModuleKind.CommonJS);
    if (kind === ts.ModuleKind.CommonJS) return true;
    if (kind >= ts.ModuleKind.Node16 && kind <= ts.ModuleKind.NodeNext) {
      const format = this.file.impliedNodeFormat;
      if (format !== undefined) return format === ts.ModuleKind.CommonJS;
      return !/\.m[tj]sx?$/.test(this.file.fileName);
    }
    return false;
  }

  protected report<A extends unknown[]>(node: TS.Node, kind: MessageKind<A>, ...args: A): void {
    if (kind.severity === "warning" && !this.host.options.warnings) return;
    const start = node.getStart(this.file);
    this.diagnostics.push({
      file: this.file,
      start,
      length: node.getEnd() - start,
      messageText: kind.format(...args),
      category: kind.severity === "error" ? this.ts.DiagnosticCategory.Error : this.ts.DiagnosticCategory.Warning,
      code: kind.code,
      source: "anyio-ts",
    });
  }

  // --- Directives -------------------------------------------------------------------------------

  private prologueLength(statements: readonly TS.Statement[]): number {
    let n = 0;
    while (n < statements.length && this.isStringStatement(statements[n]!)) n++;
    return n;
  }

  private isStringStatement(node: TS.Node): node is TS.ExpressionStatement & { expression: TS.StringLiteral } {
    return this.ts.isExpressionStatement(node) && this.ts.isStringLiteral(node.expression);
  }

  /** Reads the directives of a prologue; reports misspellings and directives where they do not apply. */
  private directivesOf(statements: readonly TS.Statement[], count: number, applies: boolean): Mode | undefined {
    let mode: Mode | undefined;
    for (let i = 0; i < count; i++) {
      const statement = statements[i] as TS.ExpressionStatement & { expression: TS.StringLiteral };
      mode = this.directiveMode(statement, statement.expression.text, applies) ?? mode;
    }
    return mode;
  }

  /** A string statement outside a prologue: a directive there does nothing. */
  private checkStray(statement: TS.Statement): void {
    if (this.isStringStatement(statement)) this.checkStrayDirective(statement, statement.expression.text);
  }

  // --- The visitor ------------------------------------------------------------------------------

  private readonly visitor = (node: TS.Node): TS.VisitResult<TS.Node | undefined> => this.visit(node);

  private visit(node: TS.Node): TS.VisitResult<TS.Node | undefined> {
    const { ts, f } = this;
    const parent = node.parent as TS.Node | undefined;
    if (
      parent !== undefined &&
      this.isIterationStatement(parent, false) &&
      parent.statement === node &&
      !this.isBlock(node)
    ) {
      // A loop body of one statement: its key temporaries are fresh in each iteration.
      const { result, temps } = this.withTemps(() => this.visitNodeKind(node));
      if (temps.length === 0) return result;
      const statements = (result === undefined ? [] : Array.isArray(result) ? result : [result]) as TS.Statement[];
      return ts.setTextRange(f.createBlock([this.tempDeclaration(temps, "let"), ...statements], true), node);
    }
    return this.visitNodeKind(node);
  }

  private visitNodeKind(node: TS.Node): TS.VisitResult<TS.Node | undefined> {
    const { ts, SK } = this;
    if (this.isFunctionLike(node)) return this.visitFunction(node);
    switch (node.kind) {
      case SK.ClassStaticBlockDeclaration:
        return this.across(undefined, () => this.visitEachChild(node, this.visitor, this.context));
      case SK.PropertyDeclaration:
        return this.visitField(node as TS.PropertyDeclaration);
      case SK.PropertyAssignment: {
        const visited = this.visitEachChild(node as TS.PropertyAssignment, this.visitor, this.context);
        const temp = this.keyTempOf(node);
        if (temp === undefined) return visited;
        return this.f.updatePropertyAssignment(
          visited,
          this.keyAssignment(visited.name as TS.ComputedPropertyName, temp),
          visited.initializer,
        );
      }
      case SK.Block:
        return this.f.updateBlock(node as TS.Block, this.visitStatements((node as TS.Block).statements, 0, "let"));
      case SK.ModuleBlock:
        return this.f.updateModuleBlock(
          node as TS.ModuleBlock,
          this.visitStatements((node as TS.ModuleBlock).statements, 0, "var"),
        );
      case SK.CaseClause:
      case SK.DefaultClause:
        return this.visitClause(node as TS.CaseOrDefaultClause);
      case SK.ObjectLiteralExpression:
        return this.visitObjectLiteral(node as TS.ObjectLiteralExpression);
      case SK.ClassExpression:
        return this.visitClassExpression(node as TS.ClassExpression);
    }
    if (this.fn === undefined) return this.visitEachChild(node, this.visitor, this.context);
    switch (node.kind) {
      case SK.AwaitExpression:
        return this.visitAwait(node as TS.AwaitExpression);
      case SK.YieldExpression:
        return this.visitYield(node as TS.YieldExpression);
      case SK.ForOfStatement:
        return this.runningAfterReturn(() =>
          (node as TS.ForOfStatement).awaitModifier !== undefined
            ? this.visitForAwait(node as TS.ForOfStatement)
            : this.visitEachChild(node, this.visitor, this.context),
        );
      case SK.ForStatement: {
        const initializer = (node as TS.ForStatement).initializer;
        if (
          initializer !== undefined &&
          ts.isVariableDeclarationList(initializer) &&
          (initializer.flags & ts.NodeFlags.Using) !== 0
        ) {
          return this.runningAfterReturn(() => this.visitEachChild(node, this.visitor, this.context));
        }
        break;
      }
      case SK.LabeledStatement:
        return this.visitLabeled(node as TS.LabeledStatement);
      case SK.TryStatement:
        return this.runningAfterReturn(() => this.visitTry(node as TS.TryStatement));
      case SK.ReturnStatement: {
        const expression = (node as TS.ReturnStatement).expression;
        if (expression === undefined) break;
        if (this.fn.generator) return this.visitGeneratorReturn(node as TS.ReturnStatement);
        return this.f.updateReturnStatement(node as TS.ReturnStatement, this.returnValue(expression));
      }
      case SK.CallExpression: {
        const combinator = this.plan.unstructuredCombinator(node);
        if (combinator !== undefined)
          this.report((node as TS.CallExpression).expression, messages.promiseCombinator, combinator);
        break;
      }
    }
    return this.visitEachChild(node, this.visitor, this.context);
  }

  /** Functions, methods, accessors and constructors: the boundaries the rewrite stops at. */
  private isFunctionLike(node: TS.Node): node is FunctionLike {
    const { SK } = this;
    switch (node.kind) {
      case SK.FunctionDeclaration:
      case SK.FunctionExpression:
      case SK.ArrowFunction:
      case SK.MethodDeclaration:
      case SK.GetAccessor:
      case SK.SetAccessor:
      case SK.Constructor:
        return true;
    }
    return false;
  }

  private visitNode<T extends TS.Node>(node: T): T;
  private visitNode<T extends TS.Node>(node: T | undefined): T | undefined;
  private visitNode<T extends TS.Node>(node: T | undefined): T | undefined {
    return node === undefined ? undefined : (this.ts.visitNode(node, this.visitor) as T);
  }

  private visitList<T extends TS.Node>(nodes: TS.NodeArray<T>): TS.NodeArray<T>;
  private visitList<T extends TS.Node>(nodes: TS.NodeArray<T> | undefined): TS.NodeArray<T> | undefined;
  private visitList<T extends TS.Node>(nodes: TS.NodeArray<T> | undefined): TS.NodeArray<T> | undefined {
    return nodes === undefined ? undefined : (this.ts.visitNodes(nodes, this.visitor) as TS.NodeArray<T>);
  }

  // --- Statement lists: `using`, declaration markers, stray directives --------------------------

  /**
   * Visits a statement list whose first `prologue` statements are directives (kept as they are).
   * Structured async function declarations are marked at the top; structured methods after
   * their class. In a structured function, the statements from the first `using` declaration
   * on become the body of a resource block. The list declares the key temporaries of its
   * statements first (`declare`), or leaves them to the list around it (a `case` clause, whose
   * declarations a jump to a later clause would skip).
   */
  private visitStatements(
    statements: TS.NodeArray<TS.Statement>,
    prologue: number,
    declare: TempKind | undefined,
  ): TS.NodeArray<TS.Statement> {
    const { ts, f } = this;
    if (declare === undefined) return this.visitStatementList(statements, prologue);
    const { result, temps } = this.withTemps(() => this.visitStatementList(statements, prologue));
    if (temps.length === 0) return result;
    const out = [...result.slice(0, prologue), this.tempDeclaration(temps, declare), ...result.slice(prologue)];
    return ts.setTextRange(f.createNodeArray(out), statements);
  }

  /** `var $k, $k_1;` (or `let`). */
  private tempDeclaration(temps: string[], kind: TempKind): TS.Statement {
    const { ts, f } = this;
    const declarations = temps.map((name) => f.createVariableDeclaration(name));
    return f.createVariableStatement(
      undefined,
      f.createVariableDeclarationList(declarations, kind === "let" ? ts.NodeFlags.Let : ts.NodeFlags.None),
    );
  }

  private visitStatementList(statements: TS.NodeArray<TS.Statement>, prologue: number): TS.NodeArray<TS.Statement> {
    const { ts, f } = this;
    const head: TS.Statement[] = []; // declaration markers
    const before: TS.Statement[] = [];
    let inner: TS.Statement[] | undefined; // statements of the resource block, once a `using` was seen
    let firstUsing: TS.Statement | undefined;
    let awaitUsing = false;
    let changed = false;
    const depth = this.fn?.scopeDepth ?? 0;
    const afterReturn = this.fn?.runsAfterReturn ?? 0;
    for (let i = prologue; i < statements.length; i++) {
      const statement = statements[i]!;
      this.checkStray(statement);
      const usingKind = this.usingKind(statement);
      if (usingKind !== undefined && this.fn === undefined)
        this.checkScopeOutside(statement as TS.VariableStatement, usingKind);
      else if (usingKind !== undefined) {
        if (inner === undefined) {
          inner = [];
          firstUsing = statement;
          this.fn!.runsAfterReturn++; // the resource block's exit
        }
        // The block's site: where its exit waits, at its first `await using` (else its first `using`).
        if (usingKind === "await using" && !awaitUsing) firstUsing = statement;
        awaitUsing ||= usingKind === "await using";
        inner.push(this.visitUsing(statement as TS.VariableStatement, usingKind));
        changed = true;
        continue;
      }
      const visited = this.visit(statement) as TS.Node | TS.Node[] | undefined;
      const results = (visited === undefined ? [] : Array.isArray(visited) ? visited : [visited]) as TS.Statement[];
      if (results.length !== 1 || results[0] !== statement) changed = true;
      if (ts.isFunctionDeclaration(statement) && this.structured.has(statement) && statement.name !== undefined) {
        head.push(f.createExpressionStatement(this.call("markStructured", [f.createIdentifier(statement.name.text)])));
      }
      // Function declarations are hoisted: keep them outside the resource block.
      (inner === undefined || ts.isFunctionDeclaration(statement) ? before : inner).push(...results);
      if (ts.isClassDeclaration(statement)) {
        const marks = this.classMarkers(statement);
        if (marks.length > 0) {
          (inner ?? before).push(...marks);
          changed = true;
        }
      }
    }
    if (this.fn !== undefined) {
      this.fn.scopeDepth = depth;
      this.fn.runsAfterReturn = afterReturn;
    }
    if (!changed && head.length === 0) return statements;
    const out = [...statements.slice(0, prologue), ...head, ...before];
    if (inner !== undefined) out.push(...this.resourceBlock(inner, awaitUsing, firstUsing!));
    return ts.setTextRange(f.createNodeArray(out), statements);
  }

  private usingKind(statement: TS.Statement): "using" | "await using" | undefined {
    const { ts } = this;
    if (!ts.isVariableStatement(statement)) return undefined;
    const flags = statement.declarationList.flags & ts.NodeFlags.BlockScoped;
    if (flags === ts.NodeFlags.AwaitUsing) return "await using";
    if (flags === ts.NodeFlags.Using) return "using";
    return undefined;
  }

  /** `using x = e` becomes `const x = $u.use(e)` (`await using`: `$u.useAsync(e)`). */
  private visitUsing(statement: TS.VariableStatement, kind: "using" | "await using"): TS.Statement {
    const { ts, f } = this;
    const method = kind === "using" ? "use" : "useAsync";
    let opensScope = false;
    const declarations = statement.declarationList.declarations.map((declaration) => {
      if (declaration.initializer !== undefined && this.plan.opensScope(declaration.initializer)) opensScope = true;
      const initializer = this.visitNode(declaration.initializer);
      const wrapped =
        initializer === undefined
          ? undefined
          : ts.setTextRange(
              f.createCallExpression(
                f.createPropertyAccessExpression(f.createIdentifier(this.blockName), method),
                undefined,
                [initializer],
              ),
              declaration.initializer!,
            );
      return f.updateVariableDeclaration(
        declaration,
        declaration.name,
        declaration.exclamationToken,
        declaration.type,
        wrapped,
      );
    });
    if (opensScope && this.fn!.generator) this.fn!.scopeDepth++;
    const list = ts.setTextRange(
      f.createVariableDeclarationList(declarations, ts.NodeFlags.Const),
      statement.declarationList,
    );
    return f.updateVariableStatement(
      statement,
      statement.modifiers,
      ts.setOriginalNode(list, statement.declarationList),
    );
  }

  /** `using scope = moveOnAfter(...)` in code that is not structured: the scope would never be entered. */
  private checkScopeOutside(statement: TS.VariableStatement, kind: "using" | "await using"): void {
    for (const declaration of statement.declarationList.declarations) {
      if (declaration.initializer !== undefined && this.plan.opensScope(declaration.initializer)) {
        this.report(declaration, messages.scopeOutsideStructured, kind);
      }
    }
  }

  /**
   *   const $u = __rt.block($c);
   *   try { ...inner } catch ($e) { $u.fail($e); } finally { $u.close(); }
   * (with `await using`: `finally { __rt.resume($c, await __rt.leave($c, $u.closeAsync())); }`)
   */
  private resourceBlock(inner: TS.Statement[], awaitUsing: boolean, firstUsing: TS.Statement): TS.Statement[] {
    const { ts, f } = this;
    const u = () => f.createIdentifier(this.blockName);
    const block = this.call("block", this.withSite([this.ctx()], this.site(firstUsing)));
    const declare = f.createVariableStatement(
      undefined,
      f.createVariableDeclarationList(
        [f.createVariableDeclaration(this.blockName, undefined, undefined, block)],
        ts.NodeFlags.Const,
      ),
    );
    const fail = f.createCatchClause(
      f.createVariableDeclaration(this.errorName),
      f.createBlock(
        [
          f.createExpressionStatement(
            f.createCallExpression(f.createPropertyAccessExpression(u(), "fail"), undefined, [
              f.createIdentifier(this.errorName),
            ]),
          ),
        ],
        true,
      ),
    );
    const close = awaitUsing
      ? this.call("resume", [
          this.ctx(),
          f.createAwaitExpression(
            this.call("leave", [
              this.ctx(),
              f.createCallExpression(f.createPropertyAccessExpression(u(), "closeAsync"), undefined, []),
            ]),
          ),
        ])
      : f.createCallExpression(f.createPropertyAccessExpression(u(), "close"), undefined, []);
    const statement = f.createTryStatement(
      f.createBlock(inner, true),
      fail,
      f.createBlock([f.createExpressionStatement(close)], true),
    );
    return [declare, statement];
  }

  private visitClause(node: TS.CaseOrDefaultClause): TS.CaseOrDefaultClause {
    const { ts, f } = this;
    if (this.fn !== undefined) {
      const using = node.statements.find((statement) => this.usingKind(statement) !== undefined);
      if (using !== undefined) {
        this.report(using, messages.usingInCaseClause);
        return this.across(undefined, () => this.visitEachChild(node, this.visitor, this.context));
      }
    }
    const statements = this.visitStatements(node.statements, 0, undefined);
    return ts.isCaseClause(node)
      ? f.updateCaseClause(node, this.visitNode(node.expression), statements)
      : f.updateDefaultClause(node, statements);
  }

  // --- Functions --------------------------------------------------------------------------------

  private visitFunction(node: FunctionLike): TS.VisitResult<TS.Node> {
    const { ts, f, SK } = this;
    const isAsync = (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Async) !== 0;
    const body = node.body;
    let own: Mode | undefined;
    let prologue = 0;
    if (body !== undefined && ts.isBlock(body)) {
      prologue = this.prologueLength(body.statements);
      own = this.directivesOf(body.statements, prologue, isAsync);
    }
    const mode = own ?? this.mode;
    const compiled = isAsync && mode === "structured" && body !== undefined;
    // Decorators, computed names: evaluated outside the function.
    const modifiers = this.visitList(node.modifiers);
    let name = ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) ? node.name : this.visitNode(node.name);
    if (compiled && ts.isMethodDeclaration(node) && this.plan.needsKeyTemp(node)) {
      // The marker after the class (or the object literal) names the method by its key's value.
      name = this.keyAssignment(name as TS.ComputedPropertyName, this.keyTemp(node));
    }
    const generator = node.asteriskToken !== undefined;
    const ownName =
      (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node)) && node.name !== undefined
        ? node.name.text
        : undefined;
    const state: FunctionState | undefined = compiled
      ? {
          name: this.plan.siteName(node, ownName),
          generator,
          leaf: !generator && this.plan.isLeafBody(body!, ts.isBlock(body!)),
          scopeDepth: 0,
          runsAfterReturn: 0,
        }
      : undefined;
    const [parameters, newBody] = this.across(
      undefined,
      () => {
        const parameters = this.visitList(node.parameters);
        if (body === undefined) return [parameters, undefined] as const;
        if (!compiled) {
          return [
            parameters,
            ts.isBlock(body)
              ? f.updateBlock(body, this.visitStatements(body.statements, prologue, "var"))
              : this.visitExpressionBody(body),
          ] as const;
        }
        return [parameters, this.across(state, () => this.compileBody(body, prologue, state!))] as const;
      },
      mode,
    );
    let result: TS.Node;
    switch (node.kind) {
      case SK.FunctionDeclaration:
        result = f.updateFunctionDeclaration(
          node,
          modifiers,
          node.asteriskToken,
          node.name,
          node.typeParameters,
          parameters,
          node.type,
          newBody as TS.Block | undefined,
        );
        break;
      case SK.FunctionExpression:
        result = f.updateFunctionExpression(
          node,
          modifiers as TS.NodeArray<TS.Modifier> | undefined,
          node.asteriskToken,
          node.name,
          node.typeParameters,
          parameters,
          node.type,
          newBody as TS.Block,
        );
        break;
      case SK.ArrowFunction:
        result = f.updateArrowFunction(
          node,
          modifiers as TS.NodeArray<TS.Modifier> | undefined,
          node.typeParameters,
          parameters,
          node.type,
          node.equalsGreaterThanToken,
          newBody as TS.ConciseBody,
        );
        break;
      case SK.MethodDeclaration:
        result = f.updateMethodDeclaration(
          node,
          modifiers,
          node.asteriskToken,
          name as TS.PropertyName,
          node.questionToken,
          node.typeParameters,
          parameters,
          node.type,
          newBody as TS.Block | undefined,
        );
        break;
      case SK.GetAccessor:
        result = f.updateGetAccessorDeclaration(
          node,
          modifiers,
          name as TS.PropertyName,
          parameters,
          node.type,
          newBody as TS.Block | undefined,
        );
        break;
      case SK.SetAccessor:
        result = f.updateSetAccessorDeclaration(
          node,
          modifiers,
          name as TS.PropertyName,
          parameters,
          newBody as TS.Block | undefined,
        );
        break;
      default:
        result = f.updateConstructorDeclaration(
          node as TS.ConstructorDeclaration,
          modifiers,
          parameters,
          newBody as TS.Block | undefined,
        );
    }
    if (!compiled) {
      const callback =
        !isAsync && !generator && mode === "structured" && (ts.isArrowFunction(node) || ts.isFunctionExpression(node));
      if (callback && this.plan.isRunnerCallback(node)) {
        return ts.setOriginalNode(ts.setTextRange(this.call("markStructured", [result as TS.Expression]), node), node);
      }
      return result;
    }
    if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) {
      this.structured.add(node);
      return result;
    }
    // Function expressions and arrows: mark the value where it is made, keeping the name its
    // position would have given it.
    const inferred = node.name === undefined ? this.nameExpression(this.plan.nameFromPlace(node), true) : undefined;
    const args: TS.Expression[] = [result as TS.Expression];
    if (inferred !== undefined) args.push(inferred);
    return ts.setOriginalNode(ts.setTextRange(this.call("markStructured", args), node), node);
  }

  /**
   * An arrow's expression body that is not compiled; where it holds key temporaries, a block
   * that declares them (`=> { var $k; return ...; }`), so each call has its own.
   */
  private visitExpressionBody(body: TS.Expression): TS.ConciseBody {
    const { ts, f } = this;
    const { result, temps } = this.withTemps(() => this.visitNode(body));
    if (temps.length === 0) return result;
    const statements = [this.tempDeclaration(temps, "var"), ts.setTextRange(f.createReturnStatement(result), body)];
    return ts.setTextRange(f.createBlock(statements, true), body);
  }

  /**
   * A field: decorators and a computed name are evaluated where the class is (an `await` there
   * belongs to the enclosing function); the initializer is a function boundary of its own.
   */
  private visitField(node: TS.PropertyDeclaration): TS.PropertyDeclaration {
    const { f } = this;
    const modifiers = this.visitList(node.modifiers);
    let name = this.visitNode(node.name);
    const initializer = this.across(undefined, () => this.visitNode(node.initializer));
    const temp = this.keyTempOf(node);
    if (temp !== undefined) name = this.keyAssignment(name as TS.ComputedPropertyName, temp);
    return f.updatePropertyDeclaration(
      node,
      modifiers,
      name,
      node.questionToken ?? node.exclamationToken,
      node.type,
      initializer,
    );
  }

  /**
   *   [k]  =>  [$k = __rt.key(k)]
   * The key is converted to a property key once, where the engine would convert it, and kept
   * for the marker or the name.
   */
  private keyAssignment(name: TS.ComputedPropertyName, temp: string): TS.ComputedPropertyName {
    const { ts, f } = this;
    const key = ts.setTextRange(this.call("key", [name.expression]), name.expression);
    return f.updateComputedPropertyName(
      name,
      ts.setTextRange(f.createAssignment(f.createIdentifier(temp), key), name.expression),
    );
  }

  /**
   * The operand of `return` in an async function (or an async arrow's expression body): `await x`
   * as the invocation's last step needs no segment after it (see `endsInvocation`); anything
   * else is {@link returned}.
   */
  private returnValue(expression: TS.Expression): TS.Expression {
    const awaited = this.plan.skipOuter(expression);
    return this.ts.isAwaitExpression(awaited) && this.endsInvocation()
      ? this.visitAwait(awaited, false)
      : this.returned(expression);
  }

  /**
   * The operand of a `return` in a compiled async function (`expression` is the original):
   *   return g(a)  =>  return __rt.retCall($c, (__rt.pre($c), g(a)))
   *   return x     =>  return __rt.ret($c, x)      (in a leaf: __rt.retLeaf(x))
   * unless `x` cannot be a promise (a literal, arithmetic, an await...).
   */
  private returned(expression: TS.Expression): TS.Expression {
    return this.handedOut(expression, this.fn!.leaf ? ["retLeaf"] : ["ret", "retCall"]);
  }

  /**
   * An operand the function hands out unawaited (`return x`, `yield x`), when it may be a
   * promise: `[hook]($c, x)`, or `[callHook]($c, (__rt.pre($c), g(a)))` for a direct call; a
   * leaf has no `$c` and one hook for both.
   */
  private handedOut(expression: TS.Expression, [hook, callHook]: [string, string?]): TS.Expression {
    const { ts, f } = this;
    const operand = this.visitNode(expression);
    if (!this.plan.mayBePromise(expression)) return operand;
    let wrapped: TS.Expression;
    if (callHook === undefined) wrapped = this.call(hook, [operand]);
    else if (this.plan.isDirectCall(expression))
      wrapped = this.call(callHook, [this.ctx(), f.createComma(this.call("pre", [this.ctx()]), operand)]);
    else wrapped = this.call(hook, [this.ctx(), operand]);
    return ts.setTextRange(wrapped, expression);
  }

  /**
   *   "directives"; const $c = __rt.enter(); try { body } finally { __rt.exit($c); }
   * or, for a function that never suspends:
   *   "directives"; __rt.enterLeaf(); body
   */
  private compileBody(body: TS.ConciseBody, prologue: number, state: FunctionState): TS.Block {
    const { ts, f } = this;
    let kept: TS.Statement[] = [];
    // The function's key temporaries are declared first, before `$c` (a `var` inside the `try`
    // would mean the same, but reads as if it were the block's).
    const { result: statements, temps } = this.withTemps((): TS.Statement[] => {
      if (!ts.isBlock(body)) return [ts.setTextRange(f.createReturnStatement(this.returnValue(body)), body)];
      const visited = this.visitStatements(body.statements, prologue, undefined);
      kept = visited.slice(0, prologue);
      return visited.slice(prologue);
    });
    const compiled = state.leaf
      ? [f.createExpressionStatement(this.call("enterLeaf", [])), ...statements]
      : this.guarded(statements, state.generator);
    if (temps.length > 0) compiled.unshift(this.tempDeclaration(temps, "var"));
    const block = f.createBlock([...kept, ...compiled], true);
    return ts.isBlock(body) ? ts.setOriginalNode(ts.setTextRange(block, body), body) : ts.setTextRange(block, body);
  }

  /** `const $c = __rt.enter(); try { statements } finally { __rt.exit($c); }` */
  private guarded(statements: TS.Statement[], generator: boolean): TS.Statement[] {
    const { ts, f } = this;
    const enter = f.createVariableStatement(
      undefined,
      f.createVariableDeclarationList(
        [
          f.createVariableDeclaration(
            this.ctxName,
            undefined,
            undefined,
            this.call(
              generator ? "enterGenerator" : "enter",
              this.sitesArgument() ? [f.createIdentifier(this.sitesName)] : [],
            ),
          ),
        ],
        ts.NodeFlags.Const,
      ),
    );
    const guarded = f.createTryStatement(
      f.createBlock(statements, true),
      undefined,
      f.createBlock([this.hookStatement("exit")], true),
    );
    return [enter, guarded];
  }

  /**
   * A name as the markers pass it: a string literal, or the temporary holding a computed key
   * (made now if `make`, else only if the function's visit made it).
   */
  private nameExpression(source: NameSource<TS.Node> | undefined, make: boolean): TS.Expression | undefined {
    if (source === undefined) return undefined;
    if ("text" in source) return this.f.createStringLiteral(source.text);
    const temp = make ? this.keyTemp(source.keyOf) : this.keyTempOf(source.keyOf);
    return temp === undefined ? undefined : this.f.createIdentifier(temp);
  }

  /** `__rt.markMethods(C.prototype, "m")` / `__rt.markMethods(C, "s")` after a class declaration. */
  private classMarkers(node: TS.ClassDeclaration): TS.Statement[] {
    if (node.name === undefined) return [];
    return this.methodMarkers(node, () => this.f.createIdentifier(node.name!.text));
  }

  /**
   * A class expression has no name to mark it by afterwards: a static block at the end of its
   * body marks its methods (`static { __rt.markMethods(this.prototype, "m"); }`), which also
   * keeps the name the class gets from its position.
   */
  private visitClassExpression(node: TS.ClassExpression): TS.ClassExpression {
    const { ts, f } = this;
    const visited = this.visitEachChild(node, this.visitor, this.context);
    const marks = this.methodMarkers(node, () => f.createThis());
    if (marks.length === 0) return visited;
    const block = f.createClassStaticBlockDeclaration(f.createBlock(marks, true));
    return f.updateClassExpression(
      visited,
      visited.modifiers,
      visited.name,
      visited.typeParameters,
      visited.heritageClauses,
      [...visited.members, block],
    );
  }

  /** The `markMethods` calls for a class's structured methods with public names; `ref` names the class. */
  private methodMarkers(node: TS.ClassLikeDeclaration, ref: () => TS.Expression): TS.Statement[] {
    const { ts, f } = this;
    const own: TS.Expression[] = [];
    const statics: TS.Expression[] = [];
    for (const member of node.members) {
      if (!this.structured.has(member) || !ts.isMethodDeclaration(member)) continue;
      const name = this.nameExpression(this.plan.keyName(member, false), false);
      if (name === undefined) continue;
      (ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Static ? statics : own).push(name);
    }
    const out: TS.Statement[] = [];
    const mark = (target: TS.Expression, names: TS.Expression[]) =>
      out.push(f.createExpressionStatement(this.call("markMethods", [target, ...names])));
    if (own.length > 0) mark(f.createPropertyAccessExpression(ref(), "prototype"), own);
    if (statics.length > 0) mark(ref(), statics);
    return out;
  }

  /** Object literals with structured async methods: `__rt.markMethods({ ... }, "m")`. */
  private visitObjectLiteral(node: TS.ObjectLiteralExpression): TS.Expression {
    const { ts } = this;
    const visited = this.visitEachChild(node, this.visitor, this.context);
    const names: TS.Expression[] = [];
    for (const property of node.properties) {
      if (!this.structured.has(property) || !ts.isMethodDeclaration(property)) continue;
      const name = this.nameExpression(this.plan.keyName(property, false), false);
      if (name !== undefined) names.push(name);
    }
    if (names.length === 0) return visited;
    return ts.setTextRange(this.call("markMethods", [visited, ...names]), node);
  }

  // --- Inside structured functions ----------------------------------------------------------------

  /**
   *   await x        =>  __rt.resume($c, await __rt.suspend($c, x))
   *   await g(a, b)  =>  __rt.resume($c, await __rt.suspendCall($c, (__rt.pre($c), g(a, b))))
   *
   * Without `resume` (`resumed` false) for `return await x` where it is the invocation's last
   * step (see `endsInvocation`): the segment after it would be empty, and `exit` ends the await.
   */
  private visitAwait(node: TS.AwaitExpression, resumed = true): TS.Expression {
    const { ts, f } = this;
    const operand = this.visitNode(node.expression);
    const site = this.site(node);
    const inner = this.plan.isDirectCall(node.expression)
      ? this.call(
          "suspendCall",
          this.withSite([this.ctx(), f.createComma(this.call("pre", [this.ctx()]), operand)], site),
        )
      : this.call("suspend", this.withSite([this.ctx(), operand], site));
    const awaited = f.updateAwaitExpression(node, inner);
    if (!resumed) return ts.setTextRange(awaited, node);
    return ts.setOriginalNode(ts.setTextRange(this.call("resume", [this.ctx(), awaited]), node), node);
  }

  /**
   *   yield x   =>  __rt.resume($c, yield __rt.leave($c, x))
   *   yield* g  =>  __rt.resume($c, yield* __rt.forAwait($c, g))
   * `yield*` awaits each step of `g` as `for await` does, through the same wrapper: each step is a
   * checkpoint, runs in the generator's frame, and a foreign step is raced.
   */
  private visitYield(node: TS.YieldExpression): TS.Expression {
    const { ts, f } = this;
    if (!this.fn!.generator) return this.visitEachChild(node, this.visitor, this.context);
    if (this.fn!.scopeDepth > 0) this.report(node, messages.yieldInScope);
    // `yield*` delegates to an iterable; `yield x` awaits x first, so x is handed out.
    const left =
      node.asteriskToken !== undefined
        ? this.call("forAwait", this.withSite([this.ctx(), this.visitNode(node.expression!)], this.site(node)))
        : this.call(
            "leave",
            node.expression === undefined
              ? [this.ctx()]
              : [this.ctx(), this.handedOut(node.expression, ["yielded", "yieldedCall"])],
          );
    const yielded = f.updateYieldExpression(node, node.asteriskToken, left);
    return ts.setOriginalNode(ts.setTextRange(this.call("resume", [this.ctx(), yielded]), node), node);
  }

  /**
   * `return x` in an async generator awaits `x` before the generator completes:
   *   return x  =>  return __rt.leave($c, x)
   */
  private visitGeneratorReturn(node: TS.ReturnStatement): TS.Statement {
    const { ts, f } = this;
    const operand = this.handedOut(node.expression!, ["yielded", "yieldedCall"]);
    const left = ts.setTextRange(this.call("leave", [this.ctx(), operand]), node.expression!);
    return f.updateReturnStatement(node, left);
  }

  /**
   *   for await (const x of xs) body
   * =>
   *   for await (const x of __rt.forAwait($c, xs)) { __rt.reenter($c); body }
   *   __rt.reenter($c);
   */
  private visitForAwait(node: TS.ForOfStatement): TS.Statement[] {
    const { ts, f } = this;
    const initializer = this.visitNode(node.initializer);
    const expression = this.visitNode(node.expression);
    const body = this.withReenter(this.visitNode(node.statement));
    const iterable = ts.setTextRange(
      this.call("forAwait", this.withSite([this.ctx(), expression], this.site(node))),
      node.expression,
    );
    return [
      f.updateForOfStatement(node, node.awaitModifier, initializer, iterable, body),
      this.hookStatement("reenter"),
    ];
  }

  /** `body` as a block that starts with `__rt.reenter($c)`. */
  private withReenter(body: TS.Statement): TS.Block {
    const { ts, f } = this;
    const reenter = this.hookStatement("reenter");
    return ts.isBlock(body)
      ? f.updateBlock(body, ts.setTextRange(f.createNodeArray([reenter, ...body.statements]), body.statements))
      : f.createBlock([reenter, body], true);
  }

  /**
   * A label on a `for await` must stay on the loop (for `continue label`). A labelled statement
   * that contains a `for await` can be left from inside it (`break label`, `continue label`)
   * after the loop's `return()` ended the segment:
   *   label: for (...) { __rt.reenter($c); body }  __rt.reenter($c);
   */
  private visitLabeled(node: TS.LabeledStatement): TS.VisitResult<TS.Node> {
    const { ts, f } = this;
    const visited = this.visit(node.statement) as TS.Node | TS.Node[];
    if (Array.isArray(visited)) {
      const [loop, ...rest] = visited as TS.Statement[];
      return [f.updateLabeledStatement(node, node.label, loop!), ...rest];
    }
    let statement = visited as TS.Statement;
    if (this.fn!.leaf || !this.plan.containsForAwait(node.statement))
      return f.updateLabeledStatement(node, node.label, statement);
    if (ts.isIterationStatement(statement, false)) statement = this.withReenterInBody(statement);
    return [f.updateLabeledStatement(node, node.label, statement), this.hookStatement("reenter")];
  }

  /** The loop with `__rt.reenter($c)` first in its body (where `continue label` lands). */
  private withReenterInBody(loop: TS.IterationStatement): TS.IterationStatement {
    const { ts, f } = this;
    const newBody = this.withReenter(loop.statement);
    if (ts.isForStatement(loop))
      return f.updateForStatement(loop, loop.initializer, loop.condition, loop.incrementor, newBody);
    if (ts.isForOfStatement(loop))
      return f.updateForOfStatement(loop, loop.awaitModifier, loop.initializer, loop.expression, newBody);
    if (ts.isForInStatement(loop)) return f.updateForInStatement(loop, loop.initializer, loop.expression, newBody);
    if (ts.isWhileStatement(loop)) return f.updateWhileStatement(loop, loop.expression, newBody);
    return f.updateDoStatement(loop as TS.DoStatement, newBody, (loop as TS.DoStatement).expression);
  }

  /** `catch` and `finally` blocks start with `__rt.reenter($c)`: a rejected await skipped resume. */
  private visitTry(node: TS.TryStatement): TS.Statement {
    const { ts, f } = this;
    // A function that never suspends runs its handlers in the segment that threw.
    if (this.fn!.leaf) return this.visitEachChild(node, this.visitor, this.context);
    const tryBlock = this.visitNode(node.tryBlock);
    const clause = node.catchClause;
    const catchClause =
      clause === undefined
        ? undefined
        : f.updateCatchClause(
            clause,
            this.visitNode(clause.variableDeclaration),
            this.withReenter(this.visitNode(clause.block)),
          );
    const finallyBlock =
      node.finallyBlock === undefined ? undefined : this.withReenter(this.visitNode(node.finallyBlock));
    return f.updateTryStatement(node, tryBlock, catchClause, finallyBlock);
  }
}
