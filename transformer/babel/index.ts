/**
 * `anyio-ts/babel`: the Babel plugin (babel.config.js, babel-jest, bundlers), the twin of the
 * TypeScript plugin (`anyio-ts/transformer`): the same input gives the same runtime calls, with
 * the same options and the same diagnostics.
 *
 * ```js
 * // babel.config.js
 * module.exports = {
 *   presets: ["@babel/preset-typescript"],
 *   plugins: [["anyio-ts/babel", { include: ["src/**\/*.ts"] }]],
 * };
 * ```
 *
 * Options: `include`, `exclude`, `runtimeModule`, `warnings` (see {@link TransformerOptions}),
 * and `onWarning` to receive warnings instead of printing them. Errors fail the file with a
 * code frame.
 *
 * @packageDocumentation
 */
export { default } from "./plugin";
export type { AnyioBabelError, AnyioFileMetadata, BabelPluginOptions, Diagnostic } from "./plugin";
export type { TransformerOptions } from "../core/options";
export { STRUCTURED_DIRECTIVE, UNSTRUCTURED_DIRECTIVE, classifyDirective, type DirectiveKind } from "../core/directive";
