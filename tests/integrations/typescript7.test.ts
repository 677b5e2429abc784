// The TypeScript 7 route: TypeScript 7 has no transformer API, so its users type-check with `tsc`
// and emit through Babel with anyio-ts/babel. examples/typescript7 has its own package.json and
// lock (typescript@7 must not replace the repository's TypeScript 5.9 `tsc`), installed here with
// `npm ci`, and anyio-ts as published linked in.
import * as fs from "node:fs";
import * as path from "node:path";
import { EXAMPLE_OUTPUT, INTEGRATION_TIMEOUT, linkBuiltPackage, node, npmCi, repo, spawn } from "./helpers";

const example = path.join(repo, "examples", "typescript7");
const tsc = path.join(example, "node_modules", "typescript", "bin", "tsc");

describe("examples/typescript7", () => {
  beforeAll(() => {
    npmCi(example);
    linkBuiltPackage(example);
    fs.rmSync(path.join(example, "dist"), { recursive: true, force: true });
  }, INTEGRATION_TIMEOUT);

  test("has TypeScript 7 of its own", () => {
    expect(node([tsc, "--version"], example).trim()).toMatch(/^Version 7\./);
  });

  test("type-checks with tsc 7 against anyio-ts's declarations", () => {
    node([tsc, "-p", "."], example); // throws with tsc's errors
  });

  test("tsc 7 reports a type error in structured code", async () => {
    const dir = fs.mkdtempSync(path.join(example, ".type-error-"));
    try {
      fs.writeFileSync(
        path.join(dir, "wrong.ts"),
        `"use structured";\nimport { createTaskGroup, sleep } from "anyio-ts";\n` +
          `export async function f(): Promise<void> {\n  await using tg = createTaskGroup();\n  tg.startSoon(sleep, "10");\n}\n`,
      );
      const tsconfig = { extends: "../tsconfig.json", include: ["wrong.ts"] };
      fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
      const { status, stdout } = await spawn(process.execPath, [tsc, "-p", dir], example);
      expect(status).not.toBe(0);
      expect(stdout).toMatch(/wrong\.ts\(5,16\): error TS2769: No overload matches this call/); // `"10"` is not a number
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the TypeScript plugin, handed TypeScript 7's module, says what to install instead", () => {
    // What ts-jest or a script hands the plugin in a project with TypeScript 7: its `typescript`
    // module is a version stub with no compiler in it.
    const script = `
      const ts = require("typescript");
      try {
        require("anyio-ts/transformer").default(undefined, {}, { ts });
        console.log("loaded");
      } catch (error) {
        console.log(error.message);
      }`;
    const printed = node(["--preserve-symlinks", "-e", script], example).trim();
    expect(printed).toMatch(
      /^anyio-ts\/transformer was loaded by ts-patch with TypeScript 7\.\d+\.\d+: TypeScript 7 has no transformer API, /,
    );
    expect(printed).toContain("`npm install --save-dev typescript@5.9 ts-patch@3`");
    expect(printed).toContain("(`anyio-ts/babel`)");
  });

  describe("emitted by Babel with anyio-ts/babel", () => {
    beforeAll(() => {
      node(
        [
          path.join(example, "node_modules", "@babel", "cli", "bin", "babel.js"),
          "src",
          "--out-dir",
          "dist",
          "--extensions",
          ".ts",
        ],
        example,
      );
    }, INTEGRATION_TIMEOUT);

    test("the output is an ES module with the rewrite", () => {
      const output = fs.readFileSync(path.join(example, "dist", "main.js"), "utf8");
      expect(output).toContain('import * as __rt from "anyio-ts/rt";');
      expect(output).toContain("__rt.markStructured(main);");
      expect(output).toContain("const tg = $u.useAsync(createTaskGroup());");
      expect(output).not.toMatch(/: Promise<|type CancelScope/);
    });

    test("runs with node: the task group waits for both workers and the timeout cancels the foreign await", () => {
      expect(node(["dist/main.js"], example).trim().split("\n")).toEqual(EXAMPLE_OUTPUT);
    });
  });
});
