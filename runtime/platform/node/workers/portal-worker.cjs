"use strict";
// The entry of the worker thread startBlockingPortal() starts: it loads the runtime, runs a
// BlockingPortal inside run(), hands the portal's token to the starting thread (which blocks
// until it arrives), and sleeps until the portal is stopped. When run() ends the thread ends.
//
// workerData: { port, shared, runtime, register } — `port` receives { token } or { error };
// `shared` is the flag the starter waits on; `runtime` the path of the runtime's Node entry;
// `register` a module to load first (a TypeScript loader, when the runtime runs from sources).
const { workerData } = require("node:worker_threads");
const Module = require("node:module");
const { encodeError } = require("./error-record.cjs");

const { port, shared, runtime, register } = workerData;
const flags = new Int32Array(shared);

function tell(message, transferList) {
  port.postMessage(message, transferList);
  Atomics.store(flags, 0, 1);
  Atomics.notify(flags, 0);
}

try {
  if (register) require(register);
  // Modules the portal loads for its clients import "anyio-ts": the same runtime as this portal.
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request === "anyio-ts" ? runtime : resolveFilename.call(this, request, ...rest);
  };
  const { run, BlockingPortal } = require(runtime);
  run(async () => {
    await new BlockingPortal().run(async (portal) => {
      const token = portal.connect();
      tell({ token }, [token.port]);
      await portal.sleepUntilStopped();
    });
  }).then(
    () => port.close(),
    (error) => {
      // The starter may still be waiting for the token.
      tell({ error: encodeError(error) });
      port.close();
    },
  );
} catch (error) {
  tell({ error: encodeError(error) });
}
