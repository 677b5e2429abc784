// The module hooks of anyio-ts/register: a `load` hook that hands the host each file's compiled
// code (see host-compiler.ts beside this file). One function serves both hook APIs:
// `module.registerHooks` (synchronous, in the main thread; Node 22.15+, 24, Deno) and
// `module.register` (asynchronous, in a hooks thread; Node 20), since it only ever returns
// `nextLoad`'s result as it is or a finished value of its own.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { createHostCompiler } = require("./host-compiler.js");

// Node 22.18 and later strip types from `module-typescript` / `commonjs-typescript` sources;
// Deno's hooks take JavaScript only.
const hostStripsTypes = !("Deno" in globalThis) && Boolean(process.features?.typescript);
const compiler = createHostCompiler({ hostStripsTypes });

/** The format Node's resolution or an earlier hook decided, as a module system. */
function formatOf(context) {
  const format = context?.format ?? undefined;
  if (format === "module" || format === "module-typescript") return "module";
  if (format === "commonjs" || format === "commonjs-typescript") return "commonjs";
  return undefined;
}

export function load(url, context, nextLoad) {
  if (!url.startsWith("file:")) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  // Files under node_modules are never compiled (packages ship compiled code): not even read.
  const candidate = /\.[cm]?[jt]s$/.test(fileName) && !/[\\/]node_modules[\\/]/.test(fileName);
  const source = candidate ? readFileSync(fileName, "utf8") : undefined;
  const compiled = source === undefined ? undefined : compiler.compile(fileName, source, formatOf(context));
  if (compiled === undefined) return nextLoad(url, context);
  return { format: compiled.format, source: compiled.code, shortCircuit: true };
}
