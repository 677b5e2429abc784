// The documentation says what the code does:
//
// 1. Every diagnostic of transformer/core/messages.ts (the `messages` record: code, severity,
//    format) is a row of docs/transformer.md's Diagnostics table, as `TS<code>` with the same
//    severity, and the table lists no other code. Codes are unique, and every `TS99xxx` cited
//    anywhere in docs/ or README.md is one of them.
// 2. The repository cites only documents it contains. Its own files (runtime/, transformer/,
//    docs/, tests/, bench/, examples/, playground/, scripts/, .ci/run, README.md, CHANGELOG.md and
//    the root's jest and Babel configurations; source and
//    Markdown files, not JSON data, build output or node_modules) must not send a reader to a
//    document that lives beside the repository (the project's shared/ folder: API.md, DESIGN.md,
//    STYLE.md, reference/anyio-semantics.md), because a reader of the repository or of the npm
//    package cannot follow the citation. Caught by text, comments and strings alike:
//    - a `*.md` path that resolves to no file inside the repository, from the citing file's
//      folder or from the repository root (`API.md`, `shared/API.md`, `../shared/DESIGN.md`);
//    - a relative path to a `shared` or `reference` folder that climbs out of the repository
//      (`../shared/...` from the root; module paths in tests that stay inside are fine), or an
//      absolute path into the shared folder (`/work/shared`), or `shared/reference`,
//      `shared/hooks`;
//    - a citation of the semantics reference by name (`anyio-semantics`) or by section
//      (`reference B.4`, `B.2 rule 11`): its sections are numbered in that document only.
//    This file names those documents to find them, so it is not scanned itself.
//    CITATION_ALLOW_LIST is empty, so every citation fails with its line (and an entry that
//    matches no citation fails too).
// 3. A code has one spelling, the table's (`TS99102`, as `tsc` prints it): in what tspc, the Babel
//    plugin, the Vite and esbuild plugins and the playground report for the same file, and in
//    the repository's text (no `anyio-ts(99102)` or `anyio-ts 99102` left anywhere but in the
//    CHANGELOG, which says what changed).
import * as babel from "@babel/core";
import * as esbuild from "esbuild";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { diagnosticCode, messages } from "../../transformer/core/messages";
import anyioBabelPlugin from "../../transformer/babel/plugin";
import { anyio as anyioEsbuild } from "../../transformer/esbuild";
import anyioTransformer from "../../transformer/typescript/index";
import { anyio as anyioVite, type ViteLog } from "../../transformer/vite";

const repo = path.resolve(__dirname, "../..");
const rel = (file: string): string => path.relative(repo, file).split(path.sep).join("/");

/** The document a section citation such as "reference B.4 rule 30" points into. */
const REFERENCE = "reference/anyio-semantics.md";

/**
 * Citations of documents outside the repository that are let through: file -> the documents it
 * cites (as written, or REFERENCE for section citations). Empty, and meant to stay so: a file
 * says what it means in its own words, or cites a document that ships with the repository.
 */
const CITATION_ALLOW_LIST: Record<string, readonly string[]> = {};

// ---------------------------------------------------------------------------------------------
// 1. Diagnostics table

/** The rows of the table under `## Diagnostics` in docs/transformer.md: code -> severity. */
function diagnosticsTable(): { rows: Map<string, string>; duplicates: string[] } {
  const text = fs.readFileSync(path.join(repo, "docs/transformer.md"), "utf8");
  const lines = text.split("\n");
  const start = lines.findIndex((line) => /^##\s+Diagnostics\s*$/.test(line));
  if (start < 0) throw new Error("docs/transformer.md has no `## Diagnostics` section");
  const end = lines.findIndex((line, index) => index > start && /^##?\s/.test(line));
  const section = lines.slice(start + 1, end < 0 ? undefined : end);
  const tableLines = section.filter((line) => line.trim().startsWith("|"));
  const cells = (line: string): string[] =>
    line
      .trim()
      .replace(/^\||\|$/g, "")
      .split("|")
      .map((cell) => cell.trim());
  const header = cells(tableLines[0] ?? "").map((cell) => cell.toLowerCase());
  const codeColumn = header.indexOf("code");
  const severityColumn = header.indexOf("severity");
  if (codeColumn < 0 || severityColumn < 0) {
    throw new Error(`docs/transformer.md's Diagnostics table has no "code" and "severity" columns: ${tableLines[0]}`);
  }
  const rows = new Map<string, string>();
  const duplicates: string[] = [];
  for (const line of tableLines.slice(1)) {
    const row = cells(line);
    if (row.every((cell) => /^:?-+:?$/.test(cell))) continue; // the separator row
    const code = row[codeColumn].replace(/`/g, "");
    if (rows.has(code)) duplicates.push(code);
    rows.set(code, row[severityColumn].replace(/`/g, "").toLowerCase());
  }
  return { rows, duplicates };
}

const withArticle = (word: string): string => `${/^[aeiou]/.test(word) ? "an" : "a"} ${word}`;

/** The diagnostics messages.ts defines: `TS<code>` -> severity, with the key of each. */
const defined = Object.entries(messages).map(([key, kind]) => ({
  key,
  code: `TS${kind.code}`,
  severity: kind.severity,
}));

describe("docs/transformer.md's Diagnostics table", () => {
  test("messages.ts defines diagnostics, each with its own code", () => {
    expect(defined.length).toBeGreaterThan(0);
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const { key, code } of defined) {
      if (seen.has(code)) clashes.push(`messages.${key} and messages.${seen.get(code)} share ${code}`);
      seen.set(code, key);
    }
    expect(clashes).toEqual([]);
  });

  test("lists every diagnostic of transformer/core/messages.ts with its severity, and no other", () => {
    const { rows, duplicates } = diagnosticsTable();
    const problems: string[] = duplicates.map((code) => `docs/transformer.md lists ${code} twice`);
    for (const { key, code, severity } of defined) {
      const documented = rows.get(code);
      if (documented === undefined) {
        problems.push(
          `transformer/core/messages.ts defines ${code} (messages.${key}, ${severity}), missing from docs/transformer.md's Diagnostics table`,
        );
      } else if (documented !== severity) {
        problems.push(
          `docs/transformer.md says ${code} is ${withArticle(documented)}, transformer/core/messages.ts ` +
            `(messages.${key}) makes it ${withArticle(severity)}`,
        );
      }
    }
    const codes = new Set(defined.map(({ code }) => code));
    for (const code of rows.keys()) {
      if (!codes.has(code))
        problems.push(
          `docs/transformer.md's Diagnostics table lists ${code}, which transformer/core/messages.ts does not define`,
        );
    }
    expect(problems).toEqual([]);
  });

  test("every TS99xxx code cited in docs/ and README.md exists", () => {
    const codes = new Set(defined.map(({ code }) => code));
    const files = [
      path.join(repo, "README.md"),
      ...walk(path.join(repo, "docs")).filter((file) => file.endsWith(".md")),
    ];
    const problems: string[] = [];
    for (const file of files) {
      fs.readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, index) => {
          for (const match of line.matchAll(/\bTS99\d{3}\b/g)) {
            if (!codes.has(match[0])) {
              problems.push(
                `${rel(file)}:${index + 1} cites ${match[0]}, which transformer/core/messages.ts does not define`,
              );
            }
          }
        });
    }
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Citations of documents outside the repository

const SCANNED = [
  "runtime",
  "transformer",
  "docs",
  "tests",
  "bench",
  "examples",
  "playground",
  "scripts",
  ".ci/run",
  "README.md",
  "CHANGELOG.md",
  "jest.config.cjs",
  "babel.config.js",
];
const SKIPPED_DIRECTORIES = new Set(["node_modules", "dist", "coverage", ".tmp"]);
const SCANNED_EXTENSIONS = /\.(?:[cm]?[jt]sx?|md|html|css)$/;

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) out.push(...walk(full));
    } else if (SCANNED_EXTENSIONS.test(entry.name)) {
      out.push(full);
    }
  }
  return out;
}

/** The files scanned: this test names the documents it looks for, so it is left out. */
function scannedFiles(): string[] {
  return SCANNED.flatMap((name) => {
    const full = path.join(repo, name);
    if (!fs.existsSync(full)) return [];
    return fs.statSync(full).isDirectory() ? walk(full) : [full];
  })
    .filter((file) => file !== __filename)
    .sort();
}

interface Citation {
  readonly file: string;
  readonly line: number;
  /** The document cited, as written (or REFERENCE for a section citation). */
  readonly document: string;
  /** The text that cites it. */
  readonly text: string;
}

const isInsideRepo = (target: string): boolean => target === repo || target.startsWith(repo + path.sep);

/** Whether a `*.md` path names a document of the repository (from the citing file or the root). */
function resolvesInRepo(file: string, cited: string): boolean {
  return [path.resolve(path.dirname(file), cited), path.resolve(repo, cited)].some(
    (target) => isInsideRepo(target) && fs.existsSync(target),
  );
}

/** URLs cite web pages, not files: blanked out (same length, so columns and lines stay put). */
const URLS = /\b[a-z][a-z0-9+.-]*:\/\/[^\s)>\]"'`]*/gi;
const MARKDOWN_PATH = /(?<![\w.\/-])(?:\.{1,2}\/)*(?:[\w-][\w.-]*\/)*[\w-][\w.-]*\.md(?![\w-])/g;
const CLIMBING_PATH = /(?<![\w.\/-])(?:\.\.\/)+(?:shared|reference)(?:\/[\w.-]*[\w-])*/g;
const SHARED_FOLDER = /\/work\/shared\b|\bshared\/(?:reference|hooks)\b/g;
const REFERENCE_BY_NAME = /\banyio-semantics\b/g;
const REFERENCE_SECTION = /\breference (?:section )?[A-Z]\.\d+|\b[A-Z]\.\d+ rules? \d+/g;

/** The citations of documents outside the repository in `file` (whose text is `text`). */
function citationsIn(file: string, text = fs.readFileSync(file, "utf8")): Citation[] {
  const found: Citation[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, index) => {
    const line = raw.replace(URLS, (url) => " ".repeat(url.length));
    const cite = (document: string, text: string): void => {
      found.push({ file, line: index + 1, document, text });
    };
    for (const [text] of line.matchAll(MARKDOWN_PATH)) {
      if (!resolvesInRepo(file, text)) cite(text, text);
    }
    for (const [text] of line.matchAll(CLIMBING_PATH)) {
      if (!/\.md$/.test(text) && !isInsideRepo(path.resolve(path.dirname(file), text))) cite(text, text);
    }
    for (const [text] of line.matchAll(SHARED_FOLDER)) cite(text, text);
    for (const [text] of line.matchAll(REFERENCE_BY_NAME)) cite(REFERENCE, text);
    for (const [text] of line.matchAll(REFERENCE_SECTION)) cite(REFERENCE, text);
  });
  return found;
}

describe("citations", () => {
  test("the scan reads the repository's own files and recognises citations", () => {
    const files = scannedFiles().map(rel);
    expect(files).toEqual(
      expect.arrayContaining([
        "README.md",
        "docs/transformer.md",
        "docs/semantics.md",
        "transformer/core/messages.ts",
        "playground/screenshots.cjs",
        "scripts/bench-chart.cjs",
        "bench/run.cjs",
      ]),
    );
    expect(files.some((file) => file.includes("node_modules/") || file.startsWith("examples/vite/dist/"))).toBe(false);
    const probe = path.join(repo, "docs/probe.md");
    const documents = (text: string): string[] => citationsIn(probe, text).map((citation) => citation.document);
    expect(documents("see ../shared/API.md, DESIGN.md and STYLE.md")).toEqual([
      "../shared/API.md",
      "DESIGN.md",
      "STYLE.md",
    ]);
    expect(documents("(reference B.4 rule 30; B.1 rule 5) and reference/anyio-semantics.md")).toEqual([
      "reference/anyio-semantics.md",
      REFERENCE,
      REFERENCE,
      REFERENCE,
    ]);
    expect(documents("../../shared/hooks and /work/shared/x")).toEqual([
      "../../shared/hooks",
      "shared/hooks",
      "/work/shared",
    ]);
    expect(documents("transformer.md, ../README.md, docs/sync.md, https://example.com/a/API.md")).toEqual([]);
  });

  test("the repository cites no document outside itself (CITATION_ALLOW_LIST aside)", () => {
    const problems: string[] = [];
    const cited = new Map<string, Set<string>>();
    for (const file of scannedFiles()) {
      for (const citation of citationsIn(file)) {
        const key = rel(citation.file);
        if (!cited.has(key)) cited.set(key, new Set());
        cited.get(key)!.add(citation.document);
        if (!(CITATION_ALLOW_LIST[key] ?? []).includes(citation.document)) {
          problems.push(
            `${key}:${citation.line} cites ${JSON.stringify(citation.text)}` +
              (citation.document === citation.text ? "" : ` (${citation.document})`) +
              ": the repository cites only documents it contains (/work/shared is not part of it)",
          );
        }
      }
    }
    for (const [file, documents] of Object.entries(CITATION_ALLOW_LIST)) {
      for (const document of documents) {
        if (!cited.get(file)?.has(document)) {
          problems.push(
            `CITATION_ALLOW_LIST lets ${file} cite ${JSON.stringify(document)}, which it no longer does: remove the entry`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. One spelling of each code

/** Two errors (TS99102, TS99103) and a warning (TS99105), in one file. */
const BAD = [
  "export async function f() {",
  '  "use structure";',
  "}",
  "export function g() {",
  '  "use structured";',
  "}",
  "export async function h() {",
  '  "use structured";',
  "  await Promise.all([f(), f()]);",
  "}",
  "",
].join("\n");

const EXPECTED = [
  { code: messages.misspelledDirective.code, severity: "error", line: 2 },
  { code: messages.directiveNotAsync.code, severity: "error", line: 5 },
  { code: messages.promiseCombinator.code, severity: "warning", line: 9 },
].map((d) => ({ ...d, label: diagnosticCode(d.code) }));

describe("one spelling of each code, the table's, in every front end", () => {
  test("diagnosticCode writes a code as tsc does, and the table lists codes that way", () => {
    expect(diagnosticCode(99102)).toBe("TS99102");
    const { rows } = diagnosticsTable();
    for (const { label } of EXPECTED) expect(rows.has(label)).toBe(true);
  });

  test("tspc: TypeScript diagnostics, printed as `error TS99102:`", () => {
    const added: ts.Diagnostic[] = [];
    const factory = anyioTransformer(undefined, {}, { ts, addDiagnostic: (d) => added.push(d) });
    ts.transpileModule(BAD, {
      fileName: "/app/src/bad.ts",
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
      transformers: { before: [factory] },
    });
    const printed = ts.formatDiagnostics(added, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => "/app",
      getNewLine: () => "\n",
    });
    expect(printed.trim().split("\n")).toEqual(
      EXPECTED.map(({ severity, label, line }) =>
        expect.stringMatching(`^src/bad\\.ts\\(${line},\\d+\\): ${severity} ${label}: `),
      ),
    );
  });

  test("Babel: one block per error, `file:line:column - error TS99102: message` and its code frame", () => {
    const warnings: string[] = [];
    let error: (Error & { diagnostics?: unknown[] }) | undefined;
    try {
      babel.transformSync(BAD, {
        filename: "/app/src/bad.ts",
        babelrc: false,
        configFile: false,
        highlightCode: false,
        plugins: [[anyioBabelPlugin, { onWarning: (w: { code: number }) => warnings.push(diagnosticCode(w.code)) }]],
      });
    } catch (caught) {
      error = caught as Error;
    }
    expect(error).toBeInstanceOf(SyntaxError);
    const blocks = error!.message.split("\n\n");
    expect(blocks[0]).toBe("/app/src/bad.ts: anyio-ts reported 2 errors:");
    expect(blocks.slice(1).map((block) => block.split("\n")[0])).toEqual(
      EXPECTED.filter((d) => d.severity === "error").map(({ label, line }) =>
        expect.stringMatching(`^/app/src/bad\\.ts:${line}:3 - error ${label}: `),
      ),
    );
    for (const block of blocks.slice(1)) expect(block).toMatch(/\n> \d \| /); // its code frame
    expect(warnings).toEqual(["TS99105"]);
    // Printed, it is that text and the first error's place: no stack of Babel's, no dump of its
    // diagnostics or code.
    expect(error!.stack).toBe(`SyntaxError: ${error!.message}\n    at /app/src/bad.ts:2:3`);
    expect(Object.keys(error!)).toEqual([]);
    expect(error!.diagnostics).toHaveLength(3);
  });

  test("Vite: `TS99102: message`, each further error a block with its code and frame", async () => {
    const plugin = anyioVite();
    plugin.configResolved({ root: "/app" });
    const logged: ViteLog[] = [];
    const context = {
      warn: (log: ViteLog) => void logged.push(log),
      error: (log: ViteLog): never => {
        logged.push(log);
        throw new Error(log.message);
      },
    };
    await plugin.transform.call(context, BAD, "/app/src/bad.ts").catch(() => undefined);
    expect(logged.map((log) => log.message.split("\n")[0])).toEqual([
      expect.stringMatching(/^TS99105: Promise\.all\(\)/),
      expect.stringMatching(/^TS99102: Unknown directive/),
    ]);
    expect(logged[1]!.message).toContain("\n\n/app/src/bad.ts:5:3 - error TS99103: The directive");
  });

  test("esbuild: `TS99102: message` as esbuild's own errors and warnings", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-codes-"));
    try {
      fs.writeFileSync(path.join(dir, "bad.ts"), BAD);
      const failure = (await esbuild
        .build({
          entryPoints: ["bad.ts"],
          absWorkingDir: dir,
          write: false,
          logLevel: "silent",
          plugins: [anyioEsbuild()],
        })
        .catch((caught: unknown) => caught)) as esbuild.BuildFailure;
      expect(failure.errors.map((e) => e.text.split(":")[0])).toEqual(["TS99102", "TS99103"]);
      expect(failure.warnings.map((w) => w.text.split(":")[0])).toEqual(["TS99105"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the playground labels codes with diagnosticCode", () => {
    const editor = fs.readFileSync(path.join(repo, "playground/src/editor.ts"), "utf8");
    expect(editor).toMatch(
      /export function codeLabel\(code: number\): string \{\s*return diagnosticCode\(code\);\s*\}/,
    );
  });

  test("no other spelling of a code is left in the repository's text", () => {
    // The CHANGELOG names the old spellings to say what changed.
    const files = scannedFiles().filter(
      (file) =>
        !file.includes(`${path.sep}tests${path.sep}integrations${path.sep}babel8${path.sep}`) &&
        file !== path.join(repo, "CHANGELOG.md"),
    );
    const problems: string[] = [];
    for (const file of files) {
      fs.readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, index) => {
          if (/anyio-ts[( ]99\d{3}\b/.test(line)) problems.push(`${rel(file)}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(problems).toEqual([]);
  });
});
