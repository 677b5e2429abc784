/**
 * The two codebases the compile-time benchmarks (bench/compile.ts in process, bench/compile-cli.ts
 * as whole commands) compile, copied to a directory of the caller's with `"use structured";`
 * inserted as the first statement of every file that contains `async`:
 *
 * - `effect`: the TypeScript sources the `effect` package ships in node_modules/effect/src/ (572
 *   files, 21.6 MB, few async functions: effect is written with generators).
 * - `small`: many small files of real async code, as a set of small async libraries: this tree's
 *   own runtime/ (structured code over sockets, files, processes, threads, streams and locks),
 *   `piscina`'s src/ (a worker-thread pool) and `exponential-backoff`'s src/ (a retry policy),
 *   the only installed packages that ship their async code as TypeScript. Test files
 *   (`*.spec.ts`, `*.test.ts`) are left out, and so is piscina's main.ts (five lines: an
 *   `export =`, which Babel compiles only together with its CommonJS transform).
 *
 * A file that already starts with the directive (runtime/ has some) is copied as it is.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** One codebase, copied and marked. */
export interface Corpus {
  /** `effect` or `small`. */
  readonly name: CorpusName;
  /** What it is, in a few words, for the report. */
  readonly description: string;
  /** The directory the files were copied to (the corpus's root). */
  readonly dir: string;
  /** Every copied `.ts` file (absolute paths, sorted). */
  readonly files: string[];
  /** How many files carry the directive. */
  readonly marked: number;
  /** Occurrences of the word `async` in all files (strings and comments included). */
  readonly asyncWords: number;
  /** Total size of the files in bytes. */
  readonly bytes: number;
}

/** The names of the corpora. */
export type CorpusName = "effect" | "small";

/** Both names, in the order the benchmarks run them. */
export const CORPUS_NAMES: readonly CorpusName[] = ["effect", "small"];

const ROOT = path.resolve(__dirname, "..");

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(full));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") && !/\.(spec|test)\.ts$/.test(entry.name))
      out.push(full);
  }
  return out.sort();
}

function packageSources(name: string): { from: string; to: string; label: string } {
  const dir = path.join(ROOT, "node_modules", name);
  const src = path.join(dir, "src");
  if (!fs.existsSync(src)) throw new Error(`${src} does not exist: the corpus needs the package's .ts sources`);
  const { version } = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string };
  return { from: src, to: name, label: `${name}@${version} src/` };
}

/** Where each corpus's files come from: source directories and where they go under the corpus root. */
function sourcesOf(name: CorpusName): { from: string; to: string; label: string }[] {
  if (name === "effect") return [{ ...packageSources("effect"), to: "." }];
  return [
    { from: path.join(ROOT, "runtime"), to: "anyio-ts-runtime", label: "anyio-ts runtime/" },
    packageSources("piscina"),
    packageSources("exponential-backoff"),
  ];
}

/**
 * Copies corpus `name` to `dest` (created if needed), with the directive in every file whose
 * text contains the word `async` (or in every file, when `markAll`).
 */
export function prepareCorpus(name: CorpusName, dest: string, markAll = false): Corpus {
  let marked = 0;
  let asyncWords = 0;
  let bytes = 0;
  const files: string[] = [];
  const labels: string[] = [];
  for (const source of sourcesOf(name)) {
    const list = listTs(source.from).filter((file) => !/^export =/m.test(fs.readFileSync(file, "utf8")));
    labels.push(`${source.label} (${list.length})`);
    for (const file of list) {
      const target = path.join(dest, source.to, path.relative(source.from, file));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      let text = fs.readFileSync(file, "utf8");
      asyncWords += (text.match(/\basync\b/g) ?? []).length;
      if (/^\s*["']use structured["']/.test(text)) marked++;
      else if (markAll || /\basync\b/.test(text)) {
        text = `"use structured";\n${text}`;
        marked++;
      }
      fs.writeFileSync(target, text);
      bytes += Buffer.byteLength(text);
      files.push(target);
    }
  }
  return { name, description: labels.join(" + "), dir: dest, files: files.sort(), marked, asyncWords, bytes };
}
