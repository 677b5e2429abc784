// examples/subprocesses.ts runs to its end, says what it did, and once its run() has ended no
// child process of ours is left (its worker processes included).
import { run } from "anyio-ts";
import { subprocessTour } from "../../../examples/subprocesses";
import { childrenOfThisProcess, defunctChildren } from "./process-helpers";

test("the subprocess example runs commands, talks to cat, times out a sleeper and counts primes", async () => {
  const before = childrenOfThisProcess();
  const lines: string[] = [];
  await run(() => subprocessTour((line) => lines.push(line)));
  expect(lines).toEqual([
    `node says ${process.version} (exit code 0)`,
    "wc counted 3 words",
    "failed with 3: no such thing",
    "cat answered ping",
    "cat exited with 0",
    "the sleeper was killed after 200 ms and reaped",
    "63951 primes below 800000, counted in worker processes",
  ]);
  expect(childrenOfThisProcess().filter((pid) => !before.includes(pid))).toEqual([]);
  expect(defunctChildren().filter((pid) => !before.includes(pid))).toEqual([]);
}, 60_000);
