// The binaries of the other hosts the tests run programs on. They come from tests/hosts's own
// package (`npm ci --prefix tests/hosts`, which .ci/run does), not the root install: Bun, Deno
// and two Node releases weigh about 400 MB that a user of the repository does not need.
import * as fs from "node:fs";
import * as path from "node:path";

const modules = path.join(__dirname, "node_modules");

/** Where each host's binary is once tests/hosts is installed. */
const BINARIES = {
  node22: path.join(modules, "node22", "bin", "node"),
  node24: path.join(modules, "node24", "bin", "node"),
  bun: path.join(modules, ".bin", "bun"),
  deno: path.join(modules, ".bin", "deno"),
} as const;

/** A host's binary; a missing one fails the test with how to install it. */
export function hostBinary(name: keyof typeof BINARIES): string {
  const file = BINARIES[name];
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: install the other hosts with \`npm ci --prefix tests/hosts\``);
  }
  return file;
}
