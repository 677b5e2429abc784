// The layering rules of the runtime (runtime/public.ts's header: the core stands alone; host I/O
// sits behind runtime/platform/, so the browser entry never loads Node code), checked by machine
// instead of by discipline. Every .ts file under runtime/ (and every source file under
// transformer/) is parsed with TypeScript's parser; an import is any static `import ... from` /
// `import "..."`, `export ... from`, `import x = require("...")`, `import("...")` or
// `require("...")` with a string literal. Type-only imports (`import type`, `export type`, an
// import whose every binding is marked `type`, an `import("...")` type) are told apart because
// they load nothing at run time. The rules:
//
// 1. The core stands alone: every import of a runtime/core/ module is a relative path that
//    resolves inside runtime/core/. Type-only imports included: the rule is about the design (the
//    core is what everything else is a client of, and its declarations ship to every host), not
//    only about what loads. So no package import of any kind either, `node:` modules included.
// 2. Host I/O behind the seam: outside runtime/platform/, no module imports a `node:` module or a
//    bare Node builtin (`require("node:module").builtinModules`), type-only imports included
//    (the rule is "everything that imports a `node:` module sits behind runtime/platform/node/").
//    The exceptions are listed in NODE_ONLY_EXCEPTIONS, module and specifier exactly, one reason
//    each; an entry that no longer matches an import fails too, so the list only shrinks. They
//    must stay behind the Node-only test-helper entries: no other runtime entry of package.json
//    "exports" may reach them.
// 3. The browser entry never loads Node code: following runtime/index.browser.ts's imports that
//    load something (value imports, `import("...")`, `require("...")`; type-only ones are erased)
//    transitively, no module reached imports a `node:` module or a Node builtin.
// 4. Compiler and library stay apart: transformer/ imports nothing from runtime/ and runtime/
//    imports nothing from transformer/ (relative paths, and the package's own names
//    `anyio-ts/...`, which package.json "exports" maps to one or the other).
// 5. Nothing in runtime/ escapes these checks: every `require(...)` / `import(...)` there has a
//    string literal specifier, and every relative specifier resolves to a file.
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as path from "node:path";
import * as ts from "typescript";

const repo = path.resolve(__dirname, "..");
const rel = (file: string): string => path.relative(repo, file).split(path.sep).join("/");

/**
 * Modules outside runtime/platform/ allowed to import a Node builtin: "module": { specifier:
 * reason }. They are reachable only from the `anyio-ts/jest` and `anyio-ts/fast-check` entries
 * (checked below), which are Node test-runner helpers, never part of a browser bundle.
 */
const NODE_ONLY_EXCEPTIONS: Record<string, Record<string, string>> = {
  "runtime/testing/leaks.ts": {
    "node:async_hooks": "the anyio-ts/jest leak check watches host resources with an async_hooks init hook",
    "node:path": "the leak check trims the runtime's own and Node's frames from a resource's creation stack",
  },
  "runtime/testing/ports.ts": {
    "node:dgram": "freeUdpPort (anyio-ts/jest) binds UDP sockets to find a free port",
    "node:net": "freeTcpPort (anyio-ts/jest) binds TCP servers to find a free port",
  },
};

/** The runtime entries of package.json "exports" that are Node-only test helpers. */
const NODE_ONLY_ENTRIES = new Set(["./jest", "./fast-check"]);

/** The browser entry point (package.json "exports" ".": "browser"). */
const BROWSER_ENTRY = path.join(repo, "runtime/index.browser.ts");

interface ImportRef {
  readonly file: string;
  readonly specifier: string;
  readonly line: number;
  /** Loads nothing at run time. */
  readonly typeOnly: boolean;
  /** `require(x)` / `import(x)` whose argument is not a string literal: `specifier` is its text. */
  readonly nonLiteral?: boolean;
}

function walk(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full, keep));
    else if (keep(entry.name)) out.push(full);
  }
  return out.sort();
}

function scriptKind(file: string): ts.ScriptKind {
  return /\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
}

const importCache = new Map<string, ImportRef[]>();

/** Every import of `file` (whose text is `text`), in source order. */
function importsOf(file: string, given?: string): ImportRef[] {
  const cached = given === undefined ? importCache.get(file) : undefined;
  if (cached !== undefined) return cached;
  const text = given ?? fs.readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file));
  const refs: ImportRef[] = [];
  const add = (node: ts.Node, specifier: string, typeOnly: boolean, nonLiteral = false): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    refs.push({ file, specifier, line, typeOnly, nonLiteral });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      let typeOnly = clause?.isTypeOnly ?? false;
      if (clause !== undefined && !typeOnly && clause.name === undefined) {
        const bindings = clause.namedBindings;
        typeOnly =
          bindings !== undefined &&
          ts.isNamedImports(bindings) &&
          bindings.elements.length > 0 &&
          bindings.elements.every((element) => element.isTypeOnly);
      }
      add(node, node.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const typeOnly =
        node.isTypeOnly ||
        (clause !== undefined &&
          ts.isNamedExports(clause) &&
          clause.elements.length > 0 &&
          clause.elements.every((element) => element.isTypeOnly));
      add(node, node.moduleSpecifier.text, typeOnly);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      add(node, node.moduleReference.expression.text, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal))
        add(node, argument.literal.text, true);
    } else if (ts.isCallExpression(node)) {
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === "require";
      if (isDynamicImport || isRequire) {
        const [argument] = node.arguments;
        if (argument !== undefined && ts.isStringLiteralLike(argument)) add(node, argument.text, false);
        else add(node, argument === undefined ? "" : argument.getText(source), false, true);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (given === undefined) importCache.set(file, refs);
  return refs;
}

const isRelative = (specifier: string): boolean => specifier.startsWith("./") || specifier.startsWith("../");

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || builtinModules.includes(specifier);
}

const RESOLVE_SUFFIXES = ["", ".ts", ".tsx", ".d.ts", ".cts", ".mts", ".js", ".cjs", ".mjs", "/index.ts", "/index.js"];

/** The file a relative specifier names (a `.js` specifier may name its `.ts` source), if any. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  const bases = /\.[cm]?js$/.test(base) ? [base, base.replace(/\.([cm]?)js$/, ".$1ts")] : [base];
  for (const candidate of bases.flatMap((b) => RESOLVE_SUFFIXES.map((suffix) => b + suffix))) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

// package.json "exports": the package's own names and the source module each one stands for.
const packageJson = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8"));
const packageName: string = packageJson.name;

function exportTarget(value: unknown, condition = "default"): string | undefined {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const target = record[condition] ?? record.default;
    return typeof target === "string" ? target : undefined;
  }
  return undefined;
}

/** `./dist/runtime/index.js` -> `<repo>/runtime/index.ts` (the source the build compiles). */
function sourceOf(distPath: string): string {
  const withoutDist = distPath.replace(/^\.\/dist\//, "");
  const source = withoutDist.replace(/\.js$/, ".ts");
  return path.join(repo, fs.existsSync(path.join(repo, source)) ? source : withoutDist);
}

/** The package's own specifiers (`anyio-ts`, `anyio-ts/rt`, ...) and the source module of each. */
const selfSpecifiers = new Map<string, string>();
for (const [key, value] of Object.entries(packageJson.exports as Record<string, unknown>)) {
  const target = exportTarget(value);
  if (target === undefined || !target.startsWith("./dist/")) continue;
  selfSpecifiers.set(key === "." ? packageName : `${packageName}/${key.slice(2)}`, sourceOf(target));
}

/** The repository file an import names: a relative path or one of the package's own names. */
function targetOf(ref: ImportRef): string | undefined {
  if (isRelative(ref.specifier)) return resolveRelative(ref.file, ref.specifier);
  return selfSpecifiers.get(ref.specifier);
}

const inside = (file: string, dir: string): boolean => file.startsWith(path.join(repo, dir) + path.sep);

const show = (ref: ImportRef): string =>
  `${rel(ref.file)}:${ref.line} imports ${JSON.stringify(ref.specifier)}${ref.typeOnly ? " (type-only)" : ""}`;

/** The modules `entry` loads, itself included: value imports followed transitively. */
function reachable(entry: string, problems: string[] = []): Set<string> {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const ref of importsOf(file)) {
      if (ref.typeOnly || ref.nonLiteral) continue;
      const target = targetOf(ref);
      if (target === undefined) {
        if (isRelative(ref.specifier)) problems.push(`${show(ref)}, which resolves to no file`);
        continue;
      }
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return seen;
}

const runtimeFiles = walk(path.join(repo, "runtime"), (name) => name.endsWith(".ts"));
const transformerFiles = walk(path.join(repo, "transformer"), (name) => /\.([cm]?ts|[cm]?js)$/.test(name));

describe("layering of runtime/ and transformer/", () => {
  test("finds the modules it checks", () => {
    expect(runtimeFiles.filter((file) => inside(file, "runtime/core")).length).toBeGreaterThan(5);
    expect(runtimeFiles.filter((file) => inside(file, "runtime/platform")).length).toBeGreaterThan(0);
    expect(transformerFiles.length).toBeGreaterThan(5);
    expect(runtimeFiles).toContain(BROWSER_ENTRY);
    expect(exportTarget(packageJson.exports["."], "browser")).toBe("./dist/runtime/index.browser.js");
    expect(importsOf(path.join(repo, "runtime/index.ts")).some((ref) => ref.specifier === "./public")).toBe(true);
  });

  test("sees every import form, and which ones load nothing", () => {
    const probe = [
      'import "a";',
      'import b from "b";',
      'import { type C } from "c";',
      'import type { D } from "d";',
      'import { e, type E } from "e";',
      'export * from "f";',
      'export type { G } from "g";',
      'import h = require("h");',
      'const i = require("i");',
      'const j = import("j");',
      'type K = import("k").K;',
      "const l = require(name);",
    ].join("\n");
    const found = importsOf(path.join(repo, "runtime/probe.ts"), probe).map(
      (ref) => `${ref.specifier}${ref.typeOnly ? " type" : ""}${ref.nonLiteral ? " computed" : ""}`,
    );
    expect(found).toEqual(["a", "b", "c type", "d type", "e", "f", "g type", "h", "i", "j", "k type", "name computed"]);
  });

  test("runtime/core/ imports nothing from outside runtime/core/ (type-only imports included)", () => {
    const rule = "runtime/core/ stands alone: it may import only modules inside runtime/core/ (the core stands alone)";
    const violations: string[] = [];
    for (const file of runtimeFiles.filter((f) => inside(f, "runtime/core"))) {
      for (const ref of importsOf(file)) {
        if (ref.nonLiteral) continue; // reported by the last test
        const target = isRelative(ref.specifier) ? resolveRelative(file, ref.specifier) : undefined;
        if (target !== undefined && inside(target, "runtime/core")) continue;
        const where = !isRelative(ref.specifier)
          ? "a package import"
          : target === undefined
            ? "a path that resolves to no file"
            : `which resolves to ${rel(target)}`;
        violations.push(`${show(ref)} (${where}): ${rule}`);
      }
    }
    expect(violations).toEqual([]);
  });

  test("outside runtime/platform/, no module imports a node: module or a Node builtin (listed exceptions aside)", () => {
    const rule =
      "`node:` modules and Node builtins are imported only under runtime/platform/ (host I/O sits behind the platform seam)";
    const violations: string[] = [];
    const used = new Set<string>();
    for (const file of runtimeFiles.filter((f) => !inside(f, "runtime/platform"))) {
      for (const ref of importsOf(file)) {
        if (!isNodeBuiltin(ref.specifier)) continue;
        const allowed = NODE_ONLY_EXCEPTIONS[rel(file)]?.[ref.specifier];
        if (allowed !== undefined) used.add(`${rel(file)} ${ref.specifier}`);
        else violations.push(`${show(ref)}: ${rule}`);
      }
    }
    for (const [file, specifiers] of Object.entries(NODE_ONLY_EXCEPTIONS)) {
      for (const specifier of Object.keys(specifiers)) {
        if (!used.has(`${file} ${specifier}`)) {
          violations.push(
            `NODE_ONLY_EXCEPTIONS lists ${file} importing ${JSON.stringify(specifier)}, which it no longer does: remove the entry`,
          );
        }
      }
    }
    expect(violations).toEqual([]);
  });

  test("the Node-only exceptions are reachable only from the Node-only test-helper entries", () => {
    const exceptions = new Set(Object.keys(NODE_ONLY_EXCEPTIONS).map((file) => path.join(repo, file)));
    const violations: string[] = [];
    for (const [key, value] of Object.entries(packageJson.exports as Record<string, unknown>)) {
      if (NODE_ONLY_ENTRIES.has(key)) continue;
      for (const condition of ["default", "browser"]) {
        const target = exportTarget(value, condition);
        if (target === undefined || !target.startsWith("./dist/runtime/")) continue;
        const entry = sourceOf(target);
        for (const file of reachable(entry)) {
          if (exceptions.has(file)) {
            violations.push(
              `package entry ${JSON.stringify(key)} (${condition}: ${rel(entry)}) loads ${rel(file)}, a Node-only module: ` +
                `the NODE_ONLY_EXCEPTIONS modules may be reached only from ${[...NODE_ONLY_ENTRIES].join(", ")}`,
            );
          }
        }
      }
    }
    expect(violations).toEqual([]);
  });

  test("the browser entry loads no module that imports a node: module or a Node builtin", () => {
    const rule =
      "the browser entry runtime/index.browser.ts must never load Node code (host I/O sits behind the platform seam)";
    const problems: string[] = [];
    const loaded = reachable(BROWSER_ENTRY, problems);
    expect(loaded.size).toBeGreaterThan(10); // public.ts and the core, sync and streams modules
    const violations = [...problems.map((problem) => `${problem}: ${rule}`)];
    for (const file of loaded) {
      for (const ref of importsOf(file)) {
        if (isNodeBuiltin(ref.specifier)) violations.push(`${show(ref)}, loaded by the browser entry: ${rule}`);
      }
    }
    expect(violations).toEqual([]);
  });

  test("transformer/ imports nothing from runtime/", () => {
    const rule = "the transformer is independent of the runtime it targets: transformer/ must not import runtime/";
    const violations: string[] = [];
    for (const file of transformerFiles) {
      for (const ref of importsOf(file)) {
        const target = targetOf(ref);
        if (target !== undefined && inside(target, "runtime"))
          violations.push(`${show(ref)} (${rel(target)}): ${rule}`);
      }
    }
    expect(violations).toEqual([]);
  });

  test("runtime/ imports nothing from transformer/", () => {
    const rule = "the runtime never loads the compiler: runtime/ must not import transformer/";
    const violations: string[] = [];
    for (const file of runtimeFiles) {
      for (const ref of importsOf(file)) {
        const target = targetOf(ref);
        if (target !== undefined && inside(target, "transformer"))
          violations.push(`${show(ref)} (${rel(target)}): ${rule}`);
      }
    }
    expect(violations).toEqual([]);
  });

  test("every import in runtime/ can be checked: literal specifiers, relative paths that resolve", () => {
    const violations: string[] = [];
    for (const file of runtimeFiles) {
      for (const ref of importsOf(file)) {
        if (ref.nonLiteral) {
          violations.push(
            `${rel(file)}:${ref.line} loads a module by a computed specifier (${ref.specifier}): ` +
              "runtime/ imports use string literals, so the layering rules can check them",
          );
        } else if (isRelative(ref.specifier) && resolveRelative(file, ref.specifier) === undefined) {
          violations.push(`${show(ref)}, which resolves to no file: every relative import in runtime/ names a module`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
