/**
 * Installs AsyncLocalStorage as the core's context carrier. Imported for its effect by the
 * Node entry point only, so that browser bundles never pull in `node:async_hooks`.
 *
 * The carrier also captures the program's own async context at every spawn (an `AsyncResource`,
 * which copies every AsyncLocalStorage store current at the spawn call), and the task body
 * starts inside it: a task started inside `als.run("inner", () => tg.startSoon(fn))` sees
 * `"inner"`, as AnyIO's tasks see their spawner's `contextvars`. An AsyncResource costs tens of
 * nanoseconds (AsyncLocalStorage.snapshot() costs microseconds: it binds a function).
 */
import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import { installContextCarrier, type Frame, type HostSnapshot } from "../../core/frame";

// Destroyed by hand right after the task's first segment, instead of when collected: no
// destroy-hook bookkeeping per task.
const SNAPSHOT_OPTIONS = { requireManualDestroy: true };

class Carrier extends AsyncLocalStorage<Frame> {
  snapshot(): HostSnapshot {
    return new AsyncResource("anyio-ts.Task", SNAPSHOT_OPTIONS);
  }
}

installContextCarrier(new Carrier());
