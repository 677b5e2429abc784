/**
 * "Download project": the zip holds a project that builds and runs as downloaded. The test
 * unpacks the zip the page downloads, gives it a node_modules made of the repository's own
 * toolchain and anyio-ts built as published (links, as `npm install` would fill it; no install
 * here), and runs the README's second command, `npm start`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { unzipSync, strFromU8 } from "fflate";
import { ANYIO_VERSION, TOOLCHAIN, projectFiles, projectZip } from "../../playground/src/project";
import { INTEGRATION_TIMEOUT, linkBuiltPackage, repo, spawn } from "../integrations/helpers";
import { compiled, openPlayground, type Playground } from "./playground-helpers";

let playground: Playground;
const temp: string[] = [];

beforeAll(async () => {
  playground = await openPlayground();
}, 240_000);

afterAll(async () => {
  await playground?.close();
  for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes the zip's files into a new folder; returns the project's folder (the zip's one top folder). */
function unpack(zip: Uint8Array): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-download-"));
  temp.push(dir);
  const files = unzipSync(zip);
  for (const [name, bytes] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), bytes);
  }
  const [top, ...others] = new Set(Object.keys(files).map((name) => name.split("/")[0]!));
  expect(others).toEqual([]);
  return path.join(dir, top!);
}

/** The project's node_modules as `npm install` would fill it, from the repository's packages. */
function installFromRepository(project: string): void {
  linkBuiltPackage(project);
  const modules = path.join(project, "node_modules");
  for (const name of Object.keys(TOOLCHAIN)) {
    fs.mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
    fs.symlinkSync(path.join(repo, "node_modules", name), path.join(modules, name), "dir");
  }
  fs.mkdirSync(path.join(modules, ".bin"));
  fs.symlinkSync("../ts-patch/bin/tspc.js", path.join(modules, ".bin", "tspc"));
}

describe("Download project", () => {
  test("the project depends on this anyio-ts and the toolchain the repository builds with", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8"));
    expect(ANYIO_VERSION).toBe(pkg.version);
    for (const [name, version] of Object.entries(TOOLCHAIN))
      expect({ name, version }).toEqual({ name, version: pkg.devDependencies[name] });
  });

  test(
    "the page's zip holds the program, package.json, tsconfig with the plugin and a README, and it builds and runs with npm start",
    async () => {
      const { page } = playground;
      await page.selectOption("#examples", "task-group");
      await compiled(page);
      const program = await page.$$eval("#editor .cm-line", (lines) =>
        lines.map((l) => l.textContent ?? "").join("\n"),
      );
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
      expect(download.suggestedFilename()).toBe("anyio-ts-program.zip");
      const zipPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-zip-")), "project.zip");
      temp.push(path.dirname(zipPath));
      await download.saveAs(zipPath);

      const project = unpack(fs.readFileSync(zipPath));
      expect(fs.readdirSync(project).sort()).toEqual(["README.md", "package.json", "src", "tsconfig.json"]);
      expect(fs.readFileSync(path.join(project, "src", "main.ts"), "utf8")).toBe(
        program.endsWith("\n") ? program : `${program}\n`,
      );
      const tsconfig = JSON.parse(fs.readFileSync(path.join(project, "tsconfig.json"), "utf8"));
      expect(tsconfig.compilerOptions.plugins).toEqual([{ transform: "anyio-ts/transformer" }]);
      const readme = fs.readFileSync(path.join(project, "README.md"), "utf8");
      expect(readme).toContain("npm install\nnpm start\n");

      installFromRepository(project);
      const started = await spawn("npm", ["start"], project);
      expect({ status: started.status, stderr: started.stderr }).toEqual({ status: 0, stderr: "" });
      const printed = started.stdout
        .split("\n")
        .filter((line) => line.startsWith("main:") || /^(alpha|beta|gamma):/.test(line));
      expect(printed).toEqual([
        "main: three workers started",
        "alpha: working for 300 ms",
        "beta: working for 100 ms",
        "gamma: working for 200 ms",
        "beta: done",
        "gamma: done",
        "alpha: done",
        "main: every worker has finished",
      ]);
      // The rewrite ran: the emitted program imports the runtime's hooks.
      expect(fs.readFileSync(path.join(project, "dist", "main.js"), "utf8")).toContain('from "anyio-ts/rt"');
    },
    INTEGRATION_TIMEOUT,
  );

  test("a program compiled by the Babel front end downloads with a note on the Babel setup", async () => {
    const files = projectFiles("run(main);", "babel");
    const zip = await projectZip(files, "p");
    const unzipped = unzipSync(zip);
    const file = (name: string): string => strFromU8(unzipped[`p/${name}`]!);
    expect(
      Object.keys(unzipped)
        .map((name) => name.replace(/^p\//, ""))
        .sort(),
    ).toEqual(["README.md", "package.json", "src/main.ts", "tsconfig.json"]);
    expect(file("src/main.ts")).toBe("run(main);\n");
    expect(file("README.md")).toContain("Babel front end");
  });
});
