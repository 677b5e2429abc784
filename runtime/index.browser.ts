/**
 * anyio-ts for browsers: the public API without a context carrier. Code the transformer did
 * not compile keeps its task and cancel scope only until its first await; compile it with the
 * transformer (or the Babel plugin) to keep them everywhere.
 */
export * from "./public";
