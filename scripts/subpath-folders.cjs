// Writes (or removes) the package's subpath folders: for each subpath of package.json "exports"
// (`anyio-ts/rt`, `anyio-ts/transformer/jest`, ...), a folder of that name holding a package.json
// whose "main" and "types" point into dist/. Tools that ignore "exports" (Jest 27 and older,
// webpack 4, TypeScript's node10 resolution) resolve `anyio-ts/rt` through it.
//
// The folders exist only while `npm pack` / `npm publish` runs (package.json's prepack writes them
// and postpack removes them; "files" lists them). In the repository they would shadow real
// packages: with tsconfig.json's `baseUrl`, `import "fast-check"` would resolve to a `fast-check/`
// folder at the root.
//
//   node scripts/subpath-folders.cjs [--remove] [packageDir]     (default: the repository)
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const repo = path.resolve(__dirname, "..");

/**
 * The folders, from package.json "exports": folder (relative to the package) -> its package.json.
 * A subpath whose target has no `types` gets `main` only.
 */
function subpathFolders(pkg) {
  const folders = new Map();
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (subpath === "." || subpath === "./package.json") continue;
    const folder = subpath.slice(2);
    const up = "../".repeat(folder.split("/").length);
    const entry = typeof target === "string" ? { default: target } : target;
    const manifest = { main: up + entry.default.slice(2) };
    if (entry.types !== undefined) manifest.types = up + entry.types.slice(2);
    folders.set(folder, manifest);
  }
  return folders;
}

function write(packageDir, folders) {
  for (const [folder, manifest] of folders) {
    fs.mkdirSync(path.join(packageDir, folder), { recursive: true });
    fs.writeFileSync(path.join(packageDir, folder, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  }
}

/** Removes each folder's package.json, then the folders left empty (never a folder with other files). */
function remove(packageDir, folders) {
  for (const folder of folders.keys()) fs.rmSync(path.join(packageDir, folder, "package.json"), { force: true });
  const byDepth = [...folders.keys()].sort((a, b) => b.split("/").length - a.split("/").length);
  for (const folder of byDepth) {
    const dir = path.join(packageDir, folder);
    if (fs.existsSync(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  }
}

module.exports = { subpathFolders };

if (require.main === module) {
  const args = process.argv.slice(2);
  const removing = args.includes("--remove");
  const packageDir = path.resolve(args.find((arg) => arg !== "--remove") ?? repo);
  const folders = subpathFolders(JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")));
  if (removing) remove(packageDir, folders);
  else write(packageDir, folders);
}
