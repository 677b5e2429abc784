// The runtime's public names, as the public API contract lists them (the contract that tests
// outside this repository are written against). The names are written out here, so the test
// needs nothing beside the repository; keep the list in step with the contract.
import * as api from "anyio-ts";

const FUNCTIONS = [
  // 1. Running and time
  "run",
  "sleep",
  "sleepForever",
  "sleepUntil",
  "currentTime",
  "checkpoint",
  "checkpointIfCancelled",
  "cancelShieldedCheckpoint",
  // 2. Cancellation
  "getCancelledExcClass",
  "isCancelled",
  "moveOnAfter",
  "moveOnAt",
  "failAfter",
  "failAt",
  "currentEffectiveDeadline",
  "currentCancelScope",
  // 3. Tasks
  "createTaskGroup",
  "getCurrentTask",
  "getRunningTasks",
  "waitAllTasksBlocked",
  // Introspection (beyond the contract): the task tree
  "getTaskTree",
  "formatTaskTree",
  // 4. Errors
  "unwrapExceptionGroup",
  // 5. Memory object streams
  "createMemoryObjectStream",
  // 6.1 Stream helpers
  "acloseForcefully",
  // 7. Networking
  "getaddrinfo",
  "getnameinfo",
  "connectTcp",
  "createTcpListener",
  "connectUnix",
  "createUnixListener",
  "asConnectable",
  // 10.1 Worker functions
  "workerFunction",
  // 10.6 Signals
  "openSignalReceiver",
] as const;

const CLASSES = [
  "CancelScope",
  "TaskHandle",
  "TaskInfo",
  // 5. Synchronization and memory object streams
  "Event",
  "Lock",
  "Semaphore",
  "Condition",
  "CapacityLimiter",
  "ResourceGuard",
  "MemoryObjectSendStream",
  "MemoryObjectReceiveStream",
  // 9.2 Path
  "Path",
  // 7. Networking
  "SocketStream",
  "SocketListener",
  "UNIXSocketStream",
  "TCPConnectable",
  "UNIXConnectable",
  // 10.6 Signals
  "SignalReceiver",
  // 12. Context variables
  "ContextVar",
  "ContextVarToken",
  "RunVar",
  "RunVarToken",
] as const;

const ERROR_CLASSES = [
  "Cancelled",
  "ExceptionGroup",
  "TimeoutError",
  "BrokenResourceError",
  "BusyResourceError",
  "ClosedResourceError",
  "EndOfStream",
  "WouldBlock",
  "DelimiterNotFound",
  "IncompleteRead",
  "TypedAttributeLookupError",
  "BrokenWorkerProcess",
  "BrokenWorkerThread",
  "ConnectionFailed",
  "NotSupportedError",
  "TaskFailed",
  "TaskCancelled",
  "TaskNotFinished",
  "NoCurrentTaskError",
  "Interrupted",
] as const;

// The type-only names of sections 3-5 and 7; `npm run typecheck` fails if one is not exported.
export type PublicTypes = [
  api.TaskGroup,
  api.TaskStatus<number>,
  api.ErrorClass,
  api.MemoryObjectStreamStatistics,
  // 7. Networking
  api.AddrInfo,
  api.IPSockAddr,
  api.ConnectTcpOptions,
  api.TcpListenerOptions,
  api.NativeSocket,
  // 9.2 Path
  api.PathLike,
  api.PathTextOptions,
  api.PathMatchOptions,
  api.GlobOptions,
  api.WalkOptions,
];

// The type-only names of task introspection (beyond the contract).
export type PublicIntrospectionTypes = [
  api.TaskTree,
  api.TaskTreeNode,
  api.TaskTreeFrame,
  api.TaskTreeScope,
  api.TaskTreeWait,
  api.WaitKind,
];

// The type-only names of section 10.
export type PublicWorkerTypes = [api.WorkerFunction<(n: number) => number>, api.ToThreadOptions, api.PortalToken];

// The type-only names of sections 1 and 12 (run options, context variable options).
export type PublicContextTypes = [api.RunOptions, api.ContextVarOptions<number>];

// The type-only names of section 7.4 (UDP).
export type UdpPublicTypes = [api.UDPPacket, api.UdpSocketOptions];
// The type-only names of section 6.6 (TLS).
export type PublicTLSTypes = [api.TLSOptions, api.TLSWrapOptions];

// The type-only names of the file sections; `npm run typecheck` fails if one is not exported.
export type PublicFileTypes = [
  api.BinaryMode,
  api.TextMode,
  api.OpenFileOptions,
  api.TextFileOptions,
  api.PathLike,
  api.FileHandle,
  api.TempNameOptions,
  api.AsyncFile<string>,
  api.NamedTemporaryFile<Uint8Array>,
  api.SpooledTemporaryFile<string>,
];

const exported = api as unknown as Record<string, unknown>;

function isClass(value: unknown): value is abstract new (...args: never[]) => unknown {
  return typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value));
}

/** Arguments that make a valid instance, for the error classes whose constructor needs some. */
const ERROR_ARGS: Partial<Record<(typeof ERROR_CLASSES)[number], unknown[]>> = {
  ExceptionGroup: ["message", [new Error("member")]],
  Interrupted: ["SIGINT"],
};

describe("the public API contract: running, cancellation, tasks, errors, sync and memory streams", () => {
  test.each(FUNCTIONS)("exports the function %s", (name) => {
    expect(typeof exported[name]).toBe("function");
    expect(isClass(exported[name])).toBe(false);
  });

  test.each(CLASSES)("exports the class %s", (name) => {
    expect(isClass(exported[name])).toBe(true);
  });

  test.each(ERROR_CLASSES)("exports the error class %s, extending Error", (name) => {
    const cls = exported[name];
    expect(isClass(cls)).toBe(true);
    expect((cls as { prototype: unknown }).prototype).toBeInstanceOf(Error);
  });

  test("ExceptionGroup extends AggregateError", () => {
    expect(api.ExceptionGroup.prototype).toBeInstanceOf(AggregateError);
  });

  test("exports TASK_STATUS_IGNORED, whose started() does nothing", () => {
    expect(typeof api.TASK_STATUS_IGNORED.started).toBe("function");
    expect(() => api.TASK_STATUS_IGNORED.started()).not.toThrow();
  });

  test("getCancelledExcClass() returns Cancelled", () => {
    expect(api.getCancelledExcClass()).toBe(api.Cancelled);
  });

  test.each(ERROR_CLASSES.filter((name) => name !== "Cancelled"))(
    "an instance of %s is named after its class",
    (name) => {
      const cls = exported[name] as new (...args: unknown[]) => Error;
      const error = new cls(...(ERROR_ARGS[name] ?? []));
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
    },
  );

  test("a real cancellation is named Cancelled", async () => {
    let caught: unknown;
    await api.run(() =>
      new api.CancelScope().run(async (scope) => {
        scope.cancel();
        try {
          await api.checkpoint();
        } catch (error) {
          caught = error;
          throw error;
        }
      }),
    );
    expect(caught).toBeInstanceOf(api.Cancelled);
    expect((caught as Error).name).toBe("Cancelled");
    expect(api.isCancelled(caught)).toBe(true);
  });

  test("a real timeout is a TimeoutError named TimeoutError", async () => {
    const outcome = await api
      .run(() => api.failAfter(0).run(() => api.sleep(1000)))
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(outcome).toBeInstanceOf(api.TimeoutError);
    expect((outcome as Error).name).toBe("TimeoutError");
  });
});

// Sections 6 onwards fix the entry points but not every shape: check the names that exist so far.
const STREAM_NAMES = [
  "BufferedByteReceiveStream",
  "BufferedByteStream",
  "TextReceiveStream",
  "TextSendStream",
  "TextStream",
  "StapledByteStream",
  "StapledObjectStream",
  "MultiListener",
  "typedAttribute",
  "TypedAttributeSet",
  "TypedAttributeProvider",
  "SocketAttribute",
  "TLSAttribute",
  "toReadableStream",
  "fromReadableStream",
  "toWritableStream",
  "fromWritableStream",
  "toNodeReadable",
  "fromNodeReadable",
  "toNodeWritable",
  "fromNodeWritable",
  "toNodeDuplex",
  "fromNodeDuplex",
  // 6.6 TLS
  "TLSStream",
  "TLSListener",
  "TLSConnectable",
  "FileStreamAttribute",
  "FileReadStream",
  "FileWriteStream",
] as const;

// Section 9.1 and 9.3: files and temporary files.
const FILE_FUNCTIONS = ["openFile", "wrapFile", "mkstemp", "mkdtemp", "gettempdir"] as const;
const FILE_CLASSES = [
  "AsyncFile",
  "TemporaryFile",
  "NamedTemporaryFile",
  "SpooledTemporaryFile",
  "TemporaryDirectory",
  "FileReadStream",
  "FileWriteStream",
  "FileStreamAttribute",
] as const;

describe("the file names of the public API contract", () => {
  test.each(FILE_FUNCTIONS)("exports the function %s", (name) => {
    expect(typeof exported[name]).toBe("function");
    expect(isClass(exported[name])).toBe(false);
  });

  test.each(FILE_CLASSES)("exports the class %s", (name) => {
    expect(isClass(exported[name])).toBe(true);
  });

  test("NamedTemporaryFile and SpooledTemporaryFile extend AsyncFile", () => {
    expect(api.NamedTemporaryFile.prototype).toBeInstanceOf(api.AsyncFile);
    expect(api.SpooledTemporaryFile.prototype).toBeInstanceOf(api.AsyncFile);
  });
});

describe("the stream names of the public API contract", () => {
  test.each(STREAM_NAMES)("exports %s", (name) => {
    expect(exported[name]).toBeDefined();
  });
});

// Section 7.4: UDP sockets.
const UDP_FUNCTIONS = ["createUdpSocket", "createConnectedUdpSocket"] as const;
const UDP_CLASSES = ["UDPSocket", "ConnectedUDPSocket"] as const;

describe("the UDP names of the public API contract", () => {
  test.each(UDP_FUNCTIONS)("exports the function %s", (name) => {
    expect(typeof exported[name]).toBe("function");
    expect(isClass(exported[name])).toBe(false);
  });

  test.each(UDP_CLASSES)("exports the class %s, with a static fromSocket()", (name) => {
    expect(isClass(exported[name])).toBe(true);
    expect(typeof (exported[name] as { fromSocket?: unknown }).fromSocket).toBe("function");
  });
});

// Sections 10.2-10.4: threads and portals.
const THREAD_NAMESPACES = {
  toThread: ["runSync", "currentDefaultThreadLimiter", "callback"],
  fromThread: ["run", "runSync", "checkCancelled"],
} as const;
const THREAD_CLASSES = ["BlockingPortal", "BlockingPortalClient", "PortalFuture"] as const;

describe("the thread names of the public API contract", () => {
  test.each(Object.entries(THREAD_NAMESPACES))("exports the namespace %s with its functions", (name, functions) => {
    const namespace = exported[name] as Record<string, unknown>;
    expect(Object.keys(namespace).sort()).toEqual([...functions].sort());
    for (const fn of functions) expect(typeof namespace[fn]).toBe("function");
  });

  test.each(THREAD_CLASSES)("exports the class %s", (name) => {
    expect(isClass(exported[name])).toBe(true);
  });

  test("exports startBlockingPortal and BlockingPortalClient.connect", () => {
    expect(typeof api.startBlockingPortal).toBe("function");
    expect(typeof api.BlockingPortalClient.connect).toBe("function");
  });
});

// Section 7.5: UNIX datagram sockets (and 7.3's descriptor passing, on UNIXSocketStream).
const UNIX_DATAGRAM_FUNCTIONS = ["createUnixDatagramSocket", "createConnectedUnixDatagramSocket"] as const;
const UNIX_DATAGRAM_CLASSES = ["UNIXDatagramSocket", "ConnectedUNIXDatagramSocket"] as const;

// The type-only names of section 7.5.
export type UnixDatagramPublicTypes = [api.UNIXDatagramPacket, api.UnixDatagramSocketOptions];

describe("the UNIX datagram and descriptor-passing names of the public API contract", () => {
  test.each(UNIX_DATAGRAM_FUNCTIONS)("exports the function %s", (name) => {
    expect(typeof exported[name]).toBe("function");
    expect(isClass(exported[name])).toBe(false);
  });

  test.each(UNIX_DATAGRAM_CLASSES)("exports the class %s", (name) => {
    expect(isClass(exported[name])).toBe(true);
  });

  test("UNIXSocketStream has sendFds() and receiveFds()", () => {
    expect(typeof api.UNIXSocketStream.prototype.sendFds).toBe("function");
    expect(typeof api.UNIXSocketStream.prototype.receiveFds).toBe("function");
  });
});

// Section 8 and 10.5: subprocesses and worker processes.
const PROCESS_FUNCTIONS = ["runProcess", "openProcess"] as const;
const PROCESS_CLASSES = ["Process", "CompletedProcess", "CalledProcessError"] as const;

// The type-only names of section 8 and 10.5.
export type PublicProcessTypes = [api.StdioSpec, api.ProcessOptions, api.RunProcessOptions, api.ToProcessOptions];

describe("the process names of the public API contract", () => {
  test.each(PROCESS_FUNCTIONS)("exports the function %s", (name) => {
    expect(typeof exported[name]).toBe("function");
    expect(isClass(exported[name])).toBe(false);
  });

  test.each(PROCESS_CLASSES)("exports the class %s", (name) => {
    expect(isClass(exported[name])).toBe(true);
  });

  test("CalledProcessError extends Error and is named after its class", () => {
    const error = new api.CalledProcessError(["false"], 1, null, null, null);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("CalledProcessError");
    expect(error.message).toBe('Command ["false"] returned non-zero exit status 1.');
  });

  test("exports the toProcess namespace with runSync() and currentDefaultProcessLimiter()", () => {
    expect(typeof api.toProcess.runSync).toBe("function");
    expect(typeof api.toProcess.currentDefaultProcessLimiter).toBe("function");
  });
});

describe("the public API contract: context variables, signals and Interrupted", () => {
  test("ContextVarToken.MISSING is a symbol", () => {
    expect(typeof api.ContextVarToken.MISSING).toBe("symbol");
  });

  test("Interrupted carries the signal that stopped the run", () => {
    const error = new api.Interrupted("SIGTERM");
    expect(error.signal).toBe("SIGTERM");
    expect(error.message).toBe("run() was interrupted by SIGTERM");
  });
});
