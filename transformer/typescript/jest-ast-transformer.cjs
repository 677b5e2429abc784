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
const { hashSources, loadEntry } = require("../core/load-source.cjs");

let plugin;
function load() {
  return (plugin ??= loadEntry(__dirname));
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
