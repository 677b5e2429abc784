"use structured";
// Producers and a consumer connected by a memory object stream with room for two items.
// Each producer closes its clone of the send end when done; the consumer's loop ends when
// every send end is closed.
import {
  createMemoryObjectStream,
  createTaskGroup,
  run,
  sleep,
  type MemoryObjectReceiveStream,
  type MemoryObjectSendStream,
} from "anyio-ts";

async function producer(name: string, send: MemoryObjectSendStream<string>) {
  using _ = send; // closed at the end of the block
  for (let i = 1; i <= 3; i++) {
    await sleep(50);
    await send.send(`${name}${i}`); // waits while the buffer is full
    console.log(`producer ${name}: sent ${name}${i}`);
  }
}

async function consumer(receive: MemoryObjectReceiveStream<string>) {
  using _ = receive;
  for await (const item of receive) {
    console.log(`consumer: got ${item}`);
    await sleep(80); // slower than the producers: they wait for room
  }
  console.log("consumer: every producer closed its end");
}

async function main() {
  const [send, receive] = createMemoryObjectStream<string>(2);
  await using tg = createTaskGroup();
  tg.startSoon({ name: "consumer" }, consumer, receive);
  tg.startSoon({ name: "producer A" }, producer, "A", send.clone());
  tg.startSoon({ name: "producer B" }, producer, "B", send.clone());
  send.close(); // the clones keep the stream open
}

run(main);
