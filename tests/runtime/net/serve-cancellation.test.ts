"use structured";
// A task serving a listener that is cancelled before (or while) it serves ends only once
// everything serve() started has ended: no task of the listener outlives the group that ran it.
// (MultiListener.serve() used to be a plain async function, whose promise a cancelled caller
// abandoned while its own task group still ran.)
import { createTaskGroup, createTcpListener, getRunningTasks, SocketListener } from "anyio-ts";
import { structuredTest } from "anyio-ts/jest";

for (const served of ["the MultiListener", "one SocketListener", "accept()"] as const) {
  structuredTest(`serving ${served}, cancelled at once, leaves no task behind`, async () => {
    const log: string[] = [];
    {
      await using tg = createTaskGroup();
      const multi = await createTcpListener({ localHost: "127.0.0.1" });
      const single = multi.listeners[0] as SocketListener;
      tg.startSoon({ name: "server" }, async () => {
        await using _ = multi;
        try {
          if (served === "the MultiListener") await multi.serve(async () => {});
          else if (served === "one SocketListener") await single.serve(async () => {});
          else await single.accept();
        } catch (error) {
          log.push((error as Error).name);
          throw error;
        }
      });
      tg.cancelScope.cancel();
    }
    log.push(`tasks left: ${getRunningTasks().length - 1}`);
    expect(log).toEqual(["Cancelled", "tasks left: 0"]);
  });
}
