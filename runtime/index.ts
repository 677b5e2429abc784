/**
 * anyio-ts for Node, Bun and Deno: the public API (see `public.ts`), with AsyncLocalStorage
 * installed so that callbacks the transformer did not compile keep their task and cancel scope
 * across awaits.
 */
import "./platform/node/context-carrier";

export * from "./public";
