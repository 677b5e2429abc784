// Source maps of rewritten code, from each front end: the user's own expressions map back to
// where they were written, and the hook calls that wrap an await map to that await, so stack
// traces, breakpoints and coverage land on the original lines.
import * as babel from "@babel/core";
import { TraceMap, originalPositionFor, type SourceMapInput } from "@jridgewell/trace-mapping";
import * as ts from "typescript";
import anyioBabelPlugin from "../../transformer/babel";
import { createBundlerTransform } from "../../transformer/babel/bundler-transform";
import { jestFactory } from "../../transformer/typescript";

const input = `"use structured";
import { moveOnAfter, sleep } from "anyio-ts";

export async function load(url: string): Promise<number> {
  const response = await fetch(url);
  {
    using scope = moveOnAfter(10);
    await sleep(5);
  }
  try {
    return response.status;
  } catch (error) {
    throw error;
  }
}
`;

interface Compiled {
  code: string;
  map: SourceMapInput;
}

const frontEnds: [string, () => Promise<Compiled>][] = [
  [
    "the TypeScript plugin",
    async () => {
      const out = ts.transpileModule(input, {
        fileName: "/project/src/load.ts",
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.CommonJS,
          sourceMap: true,
          inlineSources: true,
        },
        transformers: { before: [jestFactory({ configSet: { compilerModule: ts, rootDir: "/project" } }, {})] },
      });
      return { code: out.outputText, map: JSON.parse(out.sourceMapText!) as SourceMapInput };
    },
  ],
  [
    "the Babel plugin (with preset-typescript and CommonJS modules)",
    async () => {
      const out = babel.transformSync(input, {
        filename: "/project/src/load.ts",
        babelrc: false,
        configFile: false,
        sourceMaps: true,
        presets: [require.resolve("@babel/preset-typescript")],
        plugins: [anyioBabelPlugin, require.resolve("@babel/plugin-transform-modules-commonjs")],
      })!;
      return { code: out.code!, map: out.map as SourceMapInput };
    },
  ],
  [
    "the Babel plugin as the Vite and esbuild plugins run it (TypeScript out)",
    async () => {
      const out = await createBundlerTransform().transform(input, "/project/src/load.ts", "/project");
      return { code: out!.code!, map: out!.map as SourceMapInput };
    },
  ],
];

/** 1-based line and 0-based column of the first match of `pattern` in `text` (source map conventions). */
function positionOf(text: string, pattern: RegExp | string): { line: number; column: number } {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const column = typeof pattern === "string" ? lines[i]!.indexOf(pattern) : lines[i]!.search(pattern);
    if (column >= 0) return { line: i + 1, column };
  }
  throw new Error(`${String(pattern)} is not in:\n${text}`);
}

describe.each(frontEnds)("source maps from %s", (_name, compile) => {
  let compiled: Compiled;
  let trace: TraceMap;
  beforeAll(async () => {
    compiled = await compile();
    trace = new TraceMap(compiled.map);
  });

  /** Where the generated text matching `generated` comes from in the input. */
  function origin(generated: RegExp | string) {
    const { line, column } = positionOf(compiled.code, generated);
    const original = originalPositionFor(trace, { line, column });
    return { line: original.line, column: original.column };
  }

  test("names the input file and carries its text as written", () => {
    const map = compiled.map as { sources: string[]; sourcesContent?: string[] };
    expect(map.sources.map((source) => source.split("/").pop())).toEqual(["load.ts"]);
    expect(map.sourcesContent).toEqual([input]);
  });

  test.each([
    ["a call awaited in a declaration", /fetch\(url\)/, "fetch(url)"],
    ["the initializer of a `using` declaration", /(?:\(0, [\w$]+\.)?moveOnAfter\)?\(10\)/, "moveOnAfter(10)"],
    ["an expression in a `try` block", /response\.status/, "response.status"],
    ["a statement in a `catch` block", /throw error/, "throw error"],
  ])("%s maps back to where it was written", (_what, generated, original) => {
    expect(origin(generated)).toEqual(positionOf(input, original));
  });

  test.each([
    ["fetch(url)", /fetch\(url\)/, "await fetch(url)"],
    ["sleep(5)", /sleep\)?\(5\)/, "await sleep(5)"],
  ])("the hook calls wrapping `await %s` map to the await", (_call, awaited, original) => {
    // The first hook call on the output line that holds the awaited call.
    const { line } = positionOf(compiled.code, awaited);
    const column = compiled.code.split("\n")[line - 1]!.indexOf("__rt.");
    expect(column).toBeGreaterThanOrEqual(0);
    const mapped = originalPositionFor(trace, { line, column });
    expect({ line: mapped.line, column: mapped.column }).toEqual(positionOf(input, original));
  });
});

/** The site table a compiled file declares: its path, then one `[function, line, column]` per site. */
function sitesOf(code: string): { file: string; sites: [string, number, number][] } {
  const declaration = /var \$sites = (\[.*\]);/.exec(code);
  if (declaration === null) throw new Error(`no site table in:\n${code}`);
  const [file, ...flat] = JSON.parse(declaration[1]!) as [string, ...(string | number)[]];
  const sites: [string, number, number][] = [];
  for (let i = 0; i < flat.length; i += 3)
    sites.push([flat[i] as string, flat[i + 1] as number, flat[i + 2] as number]);
  return { file, sites };
}

describe.each(frontEnds)("await sites from %s", (_name, compile) => {
  test("the site table holds each await's function, line and column as written", async () => {
    const { file, sites } = sitesOf((await compile()).code);
    expect(file.endsWith("load.ts")).toBe(true);
    const at = (text: string): [number, number] => {
      const { line, column } = positionOf(input, text);
      return [line, column + 1];
    };
    expect(sites).toEqual([
      ["load", ...at("await fetch(url)")],
      ["load", ...at("await sleep(5)")],
      ["load", ...at("using scope")],
    ]);
  });

  test("each await's hook gets the index of a site that its source map points at", async () => {
    const compiled = await compile();
    const trace = new TraceMap(compiled.map);
    const { sites } = sitesOf(compiled.code);
    const lines = compiled.code.split("\n");
    const seen: number[] = [];
    lines.forEach((text, i) => {
      const hook = /await __rt\.suspend(?:Call)?\(.*, (\d+)\)\)?;?$/.exec(text);
      if (hook === null) return;
      const index = Number(hook[1]);
      const mapped = originalPositionFor(trace, { line: i + 1, column: text.indexOf("await __rt.") });
      const [, line, column] = sites[index]!;
      expect({ line: mapped.line, column: mapped.column }).toEqual({ line, column: column - 1 });
      seen.push(index);
    });
    expect(seen.sort()).toEqual([0, 1]);
  });
});
