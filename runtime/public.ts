/**
 * The public names of `anyio-ts`, shared by the Node and browser entry points.
 *
 * Layering: `core/` (tasks, frames, cancel scopes, task groups, clock, errors) stands alone and
 * imports nothing from the rooms above it. The rooms import core modules for what they build on;
 * structured modules reach the hooks through `rt.ts`, as users' compiled code does.
 */
export { run, runWith } from "./core/run";
export type { RunOptions } from "./core/run";
export type { Clock, ClockRun, ClockDriver } from "./core/clock";
export {
  sleep,
  sleepForever,
  sleepUntil,
  currentTime,
  checkpoint,
  checkpointIfCancelled,
  cancelShieldedCheckpoint,
  waitAllTasksBlocked,
} from "./core/checkpoint";
export {
  CancelScope,
  moveOnAfter,
  moveOnAt,
  failAfter,
  failAt,
  currentEffectiveDeadline,
  currentCancelScope,
} from "./core/cancel-scope";
export type { CancelScopeOptions } from "./core/cancel-scope";
export { createTaskGroup, TaskGroup, TASK_STATUS_IGNORED } from "./core/task-group";
export type { TaskStatus, SpawnOptions } from "./core/task-group";
export { TaskHandle, TaskInfo, getCurrentTask, getRunningTasks } from "./core/task";
export type { TaskHandleStatus } from "./core/task";
// Introspection, Trio's `add_instrument`: what the playground's task view is built on.
export { addInstrument, removeInstrument } from "./core/instruments";
export type { Instrument, TaskOutcome, CancelCause } from "./core/instruments";
// Introspection: every live task's await chain, scopes and waits, as data or as a thread dump.
export { getTaskTree, formatTaskTree } from "./core/introspection";
export type { TaskTree, TaskTreeNode, TaskTreeFrame, TaskTreeScope, TaskTreeWait } from "./core/introspection";
export type { WaitKind } from "./core/waiter";
export { Event } from "./sync/event";
export type { EventStatistics } from "./sync/event";
export { Lock } from "./sync/lock";
export type { LockOptions, LockStatistics } from "./sync/lock";
export { Semaphore } from "./sync/semaphore";
export type { SemaphoreOptions, SemaphoreStatistics } from "./sync/semaphore";
export { Condition } from "./sync/condition";
export type { ConditionStatistics } from "./sync/condition";
export { CapacityLimiter } from "./sync/capacity-limiter";
export type { CapacityLimiterStatistics } from "./sync/capacity-limiter";
export { ResourceGuard } from "./sync/resource-guard";
export { createMemoryObjectStream, MemoryObjectSendStream, MemoryObjectReceiveStream } from "./streams/memory";
export type { MemoryObjectStreamStatistics } from "./streams/memory";
export type {
  AsyncResource,
  UnreliableObjectReceiveStream,
  UnreliableObjectSendStream,
  UnreliableObjectStream,
  ObjectReceiveStream,
  ObjectSendStream,
  ObjectStream,
  ByteReceiveStream,
  ByteSendStream,
  ByteStream,
  AnyByteReceiveStream,
  AnyByteSendStream,
  AnyByteStream,
  AnyUnreliableByteReceiveStream,
  AnyUnreliableByteSendStream,
  AnyUnreliableByteStream,
  Listener,
  ListenerHandler,
  ObjectStreamConnectable,
  ByteStreamConnectable,
} from "./streams/types";
export {
  typedAttribute,
  TypedAttributeSet,
  TypedAttributeProvider,
  SocketAttribute,
  TLSAttribute,
  FileStreamAttribute,
} from "./streams/typed-attributes";
export type { TypedAttribute, TypedAttributeValue, TypedAttributeMap, SocketAddress } from "./streams/typed-attributes";
export { BufferedByteReceiveStream, BufferedByteStream, BufferedConnectable } from "./streams/buffered";
export { TextReceiveStream, TextSendStream, TextStream, TextConnectable } from "./streams/text";
export type { TextErrors, TextReceiveStreamOptions, TextSendStreamOptions, TextStreamOptions } from "./streams/text";
export { StapledByteStream, StapledObjectStream } from "./streams/stapled";
export { MultiListener } from "./streams/multi-listener";
export { TLSStream } from "./streams/tls-stream";
export { TLSListener } from "./streams/tls-listener";
export type { TLSListenerOptions } from "./streams/tls-listener";
export { TLSConnectable } from "./streams/tls-connectable";
export type { TLSOptions, TLSWrapOptions } from "./streams/tls-options";
export {
  toReadableStream,
  toWritableStream,
  fromReadableStream,
  fromReadableByteStream,
  fromWritableStream,
  ReadableStreamReceiveStream,
  ReadableStreamByteReceiveStream,
  WritableStreamSendStream,
} from "./streams/web-streams";
export type { WebStreamAdapterOptions } from "./streams/web-streams";
// UDP sockets (the Node entry point installs their host; in a browser every call throws NotSupportedError).
export { createUdpSocket, createConnectedUdpSocket } from "./net/udp";
export type { UdpSocketOptions } from "./net/udp";
export { UDPSocket } from "./net/udp-socket";
export type { UDPPacket } from "./net/udp-socket";
export { ConnectedUDPSocket } from "./net/connected-udp-socket";
export { Path } from "./fs/path";
export type { PathLike, PathTextOptions, PathMatchOptions } from "./fs/path";
export type { GlobOptions, WalkOptions } from "./fs/path-walk";
export { ExceptionGroup, unwrapExceptionGroup } from "./core/exception-group";
export type { ErrorClass } from "./core/exception-group";
export {
  Cancelled,
  getCancelledExcClass,
  isCancelled,
  TimeoutError,
  BrokenResourceError,
  BusyResourceError,
  ClosedResourceError,
  EndOfStream,
  WouldBlock,
  DelimiterNotFound,
  IncompleteRead,
  TypedAttributeLookupError,
  BrokenWorkerProcess,
  ConnectionFailed,
  NotSupportedError,
  TaskFailed,
  TaskCancelled,
  TaskNotFinished,
  NoCurrentTaskError,
} from "./core/errors";
export { acloseForcefully } from "./streams/aclose-forcefully";
// Networking: the Node entry point installs the host (platform/node/net.ts); in browsers every
// call throws NotSupportedError.
export { getaddrinfo, getnameinfo } from "./net/resolution";
export type { AddrInfo, GetaddrinfoOptions } from "./net/resolution";
export type { IPSockAddr } from "./net/ip";
export { SocketStream } from "./net/socket-stream";
export { UNIXSocketStream } from "./net/unix-socket-stream";
export type { NativeSocket } from "./net/unix-socket-stream";
export { SocketListener } from "./net/socket-listener";
export { connectTcp } from "./net/tcp";
export type { ConnectTcpOptions } from "./net/tcp";
export { createTcpListener } from "./net/tcp-listener";
export type { TcpListenerOptions } from "./net/tcp-listener";
export { connectUnix, createUnixListener } from "./net/unix";
export type { UnixListenerOptions } from "./net/unix";
export { TCPConnectable, UNIXConnectable, asConnectable } from "./net/connectables";
// Files (the Node entry point installs the host; in a browser each call throws NotSupportedError).
export { AsyncFile } from "./fs/async-file";
export { openFile, wrapFile } from "./fs/open-file";
export type { OpenFileOptions, TextFileOptions } from "./fs/open-file";
export type { BinaryMode, TextMode } from "./fs/open-mode";
export type { FileHandle } from "./fs/host";
export type { FileEncoding } from "./fs/text-codec";
export { FileReadStream } from "./fs/file-read-stream";
export { FileWriteStream } from "./fs/file-write-stream";
export type { FileWriteStreamOptions } from "./fs/file-write-stream";
export { TemporaryFile } from "./fs/temporary-file";
export { NamedTemporaryFile } from "./fs/named-temporary-file";
export type { NamedTemporaryFileOptions } from "./fs/named-temporary-file";
export { SpooledTemporaryFile } from "./fs/spooled-temporary-file";
export type { SpooledTemporaryFileOptions } from "./fs/spooled-temporary-file";
export { TemporaryDirectory } from "./fs/temporary-directory";
export type { TemporaryDirectoryOptions } from "./fs/temporary-directory";
export { mkstemp } from "./fs/mkstemp";
export { mkdtemp } from "./fs/mkdtemp";
export { gettempdir } from "./fs/gettempdir";
export type { TempNameOptions } from "./fs/temp-names";
// Threads and processes: how a function is named so a worker can import it.
export { workerFunction } from "./threads/worker-function";
export type { WorkerFunction } from "./threads/worker-function";
export { toThread } from "./threads/to-thread";
export type { ToThreadOptions } from "./threads/to-thread";
export { fromThread } from "./threads/from-thread";
export { BrokenWorkerThread } from "./core/errors";
export { BlockingPortal } from "./threads/blocking-portal";
export type { PortalToken } from "./threads/blocking-portal";
export { BlockingPortalClient } from "./threads/blocking-portal-client";
export { startBlockingPortal } from "./threads/start-blocking-portal";
export { PortalFuture } from "./threads/portal-future";
// UNIX datagram sockets (the optional native addon; NotSupportedError without it and in browsers).
export { createUnixDatagramSocket, createConnectedUnixDatagramSocket } from "./net/unix-datagram";
export type { UnixDatagramSocketOptions } from "./net/unix-datagram";
export { UNIXDatagramSocket } from "./net/unix-datagram-socket";
export type { UNIXDatagramPacket } from "./net/unix-datagram-socket";
export { ConnectedUNIXDatagramSocket } from "./net/connected-unix-datagram-socket";
// Subprocesses and worker processes (the Node entry point installs the host; in a browser each
// call throws NotSupportedError).
export { openProcess } from "./process/open-process";
export { runProcess } from "./process/run-process";
export type { RunProcessOptions } from "./process/run-process";
export type { ProcessOptions, StdioSpec } from "./process/stdio-spec";
export { Process } from "./process/process";
export { CompletedProcess } from "./process/completed-process";
export { CalledProcessError } from "./process/called-process-error";
export { toProcess } from "./process/to-process";
export type { ToProcessOptions } from "./process/to-process";
// Context variables (work everywhere) and signals (the Node entry point installs the host; in a
// browser openSignalReceiver() throws NotSupportedError).
export { ContextVar, ContextVarToken } from "./core/context-var";
export type { ContextVarOptions } from "./core/context-var";
export { RunVar, RunVarToken } from "./core/run-var";
export { Interrupted } from "./core/errors";
export { openSignalReceiver } from "./signals/open-signal-receiver";
export { SignalReceiver } from "./signals/signal-receiver";
