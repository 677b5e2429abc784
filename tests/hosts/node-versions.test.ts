// A subset of the suite on the pinned Node 22 and 24 (tests/hosts/package.json, installed by
// `npm ci --prefix tests/hosts`), beside the whole suite on this Node: jest itself runs under each
// of them, over the compiled-code behaviour suites and the core suites whose behaviour rests on
// the host (the AsyncLocalStorage carrier of plain callbacks, timers behind deadlines, the task
// group and cancel scope rules), through both transformer front ends (ts-jest and babel-jest).
import { execFile } from "node:child_process";
import * as path from "node:path";
import { repo } from "../integrations/helpers";
import { hostBinary } from "./host-binaries";

const TIMEOUT = 300_000;

/** The suites run on each pinned Node. */
const SUBSET = [
  "tests/compiled/",
  "tests/runtime/core/cancel-scope.test.ts",
  "tests/runtime/core/context-async-local-storage.test.ts",
  "tests/runtime/core/task-group.test.ts",
  "tests/runtime/core/timeouts.test.ts",
];

interface JestReport {
  success: boolean;
  numTotalTestSuites: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: Array<{ name: string; status: string; message: string }>;
}

/** Runs jest under `node` over SUBSET, one worker (the machine is shared), and returns its report. */
function jestUnder(node: string): Promise<{ version: string; report: JestReport }> {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0" };
  delete env.JEST_WORKER_ID;
  return new Promise((resolve, reject) => {
    execFile(
      node,
      [
        "-e",
        "process.stdout.write(process.version + '\\n'); require('jest').run(process.argv.slice(1))",
        "--",
        ...SUBSET,
        "--selectProjects",
        "tsc",
        "babel",
        "--maxWorkers=1",
        "--ci",
        "--json",
      ],
      { cwd: repo, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: TIMEOUT },
      (error, stdout, stderr) => {
        const [version, ...rest] = stdout.split("\n");
        const json = rest.join("\n").trim();
        if (!json.startsWith("{")) {
          reject(
            new Error(`jest under ${node} printed no report (${String(error)}):\n${stdout}\n${stderr.slice(-4000)}`),
          );
          return;
        }
        resolve({ version: version!.trim(), report: JSON.parse(json) as JestReport });
      },
    );
  });
}

describe.each([
  ["node22", "v22.23.3"],
  ["node24", "v24.9.0"],
] as const)("the suite's core on %s", (binary, version) => {
  test(
    "passes in both projects",
    async () => {
      const { version: ran, report } = await jestUnder(hostBinary(binary));
      expect(ran).toBe(version);
      const failed = report.testResults
        .filter((suite) => suite.status !== "passed")
        .map((suite) => `${path.relative(repo, suite.name)}: ${suite.message.slice(0, 2000)}`);
      expect(failed).toEqual([]);
      expect(report.numFailedTests).toBe(0);
      // Both projects ran: each file of the subset once per project.
      expect(report.numTotalTestSuites).toBeGreaterThanOrEqual(2 * SUBSET.length);
      expect(report.numPassedTests).toBeGreaterThan(300);
      expect(report.success).toBe(true);
    },
    TIMEOUT,
  );
});
