// Bundles src/main.ts for Node with esbuild; anyio-ts/esbuild rewrites the structured code first,
// then esbuild strips the types and bundles as usual.
import { build } from "esbuild";
import { anyio } from "anyio-ts/esbuild";

await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  platform: "node",
  target: "node20",
  outfile: "dist/main.js",
  sourcemap: true,
  plugins: [anyio()],
  logLevel: "warning",
});
