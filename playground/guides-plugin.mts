/**
 * A Vite plugin that copies the guides the playground's intro links to (docs/*.md) into the
 * build as `docs/<name>.md`, so the links work wherever the playground is served, and offline
 * (the service worker stores every file of the build).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Plugin } from "vite";

/** The guides linked from the intro (playground/index.html), by their path in the repository. */
export const GUIDES = [
  "docs/getting-started.md",
  "docs/core.md",
  "docs/sync.md",
  "docs/streams.md",
  "docs/context.md",
  "docs/transformer.md",
  "docs/playground.md",
];

/** The plugin; `repo` is the repository's root. */
export function guides(repo: string): Plugin {
  return {
    name: "anyio-ts-playground-guides",
    apply: "build",
    generateBundle() {
      for (const guide of GUIDES) {
        const source = fs.readFileSync(path.join(repo, guide), "utf8");
        this.emitFile({ type: "asset", fileName: guide, source });
      }
    },
  };
}
