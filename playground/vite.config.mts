/**
 * Builds the playground: the page (CodeMirror, the task view), the compile worker with one
 * lazily loaded chunk per transformer front end (the TypeScript compiler, Babel), the run worker
 * with the browser build of the runtime (runtime/index.browser.ts and runtime/rt.ts, compiled
 * from the repository's sources), and the service worker. `npm start` runs this build and
 * serves playground/dist (scripts/start.cjs).
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { serviceWorker } from "./service-worker-plugin.mts";
import { playgroundTypes } from "./types-plugin.mts";
import { guides } from "./guides-plugin.mts";

const root = fileURLToPath(new URL(".", import.meta.url)).replace(/\/$/, "");

export default defineConfig({
  root,
  base: "./",
  // No public/ folder: every file of the build comes from the sources.
  publicDir: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The TypeScript compiler is one large chunk by nature; it is loaded by the compile worker only.
    chunkSizeWarningLimit: 6000,
    reportCompressedSize: false,
    // Babel and TypeScript are slow to transform by nature; Rolldown's timing report says only that.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  resolve: {
    // Babel (the compile worker's Babel front end) requires two Node modules; these shims cover
    // what it calls. Nothing else in the playground imports them.
    alias: {
      path: `${root}/shims/path.cjs`,
      assert: `${root}/shims/assert.cjs`,
    },
  },
  worker: {
    // ES module workers, so the compile worker can load each front end as its own chunk.
    format: "es",
    // The types worker's declaration files (virtual:anyio-ts-types).
    plugins: () => [playgroundTypes(`${root}/..`)],
  },
  define: {
    // Babel reads these at load; the browser has no `process`.
    "process.env.BABEL_TYPES_8_BREAKING": "false",
    "process.env.BABEL_8_BREAKING": "false",
    "process.env.NODE_ENV": JSON.stringify("production"),
  },
  plugins: [guides(`${root}/..`), serviceWorker(root)],
});
