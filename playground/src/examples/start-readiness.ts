"use structured";
// tg.start() waits until the new task says it is ready (taskStatus.started(value)), and
// returns that value; the task then goes on running in the group.
import { TASK_STATUS_IGNORED, createTaskGroup, run, sleep, type TaskStatus } from "anyio-ts";

async function server(port: number, taskStatus: TaskStatus<string> = TASK_STATUS_IGNORED) {
  console.log(`server: binding port ${port}...`);
  await sleep(200); // pretend to open a socket
  taskStatus.started(`http://localhost:${port}`); // start() returns now
  console.log("server: ready, serving requests");
  await sleep(400);
  console.log("server: shutting down");
}

async function client(url: string) {
  console.log(`client: connecting to ${url}`);
  await sleep(100);
  console.log("client: got a response");
}

async function main() {
  await using tg = createTaskGroup();
  const url = await tg.start({ name: "server" }, server, 8080);
  console.log(`main: the server is ready at ${url}`);
  tg.startSoon({ name: "client" }, client, url);
}

run(main);
