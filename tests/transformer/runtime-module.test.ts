// The `runtimeModule` option means the same in both front ends: a package specifier or an
// absolute path is imported as written; a path starting with `./` or `../` names a file relative
// to the project root (the tsconfig's directory, Babel's `root`, the bundlers' root), and each
// compiled file imports it by its own relative path.
import * as babel from "@babel/core";
import * as path from "node:path";
import * as ts from "typescript";
import anyioTransformer, { jestFactory } from "../../transformer/typescript";
import anyioBabelPlugin from "../../transformer/babel";
import { createBundlerTransform } from "../../transformer/babel/bundler-transform";
import { runtimeModuleSpecifier } from "../../transformer/core/runtime-module";

const root = path.resolve("/project");
const source = `"use structured";\nexport async function f() {\n  await fetch("x");\n}\n`;

/** The specifier of the runtime import in ES module output. */
function runtimeImport(code: string): string {
  const match = /import \* as __rt from "([^"]+)";/.exec(code);
  if (match === null) throw new Error(`no runtime import in:\n${code}`);
  return match[1]!;
}

const frontEnds: Record<string, (fileName: string, runtimeModule: string) => Promise<string>> = {
  async "tspc (ts-patch, root: the tsconfig's directory)"(fileName, runtimeModule) {
    const program = {
      getCompilerOptions: () => ({ configFilePath: path.join(root, "tsconfig.json") }),
      getCurrentDirectory: () => "/elsewhere",
    };
    const factory = anyioTransformer(program as unknown as ts.Program, { runtimeModule }, { ts });
    return emit(fileName, factory);
  },
  async "ts-jest (root: its rootDir)"(fileName, runtimeModule) {
    return emit(fileName, jestFactory({ configSet: { compilerModule: ts, rootDir: root } }, { runtimeModule }));
  },
  async "Babel (root: Babel's root)"(fileName, runtimeModule) {
    const out = babel.transformSync(source, {
      filename: fileName,
      root,
      cwd: "/elsewhere",
      babelrc: false,
      configFile: false,
      presets: [require.resolve("@babel/preset-typescript")],
      plugins: [[anyioBabelPlugin, { runtimeModule }]],
    });
    return runtimeImport(out!.code!);
  },
  async "Babel with a file name relative to cwd"(fileName, runtimeModule) {
    const out = babel.transformSync(source, {
      filename: path.relative(root, fileName),
      cwd: root,
      babelrc: false,
      configFile: false,
      presets: [require.resolve("@babel/preset-typescript")],
      plugins: [[anyioBabelPlugin, { runtimeModule }]],
    });
    return runtimeImport(out!.code!);
  },
  async "the Vite and esbuild plugins (root: the bundler's root)"(fileName, runtimeModule) {
    const out = await createBundlerTransform({ runtimeModule }).transform(source, fileName, root);
    return runtimeImport(out!.code!);
  },
};

function emit(fileName: string, factory: ts.TransformerFactory<ts.SourceFile>): string {
  const out = ts.transpileModule(source, {
    fileName,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    transformers: { before: [factory] },
  });
  return runtimeImport(out.outputText);
}

const cases: [file: string, runtimeModule: string, expected: string][] = [
  ["src/main.ts", "anyio-ts/rt", "anyio-ts/rt"],
  ["src/main.ts", "my-runtime/hooks", "my-runtime/hooks"],
  ["src/main.ts", "/opt/rt/index.js", "/opt/rt/index.js"],
  ["main.ts", "./lib/rt", "./lib/rt"],
  ["src/main.ts", "./lib/rt", "../lib/rt"],
  ["src/jobs/deep/main.ts", "./lib/rt", "../../../lib/rt"],
  ["lib/main.ts", "./lib/rt", "./rt"],
  ["lib/nested/main.ts", "./lib/rt.js", "../rt.js"],
  ["src/main.ts", "../shared/rt", "../../shared/rt"],
];

describe.each(Object.entries(frontEnds))("runtimeModule through %s", (_name, compile) => {
  test.each(cases)("in %s, %s is imported as %s", async (file, runtimeModule, expected) => {
    await expect(compile(path.join(root, file), runtimeModule)).resolves.toBe(expected);
  });
});

describe("runtimeModuleSpecifier", () => {
  test("is what every front end uses", () => {
    for (const [file, runtimeModule, expected] of cases) {
      expect(runtimeModuleSpecifier(root, runtimeModule, path.join(root, file))).toBe(expected);
    }
  });

  test("takes the file relative to the root as well", () => {
    expect(runtimeModuleSpecifier(root, "./lib/rt", "src/a.ts")).toBe("../lib/rt");
  });
});
