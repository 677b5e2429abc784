/**
 * The messages between the page and its two workers. The compile worker turns the editor's
 * TypeScript into the rewritten output (shown beside the source) and a CommonJS form of the same
 * code (what a run executes); the run worker executes that code against the browser build of
 * the runtime and streams back console output and the runtime's instrument events.
 */

/** The transformer front ends the playground can run. */
export type FrontEnd = "typescript" | "babel";

/** Page → compile worker. Requests are answered in order; the page keeps only the latest. */
export interface CompileRequest {
  readonly id: number;
  readonly source: string;
  readonly frontEnd: FrontEnd;
}

/** A diagnostic of the source, with offsets for underlining and a 1-based position for listing. */
export interface PlaygroundDiagnostic {
  readonly from: number;
  readonly to: number;
  readonly line: number;
  readonly column: number;
  readonly severity: "error" | "warning";
  /** The transformer's code (99101...) or TypeScript's syntax error code; 0 when there is none. */
  readonly code: number;
  readonly message: string;
  /** `"type"` for the language service's type errors, which are shown but never stop a run. */
  readonly kind?: "type";
}

/** Compile worker → page. */
export interface CompileResponse {
  readonly id: number;
  readonly frontEnd: FrontEnd;
  /** The rewritten program as an ES module, as the front end emits it. */
  readonly output: string;
  /** The same code as CommonJS, for the run worker; null when the source has errors. */
  readonly runnable: string | null;
  readonly diagnostics: readonly PlaygroundDiagnostic[];
  /** Milliseconds the compile took, the front end's first load included. */
  readonly elapsed: number;
  /** The source map (JSON) from `output` to the program; null when there is no output. */
  readonly outputMap: string | null;
  /** The source map (JSON) from `runnable` to `output`; null when there is no runnable. */
  readonly runnableMap: string | null;
  /** `[outputLine, programLine]` pairs (0-based): which program lines each output line comes from. */
  readonly lineLinks: ReadonlyArray<readonly [number, number]>;
}

/** Page → run worker: the one message a run worker receives. */
export interface RunRequest {
  readonly code: string;
  /** Source maps to point stack frames at the program's lines (null: frames stay unmapped). */
  readonly runnableMap: string | null;
  readonly outputMap: string | null;
}

/** A position in the program (1-based), where an error was raised or a task was started. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** Where console output came from: the program, or the playground reporting on the run. */
export type ConsoleLevel = "log" | "info" | "warn" | "error" | "debug" | "system";

/**
 * One event of a run, in the order they happened. `time` is milliseconds since the run worker
 * started executing the program (`performance.now()` in the worker).
 */
export type RunEvent =
  | { readonly type: "console"; readonly time: number; readonly level: ConsoleLevel; readonly text: string }
  | {
      readonly type: "spawned";
      readonly time: number;
      readonly task: number;
      readonly name: string;
      readonly parent: number | null;
    }
  | { readonly type: "started"; readonly time: number; readonly task: number }
  | {
      readonly type: "finished";
      readonly time: number;
      readonly task: number;
      readonly outcome: "returned" | "failed" | "cancelled";
      readonly error: string | null;
      /** Where in the program the failure was raised (its innermost program frame), if known. */
      readonly at: SourcePosition | null;
    }
  | {
      readonly type: "scope-cancelled";
      readonly time: number;
      readonly task: number | null;
      readonly cause: "cancel" | "deadline";
      readonly scope: string;
      /** The message of the Cancelled errors it raises: the reason, and who cancelled. */
      readonly reason: string;
    }
  | {
      readonly type: "group-error";
      readonly time: number;
      readonly task: number;
      readonly group: string;
      readonly error: string;
    }
  /** A task entered a cancel scope (not its own root scope); `depth` counts the scopes it is inside. */
  | {
      readonly type: "scope-entered";
      readonly time: number;
      readonly task: number;
      readonly scope: number;
      /** The scope's `toString()`. */
      readonly label: string;
      readonly shielded: boolean;
      /** When its deadline passes (run time), or null for none. */
      readonly deadline: number | null;
      readonly depth: number;
    }
  | { readonly type: "scope-exited"; readonly time: number; readonly scope: number }
  /** A task started waiting: on a sleep, an Event, a lock, a stream, a task group, or a foreign promise. */
  | {
      readonly type: "wait-started";
      readonly time: number;
      readonly task: number;
      readonly wait: number;
      readonly kind: WaitKind;
      /** The call it waits in, as text (`Event.wait()`). */
      readonly what: string;
      /**
       * Where the task waits: its pending awaits from the innermost out, each as
       * `function (file:line:column)` (from the transformer's await sites); empty when unknown.
       */
      readonly chain: readonly string[];
    }
  | { readonly type: "wait-ended"; readonly time: number; readonly wait: number }
  /** The program ended: every run() settled and the module finished evaluating. */
  | { readonly type: "done"; readonly time: number; readonly ok: boolean };

/**
 * What a blocked task waits on: `sleep`, an `event`, a `lock` (Lock, Semaphore, CapacityLimiter,
 * Condition), a stream's `send` or `receive`, a task `group` (its children, or `start()`), or a
 * foreign `promise` (anything else a structured function awaits).
 */
export type WaitKind = "sleep" | "event" | "lock" | "send" | "receive" | "group" | "promise";

/** Run worker → page: the run worker posts each event as it happens, one per message (see run-worker.ts). */
export type RunMessage = RunEvent;
