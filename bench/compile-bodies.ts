/**
 * A benchmark's structured bodies (a `bench/*-bodies.ts` file starting with `"use structured"`)
 * compiled by the TypeScript transformer in this process and loaded from a temporary file, with
 * the runtime taken from `runtimeDir` (runtime/ or dist/runtime) and the bodies' own sibling
 * modules (`./udp-tally`) from bench/.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { resolveOptions } from "../transformer/core/options";
import { createRewriter } from "../transformer/typescript/rewrite";

const ROOT = path.resolve(__dirname, "..");

/**
 * @param bodies - the bodies file.
 * @param runtimeDir - where the runtime's `index` and `rt` are.
 * @param siblings - bench/ modules the bodies require (`"udp-tally"`).
 * @throws Error with the transformer's diagnostics, or if it left the bodies unchanged.
 */
export function compileBodies<T>(bodies: string, runtimeDir: string, siblings: readonly string[] = []): T {
  const diagnostics: ts.Diagnostic[] = [];
  const result = ts.transpileModule(fs.readFileSync(bodies, "utf8"), {
    fileName: bodies,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true },
    transformers: {
      before: [
        createRewriter({
          ts,
          options: resolveOptions({}),
          relativePath: (name) => path.relative(ROOT, name),
          runtimeModuleFor: () => path.join(runtimeDir, "rt"),
          report: (found) => diagnostics.push(...found),
        }),
      ],
    },
  });
  if (diagnostics.length > 0) {
    throw new Error(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("\n"));
  }
  let output = result.outputText.replace(
    /require\("\.\.\/runtime\/index"\)/g,
    `require(${JSON.stringify(path.join(runtimeDir, "index"))})`,
  );
  for (const sibling of siblings) {
    output = output.split(`require("./${sibling}")`).join(`require(${JSON.stringify(path.join(__dirname, sibling))})`);
  }
  if (!output.includes("__rt.suspendCall")) throw new Error(`the transformer did not rewrite ${bodies}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-bench-bodies-"));
  const file = path.join(tmp, `${path.basename(bodies, ".ts")}.js`);
  fs.writeFileSync(file, output);
  try {
    return require(file) as T;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
