/**
 * The thread room's host on `node:worker_threads` (installed by the Node entry point): worker
 * threads running workers/thread-worker.cjs, each with a message channel and two shared flags
 * for the calls it makes back into this thread (see workers/worker-api.cjs for the protocol).
 *
 * Every worker has `'error'` and `'exit'` listeners for its whole life: a worker that dies is
 * reported to its pool, never as an uncaught exception.
 */
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MessageChannel, receiveMessageOnPort, threadId, Worker, type MessagePort } from "node:worker_threads";
import { BrokenWorkerThread, Cancelled, NotSupportedError, TimeoutError } from "../../core/errors";
import { decodeError, type EncodedThrown } from "../../threads/remote-error";
import {
  threadsHost,
  type FromThreadImplementation,
  type HostWorker,
  type JobOutcome,
  type PortalClientImplementation,
  type PortalWorker,
  type ThreadAnswer,
  type FunctionRef,
  type ThreadRequest,
  type ThreadsHost,
  type WorkerEvents,
} from "../../threads/host";

/** The Node type the thread room's public signatures name (imported there as a type only). */
export type NodeMessagePort = MessagePort;

interface WorkerApi {
  readonly fromThread: FromThreadImplementation;
  readonly CALLBACK_KEY: string;
  _inToThreadWorker(): boolean;
}

/** The plain JavaScript modules shared with the worker threads (they cannot load TypeScript). */
interface SharedModules {
  readonly workerApi: WorkerApi;
  readonly PortalClientImpl: new (port: unknown, portalThreadId: number | undefined) => PortalClientImplementation;
  readonly encodeError: (thrown: unknown) => EncodedThrown;
  /** This module's directory, where workers/ lies. */
  readonly here: string;
}

let shared: SharedModules | undefined;

/**
 * The shared modules, loaded on first use rather than at load: a bundle of the runtime (Vite,
 * esbuild) then loads without them, and only a thread call fails there, with a clear error.
 *
 * @throws NotSupportedError where this module does not run from the package's files (a bundle).
 */
function sharedModules(call: string): SharedModules {
  if (shared !== undefined) return shared;
  if (typeof __dirname !== "string" || typeof __filename !== "string") {
    throw new NotSupportedError(
      `${call} needs the anyio-ts package's own files on disk (its worker threads start from them); it cannot run from a bundle. Leave anyio-ts out of the bundle (mark it external).`,
    );
  }
  /* eslint-disable @typescript-eslint/no-require-imports */
  const workerApi: WorkerApi = require("./workers/worker-api.cjs");
  const portalClient: {
    makePortalClient(errors: object): { PortalClientImpl: SharedModules["PortalClientImpl"] };
  } = require("./workers/portal-client.cjs");
  const errorRecord: { encodeError(thrown: unknown): EncodedThrown } = require("./workers/error-record.cjs");
  /* eslint-enable @typescript-eslint/no-require-imports */
  // Portal clients here rethrow the runtime's own error classes.
  const { PortalClientImpl } = portalClient.makePortalClient({ Cancelled, TimeoutError, decode: decodeError });
  shared = { workerApi, PortalClientImpl, encodeError: errorRecord.encodeError, here: __dirname };
  return shared;
}

const workerEntry = (call: string) => path.join(sharedModules(call).here, "workers", "thread-worker.cjs");
const portalEntry = (call: string) => path.join(sharedModules(call).here, "workers", "portal-worker.cjs");
/** The runtime's Node entry as this thread runs it: TypeScript sources (tests) or the build. */
const runtimeEntry = (call: string) =>
  path.join(sharedModules(call).here, "..", "..", `index${path.extname(__filename)}`);
/** How long startBlockingPortal() waits for its worker's portal before giving up. */
const PORTAL_START_TIMEOUT_MS = 60_000;

/** A real dynamic import (TypeScript's CommonJS output would turn `import()` into `require()`). */
const dynamicImport = new Function("specifier", "return import(specifier)") as (
  specifier: string,
) => Promise<Record<string, unknown>>;

class NodeWorker implements HostWorker {
  readonly flags: Int32Array;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private error: unknown = undefined;
  private terminating = false;
  /** The functions this worker was sent the module and export of. */
  private readonly known = new Set<number>();

  constructor(events: WorkerEvents) {
    const shared = new SharedArrayBuffer(8);
    this.flags = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(workerEntry("toThread.runSync()"), {
      workerData: { port: port2, shared },
      transferList: [port2],
    });
    this.worker.on("error", (error) => {
      this.error = error;
    });
    this.worker.on("exit", (code) => {
      port1.close();
      if (!this.terminating) events.exited(this.error ?? code);
    });
    // One channel for everything: jobs and their outcomes (flat arrays) and the worker's requests
    // (objects) with their answers. Its port rather than the Worker's own messages, which pass
    // through one more JavaScript function on each side.
    port1.on("message", (message: JobOutcome | ThreadRequest) => {
      if (Array.isArray(message)) events.answer(message as JobOutcome);
      else events.request(message as ThreadRequest, (answer) => this.reply(answer));
    });
  }

  post(id: number, fn: FunctionRef, args: readonly unknown[], lends: boolean, transferList: readonly unknown[]): void {
    // The wire format is workers/thread-worker.cjs's: flat arrays (structured clone writes no
    // property names for them), a function's module and export only in the first job for it.
    if (this.known.has(fn.id)) {
      this.port.postMessage([id, fn.id, args, lends], transferList as never);
    } else {
      this.port.postMessage([id, fn.id, args, lends, fn.module, fn.exportName], transferList as never);
      // Only once it was posted: a job that failed to clone never reached the worker.
      this.known.add(fn.id);
    }
  }

  ref(keep: boolean): void {
    if (keep) {
      this.worker.ref();
      this.port.ref();
    } else {
      this.worker.unref();
      this.port.unref();
    }
  }

  terminate(): Promise<void> {
    this.terminating = true;
    this.port.close();
    return this.worker.terminate().then(
      () => {},
      () => {},
    );
  }

  /** Posts the answer first, then raises the flag: once the worker wakes, the message is there. */
  private reply(answer: ThreadAnswer): void {
    try {
      this.port.postMessage(answer);
    } catch (error) {
      this.port.postMessage({ ok: false, error: sharedModules("toThread.runSync()").encodeError(error) });
    }
    Atomics.store(this.flags, 0, 1);
    Atomics.notify(this.flags, 0);
  }
}

/**
 * Loads a user's module by the path a worker named: not part of the runtime's own import graph
 * (whose specifiers are literals), so through this alias. This module's own `require`, so a test
 * runner's module registry (and its name mapping) applies.
 */
const loadUserModule = (typeof require === "function" ? require : undefined) as
  ((id: string) => Record<string, unknown>) | undefined;

/** The module a worker named, loaded in this thread: CommonJS by `require`, ES modules by `import()`. */
async function loadFunction(module: string, exportName: string): Promise<(...args: unknown[]) => unknown> {
  const file = module.startsWith("file:") ? fileURLToPath(module) : module;
  let exports: Record<string, unknown>;
  let commonjs = true;
  try {
    if (loadUserModule === undefined) throw new NotSupportedError(`${module} cannot be loaded here: no require()`);
    exports = loadUserModule(path.isAbsolute(file) ? file : require.resolve(file, { paths: [process.cwd()] }));
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code !== "ERR_REQUIRE_ESM" && code !== "ERR_REQUIRE_ASYNC_MODULE") throw error;
    exports = await dynamicImport(path.isAbsolute(file) ? pathToFileURL(file).href : file);
    commonjs = false;
  }
  let fn = exports?.[exportName];
  if (fn === undefined && exportName === "default" && commonjs && typeof exports === "function") fn = exports;
  if (typeof fn !== "function")
    throw new TypeError(`The module ${module} has no function export named "${exportName}"`);
  return fn as (...args: unknown[]) => unknown;
}

/** A TypeScript loader for a portal worker when this runtime runs from its sources. */
function typeScriptLoader(): string | undefined {
  if (path.extname(__filename) !== ".ts") return undefined;
  return require.resolve("tsx/cjs");
}

function startPortalWorker(name: string): PortalWorker {
  const flagBuffer = new SharedArrayBuffer(4);
  const flags = new Int32Array(flagBuffer);
  const { port1, port2 } = new MessageChannel();
  const call = "startBlockingPortal()";
  const worker = new Worker(portalEntry(call), {
    name,
    workerData: { port: port2, shared: flagBuffer, runtime: runtimeEntry(call), register: typeScriptLoader() },
    transferList: [port2],
  });
  // An error after the start is the portal's own business (its run() reports through clients).
  worker.on("error", () => {});
  const deadline = Date.now() + PORTAL_START_TIMEOUT_MS;
  let message: { token?: { port: MessagePort; threadId: number }; error?: EncodedThrown } | undefined;
  for (;;) {
    const received = receiveMessageOnPort(port1);
    if (received !== undefined) {
      message = received.message;
      break;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    Atomics.wait(flags, 0, 0, Math.min(remaining, 100));
    Atomics.store(flags, 0, 0);
  }
  port1.close();
  if (message?.token === undefined) {
    void worker.terminate();
    throw new BrokenWorkerThread("The portal's worker thread did not start its portal", {
      cause: message?.error !== undefined ? decodeError(message.error) : undefined,
    });
  }
  return {
    port: message.token.port as never,
    threadId: message.token.threadId,
    end: () => {
      void worker.terminate();
    },
    terminate: () =>
      worker.terminate().then(
        () => {},
        () => {},
      ),
  };
}

const host: ThreadsHost = {
  startWorker: (events) => new NodeWorker(events),
  loadFunction,
  encodeError: (thrown) => sharedModules("toThread.runSync()").encodeError(thrown),
  get callbackKey() {
    return sharedModules("toThread.runSync()").workerApi.CALLBACK_KEY;
  },
  get fromThread() {
    return sharedModules("fromThread").workerApi.fromThread;
  },
  inToThreadWorker: () => sharedModules("fromThread").workerApi._inToThreadWorker(),
  threadId,
  portalClient: (port, portalThreadId) =>
    new (sharedModules("BlockingPortalClient.connect()").PortalClientImpl)(port, portalThreadId),
  startPortalWorker,
};

threadsHost.install(host);
