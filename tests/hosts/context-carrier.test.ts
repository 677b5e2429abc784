import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { hostBinary } from "./host-binaries";

// The program is bundled once (as the Node entry point would be resolved by each host) and run
// by each host's own binary, installed from npm.
const root = path.resolve(__dirname, "../..");
let bundle: string;
let workDir: string;

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-hosts-"));
  bundle = path.join(workDir, "program.mjs");
  buildSync({
    entryPoints: [path.join(__dirname, "fixtures", "context-program.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "es2022",
    outfile: bundle,
    alias: { "anyio-ts": path.join(root, "runtime", "index.ts") },
    logLevel: "silent",
  });
});

afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

const expected = ["cancelledCaught:true", "fast:true", "fast:true", "slow:true", "slow:true"];
const hosts: Array<[string, () => string[]]> = [
  ["node", () => [process.execPath, bundle]],
  ["bun", () => [hostBinary("bun"), bundle]],
  // No permissions: the program reads, writes and asks for nothing (`--no-prompt` fails a request).
  ["deno", () => [hostBinary("deno"), "run", "--no-prompt", "--quiet", bundle]],
];

describe.each(hosts)("on %s", (_host, command) => {
  test("plain callbacks keep their task and cancel scope across foreign awaits", () => {
    const [file, ...args] = command();
    const output = execFileSync(file, args, {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    });
    expect(JSON.parse(output.trim().split("\n").pop()!)).toEqual(expected);
  });
});
