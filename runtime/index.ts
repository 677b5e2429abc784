/**
 * anyio-ts for Node, Bun and Deno: the public API (see `public.ts`), with AsyncLocalStorage
 * installed so that callbacks the transformer did not compile keep their task and cancel scope
 * across awaits.
 */
import "./platform/node/context-carrier";

export * from "./public";
export {
  toNodeReadable,
  toNodeWritable,
  toNodeDuplex,
  fromNodeReadable,
  fromNodeWritable,
  fromNodeDuplex,
  NodeReadableReceiveStream,
  NodeWritableSendStream,
  NodeDuplexByteStream,
} from "./platform/node/streams";
export type { NodeStreamAdapterOptions, FromNodeReadableOptions } from "./platform/node/streams";
