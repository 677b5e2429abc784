/**
 * How the CommonJS shims (the ts-jest adapter, the Babel plugin by path) load the transformer:
 * in the anyio-ts repository from its TypeScript sources, compiled in memory with
 * `transpileModule` (the repository's own build loads the plugin before dist/ exists); in the
 * published package from the built `.js` files. Also a hash of the transformer's files, which
 * the shims hand to tools that cache by it (ts-jest's `version`, babel-jest's options).
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const Module = require("node:module");

const transformerRoot = path.resolve(__dirname, "..");

function sourceFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|js|cjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

/** A short hash of every file of the transformer: changes whenever the transformer does. */
function hashSources() {
  const hash = crypto.createHash("sha256");
  for (const file of sourceFiles(transformerRoot)) {
    hash.update(path.relative(transformerRoot, file));
    hash.update(fs.readFileSync(file));
  }
  return hash.digest("hex").slice(0, 16);
}

/** Requires a TypeScript file, compiling it (and the relative .ts files it requires) in memory. */
function requireTypeScript(file, cache = new Map()) {
  const cached = cache.get(file);
  if (cached !== undefined) return cached.exports;
  const ts = require("typescript");
  const source = fs.readFileSync(file, "utf8");
  const { outputText } = ts.transpileModule(source, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  cache.set(file, mod);
  const plainRequire = Module.createRequire(file);
  mod.require = (specifier) => {
    if (specifier.startsWith(".")) {
      const base = path.resolve(path.dirname(file), specifier);
      for (const candidate of [`${base}.ts`, path.join(base, "index.ts")]) {
        if (fs.existsSync(candidate)) return requireTypeScript(candidate, cache);
      }
    }
    return plainRequire(specifier);
  };
  mod._compile(outputText, file);
  mod.loaded = true;
  return mod.exports;
}

/** Loads `dir`/index: the TypeScript source when present (the repository), else the built JS. */
function loadEntry(dir) {
  const source = path.join(dir, "index.ts");
  return fs.existsSync(source) ? requireTypeScript(source) : require(path.join(dir, "index.js"));
}

module.exports = { hashSources, loadEntry };
