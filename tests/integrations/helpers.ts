// What the integration tests share: running commands with everything they printed in the error,
// `npm ci` in a nested project (once per lock file, not once per run), and anyio-ts built as it
// is published (`tspc -p tsconfig.build.json`, its declarations pass and scripts/copy-shims.cjs,
// as `npm run build`), linked into an example as its node_modules/anyio-ts.
import { execFile, execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const repo = path.resolve(__dirname, "../..");

/** Generous: a cold `npm ci` downloads packages; a warm run takes seconds. */
export const INTEGRATION_TIMEOUT = 180_000;

const quietEnv: NodeJS.ProcessEnv = {
  ...process.env,
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
  npm_config_loglevel: "error",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
};

/** What a command printed, and how it ended. */
export interface Finished {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to the end; `status` is its exit code (never throws for a non-zero one). */
export function spawn(command: string, args: string[], cwd: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, env: quietEnv, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : (error as { code?: unknown }).code;
        if (typeof status !== "number") reject(error);
        else resolve({ status, stdout, stderr });
      },
    );
  });
}

/** Runs a command and returns its stdout; on failure, throws with everything it printed. */
export function sh(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, {
      cwd,
      env: quietEnv,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr, status } = error as { stdout?: string; stderr?: string; status?: number };
    throw new Error(
      `\`${[path.basename(command), ...args].join(" ")}\` exited with ${status} in ${cwd}\n${stdout ?? ""}${stderr ?? ""}`,
    );
  }
}

/** Runs a script with this Node. */
export function node(args: string[], cwd: string): string {
  return sh(process.execPath, args, cwd);
}

function hash(parts: Iterable<string | Buffer>): string {
  const digest = crypto.createHash("sha256");
  for (const part of parts) digest.update(part);
  return digest.digest("hex").slice(0, 16);
}

/**
 * `npm ci` in `dir` (a nested project with its own package.json and package-lock.json), skipped
 * when its node_modules was installed from the same lock file: a stamp in node_modules records it.
 */
export function npmCi(dir: string): void {
  const lock = hash([
    fs.readFileSync(path.join(dir, "package.json")),
    fs.readFileSync(path.join(dir, "package-lock.json")),
  ]);
  const stamp = path.join(dir, "node_modules", ".anyio-ts-installed");
  const installed = () => fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === lock;
  if (installed()) return;
  // Two test files may install the same project (tests/package/ uses examples/typescript7's
  // Babel CLI): one runs `npm ci`, the other waits for it.
  const mutex = path.join(os.tmpdir(), `anyio-ts-npm-ci-${hash([dir])}.lock`);
  while (!tryLock(mutex)) sleepSync(200);
  try {
    if (installed()) return;
    sh("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], dir);
    fs.writeFileSync(stamp, lock);
  } finally {
    fs.rmSync(mutex, { recursive: true, force: true });
  }
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else out.push(full);
  }
  return out;
}

/**
 * anyio-ts built as `npm run build` builds it (tspc into `dist/`, plus the transformer's `.cjs`
 * shims) with its package.json: the directory a user's node_modules/anyio-ts holds. Built into a
 * cache keyed by the sources, so the example tests of one run (and later runs) share one build;
 * never into the repository's own dist/, which other work uses.
 *
 * The cache sits inside the repository's node_modules so that the package finds its peer
 * dependencies (`@babel/core`) the way an installed one does, by walking up.
 */
export function builtPackage(): string {
  const sources = [
    ...filesUnder(path.join(repo, "runtime")),
    ...filesUnder(path.join(repo, "transformer")),
    ...[
      "package.json",
      "tsconfig.json",
      "tsconfig.build.json",
      "scripts/copy-shims.cjs",
      "scripts/subpath-folders.cjs",
    ].map((name) => path.join(repo, name)),
  ];
  const key = hash(sources.flatMap((file) => [path.relative(repo, file), fs.readFileSync(file)]));
  const cache = path.join(repo, "node_modules", ".cache", "anyio-ts-integrations");
  const target = path.join(cache, `package-${key}`);
  const built = () => fs.existsSync(path.join(target, "package.json"));
  if (built()) return target;

  // Test files run in parallel workers: one builds, the others wait for its result.
  fs.mkdirSync(cache, { recursive: true });
  const lock = `${target}.lock`;
  while (!tryLock(lock)) {
    if (built()) return target;
    sleepSync(200);
  }
  try {
    if (built()) return target;
    const building = fs.mkdtempSync(path.join(cache, "building-"));
    try {
      const tspc = path.join(repo, "node_modules", "ts-patch", "bin", "tspc.js");
      node([tspc, "-p", "tsconfig.build.json", "--outDir", path.join(building, "dist")], repo);
      // The declarations with their TSDoc, in a pass of their own (the JavaScript has no comments).
      node(
        [
          tspc,
          "-p",
          "tsconfig.build.json",
          "--declaration",
          "--emitDeclarationOnly",
          "--removeComments",
          "false",
          "--outDir",
          path.join(building, "dist"),
        ],
        repo,
      );
      node([path.join(repo, "scripts", "copy-shims.cjs"), path.join(building, "dist")], repo);
      fs.copyFileSync(path.join(repo, "package.json"), path.join(building, "package.json"));
      // The subpath folders (rt/package.json, ...) that `npm pack` adds.
      node([path.join(repo, "scripts", "subpath-folders.cjs"), building], repo);
      fs.renameSync(building, target);
    } finally {
      fs.rmSync(building, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
  pruneOldBuilds(cache, target);
  return target;
}

/** Takes the lock (a directory); a lock older than two minutes was left by a killed run. */
function tryLock(lock: string): boolean {
  try {
    fs.mkdirSync(lock);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code !== "EEXIST") throw error;
    try {
      if (Date.now() - fs.statSync(lock).mtimeMs > 120_000) fs.rmSync(lock, { recursive: true, force: true });
    } catch {
      // Released meanwhile: the next attempt takes it.
    }
    return false;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Drops builds of older sources (a day old, so a build another test run is using stays). */
function pruneOldBuilds(cache: string, keep: string): void {
  const dayAgo = Date.now() - 24 * 60 * 60 * 1000;
  for (const name of fs.readdirSync(cache)) {
    const dir = path.join(cache, name);
    const stat = fs.statSync(dir, { throwIfNoEntry: false }); // another worker may have just removed it
    if (dir !== keep && stat !== undefined && stat.mtimeMs < dayAgo) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Makes `project`/node_modules/anyio-ts the built package, as `npm install anyio-ts` would. */
export function linkBuiltPackage(project: string): void {
  const modules = path.join(project, "node_modules");
  fs.mkdirSync(modules, { recursive: true });
  const link = path.join(modules, "anyio-ts");
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(builtPackage(), link, "dir");
}

/** The lines an example prints: the same program in every example. */
export const EXAMPLE_OUTPUT = ["task group: fast, slow", "timeout: cancelled, cancelledCaught = true"];
