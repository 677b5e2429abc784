// Puts the optional native addon anyio-ts-native into a build's output folder, under native/:
// its C source and a binding.gyp to build it from source there, the prebuilt binaries of
// prebuilds/ (made by `npm run prebuildify`), and a binary built from source in build/Release
// (by `npx node-gyp rebuild --nodedir=/usr`) when there is one. The runtime's loader
// (runtime/platform/node/native-addon.ts) looks in <out>/native first. Nothing here fails the
// build: without a binary the package works, and the calls that need the addon say how to get it.
//
//   node scripts/copy-native.cjs [outDir]     (default: dist)
const fs = require("node:fs");
const path = require("node:path");

const repo = path.resolve(__dirname, "..");
const outDir = path.resolve(process.argv[2] ?? path.join(repo, "dist"));
const target = path.join(outDir, "native");
const source = path.join(repo, "runtime", "platform", "node", "addon", "anyio_native.c");

fs.rmSync(target, { recursive: true, force: true });
fs.mkdirSync(target, { recursive: true });
fs.copyFileSync(source, path.join(target, "anyio_native.c"));

// The repository's binding.gyp names the source by its path in the repository; this one sits beside it.
const binding = JSON.parse(fs.readFileSync(path.join(repo, "binding.gyp"), "utf8"));
for (const t of binding.targets) t.sources = ["anyio_native.c"];
fs.writeFileSync(path.join(target, "binding.gyp"), JSON.stringify(binding, null, 2) + "\n");

const copied = [];
function copyTree(from, to) {
  if (!fs.existsSync(from)) return;
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, entry.name);
    const b = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(a, b);
    else if (entry.name.endsWith(".node")) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(a, b);
      copied.push(path.relative(outDir, b));
    }
  }
}
copyTree(path.join(repo, "prebuilds"), path.join(target, "prebuilds"));
const built = path.join(repo, "build", "Release", "anyio_ts_native.node");
if (fs.existsSync(built)) {
  fs.mkdirSync(path.join(target, "build", "Release"), { recursive: true });
  fs.copyFileSync(built, path.join(target, "build", "Release", "anyio_ts_native.node"));
  copied.push(path.relative(outDir, path.join(target, "build", "Release", "anyio_ts_native.node")));
}
console.log(
  copied.length > 0
    ? `anyio-ts-native: ${copied.join(", ")}`
    : "anyio-ts-native: no binary to ship (run `npm run prebuildify` or `npx node-gyp rebuild --nodedir=/usr` first); the package works without it",
);
