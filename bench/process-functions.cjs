// Worker functions for bench/process.ts (plain CommonJS: worker processes load it as is).
exports.add = (a, b) => a + b;
exports.fib = function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
};
