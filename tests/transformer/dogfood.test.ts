// Dogfooding: the runtime's modules above the core are structured code compiled by this
// transformer, in `npm run build` (tspc with the plugin of tsconfig.build.json) and under jest
// (the astTransformers of jest.config.cjs). Checks that every such module compiles cleanly both
// ways, and that the build's output imports the hooks by a path that exists.
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import anyioTransformer, { jestFactory } from "../../transformer/typescript/index";

const repo = path.resolve(__dirname, "../..");
const ROOMS = [
  "runtime/sync",
  "runtime/streams",
  "runtime/testing",
  "runtime/net",
  "runtime/fs",
  "runtime/process",
  "runtime/threads",
];
const files = ROOMS.flatMap((dir) =>
  fs
    .readdirSync(path.join(repo, dir))
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .map((name) => path.join(repo, dir, name)),
).sort();

function emit(file: string, source: string, before: ts.TransformerFactory<ts.SourceFile>[] = []): string {
  return ts.transpileModule(source, {
    fileName: file,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS },
    transformers: { before },
  }).outputText;
}

/** The plugin entry of tsconfig.build.json, as ts-patch reads it. */
function buildPlugin(): Record<string, unknown> {
  const configFile = path.join(repo, "tsconfig.build.json");
  const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
  const plugins =
    (config as { compilerOptions: { plugins?: Record<string, unknown>[] } }).compilerOptions.plugins ?? [];
  const entry = plugins.find((p) => String(p.transform).includes("transformer/typescript"));
  if (entry === undefined) throw new Error("tsconfig.build.json has no anyio-ts plugin entry");
  return entry;
}

const structured = files.filter((file) => /^"use structured";/.test(fs.readFileSync(file, "utf8")));

describe("the build", () => {
  test("compiles with the plugin, loaded from the repository's sources", () => {
    const entry = buildPlugin();
    expect(fs.existsSync(path.resolve(repo, String(entry.transform)))).toBe(true);
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")) as { scripts: { build: string } };
    expect(pkg.scripts.build).toMatch(/\btspc -p tsconfig\.build\.json\b/);
  });

  test("runtime/testing/jest.ts is structured code", () => {
    expect(structured).toContain(path.join(repo, "runtime/testing/jest.ts"));
  });

  test.each(structured.map((file) => path.relative(repo, file)))(
    "%s imports the hooks by a relative path that resolves to runtime/rt",
    (relative) => {
      const file = path.join(repo, relative);
      const { transform, ...options } = buildPlugin();
      void transform;
      const program = { getCompilerOptions: () => ({ configFilePath: path.join(repo, "tsconfig.build.json") }) };
      const added: ts.Diagnostic[] = [];
      const factory = anyioTransformer(program as unknown as ts.Program, options, {
        ts,
        addDiagnostic: (d) => added.push(d),
      });
      const output = emit(file, fs.readFileSync(file, "utf8"), [factory]);
      expect(added).toEqual([]);
      const specifier = /const __rt = require\("([^"]+)"\)/.exec(output)?.[1];
      expect(specifier).toMatch(/^\.\.?\//);
      expect(path.resolve(path.dirname(file), specifier!) + ".ts").toBe(path.join(repo, "runtime/rt.ts"));
    },
  );
});

describe.each(files.map((file) => path.relative(repo, file)))("%s with a file-level directive", (relative) => {
  const file = path.join(repo, relative);
  const text = fs.readFileSync(file, "utf8");
  const source = /^"use structured";/.test(text) ? text : `"use structured";\n${text}`;

  test("compiles under jest's adapter without diagnostics", () => {
    const factory = jestFactory({ configSet: { compilerModule: ts, rootDir: repo } }, {});
    expect(() => emit(file, source, [factory])).not.toThrow();
  });

  // The primitives return their Waiter's promise (a tagged primitive promise) from plain methods:
  // there is no async function to rewrite, and the output must stay exactly TypeScript's own.
  if (!/\basync\s+(function\b|\(|[A-Za-z_$][\w$]*\s*\(|\[)/.test(text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ""))) {
    test("is emitted exactly as without the plugin (no async functions)", () => {
      const factory = jestFactory({ configSet: { compilerModule: ts, rootDir: repo } }, {});
      expect(emit(file, source, [factory])).toBe(emit(file, source));
    });
  }
});
