// anyio-ts/register: `node --import anyio-ts/register app.ts` (Deno: `deno run --preload
// anyio-ts/register app.ts`) compiles structured files with the anyio-ts transformer before the
// host runs them. Where `module.registerHooks` exists (Node 22.15+, 24, Deno) the hooks run in
// this thread and cover `import` and `require()` alike; on Node 20 `module.register` runs them
// in a hooks thread, for `import` and for the `require()` calls of the modules they compiled.
import * as module from "node:module";

// Stack traces through compiled files point at the lines as written (the compiled code carries
// an inline source map).
process.setSourceMapsEnabled?.(true);

if (typeof module.registerHooks === "function") {
  const { load } = await import("./hooks.mjs");
  module.registerHooks({ load });
} else if (typeof module.register === "function") {
  module.register("./hooks.mjs", import.meta.url);
} else {
  throw new Error(
    `anyio-ts/register needs Node.js 20.19 or later (module.register), or Deno 2.9; this is ${process.version}`,
  );
}
