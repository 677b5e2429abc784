/**
 * The runtime hook calls of a compiled file, as a list that two front ends' outputs can be
 * compared by (tests/transformer/parity.test.ts).
 *
 * A compiled file imports the hooks once, as a namespace (`import * as __rt from "anyio-ts/rt"`,
 * `const __rt = require(...)`, or Babel's `var __rt = _interopRequireWildcard(require(...))`),
 * under a local name the name-collision rule may have changed (`__rt_1`). The local name is read
 * from that import, never assumed. Every call of a member of that namespace is one hook call.
 */
import * as babel from "@babel/core";
import type * as t from "@babel/types";

/** One call of a runtime hook: `markMethods(A.prototype, "run", $k)`, `suspendCall/2`. */
export interface HookCall {
  /** The hook's name (the member of the runtime namespace that is called). */
  readonly hook: string;
  /**
   * What the comparison sees: the hook's name and the shape of its arguments. For the markers
   * (which name functions, so their arguments are part of the contract) each argument is spelt
   * out; for every other hook only the number of arguments counts.
   */
  readonly text: string;
  /** 1-based line of the call in its file, for failure messages. */
  readonly line: number;
}

/** Hooks whose arguments name what they mark: the argument list is compared, not just counted. */
const SPELT_OUT = new Set(["markStructured", "markMethods"]);

/** What a compiled file does with the runtime. */
export interface RuntimeUse {
  /** The local name of the runtime namespace, or undefined when the file does not import it. */
  readonly namespace: string | undefined;
  /** Every call of a hook (and every hook read without a call), in source order. */
  readonly calls: readonly HookCall[];
}

/**
 * The runtime hook calls of `code`, in source order (a call before the calls in its callee and
 * arguments, as an outer call's text starts before its arguments'). A file without the runtime
 * import has none.
 *
 * @param code - a compiled file (CommonJS or ES module).
 * @param runtimeSpecifier - the module the file imports its hooks from.
 * @throws Error when the file imports the runtime more than once, or in an unrecognised form.
 */
export function extractHookCalls(code: string, runtimeSpecifier: string): RuntimeUse {
  const file = babel.parseSync(code, {
    babelrc: false,
    configFile: false,
    sourceType: "module",
    parserOpts: { plugins: ["decorators", "explicitResourceManagement"] },
  });
  if (file === null) throw new Error("@babel/core returned no AST");
  const namespace = runtimeNamespace(file.program, runtimeSpecifier);
  if (namespace === undefined) return { namespace, calls: [] };
  const calls: HookCall[] = [];
  const callees = new Set<t.Node>();
  walk(file.program, (node) => {
    const line = node.loc?.start.line ?? 0;
    if (node.type === "CallExpression" || node.type === "OptionalCallExpression") {
      const hook = hookName(node.callee, namespace);
      if (hook === undefined) return;
      callees.add(node.callee);
      const args = node.arguments as t.Node[];
      const text = SPELT_OUT.has(hook) ? `${hook}(${args.map(describeArgument).join(", ")})` : `${hook}/${args.length}`;
      calls.push({ hook, text, line });
    } else if (!callees.has(node)) {
      // A hook read without being called (`(0, __rt.enter)()`, a hook passed as a value) would
      // escape the comparison: it is listed too, so the two outputs must agree on it as well.
      const hook = hookName(node, namespace);
      if (hook !== undefined) calls.push({ hook, text: `${hook} (not called)`, line });
    }
  });
  return { namespace, calls };
}

/**
 * The local name the runtime namespace is bound to by the file's top-level import of
 * `specifier`, or undefined when the file does not import it.
 */
function runtimeNamespace(program: t.Program, specifier: string): string | undefined {
  const found: string[] = [];
  for (const statement of program.body) {
    if (statement.type === "ImportDeclaration" && statement.source.value === specifier) {
      const [only] = statement.specifiers;
      if (statement.specifiers.length !== 1 || only!.type !== "ImportNamespaceSpecifier") {
        throw new Error(`the runtime import of "${specifier}" is not a namespace import`);
      }
      found.push(only.local.name);
    } else if (statement.type === "VariableDeclaration") {
      for (const declarator of statement.declarations) {
        if (declarator.id.type === "Identifier" && declarator.init && requires(declarator.init, specifier)) {
          found.push(declarator.id.name);
        }
      }
    }
  }
  if (found.length > 1)
    throw new Error(`the runtime "${specifier}" is imported ${found.length} times (${found.join(", ")})`);
  return found[0];
}

/** `require(specifier)`, possibly wrapped in one interop helper call (`_interopRequireWildcard(...)`). */
function requires(init: t.Expression, specifier: string): boolean {
  if (init.type !== "CallExpression") return false;
  const [argument] = init.arguments;
  if (init.callee.type === "Identifier" && init.callee.name === "require") {
    return init.arguments.length === 1 && argument!.type === "StringLiteral" && argument.value === specifier;
  }
  return argument !== undefined && argument.type === "CallExpression" && requires(argument, specifier);
}

/** The hook `callee` calls (`ns.enter`, `ns["enter"]`, `ns?.enter`), if it is one. */
function hookName(callee: t.Node, namespace: string): string | undefined {
  if (callee.type !== "MemberExpression" && callee.type !== "OptionalMemberExpression") return undefined;
  if (callee.object.type !== "Identifier" || callee.object.name !== namespace) return undefined;
  if (!callee.computed && callee.property.type === "Identifier") return callee.property.name;
  if (callee.computed && callee.property.type === "StringLiteral") return callee.property.value;
  return undefined;
}

/**
 * An argument of a marker as the comparison sees it: names (the marked function, the
 * temporaries holding computed keys) and string literals as they are; a function by its kind.
 */
function describeArgument(node: t.Node): string {
  switch (node.type) {
    case "StringLiteral":
      return JSON.stringify(node.value);
    case "NumericLiteral":
      return String(node.value);
    case "Identifier":
      return node.name;
    case "ThisExpression":
      return "this";
    case "MemberExpression":
      return !node.computed && node.property.type === "Identifier"
        ? `${describeArgument(node.object)}.${node.property.name}`
        : `${describeArgument(node.object)}[${describeArgument(node.property)}]`;
    case "ArrowFunctionExpression":
      return `${node.async ? "async " : ""}arrow`;
    case "FunctionExpression":
      return `${node.async ? "async " : ""}function${node.generator ? "*" : ""}${node.id ? ` ${node.id.name}` : ""}`;
    case "ClassExpression":
      return `class${node.id ? ` ${node.id.name}` : ""}`;
    default:
      return `<${node.type}>`;
  }
}

/** Keys of a Babel node that hold positions or comments, not child nodes. */
const NOT_CHILDREN = new Set([
  "loc",
  "start",
  "end",
  "range",
  "extra",
  "leadingComments",
  "trailingComments",
  "innerComments",
]);

/**
 * Visits `node` and every node below it, each before its children, children in source order
 * (sorted by position, since Babel's visitor keys do not always list them that way: a
 * decorator is listed after the key it precedes).
 */
function walk(node: t.Node, visit: (node: t.Node) => void): void {
  visit(node);
  const children: t.Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (NOT_CHILDREN.has(key)) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (isNode(item)) children.push(item);
    }
  }
  children.sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
  for (const child of children) walk(child, visit);
}

function isNode(value: unknown): value is t.Node {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

/**
 * Where two hook lists part: undefined when they are equal, otherwise a message with the
 * position of the first difference and both lists around it (`context` calls either side).
 */
export function diffHookCalls(
  label: string,
  [leftName, left]: readonly [string, readonly HookCall[]],
  [rightName, right]: readonly [string, readonly HookCall[]],
  context = 3,
): string | undefined {
  let at = 0;
  while (at < left.length && at < right.length && left[at]!.text === right[at]!.text) at++;
  if (at === left.length && at === right.length) return undefined;
  const from = Math.max(0, at - context);
  const excerpt = (calls: readonly HookCall[]): string => {
    const lines = calls.slice(from, at + context + 1).map((call, i) => {
      const index = from + i;
      return `${index === at ? ">" : " "} ${String(index).padStart(3)}  ${call.text.padEnd(40)} (line ${call.line})`;
    });
    if (at >= calls.length) lines.push(`> ${String(at).padStart(3)}  (end: ${calls.length} calls)`);
    return lines.join("\n");
  };
  const width = Math.max(leftName.length, rightName.length);
  return [
    `${label}: the runtime hook calls differ at position ${at} (${leftName}: ${left.length} calls, ${rightName}: ${right.length} calls)`,
    `${leftName.padEnd(width)}:`,
    excerpt(left),
    `${rightName.padEnd(width)}:`,
    excerpt(right),
  ].join("\n");
}
