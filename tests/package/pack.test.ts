// Builds and packs anyio-ts as `npm publish` would, installs the tarball into a fresh project,
// and uses it from plain Node: the test that the published package works for a user who has
// never seen this repository. Its declarations type-check without skipLibCheck; every subpath
// resolves without package.json "exports" (the `resolve` package, Jest 27's resolver, and
// TypeScript's node10 resolution); and every recipe of docs/getting-started.md is built and run
// as written (see ./recipes.ts), each in a project of its own.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { INTEGRATION_TIMEOUT, node as runNode, npmCi, sh, spawn } from "../integrations/helpers";
import {
  GUIDE,
  binOf,
  blocksOf,
  linkTool,
  recipes,
  runCommand,
  satisfies,
  toolsOf,
  versionAt,
  type Recipe,
} from "./recipes";

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

/** The folders `npm pack` adds for tools that ignore "exports" (scripts/subpath-folders.cjs). */
const SUBPATH_FOLDERS = Object.keys(pkg.exports)
  .filter((subpath) => subpath !== "." && subpath !== "./package.json")
  .map((subpath) => subpath.slice(2));

/** What `src/main.ts` of docs/getting-started.md prints. */
const MAIN_OUTPUT = "fast task done, slow task gave up";

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : [full];
  });
}

function node(cwd: string, args: string[]): string {
  return runNode(args, cwd).trim();
}

let workDir: string;
let tarball: string;

/**
 * A fresh project with the packed package installed, as `npm install anyio-ts` installs it: the
 * tarball, and its one dependency, picomatch, from the repository's own copy (npm links a
 * folder), so nothing needs the network. Tools are linked in only after this (see ./recipes.ts):
 * npm would prune anything it did not install itself.
 */
function freshProject(name: string, manifest: Record<string, unknown> = {}): string {
  const dir = path.join(workDir, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name, version: "1.0.0", private: true, ...manifest }, null, 2),
  );
  const picomatch = path.join(root, "node_modules", "picomatch");
  const install = ["install", "--no-audit", "--no-fund", "--no-save", tarball, picomatch];
  try {
    sh("npm", [...install, "--offline"], dir);
  } catch {
    sh("npm", install, dir);
  }
  return dir;
}

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-pack-"));
  sh("npm", ["run", "build"], root);
  const [packed] = JSON.parse(sh("npm", ["pack", "--json", "--pack-destination", workDir], root)) as {
    filename: string;
  }[];
  tarball = path.join(workDir, path.basename(packed!.filename));
}, 120_000);

afterAll(() => {
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

describe("the packed package", () => {
  let consumer: string;
  let installed: string;

  beforeAll(() => {
    consumer = freshProject("consumer");
    installed = path.join(consumer, "node_modules", pkg.name);
    // The user's compiler: the repository's own typescript and ts-patch, and fast-check, the
    // optional peer dependency that anyio-ts/fast-check needs (node resolves their dependencies
    // from their real paths in the repository).
    for (const name of ["typescript", "ts-patch", "fast-check"]) linkTool(consumer, name, root);
  }, 120_000);

  test("ships dist/, the README, the LICENSE, package.json and the subpath folders", () => {
    const top = fs.readdirSync(installed).sort();
    const folders = SUBPATH_FOLDERS.map((folder) => folder.split("/")[0]!);
    expect(top.filter((name) => name !== "CHANGELOG.md")).toEqual(
      [...new Set(["LICENSE", "README.md", "dist", "package.json", ...folders])].sort(),
    );
    expect(fs.existsSync(path.join(installed, "dist", "tests"))).toBe(false);
    // `npm pack` wrote the folders into the repository and removed them again (postpack).
    expect(SUBPATH_FOLDERS.filter((folder) => fs.existsSync(path.join(root, folder, "package.json")))).toEqual([]);
    // The transformer's folder holds its subpath folders' package.json files, not its sources.
    expect(fs.readdirSync(path.join(installed, "transformer")).sort()).toEqual(["jest", "package.json"]);
  });

  test("the LICENSE is the MIT license of the anyio-ts authors, as package.json says", () => {
    const license = fs.readFileSync(path.join(installed, "LICENSE"), "utf8");
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the anyio-ts authors\n/);
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
    expect(
      (JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8")) as { license: string }).license,
    ).toBe("MIT");
  });

  test("every source map carries the text of each source it names (the sources are not shipped)", () => {
    const maps = walk(path.join(installed, "dist")).filter((file) => file.endsWith(".js.map"));
    expect(maps.length).toBeGreaterThan(20);
    const problems: string[] = [];
    for (const file of maps) {
      const map = JSON.parse(fs.readFileSync(file, "utf8")) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      const contents = map.sourcesContent ?? [];
      if (contents.length !== map.sources.length || contents.some((text) => typeof text !== "string" || text === "")) {
        problems.push(path.relative(installed, file));
      }
    }
    expect(problems).toEqual([]);
    // One checked against the repository: the text is the source as written.
    const rtMap = JSON.parse(fs.readFileSync(path.join(installed, "dist/runtime/rt.js.map"), "utf8")) as {
      sourcesContent: string[];
    };
    expect(rtMap.sourcesContent[0]).toBe(fs.readFileSync(path.join(root, "runtime/rt.ts"), "utf8"));
  });

  test("typescript and ts-patch are optional peer dependencies, TypeScript 7 excluded", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8")) as {
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(manifest.peerDependencies).toMatchObject({ typescript: ">=5.0 <7", "ts-patch": "^3" });
    expect(manifest.peerDependenciesMeta).toMatchObject({
      typescript: { optional: true },
      "ts-patch": { optional: true },
    });
    expect(
      ["5.0.0", "5.9.3", "6.0.3", "7.0.2"].map((v) => satisfies(v, manifest.peerDependencies.typescript!)),
    ).toEqual([true, true, true, false]);
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

  describe("its declarations type-check without skipLibCheck", () => {
    let project: string;
    beforeAll(() => {
      // A project of its own (the consumer's tsconfig.json belongs to the tspc test below), with
      // the types a user of each subpath has: Node's, and those of the tools the plugins plug into.
      project = freshProject("declarations");
      for (const name of ["@types/node", "@types/babel__core", "esbuild", "vite", "fast-check"]) {
        linkTool(project, name, root);
      }
    }, 120_000);

    /** Type-checks a file that imports `subpaths` with `compilerOptions`, by the `tsc` of `typescript`. */
    function typecheck(typescript: string, subpaths: string[], compilerOptions: Record<string, unknown>): void {
      // The plugin's declarations import `typescript`: the project's own, the one that checks.
      fs.rmSync(path.join(project, "node_modules", "typescript"), { force: true });
      const compiler = path.isAbsolute(typescript) ? typescript : path.join(root, "node_modules", typescript);
      fs.symlinkSync(compiler, path.join(project, "node_modules", "typescript"), "dir");
      const source = subpaths.map((subpath, i) => `import * as m${i} from ${JSON.stringify(subpath)};\nvoid m${i};`);
      fs.writeFileSync(path.join(project, "index.ts"), source.join("\n") + "\n");
      fs.writeFileSync(
        path.join(project, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            lib: ["ES2022", "ESNext.Disposable"],
            types: ["node"],
            strict: true,
            skipLibCheck: false,
            noEmit: true,
            ...compilerOptions,
          },
          files: ["index.ts"],
        }),
      );
      node(project, [path.join(project, "node_modules", "typescript", "bin", "tsc"), "-p", "."]); // throws with tsc's errors
    }

    const typed = Object.keys(SUBPATHS).filter((subpath) => !UNTYPED.has(subpath));

    test.each([
      ["TypeScript 5.9", "typescript", ["ES2022", "ESNext.Disposable"]],
      ["TypeScript 5.9, with the DOM library", "typescript", ["ES2022", "ESNext.Disposable", "DOM"]],
      ["TypeScript 6", "typescript6", ["ES2022", "ESNext.Disposable"]],
    ])("every subpath, node16 resolution, %s", (_, typescript, lib) => {
      typecheck(typescript, typed, { module: "node16", moduleResolution: "node16", lib });
    });

    test(
      "every subpath but the TypeScript plugin's, node16 resolution, TypeScript 7 (examples/typescript7's)",
      () => {
        // A TypeScript 7 project compiles with Babel: its `typescript` module has no compiler API
        // for the plugin's declarations to name.
        const example = path.join(root, "examples", "typescript7");
        npmCi(example);
        typecheck(
          path.join(example, "node_modules", "typescript"),
          typed.filter((subpath) => subpath !== "anyio-ts/transformer"),
          { module: "node16", moduleResolution: "node16" },
        );
      },
      INTEGRATION_TIMEOUT,
    );

    test("every subpath, node10 resolution, which ignores exports and finds the subpath folders", () => {
      // fast-check's own declarations need exports-aware resolution: anyio-ts/fast-check is left out.
      typecheck(
        "typescript",
        typed.filter((subpath) => subpath !== "anyio-ts/fast-check"),
        { module: "commonjs", moduleResolution: "node10" },
      );
    });
  });

  test.each(Object.entries(SUBPATHS))(
    "%s resolves without package.json exports (the `resolve` package, as Jest 27 resolved) to the file exports names",
    (subpath, names) => {
      // `resolve` 1.x knows "main" and folders, not "exports": what Jest 27 and webpack 4 do.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const resolve = require(require.resolve("resolve", { paths: [root] })) as {
        sync(id: string, options: { basedir: string; extensions?: string[] }): string;
      };
      const file = resolve.sync(subpath, { basedir: consumer, extensions: [".js", ".cjs", ".json"] });
      // Node's own resolution, with exports (jest's require.resolve maps anyio-ts to the sources).
      const viaExports = node(consumer, ["-p", `require.resolve(${JSON.stringify(subpath)})`]);
      expect(fs.realpathSync(file)).toBe(fs.realpathSync(viaExports));
      const script = `const m = require(${JSON.stringify(file)});
        console.log(JSON.stringify(${JSON.stringify(names)}.filter((n) => m[n] === undefined)));`;
      expect(JSON.parse(node(consumer, ["-e", script]))).toEqual([]);
    },
  );

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
        rewritten: out.includes("__rt.enter(") && out.includes('require("anyio-ts/rt")'),
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

describe("the recipes of docs/getting-started.md, built and run as written", () => {
  const all = recipes();
  /** Where a tool named on an install line comes from: the repository, or a project of its tests. */
  const typescript7Example = path.join(root, "examples", "typescript7");
  const sources: Record<string, string> = { "@babel/cli": typescript7Example };

  beforeAll(() => {
    // @babel/cli is not a dependency of the repository; examples/typescript7 installs it (7.x).
    if (all.some((recipe) => toolsOf(recipe.install).some((tool) => tool.name === "@babel/cli"))) {
      npmCi(typescript7Example);
    }
  }, INTEGRATION_TIMEOUT);

  test("the guide has the recipes this test knows how to build, each from `npm install anyio-ts`", () => {
    expect(all.map((recipe) => recipe.title)).toEqual([
      "tsc with ts-patch",
      "Babel, CommonJS output",
      "Babel, ES module output",
      "esbuild",
      "Vite",
    ]);
    for (const recipe of all) {
      expect(recipe.install[0]).toBe("npm install anyio-ts");
      expect(recipe.files.get("src/main.ts")).toMatch(/^"use structured";\n/);
    }
    expect(fs.readFileSync(GUIDE, "utf8")).toContain(`It prints \`${MAIN_OUTPUT}\``);
  });

  test("the README's install lines and tsconfig are the tsc recipe's", () => {
    const readme = blocksOf(fs.readFileSync(path.join(root, "README.md"), "utf8"))
      .filter(({ section }) => section === "Install")
      .map(({ block }) => block.text);
    const tsc = all.find((recipe) => recipe.title === "tsc with ts-patch")!;
    expect(readme).toEqual([tsc.install.join("\n") + "\n", tsc.files.get("tsconfig.json")]);
  });

  describe.each(all.map((recipe): [string, Recipe] => [recipe.title, recipe]))("%s", (title, recipe) => {
    let project: string;
    let printed: string;

    beforeAll(() => {
      const manifest = recipe.files.has("package.json")
        ? (JSON.parse(recipe.files.get("package.json")!) as Record<string, unknown>)
        : {};
      project = freshProject(title.replace(/\W+/g, "-").toLowerCase(), manifest);
      for (const [file, text] of recipe.files) {
        if (file === "package.json") continue;
        fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
        fs.writeFileSync(path.join(project, file), text);
      }
      for (const tool of toolsOf(recipe.install).filter((tool) => tool.name !== pkg.name)) {
        linkTool(project, tool.name, sources[tool.name] ?? root);
      }
      const [run, ...build] = [...recipe.build].reverse();
      for (const line of build.reverse()) runCommand(line, project);
      printed = runCommand(run!, project).trim();
    }, INTEGRATION_TIMEOUT);

    test("installs versions in the ranges its install lines name", () => {
      const tools = toolsOf(recipe.install).filter((tool) => tool.name !== pkg.name);
      expect(tools.length).toBeGreaterThan(0);
      for (const tool of tools) {
        const version = versionAt(path.join(project, "node_modules", tool.name));
        expect({
          tool: tool.name,
          version,
          inRange: tool.range === undefined || satisfies(version, tool.range),
        }).toEqual({
          tool: tool.name,
          version,
          inRange: true,
        });
      }
    });

    test("the program runs and prints what the guide says", () => {
      expect(printed).toBe(MAIN_OUTPUT);
    });

    test("its output went through the transformer", () => {
      const out = walk(path.join(project, "dist")).filter((file) => file.endsWith(".js"));
      expect(out.length).toBeGreaterThan(0);
      const text = out.map((file) => fs.readFileSync(file, "utf8")).join("\n");
      expect(text).toMatch(/__rt\.enter\((?:\$sites)?\)|enter\w*\(/);
      expect(text).toMatch(/anyio-ts\/rt|runtime\/rt\.js/);
    });
  });

  test("without the transformer (plain tsc with the same tsconfig), the program fails and says why", async () => {
    const recipe = all.find((candidate) => candidate.title === "tsc with ts-patch")!;
    const project = freshProject("plain-tsc");
    for (const [file, text] of recipe.files) {
      fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
      fs.writeFileSync(path.join(project, file), text);
    }
    for (const tool of toolsOf(recipe.install).filter((tool) => tool.name !== pkg.name))
      linkTool(project, tool.name, root);
    node(project, [path.join(project, "node_modules", "typescript", "bin", "tsc")]);
    expect(fs.readFileSync(path.join(project, "dist", "main.js"), "utf8")).not.toContain("__rt");
    const { status, stdout, stderr } = await spawn(process.execPath, ["dist/main.js"], project);
    expect(status).not.toBe(0);
    expect(stdout).not.toContain(MAIN_OUTPUT);
    expect(stderr).toMatch(/transformer|structured/);
  });

  test("Babel's CLI prints each error as one block with its code and code frame, without a stack trace", async () => {
    const recipe = all.find((candidate) => candidate.title === "Babel, CommonJS output")!;
    const project = freshProject("babel-errors");
    fs.writeFileSync(path.join(project, "babel.config.json"), recipe.files.get("babel.config.json")!);
    fs.mkdirSync(path.join(project, "src"));
    fs.writeFileSync(
      path.join(project, "src", "bad.ts"),
      'export async function f() {\n  "use structure";\n}\nexport function g() {\n  "use structured";\n}\n',
    );
    for (const tool of toolsOf(recipe.install).filter((tool) => tool.name !== pkg.name)) {
      linkTool(project, tool.name, sources[tool.name] ?? root);
    }
    const babel = binOf("babel", project);
    const { status, stderr } = await spawn(
      process.execPath,
      [babel, "src", "--out-dir", "dist", "--extensions", ".ts", "--no-highlight-code"],
      project,
    );
    expect(status).not.toBe(0);
    const file = path.join(project, "src", "bad.ts");
    expect(stderr.trim()).toBe(
      [
        `SyntaxError: ${file}: anyio-ts reported 2 errors:`,
        "",
        `${file}:2:3 - error TS99102: Unknown directive "use structure": did you mean "use structured"? Only the exact text "use structured" takes effect; fix the spelling (or remove the directive).`,
        "  1 | export async function f() {",
        '> 2 |   "use structure";',
        "    |   ^^^^^^^^^^^^^^^^",
        "  3 | }",
        "  4 | export function g() {",
        '  5 |   "use structured";',
        "",
        `${file}:5:3 - error TS99103: The directive "use structured" only applies to async functions, and this function is not async. Make the function async, or put the directive in the async functions it contains (or at the top of the file).`,
        "  3 | }",
        "  4 | export function g() {",
        '> 5 |   "use structured";',
        "    |   ^^^^^^^^^^^^^^^^^",
        "  6 | }",
        "  7 |",
        `    at ${file}:2:3`,
      ].join("\n"),
    );
  });
});
