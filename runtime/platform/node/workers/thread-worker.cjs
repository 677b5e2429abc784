"use strict";
// The entry of a worker thread started by toThread.runSync(): it imports the named module
// export (once per worker), calls it for each job the loop thread posts, awaits a promise it
// returns in this thread's own event loop, and posts back the value or the error record.
//
// Job:    { id, module, exportName, args }          (lent callbacks travel as placeholders)
// Answer: { id, ok: true, value } | { id, ok: false, error: EncodedThrown }
//
// `require("anyio-ts")` in a worker module resolves to worker-api.cjs: the worker's side of
// fromThread and lent callbacks, which needs neither the TypeScript sources nor a build.
//
// Waiting for the next job: once the last job has ended, the worker blocks for a moment on the
// count of jobs posted (flags[2], raised by the loop thread after each post) with Atomics.wait
// and takes a job that comes with receiveMessageOnPort, instead of returning to its event loop
// and being woken by a 'message' event, which costs more than many jobs (piscina waits the same
// way, but without the bounds below). A job that returns a promise, or whose module is not loaded
// yet, goes back to the event loop. Bounds, so that what a job left running in this thread (a
// timer, an error thrown later) still runs: the worker waits at most IDLE_WAIT_MS for a job, and
// takes jobs this way for at most BUSY_LOOP_MS before its event loop has a turn.
const { parentPort, workerData, receiveMessageOnPort } = require("node:worker_threads");
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

const flags = new Int32Array(workerData.shared);
api._attach({ port: workerData.port, flags });
/** The index of the count of jobs posted in `flags`, and the count this worker has seen. */
const POSTED = 2;
let seenPosted = 0;
/** Jobs begun and not ended (a job ends when its answer is posted). */
let running = 0;
/** How long an idle worker blocks for the next job before its event loop runs, in ms. */
const IDLE_WAIT_MS = 1;
/** How long a worker takes jobs without its event loop running, in ms. */
const BUSY_LOOP_MS = 10;

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

/** Functions already loaded, by module and export: a job for one of them starts synchronously. */
const loaded = new Map();

function answer(message) {
  try {
    parentPort.postMessage(message);
  } catch (error) {
    // The value could not be cloned: the caller gets the DataCloneError.
    parentPort.postMessage({ id: message.id, ok: false, error: encodeError(error) });
  }
}

function finish(id, ok, outcome) {
  api._endJob(id);
  running--;
  answer(ok ? { id, ok: true, value: outcome } : { id, ok: false, error: encodeError(outcome) });
}

/** Runs `fn` for the job; a promise it returns is awaited in this thread's event loop. */
function call(job, fn) {
  let value;
  try {
    value = fn(...api._reviveArgs(job.args, job.id));
  } catch (error) {
    finish(job.id, false, error);
    return;
  }
  if (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof value.then === "function"
  ) {
    Promise.resolve(value).then(
      (result) => {
        finish(job.id, true, result);
        waitForJobs();
      },
      (error) => {
        finish(job.id, false, error);
        waitForJobs();
      },
    );
  } else {
    finish(job.id, true, value);
  }
}

/** Begins `job`: synchronously when its function is loaded, otherwise once it is. */
function begin(job) {
  running++;
  api._beginJob(job.id);
  const key = `${job.exportName}\0${job.module}`;
  const fn = loaded.get(key);
  if (fn !== undefined) {
    call(job, fn);
    return;
  }
  functionOf(job.module, job.exportName).then(
    (found) => {
      loaded.set(key, found);
      call(job, found);
      waitForJobs();
    },
    (error) => {
      finish(job.id, false, error);
      waitForJobs();
    },
  );
}

/**
 * While no job is running: waits (IDLE_WAIT_MS at most) for the loop thread to post one, and runs
 * what was posted. Returns to the event loop when no job came, when a job is left running (it
 * awaits a promise or a module), or after BUSY_LOOP_MS.
 */
function waitForJobs() {
  const start = performance.now();
  while (running === 0) {
    if (Atomics.wait(flags, POSTED, seenPosted, IDLE_WAIT_MS) === "timed-out") return;
    // Read the count before the messages: a job posted after this read raises the count again,
    // so the next wait returns at once.
    seenPosted = Atomics.load(flags, POSTED);
    for (let entry = receiveMessageOnPort(parentPort); entry !== undefined; entry = receiveMessageOnPort(parentPort)) {
      begin(entry.message);
    }
    if (performance.now() - start > BUSY_LOOP_MS) return;
  }
}

parentPort.on("message", (job) => {
  begin(job);
  waitForJobs();
});
