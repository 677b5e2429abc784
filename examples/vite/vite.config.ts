// anyio-ts/vite rewrites structured code before Vite's own TypeScript transform. This example
// builds a Node bundle (`build.ssr`) so that `node dist/main.js` runs it; a web app needs only
// the `plugins` line.
import { defineConfig } from "vite";
import { anyio } from "anyio-ts/vite";

export default defineConfig({
  plugins: [anyio()],
  build: {
    ssr: "src/main.ts",
    outDir: "dist",
    target: "node20",
    minify: false,
  },
  // Bundle anyio-ts into dist/main.js, so that it runs without node_modules.
  ssr: { noExternal: true },
});
