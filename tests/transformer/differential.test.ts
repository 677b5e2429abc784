// A differential fuzzer of the rewrite. fast-check generates small async programs
// (tests/transformer/differential/program.ts: functions f0..fn and async generators that call
// only later ones, with traces, awaits of values, thenables, resolved, microtask-hop and
// macrotask-paced promises, direct, indirect and spread calls, returns, try/catch/finally,
// loops, `for await` over arrays, sync generators and async generators, `yield` and `yield*`,
// nested async arrows, labelled break/continue, thrown errors). `main` starts two or three of
// them at once, then awaits each and traces its outcome. Each program runs three ways: plain
// (TypeScript without the plugin, no directive), compiled by the TypeScript front end and
// compiled by the Babel front end, each outside any run() and inside run(); the traces must be
// identical event by event. On a mismatch fast-check shrinks the program, and the failure
// prints the shrunk program with both traces side by side.
//
// What must hold (docs/transformer.md):
// - outside run(), compiled code behaves exactly like plain code, microtask order included;
// - inside run(), every await of a foreign native promise (not a runtime primitive, not a
//   compiled callee awaited directly) is raced against cancellation, which costs one extra
//   microtask turn, and nothing else does. The plain baseline models that turn (each such await
//   is written `await raced(p)`); what the contract leaves open inside run() (the cost of handing
//   a foreign promise out unawaited, of promise values of a sync iterable in `for await`) is
//   not generated there (GenOptions in program.ts);
// - compiled code runs in the right frame: none outside run(), the root task's frame at every
//   event inside it (execute.ts), and no frame is left current after a program, nor after a
//   macrotask.
// Most programs also run a microtask clock (`~0`, `~1`, ...: Program.clock) so that a single
// microtask turn more or less anywhere changes the trace.
//
// CI runs a fixed seed and 200 programs per mode (about 6 s each on a 2-core machine, the file
// about 15 s), so a failure reproduces exactly. On demand:
//   FUZZ_RUNS=5000 npx jest tests/transformer/differential        more runs (about 30 ms each)
//   FUZZ_SEED=123 FUZZ_RUNS=1000 npx jest tests/transformer/differential     another seed
//   FUZZ_WITHOUT=yieldStar,syncGen npx jest tests/transformer/differential   look past a known
//     failure: leave out constructs by kind (statement, operand, `for await` source, yield
//     form, or "generators"; see GenOptions.without)
// The second describe block runs hand-written regressions (differential/regressions.ts).
import fc from "fast-check";
import { describeMismatch, findMismatch, withoutHelpers, type Sources } from "./differential/compare";
import { printHandWritten, printProgram, programArb, type Program } from "./differential/program";
import { regressions } from "./differential/regressions";

const SEED = process.env.FUZZ_SEED === undefined ? 20_250_611 : Number(process.env.FUZZ_SEED);
const RUNS = process.env.FUZZ_RUNS === undefined ? 200 : Number(process.env.FUZZ_RUNS);
const WITHOUT = (process.env.FUZZ_WITHOUT ?? "").split(",").filter((kind) => kind !== "");
// Each run compiles three builds and runs them; a shrink runs many more. Scale with FUZZ_RUNS.
const TIMEOUT = 60_000 + RUNS * 2_000;

function sourcesOf(program: Program, inRun: boolean): Sources {
  return {
    structured: printProgram(program, { directive: true, model: false }),
    plain: printProgram(program, { directive: false, model: inRun }),
  };
}

async function check(sources: Sources, inRun: boolean): Promise<void> {
  const mismatch = await findMismatch(sources, inRun);
  if (mismatch !== undefined) throw new Error(describeMismatch(sources, inRun, mismatch));
}

/** Programs that print as their structured source in fast-check's counterexample line. */
function programs(inRun: boolean): fc.Arbitrary<Program> {
  return programArb({ inRun, without: WITHOUT }).map((program) =>
    Object.assign(program, { [fc.toStringMethod]: () => "\n" + withoutHelpers(sourcesOf(program, inRun).structured) }),
  );
}

describe("compiled programs trace like plain ones", () => {
  test(
    "outside run(): event by event, microtask order included",
    async () => {
      await fc.assert(
        fc.asyncProperty(programs(false), (program) => check(sourcesOf(program, false), false)),
        { seed: SEED, numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  test(
    "inside run(): event by event, with one extra microtask turn per raced foreign await",
    async () => {
      await fc.assert(
        fc.asyncProperty(programs(true), (program) => check(sourcesOf(program, true), true)),
        { seed: SEED + 1, numRuns: RUNS },
      );
    },
    TIMEOUT,
  );
});

describe("hand-written regressions trace like plain ones", () => {
  const cases = regressions.flatMap((regression) =>
    regression.modes.map((mode) => [`${regression.name} (${mode} run())`, regression, mode] as const),
  );
  test.each(cases)("%s", async (_name, regression, mode) => {
    const inRun = mode === "inside";
    await check(
      {
        structured: printHandWritten(regression.body, { directive: true, model: false }),
        plain: printHandWritten(regression.body, { directive: false, model: inRun }),
      },
      inRun,
    );
  });
});
