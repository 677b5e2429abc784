// A worker module for examples/subprocesses.ts: plain CommonJS, so a worker process loads it
// without any TypeScript tooling. toProcess.runSync() calls its exports in worker processes.

/** How many primes lie in [from, to): deliberately CPU-bound. */
exports.countPrimes = function countPrimes(from, to) {
  let count = 0;
  for (let n = Math.max(2, from); n < to; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
};
