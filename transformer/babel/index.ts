/**
 * `anyio-ts/babel`: the Babel plugin (babel.config.js, babel-jest, bundlers).
 *
 * The plugin itself arrives with the transformer work; for now this entry exposes the directive
 * rules it will apply, shared with the TypeScript plugin (`anyio-ts/transformer`).
 *
 * @packageDocumentation
 */
export {
  STRUCTURED_DIRECTIVE,
  UNSTRUCTURED_DIRECTIVE,
  classifyDirective,
  type DirectiveKind,
} from "../core/directive";
