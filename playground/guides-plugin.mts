/**
 * A Vite plugin that copies the guides the playground's intro links to (docs/*.md) into the
 * build as `docs/<name>.md`, so the links work wherever the playground is served, and offline
 * (the service worker stores every file of the build).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Plugin } from "vite";

/** The guides linked from the intro (playground/index.html). */
export const GUIDES = [
  "getting-started.md",
  "core.md",
  "sync.md",
  "streams.md",
  "context.md",
  "transformer.md",
  "playground.md",
];

/** The plugin; `repo` is the repository's root. */
export function guides(repo: string): Plugin {
  return {
    name: "anyio-ts-playground-guides",
    apply: "build",
    generateBundle() {
      for (const name of GUIDES) {
        const source = fs.readFileSync(path.join(repo, "docs", name), "utf8");
        this.emitFile({ type: "asset", fileName: `docs/${name}`, source });
      }
    },
  };
}
