"use strict";
// The worker side of how an error crosses a thread or process boundary. Structured clone keeps
// an Error's message and stack (and its class for built-in errors only) but drops `name`,
// `code` and every other own property, so a worker sends this record instead and the host
// rebuilds the error from it (runtime/threads/remote-error.ts). Plain JavaScript: it runs in
// worker threads and worker processes, which load it without the TypeScript toolchain.
//
// Record: { kind: "error", className, name, message, stack, props, cause?, errors? } for an
// Error (nested errors in `cause` and `errors` are records too), { kind: "value", value } for
// anything else thrown (its String() when it cannot be cloned).

/** @param {unknown} value @returns {boolean} whether structured clone accepts `value`. */
function clonable(value) {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * @param {unknown} thrown - what the worker function threw.
 * @param {number} [depth] - nesting so far; cycles through `cause` stop at 8 levels.
 */
function encodeError(thrown, depth = 0) {
  if (!(thrown instanceof Error) || depth > 8) {
    return { kind: "value", value: clonable(thrown) ? thrown : String(thrown) };
  }
  const props = {};
  for (const key of Object.keys(thrown)) {
    if (key === "cause" || key === "errors" || key === "exceptions") continue;
    const value = thrown[key];
    if (clonable(value)) props[key] = value;
  }
  const record = {
    kind: "error",
    className: thrown.constructor?.name ?? "Error",
    name: String(thrown.name),
    message: String(thrown.message),
    stack: typeof thrown.stack === "string" ? thrown.stack : undefined,
    props,
  };
  if ("cause" in thrown) record.cause = encodeError(thrown.cause, depth + 1);
  if (Array.isArray(thrown.errors)) record.errors = thrown.errors.map((error) => encodeError(error, depth + 1));
  return record;
}

module.exports = { encodeError };
