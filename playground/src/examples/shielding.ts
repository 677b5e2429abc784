"use structured";
// A shielded scope keeps an enclosing cancellation out, so clean-up that must await can finish.
import { CancelScope, moveOnAfter, run, sleep } from "anyio-ts";

async function main() {
  {
    using _ = moveOnAfter(350);
    let step = 0;
    try {
      for (;;) {
        step++;
        console.log(`step ${step}`);
        await sleep(100); // raises Cancelled once the deadline passes
      }
    } finally {
      // Without the shield, this sleep would raise Cancelled at once (the scope is cancelled).
      using _shield = new CancelScope({ shield: true });
      console.log(`saving progress at step ${step}...`);
      await sleep(200);
      console.log("progress saved");
    }
  }
  console.log("moved on after the deadline, with the progress saved");
}

run(main);
