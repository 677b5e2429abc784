/**
 * anyio-ts for Node, Bun and Deno: the public API (see `public.ts`), with AsyncLocalStorage
 * installed so that callbacks the transformer did not compile keep their task and cancel scope
 * across awaits.
 */
import "./platform/node/context-carrier";
// Signals: the signal receivers' host, and run()'s handling of SIGINT and SIGTERM (which every
// run() needs, so this one is installed now).
import "./platform/node/signals";
import { netHost } from "./net/host";
import { nativeHost } from "./net/native-host";
import { udpHost } from "./net/udp-host";
import { tlsHost } from "./streams/tls-host";
import { fsHost } from "./fs/host";
import { pathHost } from "./fs/path-host";
import { threadsHost } from "./threads/host";
import { processHost } from "./process/host";

// The other hosts are loaded the first time a call needs them: each module installs itself in its
// room's seam when it loads. Until then neither they nor the Node modules they import (node:tls,
// node:child_process, node:worker_threads, ...) take any heap: a TCP server that never opens a file
// keeps about 1.5 MiB less live, which decides whether V8 starts marking its old generation at all
// (it does so only above 8 MiB). `require` with a literal path, so bundlers still see every host.
//
// The public names themselves stay eager: a CommonJS getter per name would not defer anything for
// an ES module importer (Node reads every export it detects when it imports the package, so each
// getter would run at once), and a name Node cannot detect cannot be imported by name at all.
//
// TCP and UNIX stream sockets (node:net, node:dns).
netHost.installLazily(() => require("./platform/node/net"));
// UNIX sockets on the optional native addon: descriptor passing, UNIX datagram sockets.
nativeHost.installLazily(() => require("./platform/node/native-unix"));
// The UDP room's host (node:dgram, node:dns).
udpHost.installLazily(() => require("./platform/node/udp"));
// TLS: Node's TLS engine behind the TLS streams.
tlsHost.installLazily(() => require("./platform/node/tls"));
// The file room: files (node:fs) and Path's file-system calls.
fsHost.installLazily(() => require("./platform/node/fs"));
pathHost.installLazily(() => require("./platform/node/fs-path"));
// The thread room's host (node:worker_threads): toThread, fromThread, portals.
threadsHost.installLazily(() => require("./platform/node/threads"));
// The process room's host (node:child_process).
processHost.installLazily(() => require("./platform/node/process"));

export * from "./public";
// `export *`, not a list of names: CommonJS output would precede a named re-export with
// `exports.x = void 0` and then redefine it as an accessor, which turns the exports object every
// user imports into a slow dictionary (platform/node/streams.ts exports just these public names).
export * from "./platform/node/streams";
export type { NodeStreamAdapterOptions, FromNodeReadableOptions } from "./platform/node/streams";
