// The API reference (`npm run docs`, TypeDoc from the TSDoc, configured in typedoc.json) is
// complete: TypeDoc runs over the package's entry points with `validation.notDocumented` and
// `treatWarningsAsErrors`, writing its pages, so a public name without documentation, a `{@link}`
// that leads nowhere or any other warning fails here, with TypeDoc's own message naming the name and its file. A probe project
// with one undocumented export shows that the check does fail.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const repo = path.resolve(__dirname, "../..");
const TYPEDOC = path.join(repo, "node_modules/typedoc/bin/typedoc");
const TIMEOUT = 120_000;

/**
 * Runs TypeDoc with an options file, writing the pages to a temporary folder (links are checked
 * only while pages are written); its exit status and its messages.
 */
function typedoc(options: string, cwd: string): { status: number | null; output: string } {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-typedoc-"));
  try {
    return runTypedoc(["--options", options, "--out", out], cwd);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

function runTypedoc(args: string[], cwd: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [TYPEDOC, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    timeout: TIMEOUT,
  });
  // eslint-disable-next-line no-control-regex
  const output = `${result.stdout}${result.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
  return { status: result.status, output };
}

const config = JSON.parse(fs.readFileSync(path.join(repo, "typedoc.json"), "utf8")) as {
  entryPoints: string[];
  out: string;
  treatWarningsAsErrors: boolean;
  validation: Record<string, boolean>;
};

describe("the API reference", () => {
  test("typedoc.json documents the package's entry points, fails on any warning, and writes to an ignored folder", () => {
    expect(config.treatWarningsAsErrors).toBe(true);
    expect(config.validation.notDocumented).toBe(true);
    expect(config.entryPoints).toEqual(
      expect.arrayContaining(["runtime/index.ts", "runtime/testing/jest.ts", "transformer/babel/index.ts"]),
    );
    for (const entry of config.entryPoints) expect(fs.existsSync(path.join(repo, entry))).toBe(true);
    expect(config.out.startsWith(".tmp/")).toBe(true);
    expect(fs.readFileSync(path.join(repo, ".gitignore"), "utf8").split("\n")).toContain(".tmp/");
  });

  test(
    "every public name of the entry points has TSDoc: TypeDoc reports no warning",
    () => {
      const { status, output } = typedoc("typedoc.json", repo);
      const warnings = output.split("\n").filter((line) => /\[(warning|error)\]/.test(line));
      expect({ status, warnings }).toEqual({ status: 0, warnings: [] });
    },
    TIMEOUT,
  );

  test(
    "an undocumented export fails the check, named in the message",
    () => {
      const probe = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-typedoc-probe-"));
      try {
        fs.writeFileSync(
          path.join(probe, "probe.ts"),
          "/** Documented. */\nexport function documented(): void {}\nexport const undocumented = 1;\n",
        );
        fs.writeFileSync(
          path.join(probe, "tsconfig.json"),
          JSON.stringify({
            compilerOptions: { target: "ES2022", strict: true, skipLibCheck: true },
            files: ["probe.ts"],
          }),
        );
        fs.writeFileSync(
          path.join(probe, "typedoc.json"),
          JSON.stringify({
            extends: [path.join(repo, "typedoc.json")],
            tsconfig: "tsconfig.json",
            entryPoints: ["probe.ts"],
            name: "probe",
          }),
        );
        const { status, output } = typedoc("typedoc.json", probe);
        expect(status).not.toBe(0);
        expect(output).toMatch(/undocumented \(Variable\).*does not have any documentation/);
        expect(output).not.toMatch(/documented \(Function\)/);
      } finally {
        fs.rmSync(probe, { recursive: true, force: true });
      }
    },
    TIMEOUT,
  );
});
