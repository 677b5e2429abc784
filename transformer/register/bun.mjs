// anyio-ts/bun: a Bun runtime plugin that compiles structured files with the anyio-ts transformer
// before Bun runs them. Load it before the program, from bunfig.toml:
//
//   preload = ["anyio-ts/bun"]
//
// Bun strips TypeScript itself, so either front end works (see host-compiler.ts beside this file).
// ES modules only: see the filter below.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

if (typeof globalThis.Bun?.plugin !== "function") {
  throw new Error("anyio-ts/bun is a Bun plugin; on Node.js use `node --import anyio-ts/register`");
}

const require = createRequire(import.meta.url);
const { createHostCompiler } = require("./host-compiler.js");
const compiler = createHostCompiler({ hostStripsTypes: true });

globalThis.Bun.plugin({
  name: "anyio-ts",
  setup(build) {
    // Files under node_modules never reach the hook: packages ship compiled code. Nor do .cts and
    // .cjs files: Bun 1.4 does not run CommonJS code that a runtime plugin hands back (`require`
    // is missing in it; oven-sh/bun#39786), so they stay Bun's, uncompiled.
    build.onLoad({ filter: /^(?!.*[\\/]node_modules[\\/]).*\.m?[jt]s$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const compiled = compiler.compile(args.path, source);
      // Bun wants contents from every hook that matched: a file without structured code goes back as it is.
      if (compiled === undefined) return { contents: source, loader: /\.m?ts$/.test(args.path) ? "ts" : "js" };
      return { contents: compiled.code, loader: compiled.format.endsWith("-typescript") ? "ts" : "js" };
    });
  },
});
