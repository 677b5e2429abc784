/**
 * `MultiListener`: several listeners served with one handler, closed together, their attributes
 * merged. The listeners here hand out strings from memory object streams, standing in for sockets.
 */
import {
  ClosedResourceError,
  ExceptionGroup,
  MultiListener,
  TypedAttributeProvider,
  createMemoryObjectStream,
  createTaskGroup,
  run,
  typedAttribute,
  waitAllTasksBlocked,
  type Listener,
  type ListenerHandler,
  type MemoryObjectReceiveStream,
  type MemoryObjectSendStream,
  type TaskGroup,
  type TypedAttributeMap,
} from "anyio-ts";
import { assertNoCheckpoints } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { inTaskGroup } from "../helpers";

const label = typedAttribute<string>("label");
const first = typedAttribute<boolean>("first");

/** Accepts "connections" (strings) sent on its queue. */
class QueueListener extends TypedAttributeProvider implements Listener<string> {
  readonly queue: MemoryObjectSendStream<string>;
  private readonly incoming: MemoryObjectReceiveStream<string>;
  closed = false;
  constructor(
    readonly name: string,
    private readonly attributes: TypedAttributeMap = {},
  ) {
    super();
    [this.queue, this.incoming] = createMemoryObjectStream<string>(Infinity);
  }
  async serve(handler: ListenerHandler<string>, taskGroup?: TaskGroup): Promise<void> {
    const loop = async (tg: TaskGroup) => {
      for (;;) {
        let connection: string;
        try {
          connection = await this.incoming.receive();
        } catch (error) {
          if (this.closed) throw new ClosedResourceError("This listener was closed");
          throw error;
        }
        tg.startSoon(() => handler(`${this.name}:${connection}`));
      }
    };
    if (taskGroup !== undefined) await loop(taskGroup);
    else await createTaskGroup().run(loop);
  }
  async aclose(): Promise<void> {
    this.closed = true;
    this.queue.close();
    this.incoming.close();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
  override get extraAttributes(): TypedAttributeMap {
    return this.attributes;
  }
}

describe("MultiListener", () => {
  test("serves every listener with one handler", async () => {
    const a = new QueueListener("a");
    const b = new QueueListener("b");
    const listener = new MultiListener([a, b]);
    const handled: string[] = [];
    await inTaskGroup(async (tg) => {
      tg.startSoon(() => listener.serve(async (connection) => void handled.push(connection)));
      a.queue.sendNowait("1");
      b.queue.sendNowait("2");
      a.queue.sendNowait("3");
      await waitAllTasksBlocked();
      tg.cancelScope.cancel();
    });
    expect(handled.sort()).toEqual(["a:1", "a:3", "b:2"]);
    await run(() => listener.aclose());
  });

  test("runs the handlers in the given task group", async () => {
    const a = new QueueListener("a");
    const listener = new MultiListener([a]);
    let handlerGroup: TaskGroup | undefined;
    await inTaskGroup(async (handlers) => {
      handlerGroup = handlers;
      const spawned: unknown[] = [];
      const original = handlers.startSoon.bind(handlers);
      handlers.startSoon = ((...args: Parameters<typeof original>) => {
        spawned.push(args);
        return original(...args);
      }) as typeof handlers.startSoon;
      await createTaskGroup().run(async (tg) => {
        tg.startSoon(() => listener.serve(() => {}, handlers));
        a.queue.sendNowait("1");
        await waitAllTasksBlocked();
        tg.cancelScope.cancel();
      });
      expect(spawned).toHaveLength(1);
    });
    expect(handlerGroup).toBeDefined();
    await run(() => listener.aclose());
  });

  test("flattens nested MultiListeners, emptying them", async () => {
    const a = new QueueListener("a");
    const b = new QueueListener("b");
    const c = new QueueListener("c");
    const inner = new MultiListener([a, b]);
    const outer = new MultiListener(new Set<Listener<string>>([inner, c]));
    expect(outer.listeners).toEqual([a, b, c]);
    expect(inner.listeners).toEqual([]);
    await run(() => outer.aclose());
  });

  test("aclose() closes every listener, and serve() then ends with ClosedResourceError", async () => {
    const a = new QueueListener("a");
    const b = new QueueListener("b");
    const listener = new MultiListener([a, b]);
    await run(async () => {
      const error = await caught(
        createTaskGroup().run(async (tg) => {
          tg.startSoon(() => listener.serve(() => {}));
          await waitAllTasksBlocked();
          await listener.aclose();
        }),
      );
      expect(a.closed && b.closed).toBe(true);
      const flat = (e: unknown): unknown[] => (e instanceof ExceptionGroup ? e.exceptions.flatMap(flat) : [e]);
      const leaves = flat(error);
      expect(leaves.length).toBeGreaterThan(0);
      for (const leaf of leaves) expect(leaf).toBeInstanceOf(ClosedResourceError);
    });
  });

  test("a handler's error stops serving and propagates", async () => {
    const a = new QueueListener("a");
    const listener = new MultiListener([a]);
    await run(async () => {
      const error = await caught(
        createTaskGroup().run(async (tg) => {
          tg.startSoon(() =>
            listener.serve(() => {
              throw new Error("handler failed");
            }),
          );
          a.queue.sendNowait("1");
        }),
      );
      const flat = (e: unknown): unknown[] => (e instanceof ExceptionGroup ? e.exceptions.flatMap(flat) : [e]);
      expect(flat(error).map((e) => (e as Error).message)).toEqual(["handler failed"]);
    });
    await run(() => listener.aclose());
  });

  test("extraAttributes is no checkpoint, nor is aclose() over listeners whose aclose() is none", async () => {
    const a = new QueueListener("a", { [label]: () => "a" });
    const b = new QueueListener("b");
    const listener = new MultiListener([a, b]);
    await run(async () => {
      const attributes = await assertNoCheckpoints(() => listener.extraAttributes);
      expect(attributes[label]?.()).toBe("a");
      await assertNoCheckpoints(() => listener.aclose());
    });
    expect(a.closed && b.closed).toBe(true);
  });

  test("merges the listeners' typed attributes, later listeners winning", async () => {
    const a = new QueueListener("a", { [label]: () => "a", [first]: () => true });
    const b = new QueueListener("b", { [label]: () => "b" });
    const listener = new MultiListener([a, b]);
    expect(listener.extra(label)).toBe("b");
    expect(listener.extra(first)).toBe(true);
    await run(() => listener.aclose());
  });

  test("rejects listeners that are not iterable", () => {
    expect(() => new MultiListener(42 as never)).toThrow(
      new TypeError("Expected `listeners` to be an iterable of listeners, got `42` (number)"),
    );
    expect(() => new MultiListener(null as never)).toThrow(
      new TypeError("Expected `listeners` to be an iterable of listeners, got `null` (object)"),
    );
  });

  test("rejects an element that is not a listener, naming its index, and leaves nested MultiListeners intact", async () => {
    const a = new QueueListener("a");
    const inner = new MultiListener([a]);
    expect(() => new MultiListener([inner, null as never])).toThrow(
      new TypeError(
        "Expected `listeners[1]` to be a listener (an object with serve() and aclose()), got `null` (object)",
      ),
    );
    expect(inner.listeners).toEqual([a]);
    await run(() => inner.aclose());
  });
});
