/**
 * anyio-ts for Node, Bun and Deno: the public API (see `public.ts`), with AsyncLocalStorage
 * installed so that callbacks the transformer did not compile keep their task and cancel scope
 * across awaits.
 */
import "./platform/node/context-carrier";
// The UDP room's host (node:dgram, node:dns).
import "./platform/node/udp";
// The host of the file room: Path's file-system calls (browsers get NotSupportedError instead).
import "./platform/node/fs-path";
// TLS: installs Node's TLS engine behind the TLS streams (runtime/streams/tls-host.ts).
import "./platform/node/tls";
import "./platform/node/net";
// Descriptor passing and UNIX datagram sockets (the optional native addon, loaded on first use).
import "./platform/node/native-unix";
// The file room's host (node:fs): installed for its side effect.
import "./platform/node/fs";
// The thread room's host (node:worker_threads): toThread, fromThread, portals.
import "./platform/node/threads";
// The process room's host (node:child_process): installed for its side effect.
import "./platform/node/process";
// Signals: the signal receivers' host, and run()'s handling of SIGINT and SIGTERM.
import "./platform/node/signals";

export * from "./public";
// `export *`, not a list of names: CommonJS output would precede a named re-export with
// `exports.x = void 0` and then redefine it as an accessor, which turns the exports object every
// user imports into a slow dictionary (platform/node/streams.ts exports just these public names).
export * from "./platform/node/streams";
export type { NodeStreamAdapterOptions, FromNodeReadableOptions } from "./platform/node/streams";
