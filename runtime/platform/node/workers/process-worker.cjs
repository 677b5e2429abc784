"use strict";
// The entry of a toProcess.runSync() worker process (runtime/process/worker-process.ts has the
// protocol). Plain JavaScript: the worker runs without the TypeScript toolchain, with the
// parent's execArgv (so a parent running TypeScript through a loader passes it on).
//
// It imports each worker function's module once (ESM or CommonJS, through import()), calls the
// function for each request, one at a time, and answers with its (awaited) value or an error
// record. It exits when the parent goes away (the IPC channel closes), so it is never orphaned.
const path = require("node:path");
const { createRequire } = require("node:module");
const { pathToFileURL } = require("node:url");
const v8 = require("node:v8");
const { encodeError } = require("./error-record.cjs");

/** @type {Map<string, Promise<Record<string, unknown>>>} modules by specifier, imported once. */
const modules = new Map();

/** What import() should load for `specifier`: a file: URL, an absolute path, or a package name. */
function importTarget(specifier) {
  if (specifier.startsWith("file:")) return specifier;
  if (path.isAbsolute(specifier)) return pathToFileURL(specifier).href;
  // A package name, resolved from the working directory as the contract says.
  try {
    return pathToFileURL(createRequire(path.join(process.cwd(), "noop.js")).resolve(specifier)).href;
  } catch {
    return specifier;
  }
}

function load(specifier) {
  let loading = modules.get(specifier);
  if (loading === undefined) {
    loading = import(importTarget(specifier));
    modules.set(specifier, loading);
    // A module that failed to load may load later (it was fixed, or a file appeared).
    loading.catch(() => modules.delete(specifier));
  }
  return loading;
}

/** The export `name` of a loaded module; CommonJS exports are also found on its default export. */
function exported(namespace, name, specifier) {
  let value = namespace[name];
  if (value === undefined && name !== "default" && namespace.default != null) value = namespace.default[name];
  if (typeof value !== "function") {
    throw new TypeError(`The module ${specifier} has no exported function named "${name}"`);
  }
  return value;
}

/** The DataCloneError that structured clone raises for `value`, if it does. */
function cloneError(value) {
  try {
    structuredClone(value);
    return undefined;
  } catch (error) {
    return error;
  }
}

async function handle(message) {
  const id = message.id;
  let reply;
  try {
    const [specifier, name, args] = v8.deserialize(message.payload);
    const fn = exported(await load(specifier), name, specifier);
    reply = { id, ok: true, value: await fn(...args) };
  } catch (error) {
    reply = { id, ok: false, error: encodeError(error) };
  }
  try {
    process.send(reply);
  } catch (error) {
    // The value cannot cross (structured clone refused it): report that instead, as the
    // DataCloneError structured clone raises (v8 reports a plain Error).
    process.send({ id, ok: false, error: encodeError(cloneError(reply.value) ?? error) });
  }
}

let queue = Promise.resolve();
process.on("message", (message) => {
  queue = queue.then(() => handle(message));
});
process.on("disconnect", () => process.exit(0));
process.send({ ready: true });
