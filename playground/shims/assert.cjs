// Node's `assert`, as much of it as Babel calls in the compile worker (the browser has none).
"use strict";

function fail(message) {
  const error = new Error(message === undefined ? "Assertion failed" : String(message));
  error.name = "AssertionError";
  throw error;
}

function assert(value, message) {
  if (!value) fail(message);
}

assert.ok = assert;
assert.fail = fail;
assert.equal = (a, b, message) => assert(a == b, message); // eslint-disable-line eqeqeq
assert.strictEqual = (a, b, message) => assert(Object.is(a, b), message);
module.exports = assert;
