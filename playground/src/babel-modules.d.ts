// Babel's plugin and preset packages ship no type declarations; the Babel front end only hands
// them to `transformSync` as it receives them.
declare module "@babel/preset-typescript" {
  const preset: import("@babel/core").PluginItem;
  export default preset;
}
declare module "@babel/plugin-transform-modules-commonjs" {
  const plugin: import("@babel/core").PluginItem;
  export default plugin;
}
