// anyio-ts/vite: examples/vite type-checked against Vite's own types and built with the `vite`
// CLI against anyio-ts as published, then run; and the plugin's transform hook on single files.
// (Vite 8 is ES modules only, which jest's VM does not load: the build runs as a child process.)
import * as fs from "node:fs";
import * as path from "node:path";
import { anyio, type ViteLog, type ViteTransformContext } from "../../transformer/vite";
import { EXAMPLE_OUTPUT, INTEGRATION_TIMEOUT, linkBuiltPackage, node, repo } from "./helpers";

const example = path.join(repo, "examples", "vite");

describe("examples/vite", () => {
  let buildLog: string;
  beforeAll(() => {
    linkBuiltPackage(example);
    fs.rmSync(path.join(example, "dist"), { recursive: true, force: true });
    buildLog = node([path.join(repo, "node_modules", "vite", "bin", "vite.js"), "build"], example);
  }, INTEGRATION_TIMEOUT);

  test("its config type-checks against Vite's Plugin type", () => {
    node([path.join(repo, "node_modules", "typescript", "bin", "tsc"), "-p", "."], example); // throws with tsc's errors
  });

  test("builds without warnings about the compiled file's directive", () => {
    expect(buildLog).toContain("dist/main.js");
    expect(buildLog).not.toMatch(/MODULE_LEVEL_DIRECTIVE|use structured/);
  });

  test("its bundle carries the rewrite: every await in main.ts goes through the runtime", () => {
    const bundle = fs.readFileSync(path.join(example, "dist", "main.js"), "utf8");
    expect(bundle).toMatch(/markStructured\(main\)/);
    expect(bundle).toMatch(/await \w+\.suspendCall\(\$c, \(\w+\.pre\(\$c\), slowForeignCall\(\)\), \d+\)/);
  });

  test("runs with node: the task group waits for both workers and the timeout cancels the foreign await", () => {
    expect(node(["dist/main.js"], example).trim().split("\n")).toEqual(EXAMPLE_OUTPUT);
  });
});

describe("the Vite plugin's transform hook", () => {
  interface Logged {
    warnings: ViteLog[];
    errors: ViteLog[];
  }

  async function transform(code: string, id: string, options: Parameters<typeof anyio>[0] = {}) {
    const plugin = anyio(options);
    plugin.configResolved({ root: "/app" });
    const logged: Logged = { warnings: [], errors: [] };
    const context: ViteTransformContext = {
      warn: (log) => void logged.warnings.push(log),
      error: (log) => {
        logged.errors.push(log);
        throw new Error(log.message);
      },
    };
    const result = await plugin.transform.call(context, code, id).catch((error: Error) => error);
    return { result, ...logged };
  }

  const structured = `"use structured";\nexport async function f(url: string): Promise<number> {\n  return (await fetch(url)).status;\n}\n`;

  test("runs before Vite's own transforms, so it sees async functions and types as written", () => {
    expect(anyio().enforce).toBe("pre");
  });

  test("rewrites a structured file, keeps its types for Vite, and returns a source map", async () => {
    const { result } = await transform(structured, "/app/src/a.ts?v=123");
    const { code, map } = result as { code: string; map: { sources: string[]; sourcesContent: string[] } };
    expect(code).toContain('import * as __rt from "anyio-ts/rt";');
    expect(code).toContain("const $c = __rt.enter($sites);");
    expect(code).toContain("Promise<number>");
    expect(code).not.toContain('"use structured";');
    expect(map.sources).toEqual(["a.ts"]);
    expect(map.sourcesContent).toEqual([structured]);
  });

  test("passes every other module through: plain files, node_modules, virtual modules, other languages", async () => {
    const plain = `export async function f() {\n  await fetch("x");\n}\n`;
    expect((await transform(plain, "/app/src/a.ts")).result).toBeNull();
    // Parsed (its text mentions the directive) but nothing in it is structured: the text is kept.
    const mention = `export const directive = "use structured";\nexport async function f() {\n  await fetch("x");\n}\n`;
    expect((await transform(mention, "/app/src/mention.ts")).result).toBeNull();
    expect((await transform(structured, "/app/node_modules/dep/a.ts")).result).toBeNull();
    expect((await transform(structured, "\0virtual:structured.ts")).result).toBeNull();
    expect((await transform(structured, "/app/src/page.vue")).result).toBeNull();
  });

  test("compiles TSX, with `include` globs relative to Vite's root", async () => {
    const component = `export async function load(): Promise<JSX.Element> {\n  await fetch("x");\n  return <p>done</p>;\n}\n`;
    const { result } = await transform(component, "/app/src/view.tsx", { include: ["src/**/*.tsx"] });
    expect((result as { code: string }).code).toContain("__rt.enter(");
    expect((result as { code: string }).code).toContain("<p>done</p>");
  });

  test("a root-relative runtimeModule is imported by its path from each file", async () => {
    const { result } = await transform(structured, "/app/src/jobs/a.ts", { runtimeModule: "./vendor/rt" });
    expect((result as { code: string }).code).toContain('import * as __rt from "../../vendor/rt";');
  });

  test("parses TypeScript's experimental decorators, parameters included", async () => {
    const code = `"use structured";\n@Injectable()\nexport class Service {\n  constructor(@Inject(A) private a: A) {}\n  async load() {\n    await this.a.get();\n  }\n}\n`;
    const { result } = await transform(code, "/app/src/service.ts");
    expect((result as { code: string }).code).toContain("@Inject(A)");
    expect((result as { code: string }).code).toContain("__rt.enter(");
  });

  test("fails the module with every error, its position and a code frame", async () => {
    const code = `export async function f() {\n  "use structure";\n}\nexport function g() {\n  "use structured";\n}\n`;
    const { errors } = await transform(code, "/app/src/bad.ts");
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(error!.message).toMatch(
      /^TS99102: Unknown directive "use structure"[^\n]*\n\n\/app\/src\/bad\.ts:5:3 - error TS99103: The directive "use structured" only applies[^\n]*\n {2}3 \| }\n {2}4 \| export function g\(\) {\n> 5 \|   "use structured";/,
    );
    expect(error!.loc).toEqual({ file: "/app/src/bad.ts", line: 2, column: 2 });
    expect(error!.frame).toContain('> 2 |   "use structure";');
    // Plain text even where colour is on (CI, FORCE_COLOR): the overlay shows escapes verbatim.
    expect(error!.frame).not.toContain("\u001b[");
  });

  test("sends warnings to Vite's log, or to onWarning when given", async () => {
    const code = `"use structured";\nexport async function f() {\n  await Promise.race([g(), g()]);\n}\nasync function g() {}\n`;
    const { warnings } = await transform(code, "/app/src/a.ts");
    expect(warnings.map((w) => [w.message.slice(0, 41), w.loc])).toEqual([
      ["TS99105: Promise.race() over calls runs t", { file: "/app/src/a.ts", line: 3, column: 8 }],
    ]);
    const received: number[] = [];
    const own = await transform(code, "/app/src/a.ts", { onWarning: (w) => received.push(w.code) });
    expect(own.warnings).toEqual([]);
    expect(received).toEqual([99105]);
  });

  test("rejects invalid options when the plugin is created", () => {
    expect(() => anyio({ include: [1] as unknown as string[] })).toThrow(
      /Expected `include` to be an array of glob strings/,
    );
    expect(() => anyio({ onWarning: "log" as unknown as () => void })).toThrow(
      "Expected `onWarning` to be a function, got `log` (string)",
    );
  });
});
