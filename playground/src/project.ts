/**
 * "Download project": the program as a project that builds and runs as downloaded, with the
 * TypeScript plugin (ts-patch's `tspc`), as docs/getting-started.md sets one up. Two commands:
 * `npm install`, then `npm start`.
 *
 * The files are made here (a pure function, tested by building and running them); the zip is
 * made by fflate, loaded only when the button is pressed.
 */
import type { FrontEnd } from "./protocol";

/** The version of anyio-ts the project depends on: the one the playground was built from. */
export const ANYIO_VERSION = "0.1.0";
/** The toolchain's versions: those the repository builds and tests with. */
export const TOOLCHAIN = { typescript: "5.9.3", "ts-patch": "3.3.0", "@types/node": "20.19.43" } as const;

const FRONT_END_NOTE: Record<FrontEnd, string> = {
  typescript: "",
  babel:
    "\nThe playground ran this program through the Babel front end; this project uses the TypeScript\n" +
    "plugin, which rewrites it the same way. The Babel setup is in the getting-started guide.\n",
};

/** The files of the project, by path, for `program` (the editor's text). */
export function projectFiles(program: string, frontEnd: FrontEnd): Record<string, string> {
  const packageJson = {
    name: "anyio-ts-playground-program",
    version: "1.0.0",
    private: true,
    type: "module",
    scripts: { build: "tspc", start: "tspc && node dist/main.js" },
    dependencies: { "anyio-ts": `^${ANYIO_VERSION}` },
    devDependencies: { ...TOOLCHAIN },
  };
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "node16",
      moduleResolution: "node16",
      lib: ["ES2022", "ESNext.Disposable"],
      types: ["node"],
      strict: true,
      outDir: "dist",
      rootDir: "src",
      // The anyio-ts rewrite: every await of a "use structured" file becomes a checkpoint.
      plugins: [{ transform: "anyio-ts/transformer" }],
    },
    include: ["src"],
  };
  const readme = [
    "# A program from the anyio-ts playground",
    "",
    "`src/main.ts` is the program as it was in the playground. Build and run it with Node 20.19 or later:",
    "",
    "```sh",
    "npm install",
    "npm start",
    "```",
    "",
    "`npm start` compiles with `tspc` (ts-patch's `tsc`, which applies the anyio-ts plugin named in",
    "tsconfig.json) into `dist/`, then runs `dist/main.js`. Plain `tsc` would skip the plugin and emit",
    "the program without the rewrite.",
    FRONT_END_NOTE[frontEnd],
  ].join("\n");
  return {
    "package.json": `${JSON.stringify(packageJson, null, 2)}\n`,
    "tsconfig.json": `${JSON.stringify(tsconfig, null, 2)}\n`,
    "README.md": readme,
    "src/main.ts": program.endsWith("\n") ? program : `${program}\n`,
  };
}

/** The project's files in a zip, under one folder named `folder`. */
export async function projectZip(files: Record<string, string>, folder: string): Promise<Uint8Array> {
  const { strToU8, zipSync } = await import("fflate");
  const entries: Record<string, Uint8Array> = {};
  for (const [name, text] of Object.entries(files)) entries[`${folder}/${name}`] = strToU8(text);
  return zipSync(entries, { level: 6 });
}
