// Babel (babel-jest, bundlers) compiles the repository's TypeScript with the anyio-ts Babel plugin,
// loaded from its TypeScript sources; `cacheKey` (a hash of transformer/) drops babel-jest's cache
// when the transformer changes. Under babel-jest (Node 20, no ES modules in jest's VM), the output also
// becomes CommonJS, with `import()` as `require` and `using` outside structured code lowered.
const anyio = require("./transformer/babel/babel-plugin.cjs");

module.exports = (api) => {
  const commonJsForJest = api.caller((caller) => caller?.name === "babel-jest" && caller.supportsStaticESM !== true);
  return {
    presets: [["@babel/preset-typescript", { allowDeclareFields: true }]],
    plugins: [
      ["./transformer/babel/babel-plugin.cjs", { cacheKey: anyio.cacheKey }],
      ...(commonJsForJest
        ? [
            "@babel/plugin-transform-explicit-resource-management",
            "@babel/plugin-transform-dynamic-import",
            "@babel/plugin-transform-modules-commonjs",
          ]
        : []),
    ],
  };
};
