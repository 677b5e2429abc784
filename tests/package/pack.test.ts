// Builds and packs anyio-ts as `npm publish` would, installs the tarball into a fresh project,
// and uses it from plain Node: the test that the published package works for a user who has
// never seen this repository.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { node as runNode, sh } from "../integrations/helpers";

const root = path.resolve(__dirname, "../..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  name: string;
  exports: Record<string, string | Record<string, string>>;
};

/** Each subpath, and names its CommonJS module must export. */
const SUBPATHS: Record<string, string[]> = {
  "anyio-ts": ["run", "sleep", "createTaskGroup", "CancelScope", "moveOnAfter", "failAfter", "TimeoutError"],
  "anyio-ts/rt": ["currentFrame", "enterFrame", "leaveFrame", "markStructured", "enterScope", "exitScope"],
  "anyio-ts/transformer": ["STRUCTURED_DIRECTIVE", "UNSTRUCTURED_DIRECTIVE", "classifyDirective"],
  "anyio-ts/babel": ["STRUCTURED_DIRECTIVE", "UNSTRUCTURED_DIRECTIVE", "classifyDirective"],
  "anyio-ts/vite": ["anyio", "default"],
  "anyio-ts/esbuild": ["anyio", "default"],
  "anyio-ts/jest": [
    "structuredTest",
    "structuredDescribe",
    "MockClock",
    "currentMockClock",
    "freeTcpPort",
    "freeUdpPort",
  ],
  "anyio-ts/fast-check": ["structuredProperty"],
  "anyio-ts/transformer/jest": ["name", "version", "factory"],
};

/** Subpaths without type declarations (a ts-jest adapter named in a jest config). */
const UNTYPED = new Set(["anyio-ts/transformer/jest"]);

function node(cwd: string, args: string[]): string {
  return runNode(args, cwd).trim();
}

describe("the packed package", () => {
  let workDir: string;
  let consumer: string;
  let installed: string;

  beforeAll(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-pack-"));
    sh("npm", ["run", "build"], root);
    const [packed] = JSON.parse(sh("npm", ["pack", "--json", "--pack-destination", workDir], root)) as {
      filename: string;
    }[];
    const tarball = path.join(workDir, path.basename(packed!.filename));

    consumer = path.join(workDir, "consumer");
    fs.mkdirSync(consumer);
    fs.writeFileSync(
      path.join(consumer, "package.json"),
      JSON.stringify({ name: "consumer", version: "1.0.0", private: true }, null, 2),
    );
    // The package's one dependency, picomatch, comes from the repository's own copy (npm links a
    // folder), so nothing needs the network.
    const picomatch = path.join(root, "node_modules", "picomatch");
    const install = ["install", "--no-audit", "--no-fund", "--no-save", tarball, picomatch];
    try {
      sh("npm", [...install, "--offline"], consumer);
    } catch {
      sh("npm", install, consumer);
    }
    installed = path.join(consumer, "node_modules", pkg.name);

    // The user's compiler: the repository's own typescript and ts-patch, linked into the
    // consumer (offline; node resolves their dependencies from their real paths in the repo),
    // and fast-check, the optional peer dependency that anyio-ts/fast-check needs.
    for (const name of ["typescript", "ts-patch", "fast-check"]) {
      fs.symlinkSync(path.join(root, "node_modules", name), path.join(consumer, "node_modules", name), "dir");
    }
  }, 120_000);

  afterAll(() => {
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test("ships only dist/, the README and package.json", () => {
    const top = fs.readdirSync(installed).sort();
    expect(top.filter((name) => !["LICENSE", "CHANGELOG.md"].includes(name))).toEqual([
      "README.md",
      "dist",
      "package.json",
    ]);
    expect(fs.existsSync(path.join(installed, "dist", "tests"))).toBe(false);
  });

  test("every file named in package.json exports is in the package", () => {
    const targets = Object.values(pkg.exports).flatMap((target) =>
      typeof target === "string" ? [target] : Object.values(target),
    );
    const missing = targets.filter((target) => !fs.existsSync(path.join(installed, target)));
    expect(missing).toEqual([]);
  });

  test.each(Object.keys(SUBPATHS).filter((subpath) => !UNTYPED.has(subpath)))("%s has type declarations", (subpath) => {
    const entry = pkg.exports["." + subpath.slice(pkg.name.length)];
    expect(entry).toBeDefined();
    const types = typeof entry === "object" ? entry.types : undefined;
    expect(types).toMatch(/\.d\.ts$/);
    expect(fs.existsSync(path.join(installed, types!))).toBe(true);
  });

  test.each(Object.entries(SUBPATHS))("plain node can require %s", (subpath, names) => {
    const script = `const m = require(${JSON.stringify(subpath)});
      console.log(JSON.stringify(${JSON.stringify(names)}.filter((n) => m[n] === undefined)));`;
    expect(JSON.parse(node(consumer, ["-e", script]))).toEqual([]);
  });

  test("plain node can import the runtime from an ES module", () => {
    const script = `import { run, createTaskGroup } from "anyio-ts";
      console.log(typeof run, typeof createTaskGroup);`;
    expect(node(consumer, ["--input-type=module", "-e", script])).toBe("function function");
  });

  test("a program using run() and a task group runs with plain node", () => {
    const script = `
      const { run, createTaskGroup, sleep, moveOnAfter } = require("anyio-ts");
      run(async () => {
        const order = [];
        await createTaskGroup().run((tg) => {
          tg.startSoon(async () => { await sleep(20); order.push("slow"); });
          tg.startSoon(async () => { await sleep(1); order.push("fast"); });
          tg.startSoon(async () => {
            await moveOnAfter(5).run(() => sleep(10000));
            order.push("moved-on");
          });
        });
        return order.join(",");
      }).then((result) => console.log(result));`;
    expect(node(consumer, ["-e", script])).toBe("fast,moved-on,slow");
  });

  test("TypeScript resolves every subpath's types with node16 resolution", () => {
    const source = Object.keys(SUBPATHS)
      .filter((subpath) => !UNTYPED.has(subpath))
      .map((subpath, i) => `import * as m${i} from ${JSON.stringify(subpath)};\nvoid m${i};`)
      .join("\n");
    fs.writeFileSync(path.join(consumer, "index.ts"), source + "\n");
    fs.writeFileSync(
      path.join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "node16",
          moduleResolution: "node16",
          target: "ES2022",
          lib: ["ES2022", "DOM", "ESNext.Disposable"],
          types: [],
          strict: true,
          skipLibCheck: true,
          noEmit: true,
        },
        files: ["index.ts"],
      }),
    );
    const tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
    node(consumer, [tsc, "-p", "."]); // throws with tsc's diagnostics on failure
  });

  test("dist's ts-patch entry and jest adapter load nothing from the repository", () => {
    const script = `
      const before = new Set(Object.keys(require.cache));
      const plugin = require("anyio-ts/transformer");
      const jest = require("anyio-ts/transformer/jest");
      const ts = require("typescript");
      const out = ts.transpileModule('"use structured";\\nexport async function f() { await g(); }\\n', {
        fileName: "/p/a.ts",
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
        transformers: { before: [jest.factory({ configSet: { compilerModule: ts, rootDir: "/p" } }, {})] },
      }).outputText;
      const loaded = Object.keys(require.cache).filter((f) => !before.has(f));
      console.log(JSON.stringify({
        entry: typeof plugin.default,
        jest: [jest.name, typeof jest.version, typeof jest.factory],
        rewritten: out.includes("__rt.enter()") && out.includes('require("anyio-ts/rt")'),
        outside: loaded.filter((f) => !f.startsWith(${JSON.stringify(installed)}) && !/[\\/]typescript[\\/]/.test(f)),
      }));`;
    expect(JSON.parse(node(consumer, ["-e", script]))).toEqual({
      entry: "function",
      jest: ["anyio-ts-transformer", "string", "function"],
      rewritten: true,
      outside: [],
    });
  });

  test("tspc with the plugin in tsconfig.json builds structured code that plain node runs", () => {
    fs.mkdirSync(path.join(consumer, "src"), { recursive: true });
    fs.writeFileSync(
      path.join(consumer, "src", "main.ts"),
      `"use structured";
import { createTaskGroup, getCurrentTask, moveOnAfter, run } from "anyio-ts";

async function main(): Promise<string[]> {
  const events: string[] = [];
  {
    using scope = moveOnAfter(30);
    // A foreign promise that settles only after 10 s: the scope's deadline cancels the await.
    await new Promise((resolve) => (setTimeout(resolve, 10_000) as unknown as { unref(): void }).unref());
    events.push("not reached");
  }
  events.push("moved-on");
  {
    await using tg = createTaskGroup();
    tg.startSoon({ name: "child" }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      events.push(getCurrentTask().name);
    });
  }
  return events;
}

run(main).then((events) => console.log(JSON.stringify(events)));
`,
    );
    fs.writeFileSync(
      path.join(consumer, "tsconfig.json"),
      JSON.stringify(
        {
          compilerOptions: {
            target: "ES2022",
            module: "node16", // CommonJS output: the consumer's package.json has no "type"
            moduleResolution: "node16",
            lib: ["ES2022", "ESNext.Disposable", "DOM"],
            types: [],
            strict: true,
            skipLibCheck: true,
            outDir: "out",
            rootDir: "src",
            plugins: [{ transform: "anyio-ts/transformer" }],
          },
          include: ["src"],
        },
        null,
        2,
      ),
    );
    node(consumer, [path.join(consumer, "node_modules", "ts-patch", "bin", "tspc.js"), "-p", "."]);
    const compiled = fs.readFileSync(path.join(consumer, "out", "main.js"), "utf8");
    expect(compiled).toContain('require("anyio-ts/rt")');
    expect(compiled).toContain("await __rt.suspend(");
    expect(JSON.parse(node(consumer, ["out/main.js"]))).toEqual(["moved-on", "child"]);
  });
});
