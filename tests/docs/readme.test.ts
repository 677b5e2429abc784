// The README's code is code that works: every TypeScript block compiles through both transformer
// front ends without a diagnostic, and the first one (the ten-line example a visitor reads first)
// runs as written, against a stand-in for `fetch`, doing what its comments say: the tasks of the
// group pass the scope's signal to `fetch`, and when one request fails the group cancels the other,
// whose request is aborted through that signal, not left running.
import * as babel from "@babel/core";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import anyioBabelPlugin from "../../transformer/babel/plugin";
import anyioTransformer from "../../transformer/typescript/index";
import * as runtime from "../../runtime/index";
import * as rt from "../../runtime/rt";

const repo = path.resolve(__dirname, "../..");
const README = fs.readFileSync(path.join(repo, "README.md"), "utf8");

/** The fenced blocks of a Markdown text in a language. */
function blocks(markdown: string, lang: string): string[] {
  const out: string[] = [];
  const fence = new RegExp("^```" + lang + "(?:\\s.*)?$");
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!fence.test(lines[i]!)) continue;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i]!);
    out.push(body.join("\n") + "\n");
  }
  return out;
}

const tsBlocks = blocks(README, "ts");

function compileWithBabel(code: string): string {
  const warnings: unknown[] = [];
  const result = babel.transformSync(code, {
    filename: path.join(repo, "readme-snippet.ts"),
    babelrc: false,
    configFile: false,
    presets: [require.resolve("@babel/preset-typescript")],
    plugins: [
      [anyioBabelPlugin, { onWarning: (warning: unknown) => warnings.push(warning) }],
      require.resolve("@babel/plugin-transform-modules-commonjs"),
    ],
  });
  expect(warnings).toEqual([]);
  return result!.code!;
}

describe("the README's links and pictures", () => {
  /** The targets of Markdown links and images that point into the repository. */
  const targets = [...README.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith("#"))
    .map((target) => target.split("#")[0]!);

  test("every file it links to or shows is in the repository", () => {
    expect(targets.length).toBeGreaterThan(10);
    expect(targets.filter((target) => !fs.existsSync(path.join(repo, target)))).toEqual([]);
  });

  test("shows the before/after screenshots, the benchmark chart and the compile pipeline", () => {
    const images = [...README.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((match) => match[1]);
    expect(images).toEqual([
      "docs/images/playground-timeout-promise-all.png",
      "docs/images/playground-timeout-task-group.png",
      "docs/images/bench.svg",
    ]);
    expect(blocks(README, "mermaid")).toHaveLength(1);
  });

  test("every section it links to exists, in the README and in the documents it links to", () => {
    // GitHub's anchors: the heading in lower case, without punctuation, spaces as hyphens.
    const slug = (heading: string): string =>
      heading
        .toLowerCase()
        .replace(/[^\w\s-]/g, "")
        .trim()
        .replace(/\s/g, "-");
    const anchorsOf = (markdown: string): Set<string> =>
      new Set([...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((match) => slug(match[1]!)));
    const links = [...README.matchAll(/\]\(([^)\s]*\.md)?#([^)]+)\)/g)].map((match) => ({
      file: match[1] ?? "README.md",
      anchor: match[2]!,
    }));
    expect(links.some((link) => link.file === "README.md")).toBe(true);
    expect(links.some((link) => link.file !== "README.md")).toBe(true);
    const missing = links.filter(
      ({ file, anchor }) => !anchorsOf(fs.readFileSync(path.join(repo, file), "utf8")).has(anchor),
    );
    expect(missing).toEqual([]);
  });

  test("bench/README.md's table of goals links to sections it has", () => {
    const bench = fs.readFileSync(path.join(repo, "bench/README.md"), "utf8");
    const slug = (heading: string): string =>
      heading
        .toLowerCase()
        .replace(/[^\w\s-]/g, "")
        .trim()
        .replace(/\s/g, "-");
    const anchors = new Set([...bench.matchAll(/^#{1,6} (.+)$/gm)].map((match) => slug(match[1]!)));
    const links = [...bench.matchAll(/\]\(#([^)]+)\)/g)].map((match) => match[1]!);
    expect(links.length).toBeGreaterThan(3);
    expect(links.filter((link) => !anchors.has(link))).toEqual([]);
  });
});

describe("the README's code", () => {
  test("has TypeScript blocks, the first of them structured code", () => {
    expect(tsBlocks.length).toBeGreaterThan(0);
    expect(tsBlocks[0]).toMatch(/^"use structured";\n/);
  });

  test.each(tsBlocks.map((code, index) => [index + 1, code]))(
    "TypeScript block %i compiles through the Babel plugin without a diagnostic",
    (_index, code) => {
      expect(compileWithBabel(code as string)).toContain("anyio-ts/rt");
    },
  );

  test.each(tsBlocks.map((code, index) => [index + 1, code]))(
    "TypeScript block %i compiles through the TypeScript transformer without a diagnostic",
    (_index, code) => {
      const diagnostics: ts.Diagnostic[] = [];
      const factory = anyioTransformer(undefined, {}, { ts, addDiagnostic: (d) => diagnostics.push(d) });
      const output = ts.transpileModule(code as string, {
        fileName: path.join(repo, "readme-snippet.ts"),
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
        transformers: { before: [factory] },
      });
      expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual([]);
      expect(output.outputText).toContain("anyio-ts/rt");
    },
  );

  describe("the first example, run as written", () => {
    type FakeFetch = (url: string, init?: { signal?: AbortSignal }) => Promise<{ status: number }>;

    /** Runs the example's compiled code with `fetch` replaced; what it logged and how `run()` ended. */
    async function runExample(fetch: FakeFetch): Promise<{ logged: unknown[][]; outcome: unknown }> {
      const compiled = compileWithBabel(tsBlocks[0]!);
      let finished: Promise<unknown> | undefined;
      const anyio = {
        ...runtime,
        run: (...args: Parameters<typeof runtime.run>) => (finished = runtime.run(...args)),
      };
      const logged: unknown[][] = [];
      const fakeConsole = { log: (...args: unknown[]) => logged.push(args) };
      const modules: Record<string, unknown> = { "anyio-ts": anyio, "anyio-ts/rt": rt };
      const load = (name: string): unknown => {
        if (!(name in modules)) throw new Error(`the README's example imports ${name}`);
        return modules[name];
      };
      const module = { exports: {} };
      new Function("require", "module", "exports", "fetch", "console", compiled)(
        load,
        module,
        module.exports,
        fetch,
        fakeConsole,
      );
      expect(finished).toBeDefined();
      const outcome = await finished!.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      return { logged, outcome };
    }

    test("fetches every URL with the scope's signal and prints each status", async () => {
      const signals: AbortSignal[] = [];
      const { logged, outcome } = await runExample(async (url, init) => {
        signals.push(init!.signal!);
        return { status: url.endsWith(".com/") ? 200 : 404 };
      });
      expect(outcome).toEqual({ value: undefined });
      expect(logged).toEqual([
        ["https://example.com/", 200],
        ["https://example.org/", 404],
      ]);
      expect(signals).toHaveLength(2);
      for (const signal of signals) expect(signal).toBeInstanceOf(AbortSignal);
    });

    test("one failed request cancels the other, and the other's request is aborted through the signal", async () => {
      const aborted: string[] = [];
      const failure = new Error("example.org is down");
      const { logged, outcome } = await runExample((url, init) => {
        if (url.includes("example.org")) return Promise.reject(failure);
        return new Promise((_resolve, reject) => {
          init!.signal!.addEventListener("abort", () => {
            aborted.push(url);
            reject(init!.signal!.reason);
          });
        });
      });
      expect(aborted).toEqual(["https://example.com/"]);
      expect(logged).toEqual([]);
      const { error } = outcome as { error: unknown };
      expect(error).toBeInstanceOf(runtime.ExceptionGroup);
      expect((error as InstanceType<typeof runtime.ExceptionGroup>).exceptions).toEqual([failure]);
    });
  });
});
