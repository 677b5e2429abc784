/**
 * A Vite plugin that builds src/service-worker.ts as `sw.js` (a fixed name, at the root of the
 * build, so its scope is the whole playground) and writes into it the list of every file of the
 * build, which it stores at install so the page works offline.
 */
import { createHash } from "node:crypto";
import type { Plugin } from "vite";

const ENTRY = "src/service-worker.ts";
const OUTPUT = "sw.js";
const PLACEHOLDER = "__PRECACHE_MANIFEST__";

/** The plugin; `root` is the playground's directory. */
export function serviceWorker(root: string): Plugin {
  return {
    name: "anyio-ts-playground-service-worker",
    apply: "build",
    enforce: "post",
    buildStart() {
      this.emitFile({ type: "chunk", id: `${root}/${ENTRY}`, fileName: OUTPUT });
    },
    generateBundle(_options, bundle) {
      const worker = bundle[OUTPUT];
      if (worker === undefined || worker.type !== "chunk") this.error(`${OUTPUT} is missing from the bundle`);
      const files = Object.keys(bundle)
        .filter((file) => file !== OUTPUT && !file.endsWith(".map"))
        .sort();
      // The page is requested as "./", not as "index.html".
      const list = ["./", ...files.filter((file) => file !== "index.html")];
      const hash = createHash("sha256");
      for (const file of files) {
        const item = bundle[file]!;
        hash.update(file);
        hash.update(
          item.type === "chunk" ? item.code : typeof item.source === "string" ? item.source : Buffer.from(item.source),
        );
      }
      const manifest = { version: hash.digest("hex").slice(0, 12), files: list };
      if (!worker.code.includes(PLACEHOLDER)) this.error(`${OUTPUT} lost its ${PLACEHOLDER} placeholder`);
      worker.code = worker.code.replace(PLACEHOLDER, JSON.stringify(manifest));
    },
  };
}
