// The types of the thread API: compile-time checks (`npm run typecheck` fails if one breaks),
// plus one run-time test so Jest runs the file.
import {
  BlockingPortal,
  fromThread,
  startBlockingPortal,
  toThread,
  workerFunction,
  type BlockingPortalClient,
  type PortalFuture,
  type WorkerFunction,
} from "anyio-ts";

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T => true as T;

declare const fib: WorkerFunction<(n: number) => number>;
declare const fetchRow: WorkerFunction<(id: string) => Promise<{ id: string }>>;
declare const client: BlockingPortalClient;

export function typeChecks(): void {
  // toThread.runSync resolves to the awaited return type and checks the arguments.
  const a = toThread.runSync(fib, 30);
  assertType<Equals<typeof a, Promise<number>>>();
  const b = toThread.runSync({ abandonOnCancel: true }, fetchRow, "x");
  assertType<Equals<typeof b, Promise<{ id: string }>>>();
  // @ts-expect-error: fib takes a number
  void toThread.runSync(fib, "30");
  // A lent callback keeps its type, so it checks against the worker function's parameter.
  const lent = toThread.callback((n: number) => n + 1);
  assertType<Equals<typeof lent, (n: number) => number>>();
  // fromThread.run returns the awaited value; runSync the plain one.
  const c = fromThread.run(fetchRow, "y");
  assertType<Equals<typeof c, { id: string }>>();
  const d = fromThread.runSync(fib, 1);
  assertType<Equals<typeof d, number>>();
  // Portal futures and client calls.
  const portal = new BlockingPortal();
  const future = portal.startTaskSoon(async (x: number) => String(x), 1);
  assertType<Equals<typeof future, PortalFuture<string>>>();
  const e = client.call(fetchRow, "z");
  assertType<Equals<typeof e, { id: string }>>();
  const [f] = client.startTask(fib, 2);
  assertType<Equals<typeof f, PortalFuture<number>>>();
  const g: BlockingPortalClient = startBlockingPortal({ name: "typed" });
  void g;
}

test("workerFunction carries the function's type only at compile time", () => {
  const fn = workerFunction<(n: number) => number>("/abs/fib.js", "fib");
  expect(Object.keys(fn).sort()).toEqual(["exportName", "module"]);
});
