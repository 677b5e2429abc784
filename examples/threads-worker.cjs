"use strict";
// The worker side of examples/threads.ts: plain functions, called in worker threads.
const { createHash } = require("node:crypto");
const { fromThread } = require("anyio-ts");

/** SHA-256 of `megabytes` MiB of pseudo-random bytes made from `seed`: CPU work on purpose. */
exports.hashBlock = (megabytes, seed) => {
  const hash = createHash("sha256");
  const chunk = Buffer.alloc(1 << 20, seed & 0xff);
  for (let i = 0; i < megabytes; i++) {
    // Stops early when the caller's scope is cancelled (the flag is read, never waited on).
    fromThread.checkCancelled();
    chunk[0] = i & 0xff;
    hash.update(chunk);
  }
  return hash.digest("hex").slice(0, 16);
};

/** Reports progress through a function the caller lent with toThread.callback(). */
exports.countTo = (n, report) => {
  for (let i = 1; i <= n; i++) report(i);
  return n;
};
