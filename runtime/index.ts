/**
 * anyio-ts for Node, Bun and Deno: the public API (see `public.ts`), with AsyncLocalStorage
 * installed so that callbacks the transformer did not compile keep their task and cancel scope
 * across awaits.
 */
import "./platform/node/context-carrier";
// The file room's host (node:fs): installed for its side effect.
import "./platform/node/fs";

export * from "./public";
// `export *`, not a list of names: CommonJS output would precede a named re-export with
// `exports.x = void 0` and then redefine it as an accessor, which turns the exports object every
// user imports into a slow dictionary (platform/node/streams.ts exports just these public names).
export * from "./platform/node/streams";
export type { NodeStreamAdapterOptions, FromNodeReadableOptions } from "./platform/node/streams";
