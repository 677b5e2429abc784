#!/usr/bin/env node
// Draws the README's benchmark chart from bench/results.json: one panel per scenario (spawn+join,
// cancel, heap), one bar per contender (the median over the run's repetitions), on a logarithmic
// axis because the contenders are orders of magnitude apart, with the scenario's budget as a
// dashed line. The SVG is plain text built here (no dependencies), and it is a pure function of
// results.json: tests/docs/bench-chart.test.ts checks that the committed docs/images/bench.svg is
// what this script makes of the committed results, so the picture cannot drift from the figures.
//
//   node scripts/bench-chart.cjs                  writes docs/images/bench.svg
//   node scripts/bench-chart.cjs --check          exits 1 when docs/images/bench.svg is stale
//   node scripts/bench-chart.cjs [--in F] [--out F]
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const repo = path.resolve(__dirname, "..");
const DEFAULT_IN = path.join(repo, "bench/results.json");
const DEFAULT_OUT = path.join(repo, "docs/images/bench.svg");

// Layout, in SVG user units (pixels at 100%).
const WIDTH = 880;
const LABEL_W = 250; // contender names, right-aligned against the bars
const VALUE_W = 120; // the figure printed after each bar
const BAR_H = 18;
const BAR_GAP = 8;
const PANEL_TITLE_H = 44;
const AXIS_H = 26;
const PANEL_GAP = 22;
const TOP = 48; // the chart's title and subtitle
const PLOT_W = WIDTH - LABEL_W - VALUE_W - 20;

/** The bar colour per contender: anyio-ts in one hue (darker when compiled), peers in greys. */
const COLOURS = {
  native: "#6b7280",
  effection: "#a78bfa",
  effect: "#f59e0b",
  "anyio-plain": "#93c5fd",
  "anyio-compiled": "#3b82f6",
  "anyio-transformer": "#1d4ed8",
};

const escape = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A figure with three significant digits (whole bytes for the heap), as the bench table writes. */
function figure(value, unit) {
  if (unit === "B/task") return `${Math.round(value).toLocaleString("en-US")} B`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : value >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} µs`;
}

/** Coordinates rounded to a tenth, so the text does not depend on floating-point noise. */
const r1 = (x) => Math.round(x * 10) / 10;

/**
 * The SVG text for a parsed results.json (`{ meta, results }` as bench/run.cjs writes it).
 * Scenarios and contenders appear in the order of the file.
 */
function render(data) {
  const { meta, results } = data;
  const scenarios = Object.keys(results);
  const out = [];
  let y = TOP;
  const body = [];
  for (const scenario of scenarios) {
    const info = meta.scenarios[scenario];
    const rows = Object.entries(results[scenario]).filter(([, entry]) => typeof entry.median === "number");
    const values = rows.map(([, entry]) => entry.median);
    if (typeof info.budget === "number") values.push(info.budget);
    const lo = Math.floor(Math.log10(Math.min(...values)));
    const hi = Math.ceil(Math.log10(Math.max(...values)));
    const x = (value) => LABEL_W + ((Math.log10(value) - lo) / (hi - lo)) * PLOT_W;
    const plotTop = y + PANEL_TITLE_H;
    const plotH = rows.length * (BAR_H + BAR_GAP);
    body.push(
      `<text x="${LABEL_W}" y="${y + 18}" class="panel">${escape(info.title)}, ${escape(info.unit)} (lower is better; ` +
        `${info.N.toLocaleString("en-US")} tasks)</text>`,
    );
    for (let decade = lo; decade <= hi; decade++) {
      const gx = r1(x(10 ** decade));
      const label = info.unit === "B/task" ? `${(10 ** decade).toLocaleString("en-US")} B` : `${10 ** decade} µs`;
      body.push(`<line x1="${gx}" y1="${plotTop - 4}" x2="${gx}" y2="${plotTop + plotH}" class="grid"/>`);
      body.push(`<text x="${gx}" y="${plotTop + plotH + 16}" class="tick">${escape(label)}</text>`);
    }
    // The budget line goes under the bars and figures.
    if (typeof info.budget === "number") {
      const gx = r1(x(info.budget));
      body.push(`<line x1="${gx}" y1="${plotTop - 6}" x2="${gx}" y2="${plotTop + plotH}" class="budget"/>`);
      body.push(`<text x="${gx + 4}" y="${plotTop - 9}" class="budgetlabel">budget ${escape(info.budgetText)}</text>`);
    }
    rows.forEach(([contender, entry], index) => {
      const by = plotTop + index * (BAR_H + BAR_GAP);
      const bx = LABEL_W;
      const bw = Math.max(1, r1(x(entry.median) - LABEL_W));
      const colour = COLOURS[contender] ?? "#9ca3af";
      const ratio = typeof entry.ratioToNative === "number" ? ` (${formatRatio(entry.ratioToNative)})` : "";
      body.push(`<text x="${LABEL_W - 8}" y="${by + BAR_H - 4}" class="name">${escape(entry.label)}</text>`);
      body.push(`<rect x="${bx}" y="${by}" width="${bw}" height="${BAR_H}" fill="${colour}"/>`);
      body.push(
        `<text x="${r1(bx + bw + 6)}" y="${by + BAR_H - 4}" class="value">${escape(figure(entry.median, info.unit))}${escape(ratio)}</text>`,
      );
    });
    y = plotTop + plotH + AXIS_H + PANEL_GAP;
  }
  const height = y - PANEL_GAP + 8;
  const subtitle =
    `bench/results.json, ${meta.date.slice(0, 10)}: Node ${meta.node}, ${meta.cpus} CPUs, ` +
    `median of ${meta.reps} processes each; ratio to native async/await in brackets`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
      `role="img" aria-label="anyio-ts benchmarks against native async/await, Effection and Effect">`,
  );
  out.push(
    "<style>" +
      "text{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;fill:#111827}" +
      ".title{font-size:16px;font-weight:600}.subtitle{font-size:11px;fill:#4b5563}" +
      ".panel{font-size:13px;font-weight:600}.name{font-size:12px;text-anchor:end}" +
      ".value{font-size:11px}.tick{font-size:10px;fill:#6b7280;text-anchor:middle}" +
      ".grid{stroke:#e5e7eb;stroke-width:1}.budget{stroke:#dc2626;stroke-width:1.5;stroke-dasharray:4 3}" +
      ".budgetlabel{font-size:10px;fill:#dc2626}" +
      "</style>",
  );
  out.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="12" y="22" class="title">Task groups and cancellation: anyio-ts against its peers</text>`);
  out.push(`<text x="12" y="38" class="subtitle">${escape(subtitle)}</text>`);
  out.push(...body);
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function formatRatio(ratio) {
  if (ratio >= 100) return `${Math.round(ratio)}x`;
  if (ratio >= 10) return `${ratio.toFixed(1)}x`;
  return `${ratio.toFixed(2)}x`;
}

module.exports = { render };

if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const index = args.indexOf(name);
    return index < 0 ? fallback : path.resolve(args[index + 1]);
  };
  const input = option("--in", DEFAULT_IN);
  const output = option("--out", DEFAULT_OUT);
  const svg = render(JSON.parse(fs.readFileSync(input, "utf8")));
  if (args.includes("--check")) {
    const current = fs.existsSync(output) ? fs.readFileSync(output, "utf8") : "";
    if (current !== svg) {
      console.error(`${path.relative(repo, output)} is stale: run node scripts/bench-chart.cjs`);
      process.exit(1);
    }
  } else {
    fs.writeFileSync(output, svg);
    console.log(`wrote ${path.relative(repo, output)}`);
  }
}
