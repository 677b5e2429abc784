// The recipes of docs/getting-started.md, read from its code blocks, so that the package test
// builds exactly what the guide says. A block's info string names it: ```sh install (the npm
// lines), ```sh build (the commands, one per line), or ```json tsconfig.json (a file of the
// project, by path). Each `## ` section is a recipe; the blocks before the first section (the
// shared program, src/main.ts) belong to every recipe.
import * as fs from "node:fs";
import * as path from "node:path";
import { node as runNode, repo } from "../integrations/helpers";

export const GUIDE = path.join(repo, "docs/getting-started.md");

/** One fenced block: its language, its name (the second word of the info string) and its text. */
export interface Block {
  readonly lang: string;
  readonly name: string | undefined;
  readonly text: string;
}

/** One `## ` section of the guide. */
export interface Recipe {
  readonly title: string;
  /** The npm lines of its `install` block. */
  readonly install: string[];
  /** The commands of its `build` block; empty for a section that is not a recipe. */
  readonly build: string[];
  /** The files it writes: path -> text (the shared ones included). */
  readonly files: Map<string, string>;
  readonly blocks: Block[];
}

/** Every fenced block of a Markdown text, in order, with the `## ` heading it sits under. */
export function blocksOf(markdown: string): { section: string | undefined; block: Block }[] {
  const out: { section: string | undefined; block: Block }[] = [];
  let section: string | undefined;
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const heading = /^## (.+)$/.exec(lines[i]!);
    if (heading) section = heading[1]!.trim();
    const fence = /^```(\S+)(?:\s+(\S+))?\s*$/.exec(lines[i]!);
    if (!fence) continue;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i]!);
    out.push({ section, block: { lang: fence[1]!, name: fence[2], text: body.join("\n") + "\n" } });
  }
  return out;
}

/** The recipes of docs/getting-started.md: sections with a `build` block. */
export function recipes(markdown = fs.readFileSync(GUIDE, "utf8")): Recipe[] {
  const all = blocksOf(markdown);
  const shared = all.filter(({ section }) => section === undefined).map(({ block }) => block);
  const titles = [...new Set(all.map(({ section }) => section).filter((s): s is string => s !== undefined))];
  return titles
    .map((title) => {
      const blocks = all.filter(({ section }) => section === title).map(({ block }) => block);
      const named = (name: string) =>
        blocks
          .find((block) => block.name === name)
          ?.text.trim()
          .split("\n") ?? [];
      const files = new Map<string, string>();
      for (const block of [...shared, ...blocks]) {
        if (block.name !== undefined && block.name !== "install" && block.name !== "build") {
          files.set(block.name, block.text);
        }
      }
      return { title, install: named("install"), build: named("build"), files, blocks };
    })
    .filter((recipe) => recipe.build.length > 0);
}

/** A package named on an `npm install` line, with the version range it asks for. */
export interface Tool {
  readonly name: string;
  readonly range: string | undefined;
  readonly dev: boolean;
}

/** The packages of a recipe's `npm install` lines. */
export function toolsOf(install: readonly string[]): Tool[] {
  return install.flatMap((line) => {
    const words = line.trim().split(/\s+/);
    if (words[0] !== "npm" || words[1] !== "install") throw new Error(`not an npm install line: ${line}`);
    const dev = words.includes("--save-dev") || words.includes("-D");
    return words
      .slice(2)
      .filter((word) => !word.startsWith("-"))
      .map((spec) => {
        const at = spec.indexOf("@", 1);
        return at < 0
          ? { name: spec, range: undefined, dev }
          : { name: spec.slice(0, at), range: spec.slice(at + 1), dev };
      });
  });
}

/** Whether `version` is in `range` (npm's semver, as npm would check it). */
export function satisfies(version: string, range: string): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const semver = require(require.resolve("semver", { paths: [repo] })) as {
    satisfies(version: string, range: string): boolean;
  };
  return semver.satisfies(version, range);
}

/**
 * Makes `project`/node_modules/`name` a link to the copy found under `from` (a folder with a
 * node_modules). A scope folder (`@types`, `@babel`) is made a real folder first: linking the
 * whole scope would let a later `npm install` in the project prune packages through the link.
 */
export function linkTool(project: string, name: string, from: string): string {
  const source = path.join(from, "node_modules", name);
  if (!fs.existsSync(path.join(source, "package.json"))) throw new Error(`${name} is not installed in ${from}`);
  const target = path.join(project, "node_modules", name);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (fs.lstatSync(path.dirname(target)).isSymbolicLink()) throw new Error(`${path.dirname(target)} is a link`);
  fs.rmSync(target, { recursive: true, force: true });
  fs.symlinkSync(source, target, "dir");
  return source;
}

/** The version of the package installed at `dir`. */
export function versionAt(dir: string): string {
  return (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version;
}

/**
 * Runs one command of a `build` block in `project`, as a shell would: `node <file>` with this
 * Node, `npx <bin>` with the bin of the package in the project's node_modules that declares it.
 * Returns what it printed on stdout.
 */
export function runCommand(line: string, project: string): string {
  const words = line.trim().split(/\s+/);
  if (words[0] === "node") return runNode(words.slice(1), project);
  if (words[0] === "npx") return runNode([binOf(words[1]!, project), ...words.slice(2)], project);
  throw new Error(`cannot run \`${line}\`: only \`node\` and \`npx\` commands are expected in a recipe`);
}

/** The file of the bin `bin` among the packages in `project`/node_modules (scoped ones too). */
export function binOf(bin: string, project: string): string {
  const modules = path.join(project, "node_modules");
  const packages = fs
    .readdirSync(modules)
    .flatMap((name) =>
      name.startsWith("@") ? fs.readdirSync(path.join(modules, name)).map((inner) => `${name}/${inner}`) : [name],
    );
  for (const name of packages) {
    const manifestFile = path.join(modules, name, "package.json");
    if (!fs.existsSync(manifestFile)) continue;
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as {
      name: string;
      bin?: string | Record<string, string>;
    };
    const bins = typeof manifest.bin === "string" ? { [manifest.name]: manifest.bin } : (manifest.bin ?? {});
    if (bins[bin] !== undefined) return path.join(modules, name, bins[bin]);
  }
  throw new Error(`no package in ${modules} has a \`${bin}\` bin`);
}
