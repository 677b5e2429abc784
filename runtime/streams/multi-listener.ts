/**
 * `MultiListener`: several listeners served as one (AnyIO's `MultiListener`), such as the IPv4
 * and IPv6 sockets of one server port.
 */
import type { TaskGroup } from "../core/task-group";
import { serveAll } from "./serve-all";
import { TypedAttributeProvider, type TypedAttributeMap } from "./typed-attributes";
import type { Listener, ListenerHandler } from "./types";
import { checkShape, LISTENER, primitive } from "./stream-helpers";
import { describeValue } from "../core/validate";

/**
 * Serves connections from several listeners at once with one handler (AnyIO's
 * `MultiListener`). A `MultiListener` given to another is flattened: its listeners move into
 * the new one (and it is left empty). Typed attributes come from every listener, later ones
 * winning.
 *
 * @example
 * ```ts
 * const listener = new MultiListener([ipv4Listener, ipv6Listener]);
 * await listener.serve(async (stream) => {
 *   await using _ = stream;
 *   await stream.send(await stream.receive()); // echo one chunk
 * });
 * ```
 * @throws TypeError from the constructor if `listeners` is not iterable, or one of them is not an
 *   object with `serve()` and `aclose()`.
 */
export class MultiListener<T> extends TypedAttributeProvider implements Listener<T> {
  /** The listeners served, after flattening. */
  readonly listeners: Listener<T>[];

  /** @param listeners - the listeners to serve; nested `MultiListener`s are flattened. */
  constructor(listeners: Iterable<Listener<T>>) {
    super();
    if (listeners === null || typeof listeners !== "object" || !(Symbol.iterator in listeners)) {
      throw new TypeError(`Expected \`listeners\` to be an iterable of listeners, got ${describeValue(listeners)}`);
    }
    const given = [...listeners];
    // All checked before any nested MultiListener is emptied, so a bad one changes nothing.
    given.forEach((listener, index) => checkShape(`listeners[${index}]`, listener, LISTENER));
    this.listeners = [];
    for (const listener of given) {
      if (listener instanceof MultiListener) {
        this.listeners.push(...listener.listeners);
        listener.listeners.length = 0;
      } else {
        this.listeners.push(listener);
      }
    }
  }

  /** Every listener's typed attributes, later listeners winning. Never a checkpoint. */
  override get extraAttributes(): TypedAttributeMap {
    return Object.assign({}, ...this.listeners.map((listener) => listener.extraAttributes)) as TypedAttributeMap;
  }

  /**
   * Runs every listener's `serve(handler, taskGroup)` concurrently in a task group of its own,
   * until one fails (for example with `ClosedResourceError` after {@link aclose}) or the task is
   * cancelled; the others are then cancelled. Handlers run in `taskGroup` when given, otherwise
   * in each listener's own. This is a checkpoint.
   *
   * @example
   * ```ts
   * await createTaskGroup().run(async (tg) => {
   *   tg.startSoon(() => listener.serve(handle));
   *   // ... later
   *   tg.cancelScope.cancel();
   * });
   * ```
   * @throws ExceptionGroup wrapping what stopped the listeners or came out of a handler.
   */
  serve(handler: ListenerHandler<T>, taskGroup?: TaskGroup): Promise<void> {
    // A compiled function's promise: compiled code awaits it as a callee, without a race, so a
    // cancelled caller never leaves the group's tasks behind (runtime/streams/serve-all.ts).
    return serveAll(this.listeners, handler, taskGroup);
  }

  /**
   * Closes every listener, in order. This is a checkpoint if their `aclose()` are.
   *
   * @example
   * ```ts
   * await listener.aclose(); // serve() then ends with ClosedResourceError
   * ```
   */
  aclose(): Promise<void> {
    return primitive(async (inFrame) => {
      for (const listener of this.listeners) await inFrame(() => listener.aclose());
    });
  }

  /** Closes every listener at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
}
