// The benchmark history: each `npm run bench` run becomes one line of medians and ratios, and
// bench/compare.cjs sets the newest run beside the previous run of the same machine.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const repo = path.resolve(__dirname, "../..");

interface Row {
  title: string;
  unit: string;
  median: number;
  ratio: number | null;
}
interface HistoryRecord {
  date: string;
  commit: string | null;
  machine: string;
  load: Array<number | null>;
  rows: Record<string, Row>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const history = require(path.join(repo, "bench/history.cjs")) as {
  machineKey(meta: object): string;
  historyRecord(meta: object, results: object): HistoryRecord;
  readHistory(files: string[]): HistoryRecord[];
  latestPair(records: HistoryRecord[]): { latest?: HistoryRecord; previous?: HistoryRecord };
  formatComparison(previous: HistoryRecord, latest: HistoryRecord): string;
};

const meta = {
  date: "2026-12-06T12:00:00.000Z",
  node: "v20.20.2",
  platform: "Linux 6.1 x64",
  cpus: 2,
  cpuModel: "Test CPU",
  totalMemGB: 8,
  loadavgStart: [0.5, 0.4, 0.3],
  loadavgEnd: [0.7, 0.5, 0.3],
  anyioCommit: "abc1234",
  scenarios: { spawnJoin: { title: "spawn+join" }, heap: { title: "heap/suspended task" } },
};
const results = {
  spawnJoin: {
    native: { label: "native async/await", unit: "µs/task", median: 0.1, ratioToNative: 1 },
    "anyio-transformer": { label: "anyio-ts (transformer)", unit: "µs/task", median: 0.25, ratioToNative: 2.5 },
    effect: { label: "Effect 4", unit: "µs/task", unavailable: "not installed" },
  },
  heap: { native: { label: "native async/await", unit: "B/task", median: 712, ratioToNative: 1 } },
};

function run(date: string, spawn: number, machine: Partial<typeof meta> = {}): HistoryRecord {
  const changed = structuredClone(results);
  changed.spawnJoin["anyio-transformer"].median = spawn;
  changed.spawnJoin["anyio-transformer"].ratioToNative = spawn / 0.1;
  return history.historyRecord({ ...meta, ...machine, date }, changed);
}

describe("the benchmark history", () => {
  test("a record keeps each measured row's median and ratio under its scenario and contender", () => {
    const record = history.historyRecord(meta, results);
    expect(record.machine).toBe("Test CPU x2, 8 GB, Linux x64, node v20.20.2");
    expect(record.commit).toBe("abc1234");
    expect(record.load).toEqual([0.5, 0.7]);
    expect(record.rows["spawnJoin/anyio-transformer"]).toEqual({
      title: "spawn+join, anyio-ts (transformer)",
      unit: "µs/task",
      median: 0.25,
      ratio: 2.5,
    });
    expect(record.rows["heap/native"]?.median).toBe(712);
    // A contender with no figure has no row.
    expect(Object.keys(record.rows)).not.toContain("spawnJoin/effect");
  });

  test("the newest run is compared with the previous run of the same machine, not another machine's", () => {
    const records = [
      run("2026-12-01T00:00:00.000Z", 0.3),
      run("2026-12-02T00:00:00.000Z", 0.2, { cpuModel: "Other CPU" }),
      run("2026-12-03T00:00:00.000Z", 0.24),
    ];
    const { latest, previous } = history.latestPair(records);
    expect(latest?.date).toBe("2026-12-03T00:00:00.000Z");
    expect(previous?.date).toBe("2026-12-01T00:00:00.000Z");
    expect(history.latestPair([run("2026-12-03T00:00:00.000Z", 0.24)]).previous).toBeUndefined();
  });

  test("the comparison gives both medians, the change in percent and both ratios of each row", () => {
    const text = history.formatComparison(run("2026-12-01T00:00:00.000Z", 0.3), run("2026-12-03T00:00:00.000Z", 0.24));
    const line = text.split("\n").find((row) => row.startsWith("spawn+join, anyio-ts (transformer)"));
    expect(line?.split(/\s{2,}/)).toEqual([
      "spawn+join, anyio-ts (transformer)",
      "µs/task",
      "0.300",
      "0.240",
      "-20.0%",
      "3.00x",
      "2.40x",
    ]);
    expect(text).toContain("machine: Test CPU x2, 8 GB, Linux x64, node v20.20.2");
  });

  test("bench/compare.cjs reads the history files, oldest first, each run once", () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-history-"));
    try {
      const first = path.join(directory, "a.jsonl");
      const second = path.join(directory, "b.jsonl");
      const older = run("2026-12-01T00:00:00.000Z", 0.3);
      const newer = run("2026-12-03T00:00:00.000Z", 0.15);
      fs.writeFileSync(first, `${JSON.stringify(newer)}\n`);
      fs.writeFileSync(second, `${JSON.stringify(older)}\n${JSON.stringify(newer)}\n`);
      expect(history.readHistory([first, second]).map((record) => record.date)).toEqual([older.date, newer.date]);
      const output = execFileSync(
        process.execPath,
        [path.join(repo, "bench/compare.cjs"), "--history", first, "--history", second],
        { encoding: "utf8" },
      );
      expect(output).toContain("now:    2026-12-03T00:00:00.000Z");
      expect(output).toMatch(/spawn\+join, anyio-ts \(transformer\)\s+µs\/task\s+0\.300\s+0\.150\s+-50\.0%/);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  test("the committed history ends with the run of the committed bench/results.json", () => {
    const committed = JSON.parse(fs.readFileSync(path.join(repo, "bench/results.json"), "utf8")) as {
      meta: object;
      results: object;
    };
    const records = history.readHistory([path.join(repo, "bench/history.jsonl")]);
    expect(records[records.length - 1]).toEqual(history.historyRecord(committed.meta, committed.results));
  });
});
