/**
 * The examples menu: programs drawn from the guides (docs/core.md, docs/sync.md,
 * docs/streams.md, docs/transformer.md, docs/context.md). Each is a real TypeScript file beside this one,
 * type-checked with the playground and imported here as text.
 */
import asyncGenerator from "./async-generator.ts?raw";
import callbacks from "./callbacks.ts?raw";
import contextVars from "./context-vars.ts?raw";
import errorGrouping from "./error-grouping.ts?raw";
import limiter from "./limiter.ts?raw";
import producerConsumer from "./producer-consumer.ts?raw";
import runawayLoop from "./runaway-loop.ts?raw";
import shielding from "./shielding.ts?raw";
import startReadiness from "./start-readiness.ts?raw";
import syncPrimitives from "./sync-primitives.ts?raw";
import taskGroup from "./task-group.ts?raw";
import textStreams from "./text-streams.ts?raw";
import timeouts from "./timeouts.ts?raw";

/** One program of the menu. */
export interface Example {
  /** Stable identifier (used by tests and the menu's values). */
  readonly id: string;
  readonly title: string;
  readonly code: string;
}

/** Every example, in menu order; the first one is what a new visitor sees. */
export const examples: readonly Example[] = [
  { id: "task-group", title: "Task group: wait for every child", code: taskGroup },
  { id: "start-readiness", title: "start(): wait until a task is ready", code: startReadiness },
  { id: "timeouts", title: "Timeouts: moveOnAfter and failAfter", code: timeouts },
  { id: "shielding", title: "Shielding: clean-up that must finish", code: shielding },
  { id: "producer-consumer", title: "Producers and a consumer: memory object streams", code: producerConsumer },
  { id: "text-streams", title: "Text and stapled streams: decoding, request/response", code: textStreams },
  { id: "limiter", title: "CapacityLimiter and Lock", code: limiter },
  { id: "sync-primitives", title: "Event, Semaphore and Condition", code: syncPrimitives },
  { id: "error-grouping", title: "Errors: one failure cancels the group, errors arrive together", code: errorGrouping },
  { id: "async-generator", title: "Async generators: break, deadlines, finally", code: asyncGenerator },
  { id: "callbacks", title: "Callback forms: scope.run() and tg.run()", code: callbacks },
  { id: "context-vars", title: "Context variables: a request id per task", code: contextVars },
  { id: "runaway-loop", title: "A loop that never awaits: Stop ends it", code: runawayLoop },
];
