/**
 * A Vite plugin that provides `virtual:anyio-ts-types`: the files the playground's language
 * service needs, as `{ path: text }`. They are the declaration files of the runtime's browser
 * build (emitted here from the repository's sources, with their TSDoc, so hover shows the docs)
 * as the package `anyio-ts` under /node_modules, and the TypeScript library files of the run
 * worker's world (ES2022, disposables, web workers), following their `reference lib` chains.
 *
 * Only the types worker imports the module, so all of it loads with the language service.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import ts from "typescript";
import type { Plugin } from "vite";

const ID = "virtual:anyio-ts-types";
const RESOLVED = `\0${ID}`;

/** The `lib` names the playground's programs are checked against (see src/types-worker.ts). */
export const PLAYGROUND_LIBS = ["es2022", "esnext.disposable", "webworker", "webworker.asynciterable"];

function libFiles(): Record<string, string> {
  const dir = path.dirname(createRequire(import.meta.url).resolve("typescript/lib/lib.d.ts"));
  const files: Record<string, string> = {};
  const queue = [...PLAYGROUND_LIBS];
  while (queue.length > 0) {
    const name = `lib.${queue.pop()!.toLowerCase()}.d.ts`;
    if (files[`/${name}`] !== undefined) continue;
    const text = fs.readFileSync(path.join(dir, name), "utf8");
    files[`/${name}`] = text;
    for (const match of text.matchAll(/\/\/\/ <reference lib="([^"]+)" \/>/g)) queue.push(match[1]!);
  }
  return files;
}

function runtimeDeclarations(repo: string): Record<string, string> {
  const runtime = path.join(repo, "runtime");
  const program = ts.createProgram([path.join(runtime, "index.browser.ts")], {
    declaration: true,
    emitDeclarationOnly: true,
    stripInternal: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts", "lib.dom.d.ts"],
    types: [],
    skipLibCheck: true,
    rootDir: runtime,
    outDir: "/node_modules/anyio-ts",
  });
  const files: Record<string, string> = {
    "/node_modules/anyio-ts/package.json": JSON.stringify({ name: "anyio-ts", types: "./index.browser.d.ts" }),
  };
  const result = program.emit(undefined, (file, text) => void (files[file] = text), undefined, true);
  if (result.emitSkipped) throw new Error("The runtime's declaration files could not be emitted");
  return files;
}

/** The plugin; `repo` is the repository's root. */
export function playgroundTypes(repo: string): Plugin {
  return {
    name: "anyio-ts-playground-types",
    resolveId: (id) => (id === ID ? RESOLVED : undefined),
    load(id) {
      if (id !== RESOLVED) return undefined;
      const files = { ...libFiles(), ...runtimeDeclarations(repo) };
      return `export default ${JSON.stringify(files)};`;
    },
  };
}
