"use strict";
// The entry of a worker thread started by toThread.runSync(): it imports the named module
// export (once per worker), calls it for each job the loop thread posts, awaits a promise it
// returns in this thread's own event loop, and posts back the value or the error record.
//
// Job:     [id, fnId, args, lends, module?, exportName?]   (lent callbacks travel as placeholders,
//          in a job whose `lends` is true; a function's module and export come only with the
//          first job for it, later ones name it by `fnId`)
// Outcome: [true, value] | [false, EncodedThrown]
//
// Flat arrays rather than objects: structured clone writes no property names for them.
//
// `require("anyio-ts")` in a worker module resolves to worker-api.cjs: the worker's side of
// fromThread and lent callbacks, which needs neither the TypeScript sources nor a build.
const { workerData } = require("node:worker_threads");
const Module = require("node:module");
const path = require("node:path");
const { pathToFileURL, fileURLToPath } = require("node:url");
const { encodeError } = require("./error-record.cjs");
const api = require("./worker-api.cjs");

const apiPath = require.resolve("./worker-api.cjs");
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === "anyio-ts" ? apiPath : resolveFilename.call(this, request, ...rest);
};

const port = workerData.port;
api._attach({ port, flags: new Int32Array(workerData.shared) });

/** Loaded modules by specifier (a worker imports each module once). */
const modules = new Map();
/** A real dynamic import, kept out of reach of tools that rewrite `import()` into `require()`. */
const dynamicImport = new Function("specifier", "return import(specifier)");

function load(specifier) {
  let loading = modules.get(specifier);
  if (loading === undefined) {
    loading = loadModule(specifier);
    modules.set(specifier, loading);
  }
  return loading;
}

async function loadModule(specifier) {
  let file;
  if (specifier.startsWith("file:")) file = fileURLToPath(specifier);
  else if (path.isAbsolute(specifier)) file = specifier;
  else {
    // A bare package specifier, resolved from the working directory.
    try {
      file = Module.createRequire(path.join(process.cwd(), "index.js")).resolve(specifier);
    } catch {
      return dynamicImport(specifier);
    }
  }
  try {
    const exports = require(file);
    return { exports, commonjs: true };
  } catch (error) {
    if (error && (error.code === "ERR_REQUIRE_ESM" || error.code === "ERR_REQUIRE_ASYNC_MODULE")) {
      return { exports: await dynamicImport(pathToFileURL(file).href), commonjs: false };
    }
    throw error;
  }
}

async function functionOf(specifier, exportName) {
  const loaded = await load(specifier);
  const exports = loaded.exports;
  let fn = exports?.[exportName];
  // `module.exports = fn` is a CommonJS module's default export.
  if (fn === undefined && exportName === "default" && loaded.commonjs && typeof exports === "function") fn = exports;
  if (typeof fn !== "function") {
    throw new TypeError(`The module ${specifier} has no function export named "${exportName}"`);
  }
  return fn;
}

/** Function ids → [module, exportName], as the first job for each named them. */
const named = new Map();
/** Functions already loaded, by id: a job for one of them starts synchronously. */
const loaded = new Map();

function answer(message) {
  try {
    port.postMessage(message);
  } catch (error) {
    // The value could not be cloned: the caller gets the DataCloneError.
    port.postMessage([false, encodeError(error)]);
  }
}

function finish(id, ok, outcome) {
  api._endJob(id);
  answer(ok ? [true, outcome] : [false, encodeError(outcome)]);
}

/** Runs `fn` for the job; a promise it returns is awaited in this thread's event loop. */
function call(job, fn) {
  const [id, , args, lends] = job;
  let value;
  try {
    value = fn(...(lends ? api._reviveArgs(args, id) : args));
  } catch (error) {
    finish(id, false, error);
    return;
  }
  if (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof value.then === "function"
  ) {
    Promise.resolve(value).then(
      (result) => finish(id, true, result),
      (error) => finish(id, false, error),
    );
  } else {
    finish(id, true, value);
  }
}

// Jobs come on the channel the worker's requests use too. The listener sees only jobs: the pool
// posts a job only to an idle worker, and the answer to a request is taken off the port by the
// worker itself, blocked until it is there (worker-api.cjs), before the event loop could run.
port.on("message", (job) => {
  const [id, fnId] = job;
  if (job.length > 4) named.set(fnId, [job[4], job[5]]);
  api._beginJob(id);
  const fn = loaded.get(fnId);
  if (fn !== undefined) {
    call(job, fn);
    return;
  }
  const [module, exportName] = named.get(fnId);
  functionOf(module, exportName).then(
    (found) => {
      loaded.set(fnId, found);
      call(job, found);
    },
    (error) => finish(id, false, error),
  );
});
