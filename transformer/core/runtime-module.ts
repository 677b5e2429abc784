/**
 * Where compiled code imports the runtime hooks from, the same in both front ends: a
 * `runtimeModule` that starts with `./` or `../` names a file relative to the project root and
 * becomes, in each compiled file, the path from that file. Kept apart from ./options.ts because
 * it needs `node:path`, and option parsing must also load in a browser (the playground).
 */
import * as nodePath from "node:path";

/**
 * The specifier a compiled file imports the hooks from. A `runtimeModule` relative to the project
 * root (`./…`, `../…`) becomes the path from `fileName`'s directory to that file, always
 * starting with `./` or `../` and with `/` separators, so the import resolves the same from
 * every file; any other specifier (a package, an absolute path) is returned as it is.
 *
 * @param root - the project root: the tsconfig's directory, or Babel's `root`.
 * @param runtimeModule - the resolved `runtimeModule` option.
 * @param fileName - the compiled file, absolute or relative to `root`.
 * @example
 * runtimeModuleSpecifier("/p", "./lib/rt", "/p/src/jobs/a.ts"); // "../../lib/rt"
 * runtimeModuleSpecifier("/p", "anyio-ts/rt", "/p/src/a.ts"); // "anyio-ts/rt"
 */
export function runtimeModuleSpecifier(root: string, runtimeModule: string, fileName: string): string {
  if (!isRootRelative(runtimeModule)) return runtimeModule;
  const target = nodePath.resolve(root, runtimeModule);
  const relative = nodePath.relative(nodePath.dirname(nodePath.resolve(root, fileName)), target).replace(/\\/g, "/");
  return isRootRelative(relative) ? relative : `./${relative}`;
}

function isRootRelative(specifier: string): boolean {
  return /^\.\.?\//.test(specifier);
}
