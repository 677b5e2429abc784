// The README's before/after pictures are screenshots of examples/timeout-promise-all.ts and
// examples/timeout-task-group.ts running in the playground. These tests run the same two programs
// (compiled by the Babel plugin, as `npm run example` does) and check that they do what the
// pictures and the README say: the Promise.all version gives up at its timeout while the slow
// request answers afterwards; the task-group version aborts the slow request at the deadline,
// before the block ends, and nothing answers later.
import * as babel from "@babel/core";
import * as fs from "node:fs";
import * as path from "node:path";
import anyioBabelPlugin from "../../transformer/babel/plugin";
import * as runtime from "../../runtime/index";
import * as rt from "../../runtime/rt";

const repo = path.resolve(__dirname, "../..");

/** Runs an example with its console captured; the messages it logged, without their timestamps. */
async function runExample(file: string): Promise<string[]> {
  const source = path.join(repo, "examples", file);
  const compiled = babel.transformSync(fs.readFileSync(source, "utf8"), {
    filename: source,
    babelrc: false,
    configFile: false,
    presets: [require.resolve("@babel/preset-typescript")],
    plugins: [anyioBabelPlugin, require.resolve("@babel/plugin-transform-modules-commonjs")],
  })!.code!;
  let finished: Promise<unknown> | undefined;
  const anyio = { ...runtime, run: (...args: Parameters<typeof runtime.run>) => (finished = runtime.run(...args)) };
  const lines: string[] = [];
  const fakeConsole = { log: (line: string) => lines.push(line.replace(/^\s*\d+ ms {2}/, "")) };
  const modules: Record<string, unknown> = { "anyio-ts": anyio, "anyio-ts/rt": rt };
  const module = { exports: {} };
  new Function("require", "module", "exports", "console", compiled)(
    (name: string) => modules[name],
    module,
    module.exports,
    fakeConsole,
  );
  await finished;
  return lines;
}

describe("the README's before/after examples", () => {
  test("before: the timeout wins the race, and the slow request still answers after it", async () => {
    const lines = await runExample("timeout-promise-all.ts");
    expect(lines).toEqual([
      "fetching /fast and /slow, giving up after 300 ms",
      "/fast: answered",
      "gave up: timed out",
      "/slow: answered",
      "done",
    ]);
  }, 20_000);

  test("after: the deadline aborts the slow request before the block ends, and nothing answers later", async () => {
    const lines = await runExample("timeout-task-group.ts");
    expect(lines).toEqual([
      "fetching /fast and /slow, giving up after 300 ms",
      "/fast: answered",
      "/fast: got 13 bytes",
      "/slow: aborted",
      "gave up: /slow was cancelled, nothing is left running",
      "done",
    ]);
  }, 20_000);
});
