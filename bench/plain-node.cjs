// Runs a TypeScript benchmark under plain Node, as users run the built package: the script is
// transpiled with esbuild (types stripped, nothing bundled) into a hidden sibling file, which
// runs with `node` and the given Node flags, so child processes it starts (`--child` runs of
// bench/net.ts) are plain Node too.
//
//   node bench/plain-node.cjs [node flags] bench/files.ts [script arguments]
//   node bench/plain-node.cjs --expose-gc bench/net.ts --only echo
//
// Why: under tsx (`node --import tsx`), reading through the file room triggered a full garbage
// collection about every 2 MiB read (120 instead of 1 for 1.5 GiB, `--trace-gc`) and ran at
// 40-60% of plain Node, while fs/promises alone was unaffected; see bench/README.md, "Files".
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { transformSync } = require("esbuild");

const args = process.argv.slice(2);
const scriptAt = args.findIndex((arg) => arg.endsWith(".ts"));
if (scriptAt === -1) {
  console.error("usage: node bench/plain-node.cjs [node flags] <script.ts> [arguments]");
  process.exit(2);
}
const script = path.resolve(args[scriptAt]);
// Beside the script, so its relative paths (__dirname) mean the same; .gitignore lists the name.
const plain = path.join(path.dirname(script), `.plain-${path.basename(script, ".ts")}.cjs`);
const { code } = transformSync(fs.readFileSync(script, "utf8"), {
  loader: "ts",
  format: "cjs",
  target: `node${process.versions.node.split(".")[0]}`,
  sourcefile: script,
});
fs.writeFileSync(plain, code);
try {
  const result = spawnSync(process.execPath, [...args.slice(0, scriptAt), plain, ...args.slice(scriptAt + 1)], {
    stdio: "inherit",
  });
  process.exitCode = result.status ?? 1;
} finally {
  fs.rmSync(plain, { force: true });
}
