/**
 * The Babel plugin as a CommonJS file a Babel config can name by path (the repository's own
 * babel.config.js does; users write `plugins: ["anyio-ts/babel"]`).
 *
 * Loads the TypeScript sources in the repository and the built plugin in the package (see
 * transformer/core/load-source.cjs). `cacheKey` is a hash of the transformer's files: put it into
 * the plugin's options so tools that cache by Babel options (babel-jest) drop their cache
 * whenever the transformer changes.
 */
"use strict";
const { hashSources, loadEntry } = require("../core/load-source.cjs");

let plugin;
function load() {
  return (plugin ??= loadEntry(__dirname).default);
}

let cacheKey;
module.exports = function anyioBabelPlugin(api, options, dirname) {
  return load()(api, options, dirname);
};
Object.defineProperty(module.exports, "cacheKey", {
  enumerable: true,
  get: () => (cacheKey ??= hashSources()),
});
