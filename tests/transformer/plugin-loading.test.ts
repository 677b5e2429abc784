// The TypeScript plugin refuses, with a message that says what to do, the ways of loading it that
// cannot work: a TypeScript without a transformer API (TypeScript 7's `typescript` module is a
// version stub; 4.x is too old) and a language-service plugin entry (`"name"` instead of
// `"transform"`), which editors call with `{ typescript }` instead of a program.
// tests/integrations/typescript7.test.ts hands it TypeScript 7's real module.
import * as ts from "typescript";
import anyioTransformer, { jestFactory } from "../../transformer/typescript/index";
import { checkCompiler } from "../../transformer/typescript/check-compiler";

/** TypeScript 7's `require("typescript")`: its lib/version.cjs. */
const typescript7 = { version: "7.0.2", versionMajorMinor: "7.0" };

describe("loading the TypeScript plugin", () => {
  test("TypeScript 5 and 6 are accepted as they are", () => {
    expect(checkCompiler(ts, "ts-patch")).toBe(ts);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts6 = require("typescript6") as typeof ts;
    expect(checkCompiler(ts6, "ts-patch")).toBe(ts6);
  });

  test("ts-patch handing it TypeScript 7 fails with the version and both ways out", () => {
    const load = () => anyioTransformer(undefined, {}, { ts: typescript7 as unknown as typeof ts });
    expect(load).toThrow(
      "anyio-ts/transformer was loaded by ts-patch with TypeScript 7.0.2: TypeScript 7 has no transformer API, " +
        "so no plugin can rewrite code inside it. Install TypeScript 5.9 or 6 with ts-patch 3 " +
        "(`npm install --save-dev typescript@5.9 ts-patch@3`) and build with `npx tspc`, or keep TypeScript 7 for " +
        "type-checking and compile with the Babel plugin (`anyio-ts/babel`). See the Setup section of anyio-ts's README.",
    );
  });

  test("ts-jest with TypeScript 7 as its compiler fails the same way, naming ts-jest", () => {
    const load = () => jestFactory({ configSet: { compilerModule: typescript7 as unknown as typeof ts } });
    expect(load).toThrow(/^anyio-ts\/transformer was loaded by ts-jest with TypeScript 7\.0\.2: /);
  });

  test("a TypeScript older than 5 is refused as too old", () => {
    const ts4 = { ...ts, version: "4.9.5" };
    expect(() => anyioTransformer(undefined, {}, { ts: ts4 })).toThrow(
      /^anyio-ts\/transformer was loaded by ts-patch with TypeScript 4\.9\.5: it needs TypeScript 5 or 6\. /,
    );
  });

  test("a module that is not a compiler is refused, whatever it says its version is", () => {
    expect(() => checkCompiler({ version: "5.9.3" }, "a script")).toThrow(
      /^anyio-ts\/transformer was loaded by a script with TypeScript 5\.9\.3: that module has no transformer API\. /,
    );
    expect(() => checkCompiler(undefined, "a script")).toThrow(
      /^anyio-ts\/transformer was loaded by a script with a `typescript` module without a version: /,
    );
  });

  test("an editor loading it as a language-service plugin is told to use a transform entry and tspc", () => {
    // What tsserver does with `{ "name": "anyio-ts/transformer" }`: calls the module with `{ typescript }`.
    const asLanguageServicePlugin = anyioTransformer as unknown as (modules: { typescript: typeof ts }) => unknown;
    expect(() => asLanguageServicePlugin({ typescript: ts })).toThrow(
      'anyio-ts/transformer is a ts-patch transformer, and it was called with something that is not a TypeScript program (a language-service plugin entry, `{ "name": "anyio-ts/transformer" }`, is loaded this way by editors). List it as `{ "transform": "anyio-ts/transformer" }` in `compilerOptions.plugins` and build with `npx tspc` (ts-patch 3); plain `tsc` ignores transformer plugins. See the Setup section of anyio-ts\'s README.',
    );
  });

  test("a program from ts-loader's getCustomTransformers, without ts-patch's extras, is accepted", () => {
    const program = ts.createProgram([], { noEmit: true });
    const factory = anyioTransformer(program);
    const output = ts.transpileModule(`"use structured";\nexport async function f() {\n  await g();\n}\n`, {
      fileName: "/p/a.ts",
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
      transformers: { before: [factory] },
    }).outputText;
    expect(output).toContain("__rt.enter(");
  });
});
