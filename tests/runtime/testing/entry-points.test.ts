/**
 * Which entry points pull in fast-check: only anyio-ts/fast-check may, so that anyio-ts and
 * anyio-ts/jest load for users who never installed it (it is an optional peer dependency).
 */
import * as fs from "node:fs";
import * as path from "node:path";

const repo = path.resolve(__dirname, "../../..");

/** Every bare module a source file imports, following its relative imports through the repo. */
function bareImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const pending = [path.join(repo, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = fs.readFileSync(file, "utf8");
    for (const match of source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"|\brequire\("([^"]+)"\)/gm)) {
      const specifier = match[1] ?? match[2];
      if (!specifier.startsWith(".")) bare.add(specifier);
      else {
        const base = path.resolve(path.dirname(file), specifier);
        // A .ts module by its extensionless name, or a shipped .cjs/.mjs file (worker entries) by its own.
        const candidates = /\.[cm]js$/.test(base) ? [base] : [`${base}.ts`, path.join(base, "index.ts")];
        const found = candidates.find((candidate) => fs.existsSync(candidate));
        if (found === undefined)
          throw new Error(`${path.relative(repo, file)} imports ${specifier}, which is not a module file here`);
        pending.push(found);
      }
    }
  }
  return bare;
}

test.each(["runtime/index.ts", "runtime/testing/jest.ts"])("%s never imports fast-check", (entry) => {
  const imports = bareImports(entry);
  expect(imports.has("node:async_hooks")).toBe(entry.endsWith("jest.ts")); // the walk does reach the testing modules
  expect([...imports].filter((name) => name.startsWith("fast-check"))).toEqual([]);
});

test("runtime/testing/fast-check.ts is the entry point that does", () => {
  expect(bareImports("runtime/testing/fast-check.ts").has("fast-check")).toBe(true);
});
