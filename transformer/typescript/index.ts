/**
 * `anyio-ts/transformer`: the ts-patch plugin for `tsc`, `tspc` and ts-jest.
 *
 * The plugin itself arrives with the transformer work; for now this entry exposes the directive
 * rules it will apply, shared with the Babel plugin (`anyio-ts/babel`).
 *
 * @packageDocumentation
 */
export {
  STRUCTURED_DIRECTIVE,
  UNSTRUCTURED_DIRECTIVE,
  classifyDirective,
  type DirectiveKind,
} from "../core/directive";
