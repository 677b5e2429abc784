"use strict";
// What `require("anyio-ts")` gives code running in a worker thread started by toThread.runSync()
// (thread-worker.cjs redirects the name here), and the thread-side half of fromThread and of
// lent callbacks for the host module (runtime/platform/node/threads.ts). Plain JavaScript: a
// worker thread loads it without the TypeScript toolchain.
//
// How a worker calls into the event loop thread, without its own event loop:
//
//   worker                                    loop thread
//   flags[0] = 0; port.postMessage(request) ──► serves it (a task, or a plain call)
//   Atomics.wait(flags, 0, 0)                  ◄── port.postMessage(answer); flags[0] = 1; notify
//   receiveMessageOnPort(port) → answer
//
// The answer is posted before the flag is raised, so once the flag is up the message is in the
// port's queue. flags[1] is the cancel flag: the loop thread raises it when the calling task's
// scope is cancelled (or the call was abandoned); checkCancelled() reads it and never blocks.
const { receiveMessageOnPort, isMainThread } = require("node:worker_threads");
const { encodeError } = require("./error-record.cjs");

/** Names an error class as the runtime does: `name` on the prototype, not on each instance. */
function named(cls, name) {
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true });
  return cls;
}

/** The worker's view of the runtime's Cancelled: it crosses back as the real one. */
const Cancelled = named(class Cancelled extends Error {}, "Cancelled");
const NoCurrentTaskError = named(class NoCurrentTaskError extends Error {}, "NoCurrentTaskError");
const TimeoutError = named(class TimeoutError extends Error {}, "TimeoutError");

/** The placeholder a lent callback travels as (structured clone cannot carry a function). */
const CALLBACK_KEY = "__anyioTsLentCallback__";

/** The channel to the loop thread, when this thread is a toThread worker. */
let channel;
/** The id of the job running now (lent callbacks are valid only during their own job). */
let currentJob = -1;
/** Lent callbacks made here: function → { id, job }. */
const lent = new WeakMap();

/** @param {{ port: import("node:worker_threads").MessagePort, flags: Int32Array }} next */
function attach(next) {
  channel = next;
}

function beginJob(id) {
  currentJob = id;
}

function endJob(id) {
  if (currentJob === id) currentJob = -1;
}

/** The job's arguments with each lent-callback placeholder replaced by a function that calls it. */
function reviveArgs(args, job) {
  return args.map((arg) =>
    typeof arg === "object" && arg !== null && typeof arg[CALLBACK_KEY] === "number"
      ? lendable(arg[CALLBACK_KEY], job)
      : arg,
  );
}

function lendable(id, job) {
  const callback = function lentCallback(...args) {
    return callInLoop("run", callback, args, "a lent callback");
  };
  lent.set(callback, { id, job });
  return callback;
}

function outside(call) {
  return new NoCurrentTaskError(
    `${call} can only be called inside a worker thread started by toThread.runSync(); use a BlockingPortal token elsewhere`,
  );
}

/** What `fn` names for the loop thread: a module export or a callback lent to this job. */
function targetOf(fn, call) {
  if (typeof fn === "function") {
    const entry = lent.get(fn);
    if (entry === undefined) {
      throw new TypeError(
        `${call} cannot send a function to the event loop thread; export it from a module and pass workerFunction(url, name), or lend it with toThread.callback()`,
      );
    }
    if (entry.job !== currentJob) throw new Error("this callback's toThread.runSync() call has ended");
    return { callback: entry.id };
  }
  if (typeof fn === "object" && fn !== null && typeof fn.module === "string" && typeof fn.exportName === "string") {
    return { module: fn.module, exportName: fn.exportName };
  }
  throw new TypeError(`Expected \`fn\` to be a WorkerFunction (see workerFunction()), got ${describe(fn)}`);
}

function describe(value) {
  if (typeof value === "string") return `\`${JSON.stringify(value)}\` (string)`;
  if (value === null) return "`null` (null)";
  if (typeof value === "object") return `\`${Object.prototype.toString.call(value)}\` (object)`;
  return `\`${String(value)}\` (${typeof value})`;
}

/** Sends one request to the loop thread and blocks this thread until the answer is there. */
function callInLoop(kind, fn, args, call) {
  if (channel === undefined) throw outside(call);
  const target = targetOf(fn, call);
  const { port, flags } = channel;
  Atomics.store(flags, 0, 0);
  port.postMessage({ kind, target, args });
  for (;;) {
    Atomics.wait(flags, 0, 0);
    const received = receiveMessageOnPort(port);
    if (received === undefined) continue;
    Atomics.store(flags, 0, 0);
    return settle(received.message);
  }
}

/** The value of an answer, or its error thrown here. */
function settle(answer) {
  if (answer.ok) return answer.value;
  if (answer.cancelled) throw new Cancelled(answer.message);
  throw reviveError(answer.error);
}

/** The loop thread's error, rebuilt here (its class is kept for built-in errors only). */
function reviveError(record) {
  if (record.kind === "value") return record.value;
  const builtin = globalThis[record.className];
  const cls =
    record.className === "Cancelled"
      ? Cancelled
      : record.className === "TimeoutError"
        ? TimeoutError
        : typeof builtin === "function" && builtin.prototype instanceof Error
          ? builtin
          : Error;
  const error = Reflect.construct(Error, [record.message], cls);
  if (error.name !== record.name)
    Object.defineProperty(error, "name", { value: record.name, writable: true, configurable: true });
  if (record.stack !== undefined)
    Object.defineProperty(error, "stack", { value: record.stack, writable: true, configurable: true });
  if (record.cause !== undefined)
    Object.defineProperty(error, "cause", { value: reviveError(record.cause), writable: true, configurable: true });
  Object.assign(error, record.props);
  return error;
}

const fromThread = Object.freeze({
  /** Runs `fn(...args)` as a task on the event loop thread and blocks until it ends. */
  run(fn, ...args) {
    return callInLoop("run", fn, args, "fromThread.run()");
  },
  /** Calls `fn(...args)` synchronously on the event loop thread and blocks until it returns. */
  runSync(fn, ...args) {
    return callInLoop("runSync", fn, args, "fromThread.runSync()");
  },
  /** Throws Cancelled when the calling task's scope was cancelled (or the call abandoned). Never blocks. */
  checkCancelled() {
    if (channel === undefined) throw outside("fromThread.checkCancelled()");
    if (Atomics.load(channel.flags, 1) !== 0) throw new Cancelled("Cancelled: the host task's scope was cancelled");
  },
});

/** Names a module export for the loop thread, as the runtime's workerFunction() does. */
function workerFunction(module, exportName = "default") {
  if (typeof exportName !== "string" || exportName === "") {
    throw new TypeError(`Expected \`exportName\` to be a non-empty string, got ${describe(exportName)}`);
  }
  if (module instanceof URL) module = module.href;
  if (typeof module !== "string" || module === "" || /^\.\.?(?:[\\/]|$)/.test(module)) {
    throw new TypeError(
      `workerFunction() needs an absolute module specifier, got ${describe(module)}: pass require.resolve(...) or a file: URL`,
    );
  }
  return Object.freeze({ module, exportName });
}

const { PortalClientImpl } = require("./portal-client.cjs").makePortalClient({
  Cancelled,
  TimeoutError,
  decode: reviveError,
});

/** A blocking portal's client in this worker (the runtime's BlockingPortalClient, in plain JavaScript). */
class BlockingPortalClient {
  constructor(impl) {
    this._impl = impl;
  }
  static connect(token) {
    if (typeof token !== "object" || token === null || typeof token.port !== "object") {
      throw new TypeError(`Expected \`token\` to be a PortalToken (from portal.connect()), got ${describe(token)}`);
    }
    return new BlockingPortalClient(new PortalClientImpl(token.port, token.threadId));
  }
  call(fn, ...args) {
    return this._impl.call(fn, args);
  }
  startTaskSoon(first, ...rest) {
    if (typeof first === "object" && first !== null && typeof first.module !== "string") {
      return this._impl.startTaskSoon(first.name, rest[0], rest.slice(1));
    }
    return this._impl.startTaskSoon(undefined, first, rest);
  }
  startTask(fn, ...args) {
    return this._impl.startAndWait(undefined, fn, args);
  }
  stop(cancelRemaining = false) {
    this._impl.stop(cancelRemaining);
  }
  close() {
    this._impl.close();
  }
  [Symbol.dispose]() {
    this.close();
  }
}

module.exports = {
  fromThread,
  workerFunction,
  BlockingPortalClient,
  Cancelled,
  NoCurrentTaskError,
  TimeoutError,
  isMainThread,
  encodeError,
  // The thread worker's hooks (not for user code).
  _attach: attach,
  _beginJob: beginJob,
  _endJob: endJob,
  _reviveArgs: reviveArgs,
  _inToThreadWorker: () => channel !== undefined,
  CALLBACK_KEY,
};
