// The built package under plain Node loads the host of a room (the module under
// dist/runtime/platform/node/ that talks to Node for it) only when a call first needs it: importing
// anyio-ts loads none of the files, TLS, process, thread or socket hosts nor Node's `tls` module,
// a TCP listener then loads the socket host alone, and a file-system call the path host.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { builtPackage, node } from "../integrations/helpers";

const TIMEOUT = 180_000;

/** Prints, after each step, which host modules and which of Node's optional modules are loaded. */
const PROGRAM = `
const path = require("node:path");
const anyio = require(process.argv[2]);
const marker = path.sep + "platform" + path.sep + "node" + path.sep;
function report(step) {
  const hosts = Object.keys(require.cache)
    .filter((file) => file.includes(marker))
    .map((file) => path.basename(file, ".js"))
    .sort();
  const tls = process.moduleLoadList.includes("NativeModule tls");
  console.log(JSON.stringify({ step, hosts, tls }));
}
report("imported");
anyio
  .run(async () => {
    const listener = await anyio.createTcpListener({ localHost: "127.0.0.1" });
    await listener.aclose();
    report("listened");
    if (!(await new anyio.Path(__filename).exists())) throw new Error("the program's own file is missing");
    report("read a path");
  })
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
`;

let workDir: string;
let entry: string;

beforeAll(() => {
  entry = path.join(builtPackage(), "dist", "runtime", "index.js");
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-lazy-hosts-"));
  fs.writeFileSync(path.join(workDir, "program.cjs"), PROGRAM);
}, TIMEOUT);

afterAll(() => {
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

test(
  "each room's host is loaded by the first call that needs it, not by importing the package",
  () => {
    const steps = node(["program.cjs", entry], workDir)
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { step: string; hosts: string[]; tls: boolean });
    // The context carrier and the signal host are installed at import (every run() needs them),
    // and the Node stream adapters are public names.
    expect(steps).toEqual([
      { step: "imported", hosts: ["context-carrier", "signals", "streams"], tls: false },
      { step: "listened", hosts: ["context-carrier", "net", "signals", "streams"], tls: false },
      { step: "read a path", hosts: ["context-carrier", "fs-path", "net", "signals", "streams"], tls: false },
    ]);
  },
  TIMEOUT,
);
