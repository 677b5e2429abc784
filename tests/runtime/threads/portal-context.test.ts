// Tasks started through a BlockingPortal start with a copy of the context of the task that
// entered the portal, whoever starts them (here: plain timer callbacks outside every task).
import { BlockingPortal, ContextVar, run, type PortalFuture } from "anyio-ts";

const requestId = new ContextVar<string>("requestId", { default: "none" });

/** Starts `fn` through the portal from a timer callback, outside every task, and waits for its result. */
function fromCallback<T>(portal: BlockingPortal, fn: () => T | Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    setTimeout(() => {
      const future: PortalFuture<Awaited<T>> = portal.startTaskSoon(fn);
      future.then(resolve as (value: Awaited<T>) => void, reject);
    }, 1);
  });
}

test("a portal task sees the entering task's context values, as they were when it entered", async () => {
  const seen = await run(async () => {
    requestId.set("entering");
    return await new BlockingPortal().run(async (portal) => {
      requestId.set("changed after entering");
      return await fromCallback(portal, () => requestId.get());
    });
  });
  expect(seen).toBe("entering");
});

test("a value a portal task sets stays in that task", async () => {
  const [inTask, afterwards] = await run(async () => {
    requestId.set("entering");
    return await new BlockingPortal().run(async (portal) => {
      const inside = await fromCallback(portal, () => {
        requestId.set("set in the portal task");
        return requestId.get();
      });
      return [inside, requestId.get()];
    });
  });
  expect(inTask).toBe("set in the portal task");
  expect(afterwards).toBe("entering");
});

test("without a value in the entering task, a portal task sees the default", async () => {
  const seen = await run(async () =>
    new BlockingPortal().run(async (portal) => fromCallback(portal, () => requestId.get())),
  );
  expect(seen).toBe("none");
});
