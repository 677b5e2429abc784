// The programs the differential fuzzer runs: a small AST of async code (functions f0..fn and
// async generators calling only later units, so there are no recursion cycles), the fast-check
// arbitraries that generate it, and the printer that turns it into TypeScript source.
//
// A program is a list of units. Unit i may call, consume or delegate to unit j only for j > i;
// references are stored as offsets and resolved when printing (`to % candidates`), so that
// shrinking a program (dropping units, statements) always leaves a valid one. A reference with
// no candidate left prints a fallback that needs no unit (a plain value, an array).
import fc from "fast-check";

// --- The AST --------------------------------------------------------------------------------------

/** What an `await` (or a `yield`, a `return`, an element of a `for await` array) works on. */
export type Operand =
  | { k: "value"; v: number } //           7
  | { k: "resolved"; v: number } //        Promise.resolve(7)
  | { k: "rejected" } //                   rejected("f1.3")    Promise.reject(new Error("f1.3"))
  | { k: "thenable"; v: number } //        th(7)               { then(r) { r(7) } }
  | { k: "thenableReject" } //             thErr("f1.3")       { then(_, j) { j(error) } }
  | { k: "hops"; v: number; n: number } // hops(7, 2)          resolved after n microtask hops
  | { k: "macro"; v: number } //           macro(7)            resolved from setImmediate
  | { k: "macroReject" } //                macroErr("f1.3")    rejected from setImmediate
  | { k: "call"; to: number; d: number } // fj(x + d)          a direct call
  | { k: "spreadCall"; to: number; d: number } // fj(...[x + d])  not direct (the spread runs code)
  | { k: "awaitArg"; to: number; op: Operand }; // fj(x + (await op))  not direct (the argument awaits)

export type OperandKind = Operand["k"];

/** The source of a `for await` loop. */
export type Source =
  | { k: "array"; items: Operand[] } //     [1, th(2), macro(3)]
  | { k: "syncGen"; items: Operand[] } //   a sync generator yielding the items, tracing when closed
  | { k: "gen"; to: number; d: number }; // gj(x + d), a generated async generator

export type Ret =
  | { k: "value"; d: number } //              return x + d
  | { k: "call"; to: number; d: number } //   return fj(x + d)
  | { k: "awaitCall"; to: number; d: number } // return await fj(x + d)
  | { k: "await"; op: Operand } //            return await op
  | { k: "plain"; op: Operand }; //           return op

export type YieldForm =
  | { k: "plain"; op: Operand } //            yield op
  | { k: "await"; op: Operand } //            yield await op
  | { k: "star"; to: number; d: number } //   yield* gj(x + d)
  | { k: "starArray"; items: number[] }; //   yield* [1, 2]

export type Stmt =
  | { k: "trace" }
  | { k: "await"; op: Operand; at: "stmt" | "const" | "expr" }
  | { k: "indirect"; to: number; d: number; between: Stmt[] } // const p = fj(x + d); ...; await p
  | { k: "throw" }
  | { k: "return"; r: Ret }
  | { k: "try"; body: Stmt[]; handler: Stmt[] | null; finalizer: Stmt[] | null }
  | { k: "if"; mod: number; then: Stmt[]; else: Stmt[] }
  | { k: "for"; n: number; body: Stmt[] }
  | { k: "forOf"; items: number[]; body: Stmt[] }
  | { k: "forAwait"; source: Source; body: Stmt[]; breakAfter: number | null }
  // Only in loop bodies: `break` / `continue` of the innermost loop (outer 0) or, labelled, of
  // the loop around it (outer 1).
  | { k: "breakIf"; mod: number; cont: boolean; outer: number }
  | { k: "yield"; y: YieldForm } // only in generators
  | { k: "closure"; body: Stmt[] } // await (async () => { ... })()   a nested structured function
  | { k: "arrow"; op: Operand }; //   await (async () => await op)()

export interface Unit {
  gen: boolean;
  body: Stmt[];
}

export interface Task {
  to: number;
  arg: number;
}

export interface Program {
  units: Unit[];
  /** What `main` starts concurrently (function units only). */
  tasks: Task[];
  /**
   * The length of the microtask clock: a chain of plain `.then` callbacks tracing `~0`, `~1`, ...
   * one microtask turn apart, started by `main` and by every macrotask-paced promise when it
   * settles, so that one turn more or less anywhere shows in the trace. 0: no clock.
   */
  clock: number;
}

// --- Generation ------------------------------------------------------------------------------------

/**
 * Which constructs a generated program may use.
 *
 * Inside `run()` the comparison models the one extra microtask turn of each raced foreign await
 * (see {@link PrintOptions.model}); what the contract leaves unspecified there is not generated:
 * - a foreign promise handed out without `await` (`return p`, `yield p`): it is raced through a
 *   waiter whose cost in microtask turns the contract does not fix;
 * - promises and thenables as the values of a sync iterable in `for await`: each is raced by
 *   the step itself, again at an unspecified cost (even a macrotask-paced one: the microtask
 *   clock it starts when it settles shows the turns).
 */
export interface GenOptions {
  inRun: boolean;
  /**
   * Constructs to leave out, for exploring past a known failure: statement kinds (`Stmt["k"]`),
   * operand kinds (`OperandKind`), `for await` sources (`Source["k"]`), yield forms (`yieldPlain`,
   * `yieldAwait`, `yieldStar`, `yieldStarArray`) or `generators` (no async generator units).
   */
  without?: readonly string[];
}

const MAX_DEPTH = 2;

/**
 * Values of a sync generator in `for await`. Never rejected: a rejected value closes the
 * iterator per the current standard (and in the runtime) but not in Node 20's engine, a
 * difference docs/transformer.md records. An array has no `return()`, so it may hold them.
 */
const SYNC_GEN_OUTSIDE: OperandKind[] = ["value", "resolved", "thenable", "hops", "macro"];
const ARRAY_OUTSIDE: OperandKind[] = [...SYNC_GEN_OUTSIDE, "rejected", "thenableReject", "macroReject"];
const SYNC_SOURCE_IN_RUN: OperandKind[] = ["value"];
const HANDED_OUT_IN_RUN: OperandKind[] = ["value", "thenable", "thenableReject"];
const ALL_OPERANDS: OperandKind[] = [
  "value",
  "resolved",
  "rejected",
  "thenable",
  "thenableReject",
  "hops",
  "macro",
  "macroReject",
  "call",
  "spreadCall",
  "awaitArg",
];
/** What `fj(x + (await op))` awaits in its argument. */
const ARGUMENT_OPERANDS: OperandKind[] = ["value", "resolved", "rejected", "thenable", "hops", "macro"];

const small = fc.integer({ min: 0, max: 9 });
const offset = fc.nat(7);
const delta = fc.integer({ min: 0, max: 3 });

function operandArb(kinds: readonly OperandKind[]): fc.Arbitrary<Operand> {
  const argument = (): fc.Arbitrary<Operand> => {
    const allowed = ARGUMENT_OPERANDS.filter((kind) => kinds.includes(kind));
    return operandArb(allowed.length > 0 ? allowed : ["value"]);
  };
  const arbs: Record<OperandKind, fc.Arbitrary<Operand>> = {
    value: small.map((v) => ({ k: "value", v })),
    resolved: small.map((v) => ({ k: "resolved", v })),
    rejected: fc.constant({ k: "rejected" }),
    thenable: small.map((v) => ({ k: "thenable", v })),
    thenableReject: fc.constant({ k: "thenableReject" }),
    hops: fc.record({ v: small, n: fc.integer({ min: 1, max: 3 }) }).map(({ v, n }) => ({ k: "hops", v, n })),
    macro: small.map((v) => ({ k: "macro", v })),
    macroReject: fc.constant({ k: "macroReject" }),
    call: fc.record({ to: offset, d: delta }).map(({ to, d }) => ({ k: "call", to, d })),
    spreadCall: fc.record({ to: offset, d: delta }).map(({ to, d }) => ({ k: "spreadCall", to, d })),
    get awaitArg() {
      return fc.record({ to: offset, op: argument() }).map(({ to, op }): Operand => ({ k: "awaitArg", to, op }));
    },
  };
  // "value" first: fast-check shrinks a oneof towards its first arbitrary.
  return fc.oneof(...kinds.map((kind) => arbs[kind]));
}

/** The arbitrary of whole programs. */
export function programArb(options: GenOptions): fc.Arbitrary<Program> {
  const without = new Set(options.without ?? []);
  const keep = (kinds: readonly OperandKind[]) => kinds.filter((kind) => !without.has(kind));
  const awaited = operandArb(keep(ALL_OPERANDS));
  const handedOut = operandArb(keep(options.inRun ? HANDED_OUT_IN_RUN : ALL_OPERANDS));
  const syncItems = (outside: OperandKind[]) =>
    fc.array(operandArb(keep(options.inRun ? SYNC_SOURCE_IN_RUN : outside)), { minLength: 0, maxLength: 3 });

  const sourceArbs: fc.Arbitrary<Source>[] = [];
  if (!without.has("array")) sourceArbs.push(syncItems(ARRAY_OUTSIDE).map((items) => ({ k: "array", items })));
  if (!without.has("syncGen")) sourceArbs.push(syncItems(SYNC_GEN_OUTSIDE).map((items) => ({ k: "syncGen", items })));
  if (!without.has("gen"))
    sourceArbs.push(fc.record({ to: offset, d: delta }).map(({ to, d }) => ({ k: "gen", to, d })));
  const source = sourceArbs.length > 0 ? fc.oneof(...sourceArbs) : undefined;

  const retArbs: fc.Arbitrary<Ret>[] = [
    delta.map((d) => ({ k: "value", d })),
    fc.record({ to: offset, d: delta }).map(({ to, d }) => ({ k: "call", to, d })),
    fc.record({ to: offset, d: delta }).map(({ to, d }) => ({ k: "awaitCall", to, d })),
    awaited.map((op) => ({ k: "await", op })),
    handedOut.map((op) => ({ k: "plain", op })),
  ];
  // An async generator's `return fj(x)` is `return await fj(x)`; its awaited forms cover it.
  const genRetArbs: fc.Arbitrary<Ret>[] = [retArbs[0]!, retArbs[2]!, retArbs[3]!, retArbs[4]!];
  const yieldArbs: Record<`yield${"Plain" | "Await" | "Star" | "StarArray"}`, fc.Arbitrary<YieldForm>> = {
    yieldPlain: handedOut.map((op) => ({ k: "plain", op })),
    yieldAwait: awaited.map((op) => ({ k: "await", op })),
    yieldStar: fc.record({ to: offset, d: delta }).map(({ to, d }) => ({ k: "star", to, d })),
    yieldStarArray: fc.array(small, { minLength: 0, maxLength: 2 }).map((items) => ({ k: "starArray", items })),
  };
  const yieldKinds = Object.entries(yieldArbs).filter(([kind]) => !without.has(kind));
  const yieldArb = yieldKinds.length > 0 ? fc.oneof(...yieldKinds.map(([, arbitrary]) => arbitrary)) : undefined;

  const memo = new Map<string, fc.Arbitrary<Stmt[]>>();
  /** Statement lists at nesting `depth`, in a generator or not, in a loop body or not. */
  const block = (depth: number, gen: boolean, inLoop: boolean, maxLength = 3): fc.Arbitrary<Stmt[]> => {
    const key = `${depth}/${gen}/${inLoop}/${maxLength}`;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    const stmt = statement(depth, gen, inLoop);
    const result = fc.array(stmt, { minLength: 0, maxLength });
    memo.set(key, result);
    return result;
  };

  const statement = (depth: number, gen: boolean, inLoop: boolean): fc.Arbitrary<Stmt> => {
    const choices: { arbitrary: fc.Arbitrary<Stmt>; weight: number; kind: string }[] = [
      { kind: "trace", weight: 3, arbitrary: fc.constant({ k: "trace" }) },
      {
        kind: "await",
        weight: 8,
        arbitrary: fc
          .record({ op: awaited, at: fc.constantFrom("const" as const, "stmt" as const, "expr" as const) })
          .map(({ op, at }) => ({ k: "await", op, at })),
      },
      { kind: "throw", weight: 1, arbitrary: fc.constant({ k: "throw" }) },
      {
        kind: "return",
        weight: 1,
        arbitrary: fc.oneof(...(gen ? genRetArbs : retArbs)).map((r) => ({ k: "return", r })),
      },
    ];
    if (inLoop) {
      choices.push({
        kind: "breakIf",
        weight: 1,
        arbitrary: fc
          .record({ mod: delta, cont: fc.boolean(), outer: fc.integer({ min: 0, max: 1 }) })
          .map(({ mod, cont, outer }) => ({ k: "breakIf", mod, cont, outer })),
      });
    }
    if (gen && yieldArb !== undefined) {
      choices.push({ kind: "yield", weight: 5, arbitrary: yieldArb.map((y) => ({ k: "yield", y })) });
    }
    if (depth < MAX_DEPTH) {
      const inner = block(depth + 1, gen, inLoop);
      const loopBody = block(depth + 1, gen, true);
      choices.push(
        {
          kind: "indirect",
          weight: 3,
          arbitrary: fc
            .record({ to: offset, d: delta, between: inner })
            .map(({ to, d, between }) => ({ k: "indirect", to, d, between })),
        },
        {
          kind: "try",
          weight: 3,
          arbitrary: fc
            .record({
              body: inner,
              handler: fc.option(inner, { nil: null }),
              finalizer: fc.option(inner, { nil: null }),
            })
            .map(({ body, handler, finalizer }) => ({
              k: "try",
              body,
              handler: handler === null && finalizer === null ? [] : handler,
              finalizer,
            })),
        },
        {
          kind: "if",
          weight: 2,
          arbitrary: fc
            .record({ mod: delta, then: inner, else: inner })
            .map(({ mod, then, else: otherwise }) => ({ k: "if", mod, then, else: otherwise })),
        },
        {
          kind: "for",
          weight: 1,
          arbitrary: fc
            .record({ n: fc.integer({ min: 0, max: 2 }), body: loopBody })
            .map(({ n, body }) => ({ k: "for", n, body })),
        },
        {
          kind: "forOf",
          weight: 1,
          arbitrary: fc
            .record({ items: fc.array(small, { maxLength: 3 }), body: loopBody })
            .map(({ items, body }) => ({ k: "forOf", items, body })),
        },
        {
          kind: "closure",
          weight: 1,
          // A nested function: no `yield`, no `break` out of it.
          arbitrary: block(depth + 1, false, false).map((body) => ({ k: "closure", body })),
        },
        { kind: "arrow", weight: 1, arbitrary: awaited.map((op) => ({ k: "arrow", op })) },
      );
      if (source !== undefined) {
        choices.push({
          kind: "forAwait",
          weight: 4,
          arbitrary: fc
            .record({
              source,
              body: loopBody,
              breakAfter: fc.option(fc.integer({ min: 1, max: 2 }), { nil: null }),
            })
            .map(({ source, body, breakAfter }) => ({ k: "forAwait", source, body, breakAfter })),
        });
      }
    }
    const kept = choices.filter((choice) => !without.has(choice.kind));
    return fc.oneof(...kept.map(({ arbitrary, weight }) => ({ arbitrary, weight })));
  };

  const fnUnit = block(0, false, false, 5).map((body): Unit => ({ gen: false, body }));
  const genUnit = block(0, true, false, 5).map((body): Unit => ({ gen: true, body }));
  const unit = without.has("generators")
    ? fnUnit
    : fc.oneof({ arbitrary: fnUnit, weight: 2 }, { arbitrary: genUnit, weight: 1 });
  const task = fc.record({ to: offset, arg: fc.integer({ min: 1, max: 4 }) });
  return fc
    .record({
      first: fnUnit,
      rest: fc.array(unit, { minLength: 0, maxLength: 3 }),
      tasks: fc.array(task, { minLength: 1, maxLength: 3 }),
      clock: fc.integer({ min: 0, max: 40 }),
    })
    .map(({ first, rest, tasks, clock }) => ({ units: [first, ...rest], tasks, clock }));
}

// --- Printing --------------------------------------------------------------------------------------

export interface PrintOptions {
  /** Start the file with `"use structured"`. */
  directive: boolean;
  /**
   * Model the cost of racing a foreign promise inside `run()` in plain code: every await of a
   * foreign native promise (not a compiled callee awaited directly) becomes
   * `await raced(p)`, where `raced(p)` is `new Promise((r, j) => p.then(r, j))`, the one extra
   * microtask turn the contract gives such an await.
   */
  model: boolean;
}

/** The helpers every program has: plain functions, never rewritten (none is async). */
const PRELUDE = `let trace: (event: string) => void = () => {};
let pendingMacrotasks = 0;
let clock = 0;
function noop() {}
/** The microtask clock (see Program.clock): \`~i\` is traced i turns after the start. */
function startClock(length: number) {
  clock = length;
  let p = Promise.resolve(0);
  for (let i = 0; i < length; i++) p = p.then((n) => { trace("~" + n); return n + 1; });
}
function msg(error: any): string {
  return error instanceof Error ? error.message : "non-error " + String(error);
}
function th(v: any) {
  return { then(resolve: (v: any) => void) { resolve(v); } };
}
function thErr(label: string) {
  return { then(_resolve: unknown, reject: (e: any) => void) { reject(new Error(label)); } };
}
function hops(v: any, n: number): Promise<any> {
  let p = Promise.resolve(v);
  for (let i = 0; i < n; i++) p = p.then((y) => y);
  return p;
}
function macro(v: any): Promise<any> {
  pendingMacrotasks++;
  return new Promise((resolve) => setImmediate(() => { pendingMacrotasks--; resolve(v); startClock(clock); }));
}
// Rejected promises are marked handled: a \`return p\` that a \`finally\` overrides drops p.
function rejected(label: string): Promise<any> {
  const p = Promise.reject(new Error(label));
  p.catch(noop);
  return p;
}
function macroErr(label: string): Promise<any> {
  pendingMacrotasks++;
  const p = new Promise((_resolve, reject) => setImmediate(() => { pendingMacrotasks--; reject(new Error(label)); startClock(clock); }));
  p.catch(noop);
  return p;
}
/** True when no macrotask-paced promise is pending: the program can make no more progress. */
export function idle(): boolean {
  return pendingMacrotasks === 0;
}`;

const RACED = `function raced(p: Promise<any>): Promise<any> {
  return new Promise((resolve, reject) => p.then(resolve, reject));
}`;

/**
 * A hand-written program (a module body that defines `main`, using the helpers above) as
 * {@link printProgram} would print it: `raced(p)` marks each await of a foreign promise, and is
 * kept only where the options model the race (elsewhere it prints as `(p)`).
 */
export function printHandWritten(body: string, options: PrintOptions): string {
  const text = options.model ? body : body.replace(/\braced\(/g, "(");
  return [
    ...(options.directive ? [`"use structured";`] : []),
    PRELUDE,
    ...(options.model ? [RACED] : []),
    "",
    text.trim(),
    "",
  ].join("\n");
}

/** Prints `program` as a TypeScript module exporting `main(trace)` and `idle()`. */
export function printProgram(program: Program, options: PrintOptions): string {
  return new Printer(program, options).print();
}

class Printer {
  private readonly out: string[] = [];
  private indent = 0;
  private unit = 0;
  private counter = 0;
  /** How many `try` blocks with a `finally` enclose the statement being printed (outside the `finally`). */
  private guarded = 0;
  /** The loops around the statement being printed, innermost last. */
  private loops: { label: string; used: boolean }[] = [];

  constructor(
    private readonly program: Program,
    private readonly options: PrintOptions,
  ) {}

  print(): string {
    const { program, options } = this;
    if (options.directive) this.line(`"use structured";`);
    this.out.push(PRELUDE);
    if (options.model) this.out.push(RACED);
    this.line("");
    this.line("export async function main(t: (event: string) => void) {");
    this.indent++;
    this.line("trace = t;");
    if (program.clock > 0) this.line(`startClock(${program.clock});`);
    this.line(`trace("main enter");`);
    program.tasks.forEach((task, i) => {
      const callee = this.name(this.resolve(-1, task.to, false) ?? 0);
      this.line(`const p${i} = ${callee}(${task.arg});`);
      this.line(`p${i}.catch(noop);`);
    });
    this.line(`trace("main started");`);
    program.tasks.forEach((_, i) => {
      this.line(`try {`);
      this.line(`  trace("main ${i} = " + (await ${this.foreign(`p${i}`)}));`);
      this.line(`} catch (e) {`);
      this.line(`  trace("main ${i} ! " + msg(e));`);
      this.line(`}`);
    });
    this.line(`trace("main exit");`);
    this.indent--;
    this.line("}");
    program.units.forEach((unit, i) => this.printUnit(unit, i));
    return this.out.join("\n") + "\n";
  }

  private printUnit(unit: Unit, index: number): void {
    this.unit = index;
    this.counter = 0;
    const name = this.name(index);
    this.line("");
    if (unit.gen) {
      this.line(`async function* ${name}(x: number): AsyncGenerator<any, any, any> {`);
      this.indent++;
      this.line(`trace("${name} enter " + x);`);
      this.line("try {");
      this.block(unit.body);
      this.line("} finally {");
      this.line(`  trace("${name} finally " + x);`);
      this.line("}");
    } else {
      this.line(`async function ${name}(x: number): Promise<any> {`);
      this.indent++;
      this.line(`trace("${name} enter " + x);`);
      for (const stmt of unit.body) this.stmt(stmt);
    }
    this.line(`trace("${name} exit " + x);`);
    this.indent--;
    this.line("}");
  }

  /** Prints a loop; it gets a label when a `break` or `continue` in a nested loop names it. */
  private loop(id: string, header: string, body: () => void): void {
    const entry = { label: `L_${id}`, used: false };
    const at = this.out.length;
    this.line(header);
    this.loops.push(entry);
    body();
    this.loops.pop();
    this.line("}");
    if (entry.used) this.out[at] = this.out[at]!.replace(/^(\s*)/, `$1${entry.label}: `);
  }

  private block(stmts: readonly Stmt[]): void {
    this.indent++;
    for (const stmt of stmts) this.stmt(stmt);
    this.indent--;
  }

  private label(): string {
    return `${this.name(this.unit)}.${++this.counter}`;
  }

  private stmt(stmt: Stmt): void {
    const label = this.label();
    const id = label.replace(/\W/g, "_");
    switch (stmt.k) {
      case "trace":
        this.line(`trace("${label}");`);
        break;
      case "await": {
        const awaited = this.awaited(stmt.op, label);
        if (stmt.at === "stmt") this.line(`${awaited};`);
        else if (stmt.at === "const") {
          this.line(`const v_${id} = ${awaited};`);
          this.line(`trace("${label} " + v_${id});`);
        } else this.line(`trace("${label} " + (${awaited}));`);
        break;
      }
      case "indirect": {
        const to = this.resolve(this.unit, stmt.to, false);
        this.line(
          `const p_${id} = ${to === undefined ? `Promise.resolve(${stmt.d})` : `${this.name(to)}(x + ${stmt.d})`};`,
        );
        this.line(`p_${id}.catch(noop);`);
        for (const inner of stmt.between) this.stmt(inner);
        this.line(`trace("${label} " + (await ${this.foreign(`p_${id}`)}));`);
        break;
      }
      case "throw":
        this.line(`throw new Error("${label}");`);
        break;
      case "return":
        this.line(`trace("${label} return");`);
        this.line(`return ${this.returned(stmt.r, label)};`);
        break;
      case "try": {
        // A `finally` may override a `return` of the try block or the catch block, dropping
        // its promise: see `returned`.
        const guarded = stmt.finalizer !== null ? 1 : 0;
        this.guarded += guarded;
        this.line("try {");
        this.block(stmt.body);
        if (stmt.handler !== null) {
          this.line(`} catch (e_${id}) {`);
          this.line(`  trace("${label} caught " + msg(e_${id}));`);
          this.block(stmt.handler);
        }
        this.guarded -= guarded;
        if (stmt.finalizer !== null) {
          this.line("} finally {");
          this.line(`  trace("${label} finally");`);
          this.block(stmt.finalizer);
        }
        this.line("}");
        break;
      }
      case "if":
        this.line(`if ((x + ${stmt.mod}) % 2 === 0) {`);
        this.block(stmt.then);
        if (stmt.else.length > 0) {
          this.line("} else {");
          this.block(stmt.else);
        }
        this.line("}");
        break;
      case "for":
        this.loop(id, `for (let i_${id} = 0; i_${id} < ${stmt.n}; i_${id}++) {`, () => {
          this.line(`  trace("${label} i" + i_${id});`);
          this.block(stmt.body);
        });
        break;
      case "forOf":
        this.loop(id, `for (const v_${id} of [${stmt.items.join(", ")}]) {`, () => {
          this.line(`  trace("${label} " + v_${id});`);
          this.block(stmt.body);
        });
        break;
      case "forAwait": {
        if (stmt.breakAfter !== null) this.line(`let n_${id} = 0;`);
        this.loop(id, `for await (const v_${id} of ${this.source(stmt.source, label)}) {`, () => {
          this.line(`  trace("${label} " + v_${id});`);
          this.block(stmt.body);
          if (stmt.breakAfter !== null) this.line(`  if (++n_${id} >= ${stmt.breakAfter}) break;`);
        });
        break;
      }
      case "breakIf": {
        const target = this.loops[Math.max(0, this.loops.length - 1 - stmt.outer)]!;
        const jump = stmt.cont ? "continue" : "break";
        const labelled = target !== this.loops[this.loops.length - 1];
        if (labelled) target.used = true;
        this.line(`if ((x + ${stmt.mod}) % 2 === 0) ${jump}${labelled ? ` ${target.label}` : ""};`);
        break;
      }
      case "yield":
        this.line(`trace("${label} " + (${this.yielded(stmt.y, label)}));`);
        break;
      case "closure": {
        // The closure's own `return`s and loops: nothing around it applies inside.
        const { guarded, loops } = this;
        this.guarded = 0;
        this.loops = [];
        this.line(`trace("${label} " + (await (async () => {`);
        this.block(stmt.body);
        this.line("})()));");
        this.guarded = guarded;
        this.loops = loops;
        break;
      }
      case "arrow":
        this.line(`trace("${label} " + (await (async () => ${this.awaited(stmt.op, label)})()));`);
        break;
    }
  }

  /** `await op`, with the modelled race around a foreign promise. */
  private awaited(op: Operand, label: string): string {
    if (op.k === "call") {
      const to = this.resolve(this.unit, op.to, false);
      if (to !== undefined) return `await ${this.name(to)}(x + ${op.d})`;
    }
    const expression = this.operand(op, label);
    return `await ${this.isForeign(op) ? this.foreign(expression) : expression}`;
  }

  /** A native promise that is not a compiled callee awaited directly (always so for a spread call). */
  private isForeign(op: Operand): boolean {
    switch (op.k) {
      case "resolved":
      case "rejected":
      case "hops":
      case "macro":
      case "macroReject":
        return true;
      case "spreadCall":
      case "awaitArg":
        return this.resolve(this.unit, op.to, false) !== undefined;
      default:
        return false;
    }
  }

  private foreign(expression: string): string {
    return this.options.model ? `raced(${expression})` : expression;
  }

  private operand(op: Operand, label: string): string {
    switch (op.k) {
      case "value":
        return String(op.v);
      case "resolved":
        return `Promise.resolve(${op.v})`;
      case "rejected":
        return `rejected("${label}")`;
      case "thenable":
        return `th(${op.v})`;
      case "thenableReject":
        return `thErr("${label}")`;
      case "hops":
        return `hops(${op.v}, ${op.n})`;
      case "macro":
        return `macro(${op.v})`;
      case "macroReject":
        return `macroErr("${label}")`;
      case "call":
      case "spreadCall": {
        const to = this.resolve(this.unit, op.to, false);
        if (to === undefined) return String(op.d);
        return op.k === "call" ? `${this.name(to)}(x + ${op.d})` : `${this.name(to)}(...[x + ${op.d}])`;
      }
      case "awaitArg": {
        const to = this.resolve(this.unit, op.to, false);
        const argument = `x + (${this.awaited(op.op, label)})`;
        return to === undefined ? `(${argument})` : `${this.name(to)}(${argument})`;
      }
    }
  }

  private returned(r: Ret, label: string): string {
    switch (r.k) {
      case "value":
        return `x + ${r.d}`;
      case "call":
      case "awaitCall": {
        const to = this.resolve(this.unit, r.to, false);
        if (to === undefined) return `x + ${r.d}`;
        // A callee's promise dropped by an overriding `finally` would be an unhandled rejection
        // in every build alike (the harness cannot tell it apart from a real one): await it there.
        const awaited = r.k === "awaitCall" || this.guarded > 0;
        return `${awaited ? "await " : ""}${this.name(to)}(x + ${r.d})`;
      }
      case "await":
        return this.awaited(r.op, label);
      case "plain":
        if (this.guarded > 0 && (r.op.k === "call" || r.op.k === "spreadCall" || r.op.k === "awaitArg")) {
          return this.awaited(r.op, label);
        }
        return this.operand(r.op, label);
    }
  }

  private yielded(y: YieldForm, label: string): string {
    switch (y.k) {
      case "plain":
        return `yield ${this.operand(y.op, label)}`;
      case "await":
        return `yield ${this.awaited(y.op, label)}`;
      case "star": {
        const to = this.resolve(this.unit, y.to, true);
        return to === undefined ? `yield x + ${y.d}` : `yield* ${this.name(to)}(x + ${y.d})`;
      }
      case "starArray":
        return `yield* [${y.items.join(", ")}]`;
    }
  }

  private source(source: Source, label: string): string {
    switch (source.k) {
      case "array":
        return `[${source.items.map((op) => this.operand(op, label)).join(", ")}]`;
      case "syncGen": {
        const yields = source.items.map((op) => `yield ${this.operand(op, label)}; `).join("");
        return `(function* () { try { ${yields}} finally { trace("${label} closed"); } })()`;
      }
      case "gen": {
        const to = this.resolve(this.unit, source.to, true);
        return to === undefined ? `[x + ${source.d}]` : `${this.name(to)}(x + ${source.d})`;
      }
    }
  }

  /** The unit `to` designates from unit `from`: among the later units of the wanted kind. */
  private resolve(from: number, to: number, gen: boolean): number | undefined {
    const candidates: number[] = [];
    this.program.units.forEach((unit, i) => {
      if (i > from && unit.gen === gen) candidates.push(i);
    });
    return candidates.length === 0 ? undefined : candidates[to % candidates.length];
  }

  private name(index: number): string {
    return `${this.program.units[index]!.gen ? "g" : "f"}${index}`;
  }

  private line(text: string): void {
    this.out.push("  ".repeat(this.indent) + text);
  }
}
