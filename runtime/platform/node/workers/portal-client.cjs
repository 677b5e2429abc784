"use strict";
// The thread-side half of a blocking portal: a client connected to a portal's token calls into
// the portal's event loop thread from any other thread. Plain JavaScript, shared by the
// runtime (BlockingPortalClient) and the workers toThread starts (which have no TypeScript).
//
// Protocol over the token's port (the portal answers on the same port):
//   client → portal  { kind: "hello", flags }                          once, first
//                    { kind: "task", id, mode: "call" | "soon" | "start", target, args, name }
//                    { kind: "cancel", id }   { kind: "stop", id, cancelRemaining }   { kind: "close" }
//   portal → client  { id, kind: "started", value }   { id, kind: "done", ok, value | error | cancelled }
//                    { id, kind: "stopped" }          { id, kind: "refused", message }
// After posting, the portal raises flags[0] and notifies; flags[1] becomes 1 when the portal
// stops (new tasks are refused here, without a round trip) and 2 once it has exited (nothing
// will answer any more). A blocked client drains the port with
// receiveMessageOnPort, so it needs no event loop of its own; while a `then` is pending it also
// listens on the port, and both routes feed one dispatcher.
const { receiveMessageOnPort, threadId } = require("node:worker_threads");

const NOT_RUNNING = "This portal is not running";
const LOOP_THREAD = "This method cannot be called from the event loop thread";
/** flags[1]: 0 while the portal runs, STOPPED once it takes no new tasks, EXITED once nothing answers. */
const EXITED = 2;

/**
 * @param {object} errors - the classes this thread knows: { Cancelled, TimeoutError, decode(record) }.
 */
function makePortalClient(errors) {
  class ClientFuture {
    constructor(client, id) {
      this.client = client;
      this.id = id;
      this.outcome = undefined; // { ok, value } | { ok: false, error, cancelled }
      this.startValue = undefined;
      this.startedFlag = false;
      this.waiters = undefined; // [resolve, reject] pairs for then()
    }
    done() {
      this.client.drain();
      return this.outcome !== undefined;
    }
    cancelled() {
      this.client.drain();
      return this.outcome !== undefined && !this.outcome.ok && this.outcome.cancelled;
    }
    cancel() {
      if (this.done()) return false;
      this.client.post({ kind: "cancel", id: this.id });
      // Cancelled at once, as the loop-side future is; the portal's later answer is dropped.
      this.settle({ ok: false, error: new errors.Cancelled("The portal task was cancelled"), cancelled: true });
      return true;
    }
    result(timeout) {
      this.client.waitFor(() => this.outcome !== undefined, timeout);
      if (this.outcome.ok) return this.outcome.value;
      throw this.outcome.error;
    }
    exception() {
      if (!this.done()) this.client.waitFor(() => this.outcome !== undefined, Infinity);
      if (this.outcome.ok) return undefined;
      if (this.outcome.cancelled) throw this.outcome.error;
      return this.outcome.error;
    }
    promise() {
      if (this.done())
        return this.outcome.ok ? Promise.resolve(this.outcome.value) : Promise.reject(this.outcome.error);
      return new Promise((resolve, reject) => {
        (this.waiters ??= []).push([resolve, reject]);
        this.client.listen(true);
      });
    }
    then(onFulfilled, onRejected) {
      return this.promise().then(onFulfilled, onRejected);
    }
    settle(outcome) {
      this.outcome = outcome;
      this.client.futures.delete(this.id);
      const waiters = this.waiters;
      this.waiters = undefined;
      if (waiters !== undefined) {
        for (const [resolve, reject] of waiters) outcome.ok ? resolve(outcome.value) : reject(outcome.error);
        this.client.listen(false);
      }
    }
  }

  class PortalClientImpl {
    constructor(port, portalThreadId) {
      this.port = port;
      /** Whether this client is on the portal's own thread, where blocking would deadlock. */
      this.onLoopThread = portalThreadId === threadId;
      this.flags = new Int32Array(new SharedArrayBuffer(8));
      this.nextId = 1;
      this.futures = new Map();
      this.pending = new Map(); // id → answer, for stop
      this.closed = false;
      this.listening = 0;
      this.onMessage = (message) => this.dispatch(message);
      port.unref?.();
      port.postMessage({ kind: "hello", flags: this.flags });
    }

    post(message) {
      if (this.closed) throw new Error("This portal client is closed");
      this.port.postMessage(message);
    }

    /** Handles every answer that is already here, without blocking. */
    drain() {
      for (;;) {
        const received = receiveMessageOnPort(this.port);
        if (received === undefined) return;
        this.dispatch(received.message);
      }
    }

    dispatch(message) {
      const future = this.futures.get(message.id);
      if (message.kind === "started" && future !== undefined) {
        future.startedFlag = true;
        future.startValue = message.value;
      } else if (message.kind === "done" && future !== undefined) {
        future.settle(
          message.ok
            ? { ok: true, value: message.value }
            : message.cancelled
              ? { ok: false, error: new errors.Cancelled("The portal task was cancelled"), cancelled: true }
              : { ok: false, error: errors.decode(message.error), cancelled: false },
        );
      } else if (message.kind === "refused" && future !== undefined) {
        future.settle({ ok: false, error: new Error(message.message), cancelled: false });
      } else if (message.kind === "stopped" || message.kind === "refused") {
        this.pending.set(message.id, message);
      }
    }

    /** Blocks this thread until `ready()` holds (dispatching answers as they come), at most `timeout` ms. */
    waitFor(ready, timeout) {
      this.drain();
      if (ready()) return;
      if (this.onLoopThread) throw new Error(LOOP_THREAD);
      const deadline = timeout === Infinity ? Infinity : Date.now() + timeout;
      for (;;) {
        Atomics.store(this.flags, 0, 0);
        this.drain();
        if (ready()) return;
        if (Atomics.load(this.flags, 1) === EXITED) {
          this.drain();
          if (ready()) return;
          throw new Error(NOT_RUNNING);
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new errors.TimeoutError(`The portal task did not finish within ${timeout} ms`);
        Atomics.wait(this.flags, 0, 0, remaining === Infinity ? undefined : remaining);
      }
    }

    listen(on) {
      if (on) {
        if (this.listening++ === 0) {
          this.port.on("message", this.onMessage);
          this.port.ref?.();
        }
      } else if (--this.listening === 0) {
        this.port.off("message", this.onMessage);
        this.port.unref?.();
      }
    }

    startTask(mode, name, fn, args) {
      if (this.closed) throw new Error("This portal client is closed");
      if (Atomics.load(this.flags, 1) !== 0) throw new Error(NOT_RUNNING);
      const target = targetOf(fn);
      const id = this.nextId++;
      const future = new ClientFuture(this, id);
      this.futures.set(id, future);
      this.post({ kind: "task", id, mode, target, args, name });
      return future;
    }

    call(fn, args) {
      if (this.onLoopThread) throw new Error(LOOP_THREAD);
      return this.startTask("call", undefined, fn, args).result(Infinity);
    }

    startTaskSoon(name, fn, args) {
      return this.startTask("soon", name, fn, args);
    }

    startAndWait(name, fn, args) {
      if (this.onLoopThread) throw new Error(LOOP_THREAD);
      const future = this.startTask("start", name, fn, args);
      this.waitFor(() => future.startedFlag || future.outcome !== undefined, Infinity);
      if (!future.startedFlag) {
        if (!future.outcome.ok) throw future.outcome.error;
        throw new Error("Task exited without calling task_status.started()");
      }
      return [future, future.startValue];
    }

    stop(cancelRemaining) {
      if (this.closed) throw new Error("This portal client is closed");
      if (Atomics.load(this.flags, 1) !== 0) throw new Error(NOT_RUNNING);
      const id = this.nextId++;
      this.post({ kind: "stop", id, cancelRemaining: cancelRemaining === true });
      this.waitFor(() => this.pending.has(id) || Atomics.load(this.flags, 1) === EXITED, Infinity);
      const answer = this.pending.get(id);
      this.pending.delete(id);
      if (answer === undefined || answer.kind === "refused") throw new Error(answer?.message ?? NOT_RUNNING);
    }

    /** Blocks until the portal has exited (its tasks are done and it told every client). */
    waitUntilExited() {
      while (Atomics.load(this.flags, 1) !== EXITED) {
        Atomics.store(this.flags, 0, 0);
        this.drain();
        if (Atomics.load(this.flags, 1) === EXITED) break;
        Atomics.wait(this.flags, 0, 0, 1000);
      }
    }

    close() {
      if (this.closed) return;
      try {
        this.port.postMessage({ kind: "close" });
      } catch {
        // The portal is gone already.
      }
      this.closed = true;
      this.port.close();
    }
  }

  function targetOf(fn) {
    if (typeof fn === "object" && fn !== null && typeof fn.module === "string" && typeof fn.exportName === "string") {
      return { module: fn.module, exportName: fn.exportName };
    }
    if (typeof fn === "function") {
      throw new TypeError(
        "BlockingPortalClient cannot send a function to the portal's thread; export it from a module and pass workerFunction(url, name)",
      );
    }
    throw new TypeError(
      `Expected \`fn\` to be a WorkerFunction (see workerFunction()), got \`${String(fn)}\` (${typeof fn})`,
    );
  }

  return { PortalClientImpl, NOT_RUNNING };
}

module.exports = { makePortalClient };
