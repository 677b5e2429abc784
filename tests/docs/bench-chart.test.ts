// The README's benchmark chart is drawn from the committed figures, never by hand: the committed
// docs/images/bench.svg is exactly what scripts/bench-chart.cjs makes of the committed
// bench/results.json, so a new run written with `npm run bench -- --write` fails this test until
// the chart is redrawn (`node scripts/bench-chart.cjs`).
import * as fs from "node:fs";
import * as path from "node:path";

const repo = path.resolve(__dirname, "../..");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { render } = require(path.join(repo, "scripts/bench-chart.cjs")) as { render: (data: unknown) => string };

interface Results {
  meta: { scenarios: Record<string, { title: string; budget?: number }> };
  results: Record<string, Record<string, { label: string; median: number }>>;
}

const results = JSON.parse(fs.readFileSync(path.join(repo, "bench/results.json"), "utf8")) as Results;

describe("the benchmark chart", () => {
  test("docs/images/bench.svg is what scripts/bench-chart.cjs draws from bench/results.json", () => {
    const committed = fs.readFileSync(path.join(repo, "docs/images/bench.svg"), "utf8");
    expect(committed).toBe(render(results));
  });

  test("shows every scenario and contender of the results with its median", () => {
    const svg = render(results);
    for (const [scenario, contenders] of Object.entries(results.results)) {
      expect(svg).toContain(results.meta.scenarios[scenario].title);
      for (const { label } of Object.values(contenders)) expect(svg).toContain(`>${label}</text>`);
    }
    expect(svg.match(/<rect [^>]*height="18"/g)).toHaveLength(
      Object.values(results.results).reduce((n, contenders) => n + Object.keys(contenders).length, 0),
    );
    // A figure is printed as the bench table prints it: spawn+join of native async/await.
    const native = results.results.spawnJoin.native.median;
    expect(svg).toContain(`${native.toFixed(3)} µs (1.00x)`);
  });

  test("changes when the figures change, and a bar grows with its median", () => {
    const changed = structuredClone(results);
    const width = (svg: string, label: string): number => {
      const at = svg.indexOf(`>${label}</text>`);
      return Number(/<rect [^>]*width="([\d.]+)"/.exec(svg.slice(at))![1]);
    };
    const label = changed.results.spawnJoin.effect.label;
    changed.results.spawnJoin.effect.median *= 5;
    const before = render(results);
    const after = render(changed);
    expect(after).not.toBe(before);
    expect(width(after, label)).toBeGreaterThan(width(before, label));
  });

  test("is well-formed SVG text: one root element, no unescaped ampersands", () => {
    const svg = render(results);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<svg\b/g)).toHaveLength(1);
    expect(svg).not.toMatch(/&(?!amp;|lt;|gt;)/);
  });
});
