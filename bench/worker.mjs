// One benchmark process: one scenario for one contender.
//   node --expose-gc bench/worker.mjs <contender> <scenario> <N> <warmup> <iters>
// Prints one line "BENCH_RESULT <json>" on stdout.
import { pathToFileURL } from "node:url";
import { timeBatches, median } from "./lib.mjs";

const [contender, scenario, nArg, warmupArg, itersArg] = process.argv.slice(2);
const N = Number(nArg);
const warmup = Number(warmupArg ?? 3);
const iters = Number(itersArg ?? 10);

async function load(name) {
  switch (name) {
    case "native":
      return import("./contenders/native.mjs");
    case "native-signal":
      return (await import("./contenders/native.mjs")).variants.signal;
    case "native-tp":
      return (await import("./contenders/native.mjs")).variants["timers-promises"];
    case "effection":
      return import("./contenders/effection.mjs");
    case "effect":
      return import("./contenders/effect.mjs");
    case "anyio-plain":
      return (await import("./contenders/anyio.mjs")).load("plain");
    case "anyio-compiled":
      return (await import("./contenders/anyio.mjs")).load("compiled");
    case "anyio-transformer": {
      // contenders/anyio-structured.src.mjs compiled by the project's Babel plugin (run.cjs).
      const file = process.env.ANYIO_BENCH_STRUCTURED;
      if (!file) return { unavailable: "no transformer-compiled module (ANYIO_BENCH_STRUCTURED unset)" };
      return import(pathToFileURL(file).href);
    }
    default:
      throw new Error(`unknown contender ${name}`);
  }
}

function emit(obj) {
  // The process's own CPU time (all its threads, GC helpers included), so that run.cjs can tell
  // how much of the machine other processes took while this one ran.
  const cpu = process.cpuUsage();
  obj.cpuMs = (cpu.user + cpu.system) / 1000;
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(obj)}\n`);
}

// Parked timers (the heap scenario's native baseline) would keep the process alive.
function done(code = 0) {
  process.stdout.write("", () => process.exit(code));
}

// A runaway never-settling run must not hang the harness forever.
const watchdog = setTimeout(
  () => {
    emit({ contender, scenario, error: "watchdog: worker did not finish in time" });
    process.exit(3);
  },
  Number(process.env.BENCH_WORKER_TIMEOUT_MS ?? 600_000),
);
watchdog.unref();

try {
  const mod = await load(contender);
  if (mod.unavailable) {
    emit({ contender, scenario, unavailable: mod.unavailable });
  } else if (typeof mod[scenario] !== "function") {
    emit({ contender, scenario, unavailable: `scenario not implemented for ${contender}` });
  } else if (scenario === "heap") {
    const r = await mod.heap(N);
    emit({ contender, scenario, N, unit: "B/task", value: r.bytes, before: r.before, after: r.after });
  } else {
    const checks = new Set();
    const spans = await timeBatches(
      async () => {
        const r = await mod[scenario](N);
        if (r.check && r.check !== "ok") checks.add(r.check);
        return r.ms;
      },
      { warmup, iters },
    );
    const perTaskUs = spans.map((ms) => (ms * 1000) / N);
    emit({
      contender,
      scenario,
      N,
      unit: "us/task",
      value: median(perTaskUs),
      samples: perTaskUs,
      check: checks.size ? [...checks].join("; ") : "ok",
    });
  }
} catch (err) {
  emit({ contender, scenario, error: String(err && err.stack ? err.stack : err) });
  process.exitCode = 2;
}
done(process.exitCode ?? 0);
