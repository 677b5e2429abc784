// Copies the plain JavaScript files under transformer/ and runtime/ (they ship as they are, tsc
// does not emit them): the CommonJS shims (runtime/'s are what worker threads and processes
// load) and the ES module hooks of anyio-ts/register and anyio-ts/bun. `npm run build` runs it
// after tspc; so does the integration tests' cached build of the package.
//
//   node scripts/copy-shims.cjs [outDir]     (default: dist)
const fs = require("node:fs");
const path = require("node:path");

const repo = path.resolve(__dirname, "..");
const outDir = path.resolve(process.argv[2] ?? path.join(repo, "dist"));

function shims(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return shims(file);
    return /\.[cm]js$/.test(entry.name) ? [file] : [];
  });
}

for (const file of [...shims(path.join(repo, "transformer")), ...shims(path.join(repo, "runtime"))]) {
  const target = path.join(outDir, path.relative(repo, file));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(file, target);
}
