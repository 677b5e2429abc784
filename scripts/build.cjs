// Builds anyio-ts as it is published: `tspc -p tsconfig.build.json` into the output folder
// (default dist/, emptied first), plus the CommonJS shims under transformer/, which ship as
// they are. `npm run build` runs it; the integration tests build a copy elsewhere with it.
//
//   node scripts/build.cjs [outDir]
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const repo = path.resolve(__dirname, "..");
const outDir = path.resolve(process.argv[2] ?? path.join(repo, "dist"));

function shims(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return shims(file);
    return entry.name.endsWith(".cjs") ? [file] : [];
  });
}

fs.rmSync(outDir, { recursive: true, force: true });
const tspc = path.join(repo, "node_modules", "ts-patch", "bin", "tspc.js");
try {
  execFileSync(process.execPath, [tspc, "-p", "tsconfig.build.json", "--outDir", outDir], { cwd: repo, stdio: "inherit" });
} catch (error) {
  process.exit(typeof error.status === "number" ? error.status : 1);
}
for (const file of shims(path.join(repo, "transformer"))) {
  fs.copyFileSync(file, path.join(outDir, path.relative(repo, file)));
}
