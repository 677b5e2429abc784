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

export function load(url, context, nextLoad) {
  if (!url.startsWith("file:")) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  // Files under node_modules are never compiled (packages ship compiled code): not even read.
  const candidate = /\.[cm]?[jt]s$/.test(fileName) && !/[\\/]node_modules[\\/]/.test(fileName);
  const source = candidate ? readFileSync(fileName, "utf8") : undefined;
  // The compiler decides the module format itself, from the extension, package.json's `type` and
  // the file's syntax: the format Node's resolution puts in `context` is only a guess for a file
  // in a package without `type` (Node reparses such a file as an ES module when it has to).
  const compiled = source === undefined ? undefined : compiler.compile(fileName, source);
  if (compiled === undefined) return nextLoad(url, context);
  return { format: compiled.format, source: compiled.code, shortCircuit: true };
}
