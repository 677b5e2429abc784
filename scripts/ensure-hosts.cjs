// Installs the other hosts the host tests run programs on (Bun, Deno, the pinned Node 22 and 24:
// tests/hosts's own package, kept out of the root install) the first time `npm test` runs, so
// that `npm install && npm test` works on a fresh checkout. Does nothing once they are there.
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const hosts = path.resolve(__dirname, "..", "tests", "hosts");
const wanted = Object.keys(require(path.join(hosts, "package.json")).devDependencies);
if (!wanted.every((name) => fs.existsSync(path.join(hosts, "node_modules", name, "package.json")))) {
  console.log("installing the host binaries for the host tests (npm ci --prefix tests/hosts)");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  execFileSync(npm, ["ci", "--prefix", hosts, "--no-audit", "--no-fund"], { stdio: "inherit" });
}
