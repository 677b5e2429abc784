// A loop that never awaits has no checkpoint: no cancel scope or deadline can stop it, and
// its task never lets another run. The playground's Stop button ends it anyway: it terminates
// the worker the program runs in.
import { moveOnAfter, run } from "anyio-ts";

run(async () => {
  console.log("spinning; the deadline below cannot interrupt this: press Stop");
  await moveOnAfter(100).run(() => {
    let n = 0;
    for (;;) n++;
  });
});
