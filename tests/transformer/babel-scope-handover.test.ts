// The Babel front end makes a compiled function's body node its `try` block and hands that block
// the bindings Babel's first crawl found for the body (transformer/babel/scope-handover.ts),
// instead of letting Babel crawl the body again. These tests hold what later plugins see to what
// a full crawl of the rewritten file gives, and check that the body is not crawled again.
import * as babel from "@babel/core";
import type { NodePath, PluginObj, types as BabelTypes } from "@babel/core";
import { Scope } from "@babel/traverse";
import fc from "fast-check";
import anyioBabelPlugin from "../../transformer/babel";

/** How a later plugin resolves one identifier: where its binding is declared, of what kind, in which scope. */
type Resolution = string;

/** Names the rewrite adds: never user bindings, so not compared. */
const REWRITE_NAME = /^(?:\$|__rt)/;

function resolution(path: NodePath<BabelTypes.Identifier>): Resolution {
  const name = path.node.name;
  const binding = path.scope.getBinding(name);
  if (binding === undefined) return `${name}@${path.node.start}: global`;
  // The scope whose own table holds it (what `hasOwnBinding` answers), and the one it names.
  let owner = path.scope;
  while (!owner.hasOwnBinding(name)) owner = owner.parent;
  const block = binding.scope.block;
  // The file's own nodes, each once. The rewrite's markers (`__rt.markStructured(f)`) add uses
  // of a name that no crawl registers before a later one (./babel-unwalked-code.test.ts); and a
  // use whose parent the rewrite replaced (`return p` => `return __rt.ret($c, p)`) has a new path,
  // which a crawl of a scope around it (Babel still crawls a wrapped arrow function) lists beside
  // the first crawl's: the same node twice, as before the handover.
  const positions = (paths: NodePath[]) =>
    [...new Set(paths.map((p) => p.node.start).filter((start) => start != null))].sort((a, b) => a! - b!);
  const references = positions(binding.referencePaths);
  const violations = positions(binding.constantViolations);
  const held = owner.block === block ? "" : ` held by ${owner.block.type}@${owner.block.start}`;
  return `${name}@${path.node.start}: ${binding.kind} declared @${binding.identifier.start} in ${block.type}@${block.start}${held} refs [${references.join(",")}] writes [${violations.join(",")}]`;
}

/**
 * A plugin after anyio-ts's that records how each user identifier resolves while the traversal
 * visits it, then crawls the whole rewritten file again and records the same identifiers.
 */
function inspector(seen: Resolution[], crawled: Resolution[]): () => PluginObj {
  const paths: NodePath<BabelTypes.Identifier>[] = [];
  return () => ({
    visitor: {
      Identifier(path) {
        if (REWRITE_NAME.test(path.node.name) || path.node.start == null) return;
        if (!path.isReferencedIdentifier() && !(path as NodePath).isBindingIdentifier()) return;
        paths.push(path);
        seen.push(resolution(path));
      },
      Program: {
        exit(program) {
          program.scope.crawl();
          for (const path of paths) crawled.push(resolution(path));
        },
      },
    },
  });
}

function transform(code: string, plugins: babel.PluginItem[]): string {
  return babel.transformSync(code, {
    filename: "input.ts",
    babelrc: false,
    configFile: false,
    presets: [[require.resolve("@babel/preset-typescript"), { allowDeclareFields: true }]],
    plugins,
  })!.code!;
}

function resolutions(code: string): { seen: Resolution[]; crawled: Resolution[] } {
  const seen: Resolution[] = [];
  const crawled: Resolution[] = [];
  transform(code, [[anyioBabelPlugin, { warnings: false }], inspector(seen, crawled)]);
  return { seen, crawled };
}

/** Statements of a compiled body: declarations of every kind, shadowing, reads and writes. */
const STATEMENTS: readonly ((i: number) => string)[] = [
  (i) => `let a${i} = await f(${i});`,
  (i) => `const { b${i}, c: [d${i}] } = await f(${i}), e${i} = b${i};`,
  (i) => `class K${i} { m() { return K${i}; } }`,
  (i) => `function h${i}(x: number): number { const y = x; return y + a0; }`,
  (i) => `var v${i} = await f(${i});`,
  (i) => `a0 = await f(a0 + ${i});`,
  (i) => `for (let j = 0; j < 2; j++) { const a0 = j; await f(a0 + j); }`,
  (i) => `if (a0) { let a0 = ${i}; a0++; await f(a0); }`,
  (i) => `const inner${i} = async () => { let a0 = ${i}; await f(a0); return h0; };`,
  (i) => `try { const t${i} = await f(${i}); await f(t${i}); } catch (error) { const u${i} = error; void u${i}; }`,
  (i) => `outer${i}: for (const q of [1]) { if (await f(q)) continue outer${i}; }`,
  (i) => `tg.startSoon(() => f(a0 + ${i}));`,
  () => `await f(typeof a0 + typeof h0 + typeof K0);`,
];

const programs: fc.Arbitrary<string> = fc
  .array(fc.integer({ min: 0, max: STATEMENTS.length - 1 }), { minLength: 1, maxLength: 7 })
  .map((picks) => {
    const body = picks.map((pick, i) => `  ${STATEMENTS[pick]!(i + 1)}`).join("\n");
    const head = `  let a0 = 1;\n  function h0() { return a0; }\n  class K0 {}`;
    return [
      `"use structured";`,
      `declare const tg: { startSoon(fn: () => unknown): void };`,
      `declare function f(x: unknown): Promise<number>;`,
      `export async function first(p: number) {\n${head}\n${body}\n  return p;\n}`,
      `export const second = async (p: number) => {\n${head}\n${body}\n};`,
      `export class Service {\n  async method(p: number) {\n${head}\n${body}\n  }\n}`,
    ].join("\n");
  });

describe("the scope of a compiled function's body", () => {
  test("later plugins resolve every identifier as a full crawl of the rewritten file does", () => {
    fc.assert(
      fc.property(programs, (code) => {
        const { seen, crawled } = resolutions(code);
        expect(seen).toEqual(crawled);
      }),
      { seed: 1206, numRuns: 120 },
    );
  });

  test("a declaration of the body belongs to the `try` block, not to the function", () => {
    const { seen } = resolutions(
      `"use structured";\nexport async function g(p: number) {\n  let x = p;\n  await fetch(String(x));\n  return x;\n}\n`,
    );
    expect(seen.filter((r) => r.startsWith("x@"))).toEqual([
      expect.stringMatching(/^x@\d+: let declared @\d+ in BlockStatement@/),
      expect.stringMatching(/^x@\d+: let declared @\d+ in BlockStatement@/),
      expect.stringMatching(/^x@\d+: let declared @\d+ in BlockStatement@/),
    ]);
  });

  describe("crawls", () => {
    /**
     * The `try` blocks with statements that a crawl of their own walked (not one of a scope
     * around them); the `finally { __rt.exit($c); }` the rewrite adds is crawled, a statement.
     */
    const crawled: BabelTypes.Node[] = [];
    const original = Scope.prototype.crawl;
    beforeEach(() => {
      crawled.length = 0;
      let depth = 0;
      Scope.prototype.crawl = function (this: Scope) {
        const path = this.path;
        if (depth === 0 && path.key === "block" && path.isBlockStatement() && path.node.body.length > 0)
          crawled.push(path.node);
        depth++;
        try {
          original.call(this);
        } finally {
          depth--;
        }
      };
    });
    afterEach(() => {
      Scope.prototype.crawl = original;
    });

    test("a compiled body is not crawled again", () => {
      const output = transform(
        `"use structured";\nexport async function g(p: number) {\n  const x = p;\n  await fetch(String(x));\n  try {\n    await fetch("y");\n  } finally {\n    void x;\n  }\n}\n`,
        [[anyioBabelPlugin, {}]],
      );
      expect(output).toContain("__rt.enter(");
      // The user's own `try` block was there before the rewrite: its scope is the first crawl's.
      expect(crawled).toEqual([]);
    });

    test("a declaration the rewrite adds in a nested block gets its binding, as a crawl gives it", () => {
      const found: string[] = [];
      const output = transform(
        `"use structured";\ndeclare function moveOnAfter(s: number): Disposable;\nexport async function g(p: number) {\n  if (p) {\n    using scope = moveOnAfter(1);\n    await fetch("x");\n  }\n}\n`,
        [
          [anyioBabelPlugin, {}],
          () => ({
            visitor: {
              Identifier(path: NodePath<BabelTypes.Identifier>) {
                if (path.node.name === "$u") found.push(path.scope.getBinding("$u")?.kind ?? "none");
              },
            },
          }),
        ],
      );
      expect(output).toContain("const $u = __rt.block(");
      expect(found.length).toBeGreaterThan(1);
      expect(new Set(found)).toEqual(new Set(["const"]));
    });

    test("a body holding a declaration the rewrite added is crawled as Babel would", () => {
      const output = transform(
        `"use structured";\ndeclare function moveOnAfter(s: number): Disposable;\nexport async function g() {\n  using scope = moveOnAfter(1);\n  await fetch("x");\n}\n`,
        [[anyioBabelPlugin, {}]],
      );
      expect(output).toContain("const $u = __rt.block(");
      expect(crawled.length).toBeGreaterThan(0);
    });
  });
});
