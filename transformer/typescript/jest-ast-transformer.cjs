/**
 * The ts-jest `astTransformers` adapter: `{ name, version, factory }`.
 *
 * jest.config.cjs:
 *   transform: { "^.+\\.ts$": ["ts-jest", { astTransformers: { before: [
 *     { path: "anyio-ts/transformer/jest", options: { include: ["src/**\/*.ts"] } },
 *   ] } }] }
 *
 * Loads the compiled plugin (index.js beside this file, as published in
 * dist/transformer/typescript/) or, in the anyio-ts repository itself, the TypeScript sources,
 * compiled in memory with `transpileModule` (the repository's own `npm run build` loads the
 * plugin this way, since dist does not exist yet).
 * `version` is a hash of the plugin's sources, so ts-jest's cache is dropped whenever the
 * transformer changes.
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
    // The repository: the TypeScript sources. The package (dist/transformer/typescript/): the
    // built index.js beside this file.
    const source = path.join(__dirname, "index.ts");
    plugin = fs.existsSync(source) ? requireTypeScript(source) : require(path.join(__dirname, "index.js"));
  }
  return plugin;
}

module.exports = {
  name: "anyio-ts-transformer",
  version: hashSources(),
  factory(tsCompiler, options) {
    return load().jestFactory(tsCompiler, options);
  },
};

/**
 * The same plugin as a ts-patch entry, for projects that point `transform` at this file
 * (the repository's own builds, where the plugin is TypeScript source).
 */
module.exports.default = function anyioTransformer(program, config, extras) {
  return load().default(program, config, extras);
};
