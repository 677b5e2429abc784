// The Babel plugin with @babel/preset-env: structured code compiled for older targets (async
// functions kept, async generators lowered, everything lowered to generators and regenerator)
// still cancels at an await and runs task groups, because the plugin rewrites each file when
// Babel enters it, before any preset's visitors see an async function. The compiled modules run
// here, in this process, against the runtime this test imports.
import * as babel from "@babel/core";
import { run } from "anyio-ts";
import anyioBabelPlugin from "../../transformer/babel";

const source = `"use structured";
import { createTaskGroup, getCurrentTask, moveOnAfter, sleep } from "anyio-ts";

/** A promise anyio-ts knows nothing about, settling after 10 s. */
function slowForeignCall(): Promise<string> {
  return new Promise((resolve) => setTimeout(() => resolve("finished"), 10_000).unref());
}

async function* ticks(count: number): AsyncGenerator<number> {
  for (let i = 0; i < count; i++) {
    await sleep(1);
    yield i;
  }
}

class Log {
  #events: string[] = [];
  add = (event: string): void => void this.#events.push(event);
  get events(): string[] {
    return this.#events;
  }
}

export async function main(): Promise<string[]> {
  const log = new Log();
  {
    await using tg = createTaskGroup();
    for (const [name, ms] of [["slow", 30], ["fast", 10]] as const) {
      tg.startSoon({ name }, async () => {
        await sleep(ms);
        log.add(\`\${getCurrentTask().name} done\`);
      });
    }
    tg.startSoon({ name: "timed-out" }, async () => {
      using _ = moveOnAfter(20);
      try {
        await slowForeignCall();
      } finally {
        log.add(\`\${getCurrentTask()?.name ?? "?"}: cleanup\`);
      }
    });
  }
  {
    using _ = moveOnAfter(5);
    log.add(await slowForeignCall());
  }
  log.add("moved on");
  for await (const tick of ticks(3)) log.add(\`tick \${tick}\`);
  return log.events;
}
`;

const EXPECTED = ["fast done", "timed-out: cleanup", "slow done", "moved on", "tick 0", "tick 1", "tick 2"];

/** The documented configuration: anyio-ts/babel in `plugins` (plugins run before presets), preset-env last. */
function compile(envOptions: Record<string, unknown>): string {
  return babel.transformSync(source, {
    filename: "/project/src/main.ts",
    babelrc: false,
    configFile: false,
    browserslistConfigFile: false,
    presets: [
      [require.resolve("@babel/preset-env"), { modules: "commonjs", ...envOptions }],
      require.resolve("@babel/preset-typescript"),
    ],
    plugins: [anyioBabelPlugin],
  })!.code!;
}

/** Loads a compiled CommonJS module with this test's `require`, so it shares the runtime. */
function load(code: string): { main: () => Promise<string[]> } {
  const module = { exports: {} as { main: () => Promise<string[]> } };
  new Function("exports", "require", "module", code)(module.exports, require, module);
  return module.exports;
}

describe.each([
  [
    "node 12 (async functions and async generators kept)",
    { targets: { node: "12" } },
    { asyncKept: true, generatorsKept: true },
  ],
  [
    "ES2017 browsers (async functions kept, async generators lowered)",
    { targets: { chrome: "58" } },
    { asyncKept: true, generatorsKept: false },
  ],
  ["preset-env's default targets (everything lowered to regenerator)", {}, { asyncKept: false, generatorsKept: false }],
])("with preset-env for %s", (_label, envOptions, expected) => {
  const code = compile(envOptions);

  test("the plugin rewrote the async functions before preset-env lowered them", () => {
    expect(code).toContain("__rt.enter(");
    expect(code).toMatch(/__rt\.suspendCall\(\$c, \(__rt\.pre\(\$c\), slowForeignCall\(\)\), \d+\)/);
    expect(code).toContain("__rt.markStructured(main)");
    expect(/\basync function\b/.test(code)).toBe(expected.asyncKept);
    expect(/\basync function\*/.test(code)).toBe(expected.generatorsKept);
    if (!expected.asyncKept) expect(code).toMatch(/_regenerator\w*\(\)/);
  });

  test("runs: the task group waits for its children, timeouts cancel foreign awaits, for await ticks", async () => {
    await expect(run(load(code).main)).resolves.toEqual(EXPECTED);
  });
});

describe("plugin order", () => {
  test("the rewrite happens when Babel enters the file, so a plugin that lowers async functions may even come first", async () => {
    const code = babel.transformSync(source, {
      filename: "/project/src/main.ts",
      babelrc: false,
      configFile: false,
      presets: [require.resolve("@babel/preset-typescript")],
      // preset-env's own plugins for async functions, async generators and `for await`.
      plugins: [
        require.resolve("@babel/plugin-transform-async-generator-functions"),
        require.resolve("@babel/plugin-transform-async-to-generator"),
        anyioBabelPlugin,
        require.resolve("@babel/plugin-transform-modules-commonjs"),
      ],
    })!.code!;
    expect(code).not.toMatch(/\basync function main\b/);
    await expect(run(load(code).main)).resolves.toEqual(EXPECTED);
  });

  test("a later Babel pass over already lowered code cannot compile it, and says so", () => {
    const lowered = babel.transformSync(`export async function f() {\n  "use structured";\n  await fetch("x");\n}\n`, {
      filename: "/project/src/a.js",
      babelrc: false,
      configFile: false,
      browserslistConfigFile: false,
      presets: [[require.resolve("@babel/preset-env"), { modules: false }]],
    })!.code!;
    expect(() =>
      babel.transformSync(lowered, {
        filename: "/project/src/a.js",
        babelrc: false,
        configFile: false,
        plugins: [anyioBabelPlugin],
      }),
    ).toThrow(/The directive "use structured" only applies to async functions/);
  });
});
