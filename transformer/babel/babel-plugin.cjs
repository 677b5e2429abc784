/**
 * The Babel plugin as a CommonJS module a Babel config can name by path:
 *
 *   plugins: [[require.resolve("anyio-ts/babel/babel-plugin.cjs"), { cacheKey: ... }]]
 *
 * Loads the compiled plugin (index.js beside this file, as published) or, in the anyio-ts
 * repository itself, the TypeScript sources, compiled in memory with `transpileModule` (the same
 * loader as transformer/typescript/jest-ast-transformer.cjs). `cacheKey` is a hash of the
 * transformer's sources: put it into the plugin's options so tools that cache by Babel options
 * (babel-jest) drop their cache whenever the transformer changes.
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

let plugin;
function load() {
  if (plugin === undefined) {
    const compiled = path.join(__dirname, "index.js");
    const entry = fs.existsSync(compiled) ? require(compiled) : requireTypeScript(path.join(__dirname, "index.ts"));
    plugin = entry.default;
  }
  return plugin;
}

let cacheKey;
module.exports = function anyioBabelPlugin(api, options, dirname) {
  return load()(api, options, dirname);
};
Object.defineProperty(module.exports, "cacheKey", {
  enumerable: true,
  get: () => (cacheKey ??= hashSources()),
});
