// The conformance programs (tests/hosts/fixtures/conformance/*.ts) on every host: this Node, the
// pinned Node 22 and 24 (tests/hosts/package.json, `npm ci --prefix tests/hosts`), Bun and Deno.
// Each program is structured code that checks one area of the semantics (scheduling, level
// cancellation and timeouts, task groups and their errors, streams, locks and context variables)
// and prints what it saw; the lines it must print are its `// prints:` comments.
//
// As a user gets them: the package is packed (`npm pack` of the build) and unpacked into a fresh
// project's node_modules; each program is compiled ahead of time by the package's Babel plugin
// into an ES module that imports `anyio-ts` from there, and run by each host's own binary with no
// loader, no bundler and, on Deno, the narrowest permissions: none at all (`deno run --no-prompt`:
// loading modules from node_modules needs no `--allow-read`, and a program that asked for any
// permission would fail instead of waiting for an answer).
import * as babel from "@babel/core";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { builtPackage, repo, sh, spawn } from "../integrations/helpers";
import { hostBinary } from "./host-binaries";

const TIMEOUT = 180_000;
const fixtures = path.join(__dirname, "fixtures", "conformance");
const programs = fs
  .readdirSync(fixtures)
  .filter((name) => name.endsWith(".ts"))
  .sort();

/** The lines a program must print: its `// prints:` comments, in order. */
function expectedOutput(name: string): string[] {
  return [...fs.readFileSync(path.join(fixtures, name), "utf8").matchAll(/^\/\/ prints: (.*)$/gm)].map((m) => m[1]!);
}

let workDir: string;
let project: string;

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-conformance-"));
  const built = builtPackage();
  // The build holds what the tarball holds (dist/ and the subpath folders); `npm pack` decides
  // which files go in, from package.json's "files", as it does for a release.
  const [packed] = JSON.parse(
    sh("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", workDir], built),
  ) as Array<{ filename: string }>;
  project = path.join(workDir, "project");
  const target = path.join(project, "node_modules", "anyio-ts");
  fs.mkdirSync(target, { recursive: true });
  sh(
    "tar",
    ["-xzf", path.join(workDir, path.basename(packed!.filename)), "-C", target, "--strip-components=1"],
    workDir,
  );
  // Its dependencies, copied (not linked): the project stands alone, as an installed one does.
  for (const name of ["picomatch", "node-gyp-build"]) {
    fs.cpSync(path.join(repo, "node_modules", name), path.join(project, "node_modules", name), {
      recursive: true,
      dereference: true,
    });
  }
  fs.writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ name: "conformance", private: true, type: "module", dependencies: { "anyio-ts": "*" } }),
  );
  const plugin = path.join(built, "dist", "transformer", "babel", "index.js");
  for (const name of programs) {
    const compiled = babel.transformSync(fs.readFileSync(path.join(fixtures, name), "utf8"), {
      filename: path.join(fixtures, name),
      babelrc: false,
      configFile: false,
      presets: [require.resolve("@babel/preset-typescript")],
      plugins: [plugin],
    })!.code!;
    fs.writeFileSync(path.join(project, name.replace(/\.ts$/, ".mjs")), compiled);
  }
}, TIMEOUT);

afterAll(() => {
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

const hosts: Array<[string, () => string[]]> = [
  [`node ${process.version}`, () => [process.execPath]],
  ["node 22.23.3", () => [hostBinary("node22")]],
  ["node 24.9.0", () => [hostBinary("node24")]],
  ["bun 1.4.5", () => [hostBinary("bun")]],
  ["deno 2.9.6", () => [hostBinary("deno"), "run", "--no-prompt"]],
];

test("the programs are compiled by the transformer: they call the runtime's hooks", () => {
  expect(programs.length).toBeGreaterThanOrEqual(4);
  for (const name of programs) {
    expect(expectedOutput(name).length).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(project, name.replace(/\.ts$/, ".mjs")), "utf8")).toMatch(/from "anyio-ts\/rt"/);
  }
});

describe.each(hosts)("on %s", (_host, command) => {
  test.each(programs)(
    "%s prints what its comments say",
    async (name) => {
      const [file, ...args] = command();
      const result = await spawn(file!, [...args, name.replace(/\.ts$/, ".mjs")], project);
      expect({ status: result.status, stderr: result.stderr, stdout: result.stdout.trim().split("\n") }).toEqual({
        status: 0,
        stderr: "",
        stdout: expectedOutput(name),
      });
    },
    TIMEOUT,
  );
});
