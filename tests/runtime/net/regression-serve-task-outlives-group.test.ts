"use structured";
/**
 * Repro: after a connection was served, cancelling the group that runs a server task (which
 * owns its listener and calls `serve()`) exits the group while serve()'s inner task is still
 * registered as running (getRunningTasks()).
 */
import * as net from "node:net";
import {
  Event,
  createTaskGroup,
  createTcpListener,
  getCurrentTask,
  getRunningTasks,
  SocketAttribute,
  type SocketListener,
} from "anyio-ts";
import { structuredTest } from "anyio-ts/jest";

for (const form of ["MultiListener", "SocketListener"] as const) {
  structuredTest(`cancelling a ${form}'s serve() after one echoed connection leaves no task running`, async () => {
    let client: net.Socket | undefined;
    {
      await using tg = createTaskGroup();
      const listening = new Event();
      let port = 0;
      tg.startSoon(async () => {
        await using listener = await createTcpListener({ localHost: "127.0.0.1" });
        port = listener.extra(SocketAttribute.localPort);
        listening.set();
        const serving = form === "MultiListener" ? listener : (listener.listeners[0] as SocketListener);
        await serving.serve(async (stream) => {
          await using _ = stream;
          for await (const chunk of stream) await stream.send(chunk);
        });
      });
      await listening.wait();
      client = net.connect(port, "127.0.0.1");
      client.write("x");
      await new Promise((resolve) => client!.once("data", resolve));
      tg.cancelScope.cancel();
    }
    const me = getCurrentTask().id;
    const left = getRunningTasks()
      .filter((task) => task.id !== me)
      .map((task) => `${task.name} (${task.id}, parent ${task.parentId})`);
    await new Promise((resolve) => (client!.closed ? resolve(undefined) : client!.once("close", resolve)));
    expect(left).toEqual([]);
  });
}
