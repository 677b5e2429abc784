// The rewrite's decisions (transformer/core/analysis.ts), each on tiny inputs, made over both
// syntax ports: TypeScript's AST and Babel's must give the same answer, and the right one.
import { parse } from "@babel/parser";
import * as babelTypes from "@babel/types";
import * as ts from "typescript";
import { Analysis } from "../../transformer/core/analysis";
import type { SyntaxPort } from "../../transformer/core/syntax-port";
import { BabelPort } from "../../transformer/babel/syntax-port";
import { fastTypes } from "../../transformer/babel/fast-types";
import { TypeScriptPort } from "../../transformer/typescript/syntax-port";

type Picked = { port: SyntaxPort<any>; analysis: Analysis<any>; node: any; isBlock: boolean };

/** The first node of `root` (depth first, itself included) for which `test` holds. */
function find<N>(port: SyntaxPort<N>, root: N, test: (node: N) => boolean): N | undefined {
  if (test(root)) return root;
  let found: N | undefined;
  port.someChild(root, (child) => (found = find(port, child, test)) !== undefined);
  return found;
}

const tsPort = new TypeScriptPort(ts);
const babelPort = new BabelPort(fastTypes(babelTypes));

function both(code: string): { ts: ts.SourceFile; babel: babelTypes.File } {
  const sourceFile = ts.createSourceFile("case.ts", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const file = parse(code, {
    sourceType: "module",
    plugins: ["typescript", ["decorators", { decoratorsBeforeExport: true }], "explicitResourceManagement"],
  });
  return { ts: sourceFile, babel: file };
}

/** The operand of the first `return` of `async function f() { return <expression>; }`, in each AST. */
function expressionIn(expression: string): Picked[] {
  return pickReturn(`async function f() { return ${expression}; }`);
}

/** The operand of the first `return` in `code`, in each AST. */
function pickReturn(code: string): Picked[] {
  const trees = both(code);
  return [
    [tsPort, trees.ts],
    [babelPort, trees.babel.program],
  ].map(([port, root]) => {
    const p = port as SyntaxPort<any>;
    const ret = find(p, root, (node) => p.kind(node) === "return");
    return { port: p, analysis: new Analysis(p), node: p.returnOperand(ret), isBlock: false };
  });
}

/** The body of `async function f() <block>`, or of `async () => <expression>`, in each AST. */
function bodyOf(code: string): Picked[] {
  const trees = both(code);
  const tsFunction = find(
    tsPort,
    trees.ts as ts.Node,
    (node) => ts.isFunctionDeclaration(node) || ts.isArrowFunction(node),
  ) as ts.FunctionDeclaration | ts.ArrowFunction;
  const babelFunction = find(
    babelPort,
    trees.babel.program as babelTypes.Node,
    (node) => node.type === "FunctionDeclaration" || node.type === "ArrowFunctionExpression",
  ) as babelTypes.FunctionDeclaration | babelTypes.ArrowFunctionExpression;
  return [
    { port: tsPort, analysis: new Analysis(tsPort), node: tsFunction.body, isBlock: ts.isBlock(tsFunction.body!) },
    {
      port: babelPort,
      analysis: new Analysis(babelPort),
      node: babelFunction.body,
      isBlock: babelFunction.body.type === "BlockStatement",
    },
  ];
}

/** What each port's analysis decides; the two must agree. */
function decided<R>(picked: Picked[], decide: (p: Picked) => R): R {
  const [viaTs, viaBabel] = picked.map(decide);
  expect(viaBabel).toEqual(viaTs);
  return viaTs!;
}

describe("mayBePromise: whether a value handed out unawaited needs a hook", () => {
  test.each([
    ["1", false],
    ["10n", false],
    ['"s"', false],
    ["`a${b}`", false],
    ["/re/", false],
    ["true", false],
    ["null", false],
    ["({})", false],
    ["[]", false],
    ["async () => {}", false],
    ["class {}", false],
    ["await x", false],
    ["!x", false],
    ["typeof x", false],
    ["i++", false],
    ["a + b", false],
    ["a instanceof B", false],
    ["undefined", false],
    ["a ? 1 : 2", false],
    ["(1 as any)", false],
    ["x", true],
    ["a ? 1 : p", true],
    ["a || b", true],
    ["a ?? b", true],
    ["a = b", true],
    ["(a, b)", true],
    ["x!", true],
    ["f()", true],
    ["new P(r)", true],
    ["o.p", true],
    ["this", true],
  ])("%s: %s", (expression, expected) => {
    expect(decided(expressionIn(expression), (p) => p.analysis.mayBePromise(p.node))).toBe(expected);
  });
});

describe("isDirectCall: a call during which only its callee can enter compiled code", () => {
  test.each([
    ["f(a, b)", true],
    ["a.b.f(x)", true],
    ["f?.(a)", true],
    ["(f as any)(a)", true],
    ["f(() => g())", true],
    ["f(function () { g(); })", true],
    ["f({ ...o })", true],
    ["f(g())", false],
    ["g()(a)", false],
    ["f(new X())", false],
    ["f(...xs)", false],
    ["f([...xs])", false],
    ["f(await x)", false],
    ["f(tag`x`)", false],
    ["f(class {})", false],
    ["f({ m() { g(); } })", false],
    ['import("x")', false],
    ["new F(a)", false],
    ["x", false],
  ])("%s: %s", (expression, expected) => {
    expect(decided(expressionIn(expression), (p) => p.analysis.isDirectCall(p.node))).toBe(expected);
  });
});

describe("isLeafBody: a body that never suspends and returns no direct call", () => {
  test.each([
    ["async function f() { return 1; }", true],
    ["async function f() { return g(h()); }", true],
    ["async function f() { const h = async () => { await x; }; return h; }", true],
    ["async function f() { function h() { return g(a); } }", true],
    ["async function f() { await x; }", false],
    ["async function f() { if (a) { for await (const x of y) {} } }", false],
    ["async function f() { using r = open(); }", false],
    ["async function f() { await using r = open(); }", false],
    ["async function f() { return g(a); }", false],
    ["async function f() { class C { [await k]() {} } }", false],
    ["async function f() { class C { @dec(await x) m() {} } }", false],
    ["async function f() { const o = { [await k]() {} }; }", false],
    ["const f = async () => a + 1;", true],
    ["const f = async () => g(a);", false],
    ["const f = async () => g(h());", true],
  ])("%s: %s", (code, expected) => {
    expect(decided(bodyOf(code), (p) => p.analysis.isLeafBody(p.node, p.isBlock))).toBe(expected);
  });
});

describe("opensScope: an expression that makes a cancel scope or a task group", () => {
  test.each([
    ["moveOnAfter(1)", true],
    ["failAt(t)", true],
    ["new CancelScope()", true],
    ["anyio.createTaskGroup()", true],
    ["(failAfter(1) as any)", true],
    ["other()", false],
    ["moveOnAfter", false],
    ["scopes[0]()", false],
  ])("%s: %s", (expression, expected) => {
    expect(decided(expressionIn(expression), (p) => p.analysis.opensScope(p.node))).toBe(expected);
  });
});

describe("containsForAwait: a for-await loop of this function inside a statement", () => {
  test.each([
    ["async function f() { for await (const x of y) {} }", true],
    ["async function f() { if (a) { while (b) { for await (const x of y) {} } } }", true],
    ["async function f() { for (const x of y) {} }", false],
    ["async function f() { const g = async () => { for await (const x of y) {} }; }", false],
    ["async function f() { class C { async m() { for await (const x of y) {} } } }", false],
  ])("%s: %s", (code, expected) => {
    expect(decided(bodyOf(code), (p) => p.analysis.containsForAwait(p.node))).toBe(expected);
  });
});

describe("unstructuredCombinator: Promise combinators over calls", () => {
  test.each([
    ["Promise.all([f(), g()])", "all"],
    ["Promise.race(xs.map(f))", "race"],
    ["Promise.allSettled([(f() as any)])", "allSettled"],
    ['Promise.any([import("x")])', "any"],
    ["Promise.all(ps)", undefined],
    ["Promise.all([p, q])", undefined],
    ["Promise.all()", undefined],
    ["Promise.resolve(f())", undefined],
    ["P.all([f()])", undefined],
  ])("%s: %s", (expression, expected) => {
    expect(decided(expressionIn(expression), (p) => p.analysis.unstructuredCombinator(p.node))).toBe(expected);
  });
});

describe("calleeName: what a call goes by", () => {
  test.each([
    ["f", "f"],
    ["a.b.f", "f"],
    ["(a.f as any)", "f"],
    ["a[f]", undefined],
    ["this.#f", undefined],
    ["f()", undefined],
  ])("%s: %s", (expression, expected) => {
    const code = expression.includes("#") ? `class C { #f() {} async m() { return ${expression}; } }` : undefined;
    const picked = code === undefined ? expressionIn(expression) : pickReturn(code);
    expect(decided(picked, (p) => p.analysis.calleeName(p.node))).toBe(expected);
  });
});

/**
 * The first function value (an arrow or a function expression) in `code`, in each AST. Babel's
 * port is given the path to it, as the rewriter gives the path it visits.
 */
function functionValueIn(code: string): Picked[] {
  const trees = both(code);
  const tsNode = find(tsPort, trees.ts as ts.Node, (node) => tsPort.kind(node) === "function")!;
  const path: babelTypes.Node[] = [];
  const walk = (node: babelTypes.Node): boolean => {
    path.push(node);
    if (babelPort.kind(node) === "function") return true;
    if (babelPort.someChild(node, walk)) return true;
    path.pop();
    return false;
  };
  walk(trees.babel.program);
  const port = new BabelPort(fastTypes(babelTypes), path);
  return [
    { port: tsPort, analysis: new Analysis(tsPort), node: tsNode, isBlock: false },
    { port, analysis: new Analysis(port), node: path[path.length - 1], isBlock: false },
  ];
}

/** A name source as text: the string, or "key of <the owner's key text>". */
function describeName(p: Picked, source: { text: string } | { keyOf: unknown } | undefined): string | undefined {
  if (source === undefined) return undefined;
  if ("text" in source) return source.text;
  return `key of ${p.port.kind(source.keyOf)}`;
}

describe("nameFromPlace: the name a function value gets from where it is written", () => {
  test.each([
    ["const f = async () => {};", "f"],
    ["let g = (async function () {});", "g"],
    ["const h = (async () => {}) as any;", "h"],
    ["function p(cb = async () => {}) {}", "cb"],
    ["const { d = async () => {} } = o;", "d"],
    ["x = async () => {};", "x"],
    ["x ??= async () => {};", "x"],
    ["x ||= async () => {};", "x"],
    ["x += async () => {};", undefined],
    ["o.x = async () => {};", undefined],
    ["const o = { m: async () => {} };", "m"],
    ['const o = { "a b": async () => {} };', "a b"],
    ["const o = { 7: async () => {} };", "7"],
    ['const o = { ["lit"]: async () => {} };', "lit"],
    ["const o = { [k]: async () => {} };", "key of property"],
    ["class C { f = async () => {}; }", "f"],
    ["class C { #p = async () => {}; }", "#p"],
    ["class C { [k] = async () => {}; }", "key of property"],
    ["export default async () => {};", "default"],
    ["const [a = async () => {}] = xs;", "a"],
    ["call(async () => {});", undefined],
    ["const { f: [g] = async () => {} } = o;", undefined],
  ])("%s: %s", (code, expected) => {
    expect(decided(functionValueIn(code), (p) => describeName(p, p.analysis.nameFromPlace(p.node)))).toBe(expected);
  });
});

describe("isRunnerCallback: a function value passed straight to startSoon", () => {
  test.each([
    ["tg.startSoon(() => work());", true],
    ["startSoon((() => work()) as any);", true],
    ["tg.startSoon(name, () => work());", true],
    ["tg.start(() => work());", false],
    ["tg.startSoon(wrap(() => work()));", false],
    ["const f = () => work();", false],
  ])("%s: %s", (code, expected) => {
    expect(decided(functionValueIn(code), (p) => p.analysis.isRunnerCallback(p.node))).toBe(expected);
  });
});

describe("keyName and needsKeyTemp: what a method's key names it by", () => {
  test.each([
    ["class C { async m() {} }", false, "m"],
    ['class C { async "s"() {} }', false, "s"],
    ['class C { async ["lit"]() {} }', false, "lit"],
    ["class C { async [k]() {} }", true, "key of method"],
    ["class C { async #m() {} }", false, undefined],
    ["const o = { async m() {} };", false, "m"],
    ["const o = { async [Symbol.iterator]() {} };", true, "key of method"],
  ])("%s: temporary %s, marked as %s", (code, temp, name) => {
    const trees = both(code);
    const picked: Picked[] = [
      [tsPort, trees.ts],
      [babelPort, trees.babel.program],
    ].map(([port, root]) => {
      const p = port as SyntaxPort<any>;
      return {
        port: p,
        analysis: new Analysis(p),
        node: find(p, root, (node) => p.kind(node) === "method"),
        isBlock: false,
      };
    });
    expect(decided(picked, (p) => p.analysis.needsKeyTemp(p.node))).toBe(temp);
    expect(decided(picked, (p) => describeName(p, p.analysis.keyName(p.node, false)))).toBe(name);
  });
});
