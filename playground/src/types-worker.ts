/**
 * The types worker: TypeScript's language service over the program, for type errors, hover
 * types and completion in the editor. It is a worker of its own, started after the page's first
 * compile, so the several megabytes it loads (the TypeScript compiler, the library files, the
 * runtime's declaration files) never delay the first rewrite, and a slow type check never delays
 * a compile.
 *
 * The program is checked as `playground.ts` against the declarations of the browser build of
 * `anyio-ts` (virtual:anyio-ts-types) and the libraries of the world it runs in (a web worker).
 */
import { createSystem, createVirtualTypeScriptEnvironment } from "@typescript/vfs";
import { getAutocompletion, getHover } from "@valtown/codemirror-ts/worker";
import ts from "typescript";
import files from "virtual:anyio-ts-types";
import type { PlaygroundDiagnostic } from "./protocol";
import type { TypesRequest, TypesResponse } from "./types-protocol";
import { positionOf } from "./front-ends/result";
import { workerScope } from "./worker-scope";

export const PATH = "/playground.ts";

const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  moduleDetection: ts.ModuleDetectionKind.Force,
  lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts", "lib.webworker.d.ts", "lib.webworker.asynciterable.d.ts"],
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: [],
};

const fsMap = new Map<string, string>(Object.entries(files));
// The environment requires its root file to exist, and the virtual system counts "" as missing.
fsMap.set(PATH, " ");
const env = createVirtualTypeScriptEnvironment(createSystem(fsMap), [PATH], ts, options);

function update(code: string): void {
  // An empty text is no update for the environment: it keeps one space instead.
  env.updateFile(PATH, code === "" ? " " : code);
}

/**
 * The program's type errors, as the page lists diagnostics. Syntax errors are left out: the
 * compile reports those already, with the front end's own words.
 */
function typeErrors(): PlaygroundDiagnostic[] {
  const source = env.getSourceFile(PATH)?.text ?? "";
  return env.languageService
    .getSemanticDiagnostics(PATH)
    .filter((d) => d.start !== undefined)
    .map((d) => {
      const from = d.start!;
      const { line, column } = positionOf(source, from);
      return {
        from,
        to: from + (d.length ?? 0),
        line,
        column,
        severity: d.category === ts.DiagnosticCategory.Error ? "error" : "warning",
        code: d.code,
        message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
      };
    });
}

function answer(request: TypesRequest): TypesResponse["result"] {
  switch (request.method) {
    case "check":
      update(request.code);
      return typeErrors();
    case "update":
      update(request.code);
      return null;
    case "complete":
      return getAutocompletion({ env, path: PATH, context: request.context }) as never;
    case "hover": {
      const info = getHover({ env, path: PATH, pos: request.pos });
      if (info === null || info.quickInfo === undefined) return null;
      return {
        start: info.start,
        end: info.end,
        signature: ts.displayPartsToString(info.quickInfo.displayParts),
        documentation: ts.displayPartsToString(info.quickInfo.documentation),
      };
    }
  }
}

workerScope.addEventListener("message", async (event: MessageEvent<TypesRequest>) => {
  const request = event.data;
  let response: TypesResponse;
  try {
    response = { id: request.id, result: await answer(request) };
  } catch (error) {
    response = { id: request.id, result: null, error: error instanceof Error ? error.message : String(error) };
  }
  workerScope.postMessage(response);
});
workerScope.postMessage({ id: 0, result: null } satisfies TypesResponse);
