// The compiler behind anyio-ts/register and anyio-ts/bun, in process: which files it compiles,
// the module format it decides, and its cache. tests/hosts/register.test.ts runs it on each host.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHostCompiler, declaredFormat } from "../../transformer/register/host-compiler";

const STRUCTURED = `"use structured";
export async function f(): Promise<number> {
  await Promise.resolve();
  return 1;
}
`;
const PLAIN_TS = "export const answer: number = 42;\n";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-host-compiler-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("createHostCompiler", () => {
  test("leaves a file without structured code to a host that strips types", () => {
    const compiler = createHostCompiler({ hostStripsTypes: true, cacheDir: false, root: dir });
    expect(compiler.compile(path.join(dir, "a.ts"), PLAIN_TS)).toBeUndefined();
    expect(compiler.compile(path.join(dir, "a.js"), "export const x = 1;\n")).toBeUndefined();
  });

  test("compiles every .ts file for a host that cannot strip types, structured or not", () => {
    const compiler = createHostCompiler({ hostStripsTypes: false, cacheDir: false, root: dir });
    const result = compiler.compile(path.join(dir, "a.ts"), PLAIN_TS, "module");
    expect(result?.format).toBe("module");
    expect(result?.code).toContain("export const answer = 42;");
    expect(result?.code).not.toContain("__rt");
  });

  test("rewrites structured code into plain JavaScript with an inline source map", () => {
    const compiler = createHostCompiler({ hostStripsTypes: true, cacheDir: false, root: dir });
    const result = compiler.compile(path.join(dir, "a.ts"), STRUCTURED, "module")!;
    expect(result.format).toBe("module");
    expect(result.code).toContain('import * as __rt from "anyio-ts/rt"');
    expect(result.code).toContain("__rt.enter(");
    expect(result.code).not.toContain("Promise<number>");
    const map = /sourceMappingURL=data:application\/json;base64,(.+)$/m.exec(result.code);
    expect(JSON.parse(Buffer.from(map![1]!, "base64").toString()).sources).toEqual(["a.ts"]);
  });

  test("requires the runtime in a CommonJS file", () => {
    const compiler = createHostCompiler({ hostStripsTypes: true, cacheDir: false, root: dir });
    const result = compiler.compile(path.join(dir, "a.cts"), STRUCTURED, "commonjs")!;
    expect(result.format).toBe("commonjs");
    expect(result.code).toContain('require("anyio-ts/rt")');
  });

  test("decides ES module syntax makes a module when nothing declares the format", () => {
    const compiler = createHostCompiler({ hostStripsTypes: true, cacheDir: false, root: dir });
    fs.writeFileSync(path.join(dir, "package.json"), "{}");
    expect(compiler.compile(path.join(dir, "a.ts"), STRUCTURED)?.format).toBe("module");
    const script = `"use structured";\nasync function g() { await Promise.resolve(); }\nmodule.exports = { g };\n`;
    expect(compiler.compile(path.join(dir, "b.ts"), script)?.format).toBe("commonjs");
  });

  test("never compiles files under node_modules", () => {
    const compiler = createHostCompiler({ hostStripsTypes: false, cacheDir: false, root: dir });
    expect(compiler.compile(path.join(dir, "node_modules", "p", "a.ts"), STRUCTURED)).toBeUndefined();
  });

  test("fails the file with a code frame for a transformer error", () => {
    const compiler = createHostCompiler({ hostStripsTypes: true, cacheDir: false, root: dir });
    const misspelled = `export async function f() {\n  "use structure";\n  await Promise.resolve();\n}\n`;
    expect(() => compiler.compile(path.join(dir, "a.ts"), misspelled, "module")).toThrow(/use structure/);
  });

  test("keeps compiled files in the cache directory, keyed by the file's text", () => {
    const cacheDir = path.join(dir, "cache");
    const compiler = createHostCompiler({ hostStripsTypes: true, cacheDir, root: dir });
    const first = compiler.compile(path.join(dir, "a.ts"), STRUCTURED, "module");
    expect(fs.readdirSync(cacheDir)).toHaveLength(1);
    expect(
      createHostCompiler({ hostStripsTypes: true, cacheDir, root: dir }).compile(
        path.join(dir, "a.ts"),
        STRUCTURED,
        "module",
      ),
    ).toEqual(first);
    expect(fs.readdirSync(cacheDir)).toHaveLength(1);
    compiler.compile(path.join(dir, "a.ts"), STRUCTURED + "// changed\n", "module");
    expect(fs.readdirSync(cacheDir)).toHaveLength(2);
  });
});

describe("declaredFormat", () => {
  test("reads the extension first, then the nearest package.json's type", () => {
    fs.mkdirSync(path.join(dir, "esm", "src"), { recursive: true });
    fs.writeFileSync(path.join(dir, "esm", "package.json"), JSON.stringify({ type: "module" }));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "plain" }));
    expect(declaredFormat(path.join(dir, "a.mts"))).toBe("module");
    expect(declaredFormat(path.join(dir, "esm", "a.cts"))).toBe("commonjs");
    expect(declaredFormat(path.join(dir, "esm", "src", "a.ts"))).toBe("module");
    expect(declaredFormat(path.join(dir, "a.ts"))).toBeUndefined();
  });
});
